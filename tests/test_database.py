"""`execute_many` stores exactly what SQLAlchemy's own executemany stores, byte for byte on
SQLite, for every column type the projections and the national log use."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    Engine,
    Float,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    bindparam,
    insert,
    select,
    update,
)

from drais.database import engine_for, execute_many

metadata = MetaData()


def kinds(name: str) -> Table:
    return Table(
        name,
        metadata,
        Column("region", String(5), primary_key=True),
        Column("seq", Integer, primary_key=True),
        Column("share", Float),
        Column("open", Boolean),
        Column("counts", JSON),
        Column("body", LargeBinary),
        Column("at", DateTime(timezone=True)),
    )


BY_DRAIS, BY_SQLALCHEMY = kinds("by_drais"), kinds("by_sqlalchemy")
ROWS: list[dict[str, Any]] = [
    {
        "region": "MA-09",
        "seq": seq,
        "share": seq / 3,
        "open": seq % 2 == 0,
        "counts": {"F": seq, "M": None, "bands": ["18-24", "25-34"]} if seq != 2 else None,
        "body": f'{{"seq":{seq},"name":"Aït Baha"}}'.encode(),
        "at": datetime(2026, 12, 6, 14, seq, 5, 123456, tzinfo=UTC),
    }
    for seq in range(1, 6)
]


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = engine_for(database_url)
    metadata.create_all(engine)
    yield engine
    engine.dispose()


def stored(engine: Engine, table: Table) -> list[tuple[Any, ...]]:
    """The rows as the driver returns them (SQLite: the very text and numbers stored)."""
    with engine.connect() as conn:
        return [
            tuple(row) for row in conn.exec_driver_sql(f"SELECT * FROM {table.name} ORDER BY seq")
        ]


def decoded(engine: Engine, table: Table) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        return [row._asdict() for row in conn.execute(select(table).order_by(table.c.seq))]


def test_inserts_store_what_sqlalchemy_stores(engine: Engine) -> None:
    with engine.begin() as conn:
        execute_many(conn, insert(BY_DRAIS), ROWS)
        conn.execute(insert(BY_SQLALCHEMY), ROWS)

    assert stored(engine, BY_DRAIS) == stored(engine, BY_SQLALCHEMY)
    assert decoded(engine, BY_DRAIS) == decoded(engine, BY_SQLALCHEMY)
    assert [row["counts"] for row in decoded(engine, BY_DRAIS)][:2] == [ROWS[0]["counts"], None]


def test_updates_by_key_change_what_sqlalchemy_changes(engine: Engine) -> None:
    changes = [
        {**row, "k_region": row["region"], "k_seq": row["seq"], "share": None, "open": True}
        for row in ROWS[1:4]
    ]
    with engine.begin() as conn:
        for table in (BY_DRAIS, BY_SQLALCHEMY):
            conn.execute(insert(table), ROWS)
    statements = {
        table: update(table)
        .where(table.c.region == bindparam("k_region"), table.c.seq == bindparam("k_seq"))
        .values({name: bindparam(name) for name in ("share", "open", "counts", "body", "at")})
        for table in (BY_DRAIS, BY_SQLALCHEMY)
    }
    with engine.begin() as conn:
        execute_many(conn, statements[BY_DRAIS], changes)
        conn.execute(statements[BY_SQLALCHEMY], changes)

    assert stored(engine, BY_DRAIS) == stored(engine, BY_SQLALCHEMY)
    assert [row["share"] for row in decoded(engine, BY_DRAIS)] == [1 / 3, None, None, None, 5 / 3]


def test_no_rows_is_no_statement(engine: Engine) -> None:
    with engine.begin() as conn:
        execute_many(conn, insert(BY_DRAIS), [])
    assert stored(engine, BY_DRAIS) == []
