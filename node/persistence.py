"""Turns one database URL into the event store's settings and the read models' engine.

SQLite: the log, the read models and the identity keys live in three files under the data
directory, so the projector never waits on the writer. PostgreSQL: one database, one schema
(`?schema=` in the URL, default public) for all of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg import sql
from sqlalchemy import create_engine, event
from sqlalchemy.engine import URL, Engine, make_url

from drais.config import ConfigError


@dataclass(frozen=True)
class Stores:
    event_store_env: dict[str, str]
    read_models: Engine
    identity_keys: Engine


def _sqlite_pragmas(dbapi_connection: object, _record: object) -> None:
    cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def sqlite_engine(path: Path) -> Engine:
    engine = create_engine(f"sqlite:///{path}")
    event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def open_stores(database_url: str) -> Stores:
    try:
        url = make_url(database_url)
    except Exception as error:
        raise ConfigError(f"database_url {database_url!r} is not a URL") from error
    if url.get_backend_name() == "sqlite":
        return _sqlite_stores(url)
    if url.get_backend_name() == "postgresql":
        return _postgres_stores(url)
    raise ConfigError("database_url must be sqlite:///… or postgresql://…")


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
    )


def _postgres_stores(url: URL) -> Stores:
    schema = str(url.query.get("schema", "public"))
    base = url.difference_update_query(["schema"])
    with psycopg.connect(
        host=base.host or "127.0.0.1",
        port=base.port or 5432,
        dbname=base.database,
        user=base.username or "postgres",
        password=base.password or "",
        autocommit=True,
    ) as conn:
        conn.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(schema)))
    engine = create_engine(
        base.set(drivername="postgresql+psycopg"),
        connect_args={"options": f"-csearch_path={schema}"},
        pool_pre_ping=True,
    )
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
    )
