"""A NATS connection kept up by a loop: reconnect with backoff, remember the latest failure.

The node's forwarder and the federation's consumer both run this way: while NATS is down, or
up but failing their work (no stream yet, permissions refused), they retry after 0.2 s,
doubling up to 10 s, and their status shows why; their work resumes from what was stored, so a
dropped connection costs a retry, never a message. A failure after a long healthy spell starts
the backoff over; the same reason is logged once until such a spell, not on every retry.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from nats.aio.client import Client

FIRST_BACKOFF = 0.2
MAX_BACKOFF = 10.0
HEALTHY_SECONDS = MAX_BACKOFF  # a connection that worked this long was not part of a streak


class Link:
    def __init__(self, name: str, log: logging.Logger) -> None:
        self.name = name
        self.log = log
        self.connected = False
        self.last_error: str | None = None
        self.attempts = 0  # connections tried so far
        self._logged: str | None = None  # the failure last logged, until a healthy spell

    def up(self) -> None:
        """The connection is ready for work (called by the user of the connection)."""
        self.connected, self.last_error = True, None

    def failed(self, error: Exception) -> None:
        """Note a failure, logging it once per change (not on every retry)."""
        reason = f"{type(error).__name__}: {error}".strip(": ")
        if reason != self._logged:
            self.log.warning("%s: %s", self.name, reason)
            self._logged = reason
        self.last_error = reason

    async def keep(
        self,
        connect: Callable[[], Awaitable[Client]],
        use: Callable[[Client], Awaitable[None]],
        stop: asyncio.Event,
    ) -> None:
        """Connect and `use` the connection until `stop`, reconnecting after any failure;
        `use` calls `up()` once the connection is ready for its work."""
        loop = asyncio.get_running_loop()
        backoff = FIRST_BACKOFF
        while not stop.is_set():
            began = loop.time()
            self.attempts += 1
            try:
                nc = await connect()
            except Exception as error:  # NATS down or refusing us: retry later
                self.failed(error)
            else:
                try:
                    await use(nc)
                except Exception as error:
                    self.failed(error)
                finally:
                    self.connected = False
                    with contextlib.suppress(Exception):
                        await nc.close()
            if stop.is_set():
                return
            if loop.time() - began >= HEALTHY_SECONDS:
                backoff, self._logged = FIRST_BACKOFF, None
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), backoff)
            backoff = min(backoff * 2, MAX_BACKOFF)
