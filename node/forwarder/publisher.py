"""Sends the outbox to the national stream: pipelined, acknowledged, resumable.

Messages go out pipelined (many in flight, one round trip of latency per batch: `acks.py`);
the forwarded position moves only once the stream acknowledged the whole batch. If NATS is
down the node goes on recording, the outbox grows, and this loop retries with backoff; a batch
that timed out is sent again whole (the stream drops repeats by `Nats-Msg-Id`). A heartbeat
tells the federation the chain head, and a re-send request replays stored bytes from a seq.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import nats
from nats.aio.client import Client
from nats.aio.msg import Msg

from drais.link import Link
from federation import contract
from node.forwarder.acks import AckedPublisher
from node.forwarder.outbox import Message, Outbox

log = logging.getLogger(__name__)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class Forwarder:
    def __init__(
        self,
        outbox: Outbox,
        nats_url: str,
        *,
        nkey_seed_file: Path | None = None,
        heartbeat_seconds: float = 10.0,
        poll_seconds: float = 0.2,
        ack_timeout: float = 5.0,
        batch: int = 1000,
    ) -> None:
        self.outbox = outbox
        self.region = outbox.keys.region
        self.nats_url = nats_url
        self.nkey_seed_file = nkey_seed_file
        self.heartbeat_seconds = heartbeat_seconds
        self.poll_seconds = poll_seconds
        self.ack_timeout = ack_timeout
        self.batch = batch
        self.link = Link(f"forwarder {self.region}", log)
        self.resends = 0
        self.forwarded_seq = 0  # the stream acknowledged up to here (read when connecting)
        self._wake = asyncio.Event()
        self._resend_from: int | None = None
        self._last_heartbeat = -1e9
        self._loop: asyncio.AbstractEventLoop | None = None

    def status(self) -> dict[str, Any]:
        return {
            **self.outbox.status(),
            "connected": self.connected,
            "last_error": self.last_error,
            "resends": self.resends,
        }

    def poke(self) -> None:
        """Something was recorded: don't wait for the next poll. Safe from any thread."""
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._wake.set)

    @property
    def connected(self) -> bool:
        return self.link.connected

    @property
    def last_error(self) -> str | None:
        return self.link.last_error

    async def run(self, stop: asyncio.Event) -> None:
        """Forward until `stop` is set, reconnecting with backoff while NATS is unreachable;
        the node keeps recording meanwhile."""
        self._loop = asyncio.get_running_loop()
        await self.link.keep(self._connect, lambda nc: self._forward(nc, stop), stop)

    async def _connect(self) -> Client:
        return await nats.connect(
            self.nats_url,
            nkeys_seed=str(self.nkey_seed_file) if self.nkey_seed_file else None,
            inbox_prefix=f"_INBOX.{self.region}",  # the only inbox its NATS user may read
            connect_timeout=2,
            allow_reconnect=False,
            name=f"drais-forwarder-{self.region}",
        )

    async def _forward(self, nc: Client, stop: asyncio.Event) -> None:
        publisher = AckedPublisher(nc)
        await publisher.start()
        await nc.subscribe(contract.resend_subject(self.region), cb=self._on_resend)
        self.forwarded_seq = (await asyncio.to_thread(self.outbox.status))["forwarded_seq"]
        self.link.up()
        loop = asyncio.get_running_loop()
        while not stop.is_set():
            if nc.is_closed:
                raise ConnectionError("connection closed")
            derived = await asyncio.to_thread(self.outbox.derive_batch)
            if self._resend_from is not None:
                await self._resend(publisher)
            sent = await self._send(publisher, derived or [])
            if loop.time() - self._last_heartbeat >= self.heartbeat_seconds:
                await self._heartbeat(nc)
                self._last_heartbeat = loop.time()
            if not sent and derived is None:
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self.poll_seconds)

    async def _publish(
        self, publisher: AckedPublisher, messages: list[Message], *, dedupe: bool = True
    ) -> None:
        """Publish and wait for every ack. A re-send goes without `Nats-Msg-Id`: the stream
        may still remember the id of a copy it lost (or of a forgery that used it), and the
        consumer drops repeats by (region, seq) anyway."""
        await publisher.publish(
            [(m.subject, m.body, m.msg_id if dedupe else None) for m in messages],
            self.ack_timeout,
        )

    async def _send(self, publisher: AckedPublisher, derived: list[Message]) -> int:
        """Publish what follows the forwarded position: the batch just derived when it is
        next (no need to read back what was just written), else what the outbox holds."""
        if derived and derived[0].seq == self.forwarded_seq + 1:
            messages = derived
        else:
            messages = await asyncio.to_thread(self.outbox.after, self.forwarded_seq, self.batch)
        for first in range(0, len(messages), self.batch):
            chunk = messages[first : first + self.batch]
            await self._publish(publisher, chunk)
            await asyncio.to_thread(self.outbox.acknowledge, chunk[-1].seq, _now())
            self.forwarded_seq = chunk[-1].seq
        return len(messages)

    async def _resend(self, publisher: AckedPublisher) -> None:
        start, self._resend_from = (self._resend_from or 1), None
        forwarded = self.forwarded_seq
        log.info("forwarder %s: re-sending from seq %d", self.region, start)
        self.resends += 1
        after = start - 1
        while after < forwarded:
            messages = await asyncio.to_thread(self.outbox.after, after, self.batch)
            messages = [m for m in messages if m.seq <= forwarded]
            if not messages:
                return
            await self._publish(publisher, messages, dedupe=False)
            after = messages[-1].seq

    async def _on_resend(self, msg: Msg) -> None:
        try:
            start = int(json.loads(msg.data)["from_seq"])
        except (ValueError, KeyError, TypeError):
            log.warning("forwarder %s: ignored a malformed re-send request", self.region)
            return
        if start >= 1:
            self._resend_from = min(start, self._resend_from or start)
            self._wake.set()

    async def _heartbeat(self, nc: Client) -> None:
        keys = self.outbox.keys
        document: dict[str, Any] = {
            "v": contract.VERSION,
            "region": self.region,
            "head_seq": self.forwarded_seq,
            "head": self.outbox.hash_of(self.forwarded_seq),
            "sent_at": _now(),
            "kid": keys.kid,
        }
        await nc.publish(
            contract.heartbeat_subject(self.region), contract.signed(document, keys.sign)
        )
