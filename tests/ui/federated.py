"""Regional nodes forwarding to a federation over a real nats-server, for the national pages.

The harness of tests/federation runs everything as tasks of one event loop; here that loop
runs in a thread of its own, so synchronous tests (a TestClient, Playwright's sync API, which
cannot share its thread with a running loop) can drive the pages while the nodes forward and
the federation consumes. With `serve=True` the federation's whole ASGI app (API and national
pages) is also served by uvicorn on a free port, in the same loop.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import socket
import threading
from collections.abc import Callable, Coroutine, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

import uvicorn

from drais.nats_server import NatsServer
from federation.api import create_api
from federation.nats_config import NatsIdentity
from federation.service import Federation
from node.bootstrap import Node
from tests.federation.harness import Federated, federated
from tests.nats_fixtures import secured_config, start_nats_server

T = TypeVar("T")
TIMEOUT = 30.0


class LoopThread:
    """An event loop running in a daemon thread; coroutines are submitted from any thread."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def run(self, coroutine: Coroutine[Any, Any, T], timeout: float = TIMEOUT) -> T:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)

    def call(self, function: Callable[[], T]) -> T:
        """Run a plain function in the loop's thread (one that creates tasks, say)."""

        async def wrapped() -> T:
            return function()

        return self.run(wrapped())

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)
        self.loop.close()


@dataclass
class LiveFederation:
    system: Federated
    federation: Federation
    nodes: dict[str, Node]
    background: LoopThread
    server: NatsServer
    identities: dict[str, NatsIdentity]
    url: str | None = None

    def settle(self) -> None:
        """Wait until the federation holds every message the nodes derived."""
        self.background.run(self.system.settle())


def _listener() -> socket.socket:
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    return listener


@contextmanager
def live_federation(
    directory: Path, regions: tuple[str, ...], *, serve: bool = False
) -> Iterator[LiveFederation]:
    """A secured nats-server, a consuming federation and one forwarding node per region."""
    config, region_ids, federation_id = secured_config()
    with start_nats_server(directory / "nats", config=config) as server:
        background = LoopThread()
        context = federated(server, directory, {**region_ids, "federation": federation_id})
        system = background.run(context.__aenter__())
        uvicorn_server: uvicorn.Server | None = None
        listener: socket.socket | None = None
        served: concurrent.futures.Future[None] | None = None
        try:
            federation = background.call(system.start_federation)
            background.run(system.federation_ready())
            nodes = {code: background.call(partial(system.add_node, code)) for code in regions}
            live = LiveFederation(system, federation, nodes, background, server, region_ids)
            if serve:
                listener = _listener()
                uvicorn_server = uvicorn.Server(
                    uvicorn.Config(
                        create_api(federation, consume=False), log_level="warning", lifespan="on"
                    )
                )
                served = asyncio.run_coroutine_threadsafe(
                    uvicorn_server.serve(sockets=[listener]), background.loop
                )
                server_ref = uvicorn_server

                async def started() -> None:
                    await system.wait_for(lambda: server_ref.started)

                background.run(started())
                live.url = f"http://127.0.0.1:{listener.getsockname()[1]}"
            yield live
        finally:
            if uvicorn_server is not None and served is not None:
                uvicorn_server.should_exit = True
                served.result(timeout=10)
            if listener is not None:
                listener.close()
            background.run(context.__aexit__(None, None, None))
            background.close()
