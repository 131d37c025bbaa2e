"""Reads of the impact read models, and the region's values of indicators D4, B1, B2 and B3.

The figures are derived from the read models, never declared: D4 from the paired surveys,
B1 from theories of change and measurements, B2 from the grids, B3 from the studies.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from sqlalchemy import ColumnElement, Engine, and_, func, select

from drais.vocabulary import StudyStatus
from node.projections import tables as t
from node.toolbox.catalogue import load_core
from node.toolbox.improvement import ImprovementCounts, PairedScores

Row = dict[str, Any]


def _rows(engine: Engine, statement: Any) -> list[Row]:
    with engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(statement)]


def _registered_at(event: str) -> Any:
    """Position of a record's first event in the log: the order in which records were made."""
    return (
        select(t.timeline.c.record_id, t.timeline.c.position)
        .where(t.timeline.c.event == event)
        .subquery()
    )


# -- beneficiaries and measurements ------------------------------------------------------


def survey_status(row: Row) -> str:
    """`none`, `baseline` (waiting for a follow-up) or `paired` (counted by D4)."""
    if row["c_before"] is None:
        return "none"
    return "baseline" if row["c_after"] is None else "paired"


def beneficiaries(
    engine: Engine, initiative_id: str, *, limit: int = 100, offset: int = 0
) -> tuple[int, list[Row]]:
    """A page of an initiative's beneficiaries in registration order, with their surveys."""
    p, s = t.persons, t.surveys
    registered = _registered_at("Person.Registered")
    mine = and_(p.c.kind == "beneficiary", p.c.initiative_id == initiative_id)
    with engine.connect() as conn:
        total = conn.execute(select(func.count()).select_from(p).where(mine)).scalar_one()
        page = conn.execute(
            select(
                p.c.id.label("person_id"),
                p.c.gender,
                p.c.birth_year,
                p.c.consents,
                p.c.erased,
                s.c.scheme,
                s.c.c_before,
                s.c.poor_before,
                s.c.c_after,
                s.c.poor_after,
            )
            .select_from(
                p.outerjoin(s, s.c.person_id == p.c.id).outerjoin(
                    registered, registered.c.record_id == p.c.id
                )
            )
            .where(mine)
            .order_by(registered.c.position, p.c.id)
            .limit(limit)
            .offset(offset)
        )
        rows = [dict(r._mapping) for r in page]
    for row in rows:
        row["survey"] = survey_status(row)
    return int(total), rows


def measurements(engine: Engine, initiative_id: str) -> list[Row]:
    m = t.measurements
    return _rows(
        engine,
        select(m)
        .where(m.c.initiative_id == initiative_id)
        .order_by(m.c.period_start, m.c.indicator_code, m.c.period_end, m.c.id),
    )


# -- grids and studies -------------------------------------------------------------------


def grids(engine: Engine) -> list[Row]:
    registered = _registered_at("EvaluationGrid.Published")
    return _rows(
        engine,
        select(t.grids)
        .select_from(t.grids.outerjoin(registered, registered.c.record_id == t.grids.c.id))
        .order_by(registered.c.position, t.grids.c.id),
    )


def applications(engine: Engine, grid_id: str) -> list[Row]:
    """A grid's applications in the order they were made, with their latest score."""
    a = t.funding_applications
    registered = _registered_at("FundingApplication.Submitted")
    return _rows(
        engine,
        select(a)
        .select_from(a.outerjoin(registered, registered.c.record_id == a.c.id))
        .where(a.c.grid_id == grid_id)
        .order_by(registered.c.position, a.c.id),
    )


def theories(engine: Engine) -> list[Row]:
    """Every theory of change with its initiative's name, by initiative name."""
    th, i = t.theories, t.initiatives
    return _rows(
        engine,
        select(
            th.c.initiative_id,
            i.c.name,
            th.c.revision,
            th.c.indicator_codes,
        )
        .select_from(th.join(i, i.c.id == th.c.initiative_id))
        .order_by(i.c.name, th.c.initiative_id),
    )


def studies(engine: Engine, status: str | None = None) -> list[Row]:
    registered = _registered_at("PolicyStudy.Registered")
    query = (
        select(t.studies)
        .select_from(t.studies.outerjoin(registered, registered.c.record_id == t.studies.c.id))
        .order_by(registered.c.position, t.studies.c.id)
    )
    if status is not None:
        query = query.where(t.studies.c.status == status)
    return _rows(engine, query)


def study(engine: Engine, study_id: str) -> Row | None:
    found = _rows(engine, select(t.studies).where(t.studies.c.id == study_id))
    return found[0] if found else None


# -- D4: rate of improvement of living conditions ----------------------------------------


def improvement_counts(
    engine: Engine, *, province: str | None = None, initiative_id: str | None = None
) -> ImprovementCounts:
    """Additive counts over paired beneficiaries (baseline and follow-up both recorded).

    A person whose data was erased, or who opposes its processing, no longer counts: the same
    persons the roll-ups sent to the federation leave out.
    """
    s, p = t.surveys, t.persons
    opposed = select(t.oppositions.c.person_id)
    conditions: list[ColumnElement[bool]] = [
        s.c.c_before.is_not(None),
        s.c.c_after.is_not(None),
        p.c.erased.is_(False),
        p.c.id.not_in(opposed),
    ]
    if province is not None:
        conditions.append(s.c.province == province)
    if initiative_id is not None:
        conditions.append(s.c.initiative_id == initiative_id)
    rows = _rows(
        engine,
        select(s.c.c_before, s.c.c_after, s.c.poor_before, s.c.poor_after)
        .select_from(s.join(p, p.c.id == s.c.person_id))
        .where(*conditions),
    )
    return ImprovementCounts.from_pairs(
        PairedScores(
            c_before=r["c_before"],
            c_after=r["c_after"],
            poor_before=bool(r["poor_before"]),
            poor_after=bool(r["poor_after"]),
        )
        for r in rows
    )


def living_conditions(
    engine: Engine, *, province: str | None = None, initiative_id: str | None = None
) -> Row:
    """D4: improved (c_i fell), worsened (c_i rose) and exits (poor → not poor), each with n
    and a 95 % Wilson interval, McNemar's test, and the counts that add up across regions."""
    counts = improvement_counts(engine, province=province, initiative_id=initiative_id)
    report = counts.report()
    return {
        "paired": counts.paired,
        "improved": asdict(report.improved),
        "worsened": asdict(report.worsened),
        "exits": asdict(report.exits),
        "mean_c_before": report.mean_c_before,
        "mean_c_after": report.mean_c_after,
        "mcnemar": asdict(report.mcnemar) if report.mcnemar else None,
        "counts": asdict(counts),
    }


# -- B1, B2, B3 --------------------------------------------------------------------------


def toolbox_adoption(engine: Engine) -> Row:
    """B1: an initiative adopts the toolbox when its theory of change links at least one
    indicator and at least one measurement was recorded for it (DESIGN §4)."""
    with engine.connect() as conn:
        theories = conn.execute(select(t.theories.c.initiative_id, t.theories.c.indicator_codes))
        with_indicators = {initiative for initiative, codes in theories if codes}
        measured = set(conn.execute(select(t.measurements.c.initiative_id).distinct()).scalars())
        total = conn.execute(select(func.count()).select_from(t.initiatives)).scalar_one()
    adopting = with_indicators & measured
    return {
        "adopting": len(adopting),
        "initiatives": int(total),
        "with_theory_indicators": len(with_indicators),
        "with_measurements": len(measured),
    }


def grids_integrating_impact(engine: Engine) -> Row:
    """B2: grids whose current version integrates impact analysis, out of all grids."""
    g = t.grids
    with engine.connect() as conn:
        total = conn.execute(select(func.count()).select_from(g)).scalar_one()
        integrating = conn.execute(
            select(func.count()).select_from(g).where(g.c.integrates_impact.is_(True))
        ).scalar_one()
    return {"integrating": int(integrating), "grids": int(total)}


def policy_studies_conducted(engine: Engine) -> Row:
    """B3: impact evaluations of territorial policies completed, and every study by status."""
    with engine.connect() as conn:
        counts: dict[str, int] = dict(
            conn.execute(
                select(t.studies.c.status, func.count()).group_by(t.studies.c.status)
            ).all()
        )
    by_status = {s.value: int(counts.get(s.value, 0)) for s in StudyStatus}
    return {
        "completed": by_status[StudyStatus.COMPLETED.value],
        "studies": sum(by_status.values()),
        "by_status": by_status,
    }


def regional_indicators(engine: Engine) -> list[Row]:
    """The region's D4, B1, B2 and B3, labelled from the core catalogue; shares are fractions."""
    catalogue = load_core()
    d4 = living_conditions(engine)
    b1 = toolbox_adoption(engine)
    b2 = grids_integrating_impact(engine)
    b3 = policy_studies_conducted(engine)
    rows: list[Row] = [
        {"code": "D4", "unit": "share", "value": d4["improved"]["rate"], **d4},
        {"code": "B1", "unit": "count", "value": b1["adopting"], **b1},
        {"code": "B2", "unit": "count", "value": b2["integrating"], **b2},
        {"code": "B3", "unit": "count", "value": b3["completed"], **b3},
    ]
    return [{"label": catalogue.get(f"CORE.{row['code']}").label, **row} for row in rows]
