"""SQLAlchemy engines from database URLs, shared by the node and the federation.

SQLite runs in WAL mode (readers never wait on the writer); PostgreSQL takes an optional
`?schema=` in the URL, created if missing and used as the search path.
"""

from __future__ import annotations

from pathlib import Path

import psycopg
from psycopg import sql
from psycopg.rows import TupleRow
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url

from drais.config import ConfigError


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


def parse_url(database_url: str) -> URL:
    try:
        url = make_url(database_url)
    except Exception as error:
        raise ConfigError(f"database_url {database_url!r} is not a URL") from error
    if url.get_backend_name() not in ("sqlite", "postgresql"):
        raise ConfigError("database_url must be sqlite:///… or postgresql://…")
    return url


def postgres_connect(url: URL) -> psycopg.Connection[TupleRow]:
    """A plain autocommit connection to the URL's PostgreSQL database (for DDL)."""
    return psycopg.connect(
        host=url.host or "127.0.0.1",
        port=url.port or 5432,
        dbname=url.database,
        user=url.username or "postgres",
        password=url.password or "",
        autocommit=True,
    )


def postgres_schema(url: URL) -> tuple[URL, str]:
    """The URL without its `schema` parameter, and that schema (created if missing)."""
    schema = str(url.query.get("schema", "public"))
    base = url.difference_update_query(["schema"])
    with postgres_connect(base) as conn:
        conn.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(schema)))
    return base, schema


def postgres_engine(base: URL, schema: str) -> Engine:
    return create_engine(
        base.set(drivername="postgresql+psycopg"),
        connect_args={"options": f"-csearch_path={schema}"},
        pool_pre_ping=True,
    )


def engine_for(database_url: str) -> Engine:
    """One engine for a whole database (the federation's, for instance)."""
    url = parse_url(database_url)
    if url.get_backend_name() == "sqlite":
        if not url.database:
            raise ConfigError("database_url must name a SQLite file")
        path = Path(url.database).resolve()
        path.parent.mkdir(parents=True, exist_ok=True)
        return sqlite_engine(path)
    return postgres_engine(*postgres_schema(url))
