"""Erasure without rewriting the log (DESIGN §8): once a person is erased, their name, their CIN
and the key their identity was sealed under are found nowhere in the node's database files —
every file of the data directory on SQLite (WAL files and free pages included, read as raw
bytes), every relation file of the node's schema on PostgreSQL — while the log keeps its
history and the indicators still add up."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from uuid import UUID

import pytest
from sqlalchemy import select
from sqlalchemy.engine import make_url

from drais.database import postgres_connect
from node import identity_vault
from node.application import Identity
from node.bootstrap import Node
from node.domain.errors import RuleViolation
from node.identity_vault import person_keys
from node.projections import impact_queries, queries
from node.projections import tables as t
from tests.scenario import Story, record_story
from tests.test_impact_cases import GOOD, POOR
from ui.regional.lists import TABLES

HOLDER = Identity("Zoubeida Tagounitiyya", cin="ZT918273", phone="+212661728394")
HOLDER_RECTIFIED = "Zoubeida Tagounitiyya-Ouchen"
BENEFICIARY = Identity("Ouarda Tafraoutiyya", cin="OT564738", email="ouarda.t@example.ma")
WITNESS = Identity("Rkia Imouzzeriyya", cin="RI102938")


@dataclass
class Persons:
    initiative: str
    holder: str
    beneficiary: str
    witness: str


def surveyed(node: Node, initiative: str, identity: Identity) -> str:
    person = node.app.register_beneficiary(
        initiative,
        identity=identity,
        gender="F",
        birth_year=1987,
        consents=("enquete_impact",),
        by="amina",
    )
    node.app.record_consent(person, purpose="communication", given=True, by="amina")
    node.app.record_survey(person, wave="baseline", answers=POOR, by="amina", on="2026-01-05")
    node.app.record_survey(person, wave="follow_up", answers=GOOD, by="amina", on="2026-06-05")
    return person


@pytest.fixture
def persons(node: Node) -> Persons:
    story: Story = record_story(node.app)
    initiative = node.app.register_initiative(
        name="Atelier de tissage",
        theme="artisanat",
        province="MA-AGD",
        phase="ideation",
        holder=HOLDER,
        holder_gender="F",
        holder_birth_year=1984,
        by="amina",
        on="2026-02-15",
    )
    holder = node.app.get_initiative(initiative).holder_id
    node.app.start_accompaniment(
        initiative, structure_id=story.structure, offer_id=story.offer, by="amina"
    )
    node.app.rectify_person(holder, full_name=HOLDER_RECTIFIED, by="dpo")
    node.app.record_request(person_id=holder, kind="erasure", by="dpo")
    found = Persons(
        initiative,
        holder,
        surveyed(node, initiative, BENEFICIARY),
        surveyed(node, initiative, WITNESS),
    )
    node.projector.catch_up()
    node.outbox.derive()
    return found


def key_of(node: Node, person_id: str) -> bytes:
    with node.stores.identity_keys.connect() as conn:
        key: bytes = conn.execute(
            select(person_keys.c.key).where(person_keys.c.person_id == person_id)
        ).scalar_one()
    return key


def sqlite_files(database_url: str, data_dir: Path) -> list[bytes]:
    """Every file beside the database and in the data directory, as raw bytes."""
    database = Path(make_url(database_url).database or "")
    files = {*database.parent.iterdir(), *data_dir.rglob("*")}
    assert any(f.name.endswith("-wal") for f in files)  # the WAL files are read too
    return [f.read_bytes() for f in sorted(files) if f.is_file()]


def postgres_files(database_url: str) -> list[bytes]:
    """The relation files (tables, their TOAST and indexes) of the node's schema, flushed to
    disk first, as the server stores them."""
    url = make_url(database_url)
    schema = str(url.query["schema"])
    with postgres_connect(url) as conn:
        conn.execute("CHECKPOINT")
        rows = conn.execute(
            """
            SELECT pg_read_binary_file(pg_relation_filepath(c.oid))
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE pg_relation_filepath(c.oid) IS NOT NULL AND (
                n.nspname = %(schema)s
                OR c.oid IN (
                    SELECT r.reltoastrelid FROM pg_class r JOIN pg_namespace rn
                    ON rn.oid = r.relnamespace WHERE rn.nspname = %(schema)s
                )
                OR c.oid IN (
                    SELECT i.indexrelid FROM pg_index i JOIN pg_class r ON r.reltoastrelid
                    = i.indrelid JOIN pg_namespace rn ON rn.oid = r.relnamespace
                    WHERE rn.nspname = %(schema)s
                )
            )
            """,
            {"schema": schema},
        ).fetchall()
    assert len(rows) > 20  # the log, the read models, the keys, the outbox and their indexes
    return [bytes(row[0]) for row in rows]


def database_files(node: Node, database_url: str) -> list[bytes]:
    if database_url.startswith("sqlite"):
        assert node.settings.data_dir is not None
        return sqlite_files(database_url, node.settings.data_dir)
    return postgres_files(database_url)


def found(needle: bytes, files: list[bytes]) -> bool:
    return any(needle in content for content in files)


@pytest.mark.postgres_alone
def test_after_erasure_nothing_of_the_person_is_left_in_the_database_files(
    node: Node, persons: Persons, database_url: str
) -> None:
    holder_key = key_of(node, persons.holder)
    beneficiary_key = key_of(node, persons.beneficiary)
    witness_key = key_of(node, persons.witness)

    node.app.erase_person(persons.holder, by="dpo")
    node.app.erase_person(persons.beneficiary, by="dpo")
    node.projector.catch_up()
    node.outbox.derive()
    files = database_files(node, database_url)

    assert found(witness_key, files)  # the scan does read the keys that remain…
    assert found(b"Atelier de tissage", files)  # …and text in clear
    for gone in (holder_key, beneficiary_key):
        assert not found(gone, files)
    for identity in (HOLDER, BENEFICIARY, WITNESS):  # identities were never in clear
        for value in (identity.full_name, identity.cin, identity.phone, identity.email):
            if value:
                assert not found(value.encode(), files), value
    assert not found(HOLDER_RECTIFIED.encode(), files)
    assert not found(b"Tagounitiyya", files) and not found(b"Tafraoutiyya", files)


def test_after_erasure_the_records_say_erased_and_the_indicators_still_add_up(
    node: Node, persons: Persons
) -> None:
    reads = node.stores.read_models
    total_before, _ = queries.initiatives(reads, include_closed=True, limit=100)
    funnel_before = queries.funnel(reads)
    professionals_before = queries.trainings(reads)["professionals"]
    paired_before = impact_queries.living_conditions(reads)["paired"]

    node.app.erase_person(persons.holder, by="dpo")
    node.app.erase_person(persons.beneficiary, by="dpo")
    node.projector.catch_up()

    assert node.app.identity_of(persons.holder) is None
    assert node.app.identity_of(persons.beneficiary) is None
    assert node.app.identity_of(persons.witness) == {
        "full_name": WITNESS.full_name,
        "cin": WITNESS.cin,
    }
    with reads.connect() as conn:
        erased = dict(conn.execute(select(t.persons.c.id, t.persons.c.erased)).all())
    assert erased[persons.holder] and erased[persons.beneficiary]
    assert not erased[persons.witness]
    # the initiative lives on without its holder's identity; the counts do not move…
    total_after, _ = queries.initiatives(reads, include_closed=True, limit=100)
    assert total_after == total_before
    assert queries.funnel(reads) == funnel_before
    assert queries.trainings(reads)["professionals"] == professionals_before
    assert queries.initiative(reads, persons.initiative) is not None
    # …but for the erased beneficiary's pair, which is no longer processed
    d4 = impact_queries.living_conditions(reads)
    assert d4["paired"] == paired_before - 1
    assert d4["counts"]["paired"] == d4["paired"]
    # the spreadsheet of beneficiaries carries the witness only
    listed = TABLES["beneficiaries"].rows(node, {"initiative": persons.initiative})
    assert [row["person_id"] for row in listed] == [persons.witness]
    assert listed[0]["full_name"] == WITNESS.full_name


@contextmanager
def older_transaction(node: Node, database_url: str) -> Iterator[None]:
    """Another session in the middle of a transaction that began before the erasure: a
    reader of the keys' SQLite file, a repeatable-read snapshot on the PostgreSQL server."""
    if database_url.startswith("sqlite"):
        reader = sqlite3.connect(str(node.stores.identity_keys.url.database), isolation_level=None)
        reader.execute("BEGIN")
        reader.execute("SELECT * FROM person_keys").fetchall()
        try:
            yield
        finally:
            reader.execute("COMMIT")
            reader.close()
        return
    with postgres_connect(make_url(database_url)) as other:
        other.execute("BEGIN ISOLATION LEVEL REPEATABLE READ")
        other.execute("SELECT 1")
        try:
            yield
        finally:
            other.execute("COMMIT")


@pytest.mark.postgres_alone
def test_an_older_transaction_holds_the_erasure_back_until_it_ends(
    node: Node, persons: Persons, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(identity_vault, "_TRIES", 3)  # give up after 0.3 s, not 5 s
    holder_key = key_of(node, persons.holder)

    with older_transaction(node, database_url), pytest.raises(RuleViolation, match="in use"):
        node.app.erase_person(persons.holder, by="dpo")
    # refused: the erasure is not recorded (its key is gone all the same)
    assert not node.app.repository.get(UUID(persons.holder)).erased

    node.app.erase_person(persons.holder, by="dpo")  # the other transaction ended: it goes
    assert node.app.repository.get(UUID(persons.holder)).erased
    assert not found(holder_key, database_files(node, database_url))
