"""Reads for a person's rights: the data-subject requests with their deadline, and the persons
that lists may show (neither erased nor opposed)."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Engine, and_, select

from node.projections import tables as t

Row = dict[str, Any]


def requests(engine: Engine, today: date, *, open_only: bool = False) -> list[Row]:
    """Requests, the oldest deadline first; `overdue` when still unanswered after the due
    day, `late` when answered after it."""
    r = t.data_requests
    query = select(r).order_by(r.c.answered_on.is_not(None), r.c.due_on, r.c.id)
    if open_only:
        query = query.where(r.c.answered_on.is_(None))
    with engine.connect() as conn:
        rows = [dict(row._mapping) for row in conn.execute(query)]
    day = today.isoformat()
    for row in rows:
        row["overdue"] = row["answered_on"] is None and day > row["due_on"]
        row["late"] = row["answered_on"] is not None and row["answered_on"] > row["due_on"]
    return rows


def listable_beneficiaries(engine: Engine, initiative_id: str | None = None) -> list[Row]:
    """Beneficiaries a list may show, with their initiative: those erased or opposing the
    processing of their data are left out."""
    p, i, o = t.persons, t.initiatives, t.oppositions
    query = (
        select(
            p.c.id.label("person_id"),
            i.c.name.label("initiative"),
            p.c.gender,
            p.c.birth_year,
            p.c.province,
            p.c.consents,
            t.surveys.c.c_before,
            t.surveys.c.c_after,
        )
        .select_from(
            p.join(i, i.c.id == p.c.initiative_id)
            .outerjoin(o, o.c.person_id == p.c.id)
            .outerjoin(t.surveys, t.surveys.c.person_id == p.c.id)
        )
        .where(and_(p.c.kind == "beneficiary", p.c.erased.is_(False), o.c.person_id.is_(None)))
        .order_by(i.c.name, p.c.id)
    )
    if initiative_id is not None:
        query = query.where(p.c.initiative_id == initiative_id)
    with engine.connect() as conn:
        return [dict(row._mapping) for row in conn.execute(query)]
