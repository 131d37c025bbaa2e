"""A NATS connection kept up by a loop: reconnect with backoff, remember the latest failure.

The node's forwarder and the federation's consumer both run this way: while NATS is down they
retry (0.2 s, doubling, at most 10 s) and their status shows why; their work resumes from what
was stored, so a dropped connection costs a retry, never a message.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from nats.aio.client import Client

MAX_BACKOFF = 10.0


class Link:
    def __init__(self, name: str, log: logging.Logger) -> None:
        self.name = name
        self.log = log
        self.connected = False
        self.last_error: str | None = None

    def up(self) -> None:
        """The connection is ready for work (called by the user of the connection)."""
        self.connected, self.last_error = True, None

    def failed(self, error: Exception) -> None:
        """Note a failure, logging it once per change (not on every retry)."""
        reason = f"{type(error).__name__}: {error}".strip(": ")
        if reason != self.last_error:
            self.log.warning("%s: %s", self.name, reason)
        self.last_error = reason

    async def keep(
        self,
        connect: Callable[[], Awaitable[Client]],
        use: Callable[[Client], Awaitable[None]],
        stop: asyncio.Event,
    ) -> None:
        """Connect and `use` the connection until `stop`, reconnecting after any failure;
        `use` calls `up()` once the connection is ready for its work."""
        backoff = 0.2
        while not stop.is_set():
            try:
                nc = await connect()
            except Exception as error:  # NATS down or refusing us: retry later
                self.failed(error)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), backoff)
                backoff = min(backoff * 2, MAX_BACKOFF)
                continue
            backoff = 0.2
            try:
                await use(nc)
            except Exception as error:
                self.failed(error)
            finally:
                self.connected = False
                with contextlib.suppress(Exception):
                    await nc.close()
