"""Turns one database URL into the event store's settings and the read models' engine.

SQLite: the log, the read models, the identity keys and the user accounts live in four files
under the data directory, so the projector never waits on the writer. PostgreSQL: one database,
one schema (`?schema=` in the URL, default public) for all of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import URL, Engine

from drais.config import ConfigError
from drais.database import parse_url, postgres_engine, postgres_schema, sqlite_engine


@dataclass(frozen=True)
class Stores:
    event_store_env: dict[str, str]
    read_models: Engine
    identity_keys: Engine
    accounts: Engine


def open_stores(database_url: str) -> Stores:
    url = parse_url(database_url)
    if url.get_backend_name() == "sqlite":
        return _sqlite_stores(url)
    return _postgres_stores(url)


def _sqlite_stores(url: URL) -> Stores:
    if not url.database:
        raise ConfigError("database_url must name a SQLite file")
    events = Path(url.database).resolve()
    events.parent.mkdir(parents=True, exist_ok=True)
    return Stores(
        event_store_env={
            "PERSISTENCE_MODULE": "eventsourcing.sqlite",
            "SQLITE_DBNAME": str(events),
            "SQLITE_LOCK_TIMEOUT": "10",
        },
        read_models=sqlite_engine(events.with_name("projections.sqlite3")),
        identity_keys=sqlite_engine(events.with_name("identity_keys.sqlite3")),
        accounts=sqlite_engine(events.with_name("accounts.sqlite3")),
    )


def _postgres_stores(url: URL) -> Stores:
    base, schema = postgres_schema(url)
    engine = postgres_engine(base, schema)
    return Stores(
        event_store_env={
            "PERSISTENCE_MODULE": "eventsourcing.postgres",
            "POSTGRES_DBNAME": base.database or "",
            "POSTGRES_HOST": base.host or "127.0.0.1",
            "POSTGRES_PORT": str(base.port or 5432),
            "POSTGRES_USER": base.username or "postgres",
            "POSTGRES_PASSWORD": base.password or "",
            "POSTGRES_SCHEMA": schema,
        },
        read_models=engine,
        identity_keys=engine,
        accounts=engine,
    )
