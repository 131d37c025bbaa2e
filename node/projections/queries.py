"""Reads of the regional read models, shaped for the API and the UI."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import Engine, func, or_, select

from drais import territory
from drais.vocabulary import LATE_PHASES, Phase, ServiceType
from node.projections import tables as t

Row = dict[str, Any]


def _rows(engine: Engine, statement: Any) -> list[Row]:
    with engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(statement)]


def members(engine: Engine, include_left: bool = True) -> list[Row]:
    query = select(t.members).order_by(t.members.c.joined_on, t.members.c.name)
    if not include_left:
        query = query.where(t.members.c.left_on.is_(None))
    return _rows(engine, query)


def members_by_type_over_time(engine: Engine) -> list[Row]:
    """Active members per type at the end of each month in which membership changed."""
    rows = members(engine)
    months = sorted(
        {r["joined_on"][:7] for r in rows} | {r["left_on"][:7] for r in rows if r["left_on"]}
    )
    series = []
    for month in months:
        counts: dict[str, int] = defaultdict(int)
        for r in rows:
            if r["joined_on"][:7] <= month and (not r["left_on"] or r["left_on"][:7] > month):
                counts[r["actor_type"]] += 1
        series.append(
            {"month": month, "by_type": dict(sorted(counts.items())), "total": sum(counts.values())}
        )
    return series


def meetings(engine: Engine) -> list[Row]:
    return _rows(engine, select(t.meetings).order_by(t.meetings.c.held_on.desc()))


def resources(engine: Engine) -> list[Row]:
    return _rows(engine, select(t.resources).order_by(t.resources.c.shared_on.desc()))


def structures(engine: Engine) -> list[Row]:
    found = _rows(engine, select(t.structures).order_by(t.structures.c.name))
    offers_by_structure: dict[str, list[Row]] = defaultdict(list)
    for offer in _rows(engine, select(t.offers).order_by(t.offers.c.published_on)):
        offers_by_structure[offer["structure_id"]].append(offer)
    for structure in found:
        structure["offers"] = offers_by_structure[structure["id"]]
    return found


def initiatives(
    engine: Engine,
    *,
    phase: str | None = None,
    province: str | None = None,
    theme: str | None = None,
    search: str | None = None,
    include_closed: bool = True,
    limit: int = 100,
    offset: int = 0,
) -> tuple[int, list[Row]]:
    """A page of initiatives matching the filters, and how many match in all."""
    i = t.initiatives
    conditions = []
    if phase:
        conditions.append(i.c.phase == phase)
    if province:
        conditions.append(i.c.province == province)
    if theme:
        conditions.append(i.c.theme == theme)
    if search:
        pattern = f"%{search.strip()}%"
        conditions.append(or_(i.c.name.ilike(pattern), i.c.commune.ilike(pattern)))
    if not include_closed:
        conditions.append(i.c.closed_on.is_(None))
    with engine.connect() as conn:
        total = conn.execute(select(func.count()).select_from(i).where(*conditions)).scalar_one()
        page = conn.execute(
            select(i)
            .where(*conditions)
            .order_by(i.c.registered_on.desc(), i.c.name)
            .limit(limit)
            .offset(offset)
        )
        return int(total), [dict(r._mapping) for r in page]


def initiative(engine: Engine, initiative_id: str) -> Row | None:
    found = _rows(engine, select(t.initiatives).where(t.initiatives.c.id == initiative_id))
    if not found:
        return None
    row = found[0]
    row["accompaniments"] = _rows(
        engine,
        select(t.accompaniments)
        .where(t.accompaniments.c.initiative_id == initiative_id)
        .order_by(t.accompaniments.c.started_on),
    )
    return row


def funnel(engine: Engine) -> list[Row]:
    """Open initiatives per phase, in phase order, late phases marked."""
    with engine.connect() as conn:
        counts: dict[str, int] = dict(
            conn.execute(
                select(t.initiatives.c.phase, func.count())
                .where(t.initiatives.c.closed_on.is_(None))
                .group_by(t.initiatives.c.phase)
            ).all()
        )
    return [
        {"phase": p.value, "count": int(counts.get(p.value, 0)), "late": p in LATE_PHASES}
        for p in Phase
    ]


def timeline(engine: Engine, record_id: str) -> list[Row]:
    return _rows(
        engine,
        select(t.timeline)
        .where(t.timeline.c.record_id == record_id)
        .order_by(t.timeline.c.position),
    )


def professionals(engine: Engine) -> list[Row]:
    """The professionals trainings are for (their names stay in the identity vault)."""
    p = t.persons
    return _rows(engine, select(p).where(p.c.kind == "professional").order_by(p.c.id))


def trainings(engine: Engine) -> dict[str, Any]:
    rows = _rows(engine, select(t.trainings).order_by(t.trainings.c.held_on.desc()))
    assessments = _rows(engine, select(t.training_assessments))
    gains = [a["after"] - a["before"] for a in assessments]
    with engine.connect() as conn:
        people = conn.execute(
            select(func.count()).select_from(t.persons).where(t.persons.c.kind == "professional")
        ).scalar_one()
    return {
        "trainings": rows,
        "professionals": int(people),
        "hours": sum(r["hours"] * r["participants"] for r in rows),
        "assessed": len(gains),
        "mean_competence_gain": round(sum(gains) / len(gains), 2) if gains else None,
    }


def coverage(engine: Engine, region: str) -> dict[str, Any]:
    """Offer capacity against open initiatives per province × phase × service type.

    Demand in a cell is the number of open initiatives in that province and phase: each of
    them may need any service. A cell is a gap when capacity is below demand; a phase is
    uncovered in a province when no offer serves it there at all.
    """
    provinces = [p.code for p in territory.provinces_of(region)]
    with engine.connect() as conn:
        capacity = {
            (p, ph, s): float(c)
            for p, ph, s, c in conn.execute(
                select(
                    t.offer_cells.c.province,
                    t.offer_cells.c.phase,
                    t.offer_cells.c.service_type,
                    func.sum(t.offer_cells.c.capacity),
                ).group_by(
                    t.offer_cells.c.province, t.offer_cells.c.phase, t.offer_cells.c.service_type
                )
            )
        }
        demand = {
            (p, ph): int(n)
            for p, ph, n in conn.execute(
                select(t.initiatives.c.province, t.initiatives.c.phase, func.count())
                .where(t.initiatives.c.closed_on.is_(None))
                .group_by(t.initiatives.c.province, t.initiatives.c.phase)
            )
        }
    cells, by_phase = [], []
    for province in provinces:
        for phase in Phase:
            wanted = demand.get((province, phase.value), 0)
            offered = {
                s.value: capacity.get((province, phase.value, s.value), 0.0) for s in ServiceType
            }
            for service, cap in offered.items():
                cells.append(
                    {
                        "province": province,
                        "phase": phase.value,
                        "service_type": service,
                        "capacity": round(cap, 2),
                        "demand": wanted,
                        "gap": cap < wanted,
                    }
                )
            total = sum(offered.values())
            by_phase.append(
                {
                    "province": province,
                    "phase": phase.value,
                    "capacity": round(total, 2),
                    "demand": wanted,
                    "services_offered": sum(1 for c in offered.values() if c > 0),
                    "uncovered": total == 0,
                    "gap": total < wanted,
                }
            )
    return {
        "region": region,
        "provinces": provinces,
        "phases": [p.value for p in Phase],
        "service_types": [s.value for s in ServiceType],
        "cells": cells,
        "by_phase": by_phase,
    }
