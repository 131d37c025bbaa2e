"""The national consumer: verifies each region's messages and applies them exactly once.

For every message of the stream: the region must be admitted, the message must satisfy the
contract, carry the region's current key id and a valid Ed25519 signature, and continue the
region's chain (`seq` = last + 1, `prev` = hash of the last). An accepted message is appended to
the national log and applied to the projections in the same transaction, and only then acked.
A repeat (seq already in the log) is acked and ignored. A message from the future (a gap) is
held — negatively acknowledged with a delay — while the region is asked to re-send the missing
ones. Anything failing verification goes to the dead letters with the reason, never applied.

A batch checks one signature per region, not one per message. A message's hash covers all its
bytes, its signature and `prev` included, and each message signs the hash of the one before;
so when a region's messages in the batch link, hash to `prev`, from the head already logged,
the valid signature of the last one vouches for every one before it: changing any of them
would change a hash the last signature covers. If that signature fails, or a message does not
link, each message is verified on its own, so a forgery is still named and dead-lettered alone.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from nacl.exceptions import BadSignatureError
from nacl.signing import VerifyKey
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from nats.js.errors import NotFoundError
from sqlalchemy import Connection, Engine, bindparam, insert, select, update

from drais.database import execute_many
from federation import contract, projections
from federation.pull import Puller
from federation.store import dead_letters, national_log, regions
from federation.stream import STREAM_NAME

log = logging.getLogger(__name__)

DURABLE = "national"
HOLD_SECONDS = 0.5  # how long a message after a gap waits before it is offered again
RESEND_EVERY_SECONDS = 2.0
FETCH_SECONDS = 0.5  # how long a fetch waits for a first message


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


def _document(body: bytes) -> dict[str, Any]:
    try:
        document = json.loads(body)
    except ValueError:
        raise Rejected("not JSON") from None
    if not isinstance(document, dict):
        raise Rejected("not a JSON object")
    return document


Message = tuple[str, bytes, datetime]  # subject, body, and the time to judge it as of
# An event message's envelope and data, or why the contract refused it; None for a heartbeat.
Parsed = tuple[contract.Envelope, contract.Strict] | contract.ContractError | None


def _parse(subject: str, body: bytes) -> Parsed:
    """An event message validated once for the whole batch (heartbeats are parsed apart)."""
    if subject.endswith(".control.heartbeat"):
        return None
    try:
        return contract.parse_event(body)
    except contract.ContractError as error:
        return error


# The columns of an admitted region the consumer keeps: its chain's progress and freshness.
_PROGRESS = (
    "last_seq",
    "head",
    "last_message_at",
    "announced_seq",
    "heartbeat_at",
    "chain_ok",
    "gap_from",
)
_ADVANCE = (
    update(regions)
    .where(regions.c.region == bindparam("k_region"))
    .values({name: bindparam(name) for name in _PROGRESS})
)
_APPEND = insert(national_log)
_LOGGED_HASH = select(national_log.c.hash).where(
    national_log.c.region == bindparam("r"), national_log.c.seq == bindparam("s")
)


def judge_all(conn: Connection, messages: Iterable[Message]) -> list[Verdict]:
    """Verify messages in order and record their consequences in `conn`'s transaction.

    Each is judged against the state the ones before it left, as if one by one, but the
    statements are per batch: the regions read once, then the accepted messages appended and
    projected, the regions' progress and the dead letters written, each in one executemany.
    """
    batch = _Batch(conn, list(messages))
    verdicts = [batch.judge(index) for index in range(len(batch.messages))]
    batch.flush()
    return verdicts


class _Batch:
    """The judging of one batch: every admitted region's row in memory, its progress kept
    there message after message, and what the batch accepts or refuses collected to be
    written at once by `flush`, in the caller's transaction."""

    def __init__(self, conn: Connection, messages: list[Message]) -> None:
        self.conn = conn
        self.messages = messages
        self.regions = {row.region: row._asdict() for row in conn.execute(select(regions))}
        self.advanced: dict[str, None] = {}  # regions whose progress changed, in order
        self.appended: list[dict[str, Any]] = []
        self.hashes: dict[tuple[str, int], str] = {}  # of the messages appended
        self.accepted: list[projections.Accepted] = []
        self.letters: list[dict[str, Any]] = []
        self.parsed = [_parse(subject, body) for subject, body, _ in messages]
        self.digests: dict[int, str] = {}
        self.vouched = self._vouch()

    def _digest(self, index: int) -> str:
        if index not in self.digests:
            self.digests[index] = contract.digest(self.messages[index][1])
        return self.digests[index]

    def _vouch(self) -> set[int]:
        """The messages whose signature the last signature of their region's linked run
        vouches for (see the module's docstring); the others are verified one by one."""
        runs: dict[str, list[int]] = {}
        heads = {region: (row["last_seq"], row["head"]) for region, row in self.regions.items()}
        for index, parsed in enumerate(self.parsed):
            if not isinstance(parsed, tuple):
                continue
            envelope = parsed[0]
            row = self.regions.get(envelope.region)
            if row is None or region_of(self.messages[index][0]) != envelope.region:
                continue
            last, head = heads[envelope.region]
            if envelope.kid == row["kid"] and envelope.seq == last + 1 and envelope.prev == head:
                heads[envelope.region] = (envelope.seq, self._digest(index))
                runs.setdefault(envelope.region, []).append(index)
        vouched: set[int] = set()
        for region, run in runs.items():
            if verify_signature(
                _document(self.messages[run[-1]][1]), self.regions[region]["public_key"]
            ):
                vouched.update(run)
        return vouched

    def judge(self, index: int) -> Verdict:
        subject, body, now = self.messages[index]
        try:
            if subject.endswith(".control.heartbeat"):
                return self._heartbeat(subject, body, now)
            return self._event(index)
        except Rejected as rejected:
            self.letters.append(
                {
                    "region": rejected.region or region_of(subject),
                    "subject": subject[:200],
                    "seq": rejected.seq,
                    "reason": rejected.reason,
                    "body": body,
                    "received_at": now,
                }
            )
            return Verdict("ack", "dead_letter", rejected.region)

    def flush(self) -> None:
        execute_many(self.conn, _APPEND, self.appended)
        projections.apply_all(self.conn, self.accepted)
        if self.advanced:
            progress = [
                {"k_region": region, **{name: self.regions[region][name] for name in _PROGRESS}}
                for region in self.advanced
            ]
            self.conn.execute(_ADVANCE, progress)
        if self.letters:
            self.conn.execute(insert(dead_letters), self.letters)

    def _advance(self, region: str, **progress: Any) -> None:
        self.regions[region].update(progress)
        self.advanced[region] = None

    def _admitted(self, subject: str, claimed: str) -> dict[str, Any]:
        sender = region_of(subject)
        if sender != claimed:
            raise Rejected(f"region {claimed} published under the subject of {sender}", sender)
        row = self.regions.get(claimed)
        if row is None:
            raise Rejected(f"region {claimed} is not admitted", claimed)
        return row

    def _logged_hash(self, region: str, seq: int) -> str:
        if (region, seq) in self.hashes:
            return self.hashes[(region, seq)]
        stored: str = self.conn.execute(_LOGGED_HASH, {"r": region, "s": seq}).scalar_one()
        return stored

    def _event(self, index: int) -> Verdict:
        subject, body, now = self.messages[index]
        parsed = self.parsed[index]
        if not isinstance(parsed, tuple):
            reason = parsed.reason if parsed is not None else "not an event"
            raise Rejected(f"contract: {reason}", region_of(subject))
        envelope, data = parsed
        region, seq = envelope.region, envelope.seq
        row = self._admitted(subject, region)
        if envelope.kid != row["kid"]:
            raise Rejected(f"unknown key id {envelope.kid}", region, seq)
        if index not in self.vouched and not verify_signature(_document(body), row["public_key"]):
            raise Rejected("bad signature", region, seq)
        last = row["last_seq"]
        if seq <= last:
            if self._logged_hash(region, seq) != self._digest(index):
                raise Rejected(f"a different message already holds seq {seq}", region, seq)
            return Verdict("ack", "duplicate", region)
        if seq > last + 1:
            self._advance(region, gap_from=last + 1)
            return Verdict("hold", "gap", region, resend_from=last + 1)
        if envelope.prev != row["head"]:
            self._advance(region, chain_ok=False)
            raise Rejected(f"seq {seq} does not continue the chain (prev mismatch)", region, seq)
        chained = self._digest(index)
        self.appended.append(
            {
                "region": region,
                "seq": seq,
                "type": envelope.type,
                "month": envelope.month,
                "body": body,
                "hash": chained,
                "received_at": now,
            }
        )
        self.hashes[(region, seq)] = chained
        self.accepted.append((envelope, data))
        self._advance(
            region, last_seq=seq, head=chained, last_message_at=now, chain_ok=True, gap_from=None
        )
        return Verdict("ack", "applied", region)

    def _heartbeat(self, subject: str, body: bytes, now: datetime) -> Verdict:
        try:
            beat = contract.parse_heartbeat(body)
        except contract.ContractError as error:
            raise Rejected(f"heartbeat contract: {error.reason}", region_of(subject)) from None
        row = self._admitted(subject, beat.region)
        if beat.kid != row["kid"] or not verify_signature(_document(body), row["public_key"]):
            raise Rejected("bad heartbeat signature", beat.region)
        announced = max(beat.head_seq, row["announced_seq"])
        self._advance(beat.region, announced_seq=announced, heartbeat_at=now, last_message_at=now)
        if beat.head_seq > row["last_seq"]:  # the tail of the chain never arrived
            return Verdict("ack", "heartbeat", beat.region, resend_from=row["last_seq"] + 1)
        return Verdict("ack", "heartbeat", beat.region)


@dataclass
class Counters:
    applied: int = 0
    duplicate: int = 0
    heartbeat: int = 0
    dead_letter: int = 0
    gap: int = 0
    last_resend: dict[str, float] = field(default_factory=dict)


def durable_config(name: str, subjects: str) -> ConsumerConfig:
    """The national durable pull consumer's configuration (the benchmark's baseline copies it)."""
    return ConsumerConfig(
        name=name,
        durable_name=name,
        ack_policy=AckPolicy.EXPLICIT,
        deliver_policy=DeliverPolicy.ALL,
        ack_wait=30,
        max_ack_pending=20_000,
        filter_subject=subjects,
    )


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

    async def ensure_durable(self) -> None:
        """The durable pull consumer, created if the stream does not have it yet."""
        js = self.nc.jetstream()
        try:
            await js.consumer_info(STREAM_NAME, DURABLE)
        except NotFoundError:
            await js.add_consumer(
                STREAM_NAME, durable_config(DURABLE, f"{contract.SUBJECT_PREFIX}.>")
            )

    async def run(self, stop: asyncio.Event) -> None:
        """Fetch and handle until `stop`. Each batch is judged on this loop, which it holds
        meanwhile: run the consumer on a loop of its own (`Federation.consume` does)."""
        await self.ensure_durable()
        puller = Puller(self.nc, STREAM_NAME, DURABLE)
        await puller.start()
        try:
            while not stop.is_set():
                if self.nc.is_closed:
                    raise ConnectionError("connection closed")
                if messages := await puller.fetch(self.batch, timeout=FETCH_SECONDS):
                    await self.handle(messages)
            if last := await puller.drain(timeout=FETCH_SECONDS):
                await self.handle(last)
        finally:
            await puller.stop()

    async def handle(self, messages: list[Msg]) -> None:
        verdicts = self._judge_all(messages)
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
            return judge_all(conn, [(m.subject, m.data, now) for m in messages])

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
