"""SQLAlchemy engines from database URLs, shared by the node and the federation.

SQLite runs in WAL mode (readers never wait on the writer); PostgreSQL takes an optional
`?schema=` in the URL, created if missing and used as the search path.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql
from psycopg.rows import TupleRow
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import URL, Dialect, make_url
from sqlalchemy.sql.dml import Insert, UpdateBase

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


@dataclass(frozen=True)
class _Prepared:
    """A statement compiled once for SQLite's positional parameters, with the bind processor
    of each parameter's type (None where the driver takes the value as it is)."""

    sql: str
    parameters: tuple[tuple[str, Callable[[Any], Any] | None], ...]  # name, bind processor


_prepared: dict[tuple[UpdateBase, tuple[str, ...]], _Prepared] = {}


def _prepare(statement: UpdateBase, dialect: Dialect, keys: tuple[str, ...]) -> _Prepared:
    # An INSERT names the columns the rows give; an UPDATE sets what its own binds say.
    columns = list(keys) if isinstance(statement, Insert) else None
    compiled = statement.compile(dialect=dialect, column_keys=columns)
    parameters = tuple(
        (name, compiled.binds[name].type.dialect_impl(dialect).bind_processor(dialect))
        for name in compiled.positiontup or ()
    )
    return _Prepared(compiled.string, parameters)


def execute_many(
    conn: Connection, statement: UpdateBase, rows: Sequence[Mapping[str, Any]]
) -> None:
    """`conn.execute(statement, rows)` for many rows with the same keys, faster on SQLite.

    SQLAlchemy builds and processes a parameter dict per row, a sixth of a national rebuild;
    here the statement is compiled once per set of keys and each value goes through its
    type's own bind processor straight into the driver's executemany. PostgreSQL keeps
    SQLAlchemy's path, which batches many rows per INSERT there. `statement` must be a
    long-lived object (compiled forms are kept per statement)."""
    if not rows:
        return
    if conn.dialect.name != "sqlite":
        conn.execute(statement, list(rows))
        return
    keys = tuple(rows[0])
    prepared = _prepared.get((statement, keys))
    if prepared is None:
        prepared = _prepared[(statement, keys)] = _prepare(statement, conn.dialect, keys)
    parameters = prepared.parameters
    conn.exec_driver_sql(
        prepared.sql,
        [
            tuple(
                row[name] if process is None else process(row[name]) for name, process in parameters
            )
            for row in rows
        ],
    )
