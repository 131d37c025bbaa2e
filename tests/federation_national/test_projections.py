"""The national read models: one handler per contract type, and rebuilding from the national
log gives the very same rows as applying messages one by one (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import Engine, select

from drais.database import engine_for
from federation import contract, indicators, projections
from tests.federation_national import scenario as s
from tests.federation_national.scenario import pseudonym


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """The scenario received message by message, as the consumer would."""
    engine = engine_for(database_url)
    s.create_tables(engine)
    s.admit(engine, "MA-01", s.NOW - timedelta(days=2))
    s.admit(engine, "MA-06", s.NOW - timedelta(days=31))
    s.admit(engine, "MA-09", s.NOW - timedelta(days=30))
    s.receive(engine, s.scenario())
    yield engine
    engine.dispose()


def test_every_contract_type_has_a_handler() -> None:
    assert set(projections.HANDLERS) == set(contract.DATA_MODELS)


def test_rebuilding_from_the_national_log_gives_identical_tables(engine: Engine) -> None:
    incremental = s.snapshot(engine)
    with engine.connect() as conn:
        before = indicators.all_indicators(conn, s.NOW)
    assert len(incremental["nat_initiatives"]) == 17
    assert len(incremental["nat_beneficiaries"]) == 4

    assert projections.rebuild_from_log(engine) == len(s.scenario())
    assert s.snapshot(engine) == incremental
    with engine.connect() as conn:
        assert indicators.all_indicators(conn, s.NOW) == before


def test_rebuilding_from_envelopes_gives_identical_tables(engine: Engine) -> None:
    incremental = s.snapshot(engine)
    projections.reset(engine)
    assert all(rows == [] for rows in s.snapshot(engine).values())
    envelopes = s.scenario()
    assert projections.rebuild(engine, envelopes) == len(envelopes) == 117
    assert s.snapshot(engine) == incremental


def test_roll_ups_add_up_including_negative_corrections(engine: Engine) -> None:
    b = projections.beneficiaries
    with engine.connect() as conn:
        rows = conn.execute(
            select(b.c.month, b.c.rollups, b.c.paired, b.c.improved, b.c.worsened, b.c.exits)
            .where(b.c.region == "MA-01", b.c.province == "MA-TNG")
            .order_by(b.c.month)
        ).all()
        c = projections.competence
        competence = conn.execute(
            select(c.c.region, c.c.month, c.c.assessed, c.c.sum_before, c.c.sum_after).order_by(
                c.c.region, c.c.month
            )
        ).all()
    assert [tuple(row) for row in rows] == [
        ("2025-03", 1, 30, 18, 5, 8),
        ("2025-05", 1, 0, -2, 2, -1),
    ]
    assert [tuple(row) for row in competence] == [
        ("MA-01", "2025-04", 6, 12.0, 18.0),
        ("MA-01", "2025-05", 4, 8.0, 12.0),
        ("MA-09", "2025-04", 12, 30.0, 42.0),
    ]


def test_an_initiative_keeps_its_journey(engine: Engine) -> None:
    i, a, f = projections.initiatives, projections.accompaniments, projections.fundings
    with engine.connect() as conn:
        i01 = conn.execute(select(i).where(i.c.subject == pseudonym("i01"))).one()
        k2 = conn.execute(select(i).where(i.c.subject == pseudonym("k2"))).one()
        j1 = conn.execute(select(i).where(i.c.subject == pseudonym("j1"))).one()
        followed = conn.execute(select(a).where(a.c.subject == pseudonym("i01"))).one()
        funding = conn.execute(select(f)).one()
    assert (i01.registered_phase, i01.phase, i01.reached_late_month) == (
        "ideation",
        "validation",
        "2025-03",
    )
    assert (i01.accompanied_month, i01.accompaniments) == ("2025-02", 1)
    assert (k2.holder_sex, k2.holder_age_band) == ("F", "18-24")  # the correction applied
    assert j1.reached_late_month == "2025-02"  # registered in validation
    assert (followed.sessions, followed.hours) == (2, 4.0)
    assert (followed.ended_month, followed.outcome, followed.satisfaction) == (
        "2025-04",
        "completed",
        5,
    )
    assert (funding.subject, funding.phase, funding.amount_band) == (
        pseudonym("i01"),
        "validation",
        "10k-50k",
    )


def test_structures_offers_theories_grids_and_studies(engine: Engine) -> None:
    p = projections
    with engine.connect() as conn:
        s1 = conn.execute(select(p.structures).where(p.structures.c.region == "MA-01")).one()
        s2 = conn.execute(select(p.structures).where(p.structures.c.region == "MA-09")).one()
        o2 = conn.execute(select(p.offers).where(p.offers.c.offer == pseudonym("o2"))).one()
        j2 = conn.execute(select(p.theories).where(p.theories.c.subject == pseudonym("j2"))).one()
        j1 = conn.execute(select(p.theories).where(p.theories.c.subject == pseudonym("j1"))).one()
        k1 = conn.execute(select(p.measurements).where(p.measurements.c.region == "MA-06")).one()
        grids = conn.execute(select(p.grid_versions.c.version)).scalars().all()
        st1 = conn.execute(select(p.studies).where(p.studies.c.region == "MA-01")).one()
        m5 = conn.execute(select(p.members).where(p.members.c.subject == pseudonym("m5"))).one()
    assert (s1.supported_month, s1.support_types, s1.quality_score) == (
        "2025-02",
        ["financier"],
        3.6,
    )
    assert (s2.assessments, s2.quality_score, s2.supported_month) == (2, 4.4, None)
    assert (o2.withdrawn_month, o2.structure) == ("2025-04", pseudonym("s1"))
    assert (j2.revision, j2.indicator_codes, j2.first_month_with_codes) == (
        2,
        ["BO.revenu"],
        "2025-05",
    )
    assert (j1.revision, j1.indicator_codes) == (2, [])
    assert (k1.indicator_code, k1.first_month, k1.measurements) == ("DRAIS.D3", "2025-04", 2)
    assert sorted(grids) == [1, 1, 1, 2, 2]
    assert (st1.status, st1.completed_month) == ("completed", "2025-05")
    assert m5.role == "pilotage"


def test_a_late_older_theory_revision_changes_nothing(engine: Engine) -> None:
    feed = s.Feed()  # a theory's record does not depend on the seq
    stale = feed.add(
        "MA-09", "impact.theory_defined", "2025-06", "j2", revision=1, indicator_codes=[]
    )
    t = projections.theories
    with engine.begin() as conn:
        projections.apply(conn, stale)
        row = conn.execute(select(t).where(t.c.subject == pseudonym("j2"))).one()
    assert (row.revision, row.indicator_codes) == (2, ["BO.revenu"])
