"""The forwarder's outbox: the region's chain of signed, anonymized messages, derived from the log.

Deriving is separate from publishing. Each batch of notifications goes through the privacy
filter; what it lets out is numbered (`seq`), chained (`prev`), signed and stored, together with
the new log position and the filter's memory, in one transaction. Publishing then only sends
stored bytes, so a re-send after a crash or on the federation's request is byte-identical, and
a region's chain never depends on when NATS was up.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from eventsourcing.application import Application
from sqlalchemy import (
    JSON,
    Column,
    Engine,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    func,
    insert,
    select,
    update,
)

from drais.keys import RegionKeys
from federation import contract
from node.forwarder.privacy import PrivacyFilter, Shared, empty_state

metadata = MetaData()

# One row: how far the outbox has read the log, its chain head, and the privacy filter's memory.
state_table = Table(
    "forwarder_state",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("position", Integer, nullable=False),
    Column("seq", Integer, nullable=False),
    Column("head", String(64), nullable=False),
    Column("filter_state", JSON, nullable=False),
    Column("acked_seq", Integer, nullable=False),
    Column("acked_at", String(40)),
)

# The columns a batch reads first; the filter's memory only when it is not held already.
_PROGRESS = (state_table.c.position, state_table.c.seq, state_table.c.head)

outbox_table = Table(
    "forwarder_outbox",
    metadata,
    Column("seq", Integer, primary_key=True),
    Column("subject", String(120), nullable=False),
    Column("body", LargeBinary, nullable=False),
)


@dataclass(frozen=True)
class Message:
    seq: int
    subject: str
    body: bytes

    @property
    def msg_id(self) -> str:
        """The JetStream de-duplication id, `<REGION>:<seq>`."""
        return contract.msg_id(self.subject.split(".")[2], self.seq)


class Chain:
    """Numbers, chains and signs the filter's output for one region."""

    def __init__(self, keys: RegionKeys, seq: int = 0, head: str = contract.GENESIS) -> None:
        self.keys = keys
        self.seq = seq
        self.head = head
        self.kid, self.pkid = keys.kid, keys.pkid  # hashes of the keys: once, not per message

    def seal(self, shared: Shared) -> Message:
        self.seq += 1
        document: dict[str, Any] = {
            "v": contract.VERSION,
            "region": self.keys.region,
            "seq": self.seq,
            "prev": self.head,
            "type": shared.type,
            "month": shared.month,
            "subject": shared.subject,
            "data": shared.data,
            "kid": self.kid,
            "pkid": self.pkid,
        }
        body = contract.signed(document, self.keys.sign)
        self.head = contract.digest(body)
        return Message(self.seq, contract.subject_of(self.keys.region, shared.type), body)


def derive(events: Iterable[Any], keys: RegionKeys, k: int) -> Iterator[Message]:
    """Every message a region's log gives, from scratch: the reference the outbox must equal."""
    privacy = PrivacyFilter(keys.hmac_secret, k=k)
    chain = Chain(keys)
    for event in events:
        for shared in privacy.apply(event):
            yield chain.seal(shared)


class Outbox:
    def __init__(
        self, app: Application, engine: Engine, keys: RegionKeys, *, k: int = 5, batch: int = 500
    ) -> None:
        self.app = app
        self.engine = engine
        self.keys = keys
        self.k = k
        self.batch = batch
        self._lock = threading.Lock()
        # The filter's memory as the last batch left it, and the log position it goes with:
        # decoded once, not per batch (it grows with the region's people and initiatives).
        self._memory: tuple[int, dict[str, Any]] | None = None
        metadata.create_all(engine)
        with engine.begin() as conn:
            if conn.execute(select(state_table.c.id)).first() is None:
                conn.execute(
                    insert(state_table).values(
                        id=1,
                        position=0,
                        seq=0,
                        head=contract.GENESIS,
                        filter_state=empty_state(),
                        acked_seq=0,
                    )
                )

    def derive(self) -> int:
        """Seal every shared consequence of the notifications not yet read; returns how many
        messages were added."""
        added = 0
        while (found := self.derive_batch()) is not None:
            added += len(found)
        return added

    def derive_batch(self) -> list[Message] | None:
        """Seal the shared consequences of the next batch of notifications, in one transaction;
        returns the messages added, None if every notification was read already."""
        with self._lock:
            # Taken while the batch runs (the filter changes it in place): kept again only
            # once the batch committed, so a failed one leaves it to be read back.
            memory, self._memory = self._memory, None
            with self.engine.begin() as conn:
                row = conn.execute(select(*_PROGRESS)).one()
                notifications = self.app.recorder.select_notifications(
                    start=row.position, limit=self.batch, inclusive_of_start=False
                )
                if not notifications:
                    self._memory = memory
                    return None
                if memory is None or memory[0] != row.position:  # first batch, or another
                    state = conn.execute(select(state_table.c.filter_state)).scalar_one()
                else:
                    state = memory[1]
                privacy = PrivacyFilter(self.keys.hmac_secret, k=self.k, state=state)
                chain = Chain(self.keys, row.seq, row.head)
                messages = [
                    chain.seal(shared)
                    for notification in notifications
                    if privacy.reads(notification.topic)
                    for shared in privacy.apply(self.app.mapper.to_domain_event(notification))
                ]
                if messages:
                    conn.execute(
                        insert(outbox_table),
                        [{"seq": m.seq, "subject": m.subject, "body": m.body} for m in messages],
                    )
                progress: dict[str, Any] = {
                    "position": notifications[-1].id,
                    "seq": chain.seq,
                    "head": chain.head,
                }
                state = privacy.snapshot()
                if privacy.touched:  # the memory is rewritten only when a rule used it
                    progress["filter_state"] = state
                conn.execute(update(state_table).values(progress))
            self._memory = (notifications[-1].id, state)
            return messages

    def after(self, seq: int, limit: int = 1000) -> list[Message]:
        """Stored messages with a seq above `seq`, in order."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(outbox_table)
                .where(outbox_table.c.seq > seq)
                .order_by(outbox_table.c.seq)
                .limit(limit)
            )
            return [Message(r.seq, r.subject, r.body) for r in rows]

    def pseudonym(self, record_id: str) -> str:
        """The pseudonym a record's messages carry as their `subject`."""
        return PrivacyFilter(self.keys.hmac_secret, k=self.k).pseudonym(record_id)

    def messages_about(self, pseudonym: str, limit: int = 1000) -> list[Message]:
        """Stored messages whose `subject` is `pseudonym`, in order: what left (or will leave)
        the region about one record. Bodies are canonical JSON, so a byte search narrows the
        scan and reading the document confirms each match."""
        needle = contract.canonical({"subject": pseudonym})[1:-1]  # b'"subject":"…"'
        body = outbox_table.c.body
        found = (  # SQLite's LIKE does not search a BLOB; PostgreSQL's does search a bytea
            func.instr(body, needle) > 0
            if self.engine.dialect.name == "sqlite"
            else body.op("LIKE")(b"%" + needle + b"%")
        )
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(outbox_table).where(found).order_by(outbox_table.c.seq).limit(limit)
            ).all()
        return [
            Message(r.seq, r.subject, r.body)
            for r in rows
            if json.loads(r.body).get("subject") == pseudonym
        ]

    def hash_of(self, seq: int) -> str:
        """The chain hash after message `seq` (the genesis hash before the first)."""
        if seq == 0:
            return contract.GENESIS
        with self.engine.connect() as conn:
            body = conn.execute(
                select(outbox_table.c.body).where(outbox_table.c.seq == seq)
            ).scalar_one()
        return contract.digest(body)

    def acknowledge(self, seq: int, at: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                update(state_table)
                .where(state_table.c.acked_seq < seq)
                .values(acked_seq=seq, acked_at=at)
            )

    def status(self) -> dict[str, Any]:
        acked = state_table.c.acked_seq, state_table.c.acked_at
        with self.engine.connect() as conn:  # not the filter's memory: large, and not needed
            row = conn.execute(select(*_PROGRESS, *acked)).one()
            return {
                "log_position": row.position,
                "head_seq": row.seq,
                "head": row.head,
                "forwarded_seq": row.acked_seq,
                "pending": row.seq - row.acked_seq,
                "last_ack": row.acked_at,
            }
