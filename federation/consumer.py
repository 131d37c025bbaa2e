"""The national consumer: verifies each region's messages and applies them exactly once.

For every message of the stream: the region must be admitted, the message must satisfy the
contract, carry the region's current key id and a valid Ed25519 signature, and continue the
region's chain (`seq` = last + 1, `prev` = hash of the last). An accepted message is appended to
the national log and applied to the projections in the same transaction, and only then acked.
A repeat (seq already in the log) is acked and ignored. A message from the future (a gap) is
held — negatively acknowledged with a delay — while the region is asked to re-send the missing
ones. Anything failing verification goes to the dead letters with the reason, never applied.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from nacl.exceptions import BadSignatureError
from nacl.signing import VerifyKey
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from nats.js.errors import FetchTimeoutError
from sqlalchemy import Connection, Engine, bindparam, insert, select, update

from federation import contract, projections
from federation.store import dead_letters, national_log, regions
from federation.stream import STREAM_NAME

log = logging.getLogger(__name__)

DURABLE = "national"
HOLD_SECONDS = 0.5  # how long a message after a gap waits before it is offered again
RESEND_EVERY_SECONDS = 2.0


@dataclass(frozen=True)
class Verdict:
    """What to do with one delivered message once the transaction committed."""

    action: str  # "ack" or "hold"
    outcome: str  # applied, duplicate, heartbeat, dead_letter, gap
    region: str | None = None
    resend_from: int | None = None


class Rejected(Exception):
    def __init__(self, reason: str, region: str | None = None, seq: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.region = region
        self.seq = seq


def region_of(subject: str) -> str | None:
    parts = subject.split(".")
    if len(parts) >= 4 and f"{parts[0]}.{parts[1]}" == contract.SUBJECT_PREFIX:
        return parts[2]
    return None


def verify_signature(document: dict[str, Any], public_key_hex: str) -> bool:
    try:
        VerifyKey(bytes.fromhex(public_key_hex)).verify(
            contract.unsigned(document), bytes.fromhex(document["sig"])
        )
    except (BadSignatureError, ValueError):
        return False
    return True


def judge(conn: Connection, subject: str, body: bytes, now: datetime) -> Verdict:
    """Verify one message and record its consequence in `conn`'s transaction."""
    try:
        if subject.endswith(".control.heartbeat"):
            return _heartbeat(conn, subject, body, now)
        return _event(conn, subject, body, now)
    except Rejected as rejected:
        conn.execute(
            insert(dead_letters).values(
                region=rejected.region or region_of(subject),
                subject=subject[:200],
                seq=rejected.seq,
                reason=rejected.reason,
                body=body,
                received_at=now,
            )
        )
        return Verdict("ack", "dead_letter", rejected.region)


# Built once, with bound parameters: the consumer runs them for every message.
_REGION = select(regions).where(regions.c.region == bindparam("r"))
_LOGGED_HASH = select(national_log.c.hash).where(
    national_log.c.region == bindparam("r"), national_log.c.seq == bindparam("s")
)
_APPEND = insert(national_log)
_ADVANCE = (
    update(regions)
    .where(regions.c.region == bindparam("r"))
    .values(
        last_seq=bindparam("s"),
        head=bindparam("h"),
        last_message_at=bindparam("at"),
        chain_ok=True,
        gap_from=None,
    )
)


def _admitted(conn: Connection, subject: str, claimed: str) -> Any:
    sender = region_of(subject)
    if sender != claimed:
        raise Rejected(f"region {claimed} published under the subject of {sender}", sender)
    row = conn.execute(_REGION, {"r": claimed}).first()
    if row is None:
        raise Rejected(f"region {claimed} is not admitted", claimed)
    return row


def _document(body: bytes) -> dict[str, Any]:
    try:
        document = json.loads(body)
    except ValueError:
        raise Rejected("not JSON") from None
    if not isinstance(document, dict):
        raise Rejected("not a JSON object")
    return document


def _event(conn: Connection, subject: str, body: bytes, now: datetime) -> Verdict:
    try:
        envelope = contract.parse(body)
    except contract.ContractError as error:
        raise Rejected(f"contract: {error.reason}", region_of(subject)) from None
    region, seq = envelope.region, envelope.seq
    row = _admitted(conn, subject, region)
    if envelope.kid != row.kid:
        raise Rejected(f"unknown key id {envelope.kid}", region, seq)
    if not verify_signature(_document(body), row.public_key):
        raise Rejected("bad signature", region, seq)
    if seq <= row.last_seq:
        stored = conn.execute(_LOGGED_HASH, {"r": region, "s": seq}).scalar_one()
        if stored != contract.digest(body):
            raise Rejected(f"a different message already holds seq {seq}", region, seq)
        return Verdict("ack", "duplicate", region)
    if seq > row.last_seq + 1:
        conn.execute(
            update(regions).where(regions.c.region == region).values(gap_from=row.last_seq + 1)
        )
        return Verdict("hold", "gap", region, resend_from=row.last_seq + 1)
    if envelope.prev != row.head:
        conn.execute(update(regions).where(regions.c.region == region).values(chain_ok=False))
        raise Rejected(f"seq {seq} does not continue the chain (prev mismatch)", region, seq)
    chained = contract.digest(body)
    conn.execute(
        _APPEND,
        {
            "region": region,
            "seq": seq,
            "type": envelope.type,
            "month": envelope.month,
            "body": body,
            "hash": chained,
            "received_at": now,
        },
    )
    projections.apply(conn, envelope)
    conn.execute(_ADVANCE, {"r": region, "s": seq, "h": chained, "at": now})
    return Verdict("ack", "applied", region)


def _heartbeat(conn: Connection, subject: str, body: bytes, now: datetime) -> Verdict:
    try:
        beat = contract.parse_heartbeat(body)
    except contract.ContractError as error:
        raise Rejected(f"heartbeat contract: {error.reason}", region_of(subject)) from None
    row = _admitted(conn, subject, beat.region)
    if beat.kid != row.kid or not verify_signature(_document(body), row.public_key):
        raise Rejected("bad heartbeat signature", beat.region)
    conn.execute(
        update(regions)
        .where(regions.c.region == beat.region)
        .values(
            announced_seq=max(beat.head_seq, row.announced_seq),
            heartbeat_at=now,
            last_message_at=now,
        )
    )
    if beat.head_seq > row.last_seq:  # the tail of the chain never arrived
        return Verdict("ack", "heartbeat", beat.region, resend_from=row.last_seq + 1)
    return Verdict("ack", "heartbeat", beat.region)


@dataclass
class Counters:
    applied: int = 0
    duplicate: int = 0
    heartbeat: int = 0
    dead_letter: int = 0
    gap: int = 0
    last_resend: dict[str, float] = field(default_factory=dict)


class Consumer:
    """Pulls from the durable consumer in batches; one transaction per batch."""

    def __init__(
        self,
        engine: Engine,
        nc: Client,
        *,
        batch: int = 256,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.engine = engine
        self.nc = nc
        self.batch = batch
        self.clock = clock
        self.counters = Counters()

    async def subscription(self) -> Any:
        js = self.nc.jetstream()
        config = ConsumerConfig(
            durable_name=DURABLE,
            ack_policy=AckPolicy.EXPLICIT,
            deliver_policy=DeliverPolicy.ALL,
            ack_wait=30,
            max_ack_pending=20_000,
        )
        return await js.pull_subscribe(
            f"{contract.SUBJECT_PREFIX}.>", durable=DURABLE, stream=STREAM_NAME, config=config
        )

    async def run(self, stop: asyncio.Event) -> None:
        subscription = await self.subscription()
        while not stop.is_set():
            if self.nc.is_closed:
                raise ConnectionError("connection closed")
            try:
                messages = await subscription.fetch(self.batch, timeout=0.5)
            except (FetchTimeoutError, TimeoutError):
                continue
            await self.handle(messages)

    async def handle(self, messages: list[Msg]) -> None:
        verdicts = await asyncio.to_thread(self._judge_all, messages)
        for message, verdict in zip(messages, verdicts, strict=True):
            if verdict.action == "hold":
                await message.nak(delay=HOLD_SECONDS)
            else:
                await message.ack()
            setattr(self.counters, verdict.outcome, getattr(self.counters, verdict.outcome) + 1)
            if verdict.resend_from is not None and verdict.region is not None:
                await self._ask_resend(verdict.region, verdict.resend_from)

    def _judge_all(self, messages: list[Msg]) -> list[Verdict]:
        now = self.clock()
        with self.engine.begin() as conn:
            return [judge(conn, m.subject, m.data, now) for m in messages]

    async def _ask_resend(self, region: str, from_seq: int) -> None:
        loop = asyncio.get_running_loop()
        if loop.time() - self.counters.last_resend.get(region, -1e9) < RESEND_EVERY_SECONDS:
            return
        self.counters.last_resend[region] = loop.time()
        log.info("asking %s to re-send from seq %d", region, from_seq)
        with contextlib.suppress(Exception):
            await self.nc.publish(
                contract.resend_subject(region), json.dumps({"from_seq": from_seq}).encode()
            )
