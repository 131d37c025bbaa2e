"""Rebuilding the national side from the stream, the replay source of last resort.

If the national database is lost, the stream still holds every region's messages (retention by
limits, deletes and purges denied). A replay reads them all, puts each region's chain back in
`seq` order — re-sends after a gap sit later in the stream than their successors — and passes
every message through the same verification as live consumption, in one transaction. Only
admissions (who may send, with which key) must survive: they are not in the stream.
"""

from __future__ import annotations

import contextlib
import json
from datetime import datetime
from typing import Any

from nats.aio.client import Client
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from sqlalchemy import Engine, delete, select, update

from federation import contract, projections
from federation.consumer import judge_all, region_of
from federation.pull import Puller
from federation.store import dead_letters, national_log, regions
from federation.stream import STREAM_NAME

Stored = tuple[str, bytes, datetime]  # subject, body, when the stream received it


async def stream_messages(nc: Client, batch: int = 1000) -> list[Stored]:
    """Every message of the stream, read with an ephemeral consumer that leaves no trace,
    pulled as the live consumer pulls (a message is what the stream delivered, whatever its
    headers say)."""
    js = nc.jetstream()
    info = await js.stream_info(STREAM_NAME)
    total = info.state.messages
    consumer = await js.add_consumer(
        STREAM_NAME,
        ConsumerConfig(
            ack_policy=AckPolicy.NONE,
            deliver_policy=DeliverPolicy.ALL,
            inactive_threshold=30,
            filter_subject=f"{contract.SUBJECT_PREFIX}.>",
        ),
    )
    assert consumer.name is not None  # the server names an ephemeral consumer
    puller = Puller(nc, STREAM_NAME, consumer.name)
    await puller.start()
    messages: list[Stored] = []
    try:
        while len(messages) < total:
            fetched = await puller.fetch(min(batch, total - len(messages)), timeout=2)
            if not fetched:
                break
            messages += [(m.subject, m.data, m.metadata.timestamp) for m in fetched]
    finally:
        await puller.stop()
        with contextlib.suppress(Exception):  # it goes after 30 s unused anyway
            await js.delete_consumer(STREAM_NAME, consumer.name)
    return messages


def _chain_order(message: Stored) -> tuple[str, int, int]:
    """Heartbeats last; events by region and seq; what cannot be read, first (to dead letters)."""
    subject, body, _ = message
    if subject.endswith(".control.heartbeat"):
        return (region_of(subject) or "", 2, 0)
    try:
        seq = json.loads(body).get("seq")
    except (ValueError, AttributeError):
        seq = None
    if not isinstance(seq, int):
        return (region_of(subject) or "", 0, 0)
    return (region_of(subject) or "", 1, seq)


def replay(engine: Engine, messages: list[Stored]) -> dict[str, Any]:
    """Replace the national log and projections by a verified replay of `messages`, each
    judged as of the time the stream received it (so D5's freshness survives a replay)."""
    outcomes: dict[str, int] = {}
    with engine.begin() as conn:
        conn.execute(delete(national_log))
        conn.execute(delete(dead_letters))
        conn.execute(
            update(regions).values(
                last_seq=0,
                head=contract.GENESIS,
                announced_seq=0,
                last_message_at=None,
                heartbeat_at=None,
                chain_ok=True,
                gap_from=None,
            )
        )
        projections.metadata.drop_all(conn)
        projections.metadata.create_all(conn)
        ordered = sorted(messages, key=_chain_order)
        for start in range(0, len(ordered), projections.PAGE):
            for verdict in judge_all(conn, ordered[start : start + projections.PAGE]):
                outcomes[verdict.outcome] = outcomes.get(verdict.outcome, 0) + 1
        logged = len(conn.execute(select(national_log.c.id)).all())
    return {"messages": len(messages), "logged": logged, **outcomes}
