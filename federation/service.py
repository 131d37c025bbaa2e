"""The federation's composition root: settings become a database, a consumer and a status."""

from __future__ import annotations

import asyncio
import copy
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import nats
from nats.aio.client import Client
from sqlalchemy import Engine, func, select

from drais.accounts import FEDERATION_ROLES, Accounts
from drais.config import FederationSettings
from drais.database import engine_for
from drais.keys import bootstrap_token
from drais.link import Link
from drais.own_loop import on_own_loop
from drais.throttle import Throttle
from federation import indicators, projections
from federation.consumer import Consumer, Counters
from federation.replay import replay, stream_messages
from federation.store import dead_letters, metadata, national_log, regions
from federation.stream import StreamSettings, ensure_stream

log = logging.getLogger(__name__)


class FiguresCache:
    """The last indicators computed and the state they were computed from (a plain class: the
    web layer introspects the Federation's fields, and a lock is no data)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entry: tuple[Any, list[dict[str, Any]]] | None = None

    def get(self, key: Any, compute: Callable[[], list[dict[str, Any]]]) -> list[dict[str, Any]]:
        with self._lock:
            if self._entry is None or self._entry[0] != key:
                self._entry = (key, compute())
            return self._entry[1]

    def clear(self) -> None:
        with self._lock:
            self._entry = None


@dataclass
class Federation:
    settings: FederationSettings
    engine: Engine
    accounts: Accounts
    api_token: str  # the bootstrap token: admin rights, and the key of the pages' secrets
    throttle: Throttle = field(default_factory=Throttle)
    _figures: FiguresCache = field(default_factory=lambda: FiguresCache(), repr=False)
    counters: Counters = field(default_factory=Counters)
    link: Link = field(default_factory=lambda: Link("federation consumer", log))

    async def connect(self, **options: Any) -> Client:
        credentials = self.settings.nats_credentials
        return await nats.connect(
            self.settings.nats_url,
            nkeys_seed=str(credentials) if credentials else None,
            inbox_prefix="_INBOX.federation",  # the only inbox its NATS user may read
            connect_timeout=2,
            allow_reconnect=False,
            name="drais-federation",
            **options,
        )

    async def rebuild_from_stream(self) -> dict[str, Any]:
        """Replace the national log and projections by a verified replay of the stream."""
        self._figures.clear()
        nc = await self.connect()
        try:
            messages = await stream_messages(nc)
        finally:
            await nc.close()
        return await asyncio.to_thread(replay, self.engine, messages)

    async def consume(self, stop: asyncio.Event) -> None:
        """Consume the national stream until `stop`, reconnecting with backoff, on an event
        loop of its own (the consumer holds its loop while it judges a batch)."""

        async def keep(own_stop: asyncio.Event) -> None:
            await self.link.keep(self.connect, lambda nc: self._consume(nc, own_stop), own_stop)

        await on_own_loop("federation consumer", keep, stop)

    async def _consume(self, nc: Client, stop: asyncio.Event) -> None:
        await ensure_stream(nc.jetstream(), StreamSettings(replicas=self.settings.stream_replicas))
        self.link.up()
        consumer = Consumer(self.engine, nc)
        consumer.counters = self.counters
        await consumer.run(stop)

    @property
    def connected(self) -> bool:
        return self.link.connected

    @property
    def last_error(self) -> str | None:
        return self.link.last_error

    def health(self) -> dict[str, Any]:
        with self.engine.connect() as conn:
            admitted = conn.execute(select(func.count()).select_from(regions)).scalar_one()
            logged = conn.execute(select(func.count()).select_from(national_log)).scalar_one()
        return {
            "status": "ok",
            "name": self.settings.name,
            "regions_admitted": admitted,
            "national_log": logged,
            "connected": self.connected,
            "last_error": self.last_error,
        }

    def regions(self, now: datetime | None = None) -> list[dict[str, Any]]:
        """Each admitted region's freshness and the health of its chain."""
        now = now or datetime.now(UTC)
        with self.engine.connect() as conn:
            letters: dict[str, int] = dict(
                conn.execute(
                    select(dead_letters.c.region, func.count()).group_by(dead_letters.c.region)
                ).all()
            )
            rows = conn.execute(select(regions).order_by(regions.c.region)).all()
        return [
            {
                "region": row.region,
                "name": row.name,
                "kid": row.kid,
                "admitted_at": _iso(row.admitted_at),
                "last_seq": row.last_seq,
                "announced_seq": row.announced_seq,
                "missing": max(row.announced_seq - row.last_seq, 0),
                "last_message_at": _iso(row.last_message_at),
                "lag_seconds": _age(row.last_message_at, now),
                "chain_ok": row.chain_ok,
                "gap_from": row.gap_from,
                "dead_letters": letters.get(row.region, 0),
            }
            for row in rows
        ]

    def indicators(self, now: datetime | None = None) -> list[dict[str, Any]]:
        """Every indicator of DESIGN §6 at `now` (default: the current time, within a minute)."""
        if now is not None:
            with self.engine.connect() as conn:
                return indicators.all_indicators(conn, now)
        return copy.deepcopy(self._current())

    def indicator(self, code: str, now: datetime | None = None) -> dict[str, Any]:
        """One indicator at `now`; KeyError for an unknown code."""
        if now is not None:
            with self.engine.connect() as conn:
                return indicators.indicator(conn, code, now)
        if code not in indicators.CODES:
            raise KeyError(code)
        every = self.indicators()
        return next(entry for entry in every if entry["code"] == code)

    def _current(self) -> list[dict[str, Any]]:
        """The figures as they stand: computed again only when the national log or a region's
        freshness has moved, or the minute has turned (figures are "as of" their minute)."""
        with self.engine.connect() as conn:
            state = conn.execute(
                select(
                    select(func.max(national_log.c.id)).scalar_subquery(),
                    select(func.max(regions.c.last_message_at)).scalar_subquery(),
                )
            ).one()
            now = datetime.now(UTC)  # after the state: no message in it is from the future
            key = (tuple(state), now.replace(second=0, microsecond=0))
            return self._figures.get(key, lambda: indicators.all_indicators(conn, now))

    def coverage(self) -> dict[str, Any]:
        """The national coverage matrix (province × phase × service type)."""
        with self.engine.connect() as conn:
            return indicators.coverage(conn)

    def dead_letters(self, region: str | None = None, limit: int = 100) -> list[dict[str, Any]]:
        query = select(
            dead_letters.c.region,
            dead_letters.c.subject,
            dead_letters.c.seq,
            dead_letters.c.reason,
            dead_letters.c.received_at,
        ).order_by(dead_letters.c.id.desc())
        if region is not None:
            query = query.where(dead_letters.c.region == region)
        with self.engine.connect() as conn:
            rows = conn.execute(query.limit(limit)).all()
        return [{**row._asdict(), "received_at": _iso(row.received_at)} for row in rows]

    def rebuild_projections(self) -> int:
        """Replay the national log into fresh projections; returns the number of events."""
        self._figures.clear()
        return projections.rebuild_from_log(self.engine)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _iso(moment: datetime | None) -> str | None:
    return _aware(moment).isoformat(timespec="seconds") if moment else None


def _age(moment: datetime | None, now: datetime) -> float | None:
    return round((now - _aware(moment)).total_seconds(), 1) if moment else None


def open_federation(settings: FederationSettings) -> Federation:
    engine = engine_for(settings.database_url)
    metadata.create_all(engine)
    projections.metadata.create_all(engine)
    assert settings.data_dir is not None
    token = bootstrap_token(settings.bootstrap_token, settings.data_dir)
    return Federation(settings, engine, Accounts(engine, FEDERATION_ROLES), token)
