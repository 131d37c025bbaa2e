"""Real nats-server fixtures and helpers (DESIGN §9), for any test module to import.

    from tests.nats_fixtures import connect, secured_nats
    __all__ = ["secured_nats"]  # an imported fixture: tells linters the name is used

`nats_server` is an open server (no authentication) for tests of JetStream behaviour;
`secured_nats` runs the configuration the bootstrap generates, with an NKey user for each of
the 12 regions and one for the federation, and fsync on every message. Both are
module-scoped, on a free port (never 4222) with a temporary store, and check at teardown
that the process is gone. Fixtures are synchronous so that tests of any event-loop scope can
use them; open connections inside the test with `connect`.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nats
import pytest
from nats.aio.client import Client

from drais.nats_server import NatsServer
from drais.territory import regions
from federation.nats_config import (
    NatsIdentity,
    generate_federation_identity,
    generate_region_identity,
    render_server_config,
)


def process_gone(pid: int) -> bool:
    """True when no live process has this id (a zombie awaiting its reaper counts as gone)."""
    stat = Path(f"/proc/{pid}/stat")
    if Path("/proc/self/stat").exists():
        try:
            state = stat.read_text().rsplit(")", 1)[1].split()[0]
        except (OSError, IndexError):
            return True
        return state in ("Z", "X")
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def wait_gone(pid: int, timeout: float = 5.0) -> bool:
    """Poll `process_gone` for up to `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process_gone(pid):
            return True
        time.sleep(0.02)
    return process_gone(pid)


@contextmanager
def start_nats_server(directory: Path, **options: Any) -> Iterator[NatsServer]:
    """A NatsServer storing under `directory`, stopped on exit and checked to be gone."""
    server = NatsServer(directory / "store", **options)
    server.start()
    try:
        yield server
    finally:
        pid = server.pid  # the current process: tests may have killed and restarted it
        server.stop()
        if pid is not None:
            assert wait_gone(pid), f"nats-server {pid} outlived its fixture"


@dataclass
class SecuredNats:
    """A server running the generated configuration, and the identities it admits."""

    server: NatsServer
    regions: dict[str, NatsIdentity]
    federation: NatsIdentity

    def identity(self, name: str) -> NatsIdentity:
        return self.federation if name == self.federation.name else self.regions[name]


def secured_config(**options: Any) -> tuple[str, dict[str, NatsIdentity], NatsIdentity]:
    """A generated configuration for the 12 regions and the federation, with their identities.

    `options` go to `render_server_config` (the store dir is left to NatsServer).
    """
    region_ids = {code: generate_region_identity(code) for code in regions()}
    federation = generate_federation_identity()
    config = render_server_config(
        regions=[identity.public() for identity in region_ids.values()],
        federation=federation.public(),
        **options,
    )
    return config, region_ids, federation


@pytest.fixture(scope="module")
def nats_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NatsServer]:
    """An open nats-server with JetStream, shared by the tests of one module."""
    with start_nats_server(tmp_path_factory.mktemp("nats")) as server:
        yield server


@pytest.fixture(scope="module")
def secured_nats(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SecuredNats]:
    """A nats-server running the generated per-region NKey configuration."""
    config, region_ids, federation = secured_config(sync_interval="always")
    with start_nats_server(tmp_path_factory.mktemp("nats"), config=config) as server:
        yield SecuredNats(server, region_ids, federation)


@dataclass
class Errors:
    """Asynchronous errors a connection reports (e.g. permissions violations)."""

    seen: list[Exception] = field(default_factory=list)

    async def callback(self, error: Exception) -> None:
        self.seen.append(error)

    async def wait_for(self, text: str, timeout: float = 2.0) -> Exception:
        """The first error whose message contains `text`, waiting for it if needed."""
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            for error in self.seen:
                if text.lower() in str(error).lower():
                    return error
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"no error containing {text!r}; saw {self.seen!r}")
            await asyncio.sleep(0.01)


async def connect(
    server: NatsServer,
    identity: NatsIdentity | None = None,
    errors: Errors | None = None,
    **options: Any,
) -> Client:
    """A client connection, signed in as `identity` when given, reporting to `errors`."""
    if identity is not None:
        options.update(identity.connect_options())
    if errors is not None:
        options["error_cb"] = errors.callback
    options.setdefault("allow_reconnect", False)
    options.setdefault("connect_timeout", 2)
    return await nats.connect(server.url, **options)
