"""Regional nodes and a federation wired over a real nats-server, inside one test's event loop.

Each node forwards with its own NKey user; the federation consumes with its own. Helpers wait
for the national side to catch up (never sleep-and-hope) and read exact national totals.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from drais.config import FederationSettings, NodeSettings
from drais.nats_server import NatsServer
from federation import projections
from federation.admission import RegionCard, admit
from federation.nats_config import NatsIdentity
from federation.service import Federation, open_federation
from federation.store import dead_letters, national_log, regions
from node.bootstrap import Node, build_node


def seed_file(directory: Path, identity: NatsIdentity) -> Path:
    path = directory / f"{identity.name}.nk"
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as file:
        file.write(str(identity.seed))
    return path


def card(node: Node) -> RegionCard:
    return RegionCard(
        region=node.settings.region,
        name=node.settings.region_name,
        verify_key=node.outbox.keys.public_hex(),
    )


@dataclass
class Federated:
    """Nodes forwarding to a federation, all running as tasks of the current loop."""

    server: NatsServer
    directory: Path
    identities: dict[str, NatsIdentity] = field(default_factory=dict)
    nodes: dict[str, Node] = field(default_factory=dict)
    federation: Federation | None = None
    _running: dict[str, tuple[asyncio.Event, asyncio.Task[None]]] = field(default_factory=dict)

    def _credentials(self, name: str) -> Path | None:
        identity = self.identities.get(name)
        return seed_file(self.directory / "secrets", identity) if identity else None

    def _run(self, name: str, loop: Callable[[asyncio.Event], Awaitable[None]]) -> None:
        stop = asyncio.Event()
        self._running[name] = (stop, asyncio.create_task(loop(stop)))  # type: ignore[arg-type]

    async def halt(self, name: str) -> None:
        """Stop one component's loop (a node's forwarder, or "federation")."""
        stop, task = self._running.pop(name)
        stop.set()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(task, 10)

    def add_node(self, region: str, *, admitted: bool = True, forward: bool = True) -> Node:
        node = build_node(
            NodeSettings(
                region=region,
                data_dir=self.directory / region,
                api_token="test-token",
                nats_url=self.server.url,
                nats_credentials=self._credentials(region),
                forward=forward,
                heartbeat_seconds=0.3,
            )
        )
        node.forwarder.poll_seconds = 0.05
        self.nodes[region] = node
        if admitted and self.federation is not None:
            admit(self.federation.engine, card(node))
        if forward:
            self._run(region, node.forwarder.run)
        return node

    def run_forwarder(self, region: str) -> None:
        self._run(region, self.nodes[region].forwarder.run)

    async def wait_for(self, condition: Callable[[], bool], timeout: float = 15.0) -> None:
        deadline = asyncio.get_running_loop().time() + timeout
        while not condition():
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError("the condition did not become true in time")
            await asyncio.sleep(0.05)

    async def federation_ready(self) -> None:
        """Wait until the federation consumes (it creates the stream when it connects)."""
        await self.wait_for(lambda: self.federation is not None and self.federation.connected)

    def federation_counter(self, outcome: str) -> int:
        assert self.federation is not None
        return int(getattr(self.federation.counters, outcome))

    def start_federation(self) -> Federation:
        self.federation = open_federation(
            FederationSettings(
                data_dir=self.directory / "national",
                nats_url=self.server.url,
                nats_credentials=self._credentials("federation"),
            )
        )
        self._run("federation", self.federation.consume)
        return self.federation

    def poke(self) -> None:
        for node in self.nodes.values():
            node.forwarder.poke()

    async def settle(self, timeout: float = 15.0) -> None:
        """Wait until the federation holds every message every node derived."""
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            expected = {}
            for region, node in self.nodes.items():
                await asyncio.to_thread(node.outbox.derive)
                expected[region] = node.outbox.status()["head_seq"]
            if self.last_seqs() == expected:
                return
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"national {self.last_seqs()} != regional {expected}")
            self.poke()
            await asyncio.sleep(0.05)

    def last_seqs(self) -> dict[str, int]:
        assert self.federation is not None
        with self.federation.engine.connect() as conn:
            rows = conn.execute(select(regions.c.region, regions.c.last_seq)).all()
        return {row.region: row.last_seq for row in rows if row.region in self.nodes}

    def logged(self) -> dict[str, int]:
        """Messages in the national log per region (a message applied twice would show)."""
        assert self.federation is not None
        with self.federation.engine.connect() as conn:
            rows = conn.execute(
                select(national_log.c.region, func.count()).group_by(national_log.c.region)
            ).all()
        return dict(rows)

    def snapshot(self) -> dict[str, list[tuple[Any, ...]]]:
        """Every national projection table's rows, sorted: equal snapshots, equal projections."""
        assert self.federation is not None
        with self.federation.engine.connect() as conn:
            return {
                name: sorted((tuple(row) for row in conn.execute(select(table))), key=repr)
                for name, table in projections.metadata.tables.items()
            }

    def dead_letter_reasons(self) -> list[str]:
        assert self.federation is not None
        with self.federation.engine.connect() as conn:
            return list(conn.execute(select(dead_letters.c.reason)).scalars())

    async def close(self) -> None:
        for name in list(self._running):
            await self.halt(name)
        for node in self.nodes.values():
            node.close()
        if self.federation is not None:
            self.federation.engine.dispose()


@contextlib.asynccontextmanager
async def federated(
    server: NatsServer,
    directory: Path,
    identities: dict[str, NatsIdentity] | None = None,
) -> AsyncIterator[Federated]:
    system = Federated(server, directory, dict(identities or {}))
    try:
        yield system
    finally:
        await system.close()
