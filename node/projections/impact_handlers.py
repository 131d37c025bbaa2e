"""How the toolbox's facts change the impact read models."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, insert, select, update

from node.domain.impact.grids import build_grid
from node.projections import tables as t
from node.projections.handlers import Event, handles, record_id


def _indicator_codes(content: dict[str, Any]) -> list[str]:
    return sorted({link["code"] for o in content["outcomes"] for link in o["indicators"]})


@handles("TheoryOfChange.Drafted")
def _drafted(conn: Connection, e: Event) -> None:
    conn.execute(
        insert(t.theories).values(
            id=record_id(e),
            initiative_id=e.initiative_id,
            revision=1,
            indicator_codes=_indicator_codes(e.content),
            content=e.content,
        )
    )


@handles("TheoryOfChange.Revised")
def _revised(conn: Connection, e: Event) -> None:
    conn.execute(
        update(t.theories)
        .where(t.theories.c.id == record_id(e))
        .values(revision=e.revision, indicator_codes=_indicator_codes(e.content), content=e.content)
    )


@handles("Measurement.Recorded")
def _measured(conn: Connection, e: Event) -> None:
    conn.execute(
        insert(t.measurements).values(
            id=record_id(e),
            initiative_id=e.initiative_id,
            indicator_code=e.indicator_code,
            value=e.value,
            period_start=e.period_start,
            period_end=e.period_end,
            disaggregation=e.disaggregation,
        )
    )


@handles("Person.SurveyAnswered")
def _surveyed(conn: Connection, e: Event) -> None:
    person = conn.execute(select(t.persons).where(t.persons.c.id == record_id(e))).one()
    if e.wave == "baseline":
        conn.execute(
            insert(t.surveys).values(
                person_id=record_id(e),
                initiative_id=person.initiative_id,
                province=person.province,
                scheme=e.scheme,
                c_before=e.score,
                poor_before=e.poor,
            )
        )
    else:
        conn.execute(
            update(t.surveys)
            .where(t.surveys.c.person_id == record_id(e))
            .values(c_after=e.score, poor_after=e.poor)
        )


def _grid_values(e: Event, code: str, version: int) -> dict[str, Any]:
    grid = build_grid(code, version, e.title, e.pass_threshold, e.criteria)
    return {
        "title": e.title,
        "version": version,
        "impact_share": round(grid.impact_share, 4),
        "integrates_impact": grid.integrates_impact,
    }


@handles("EvaluationGrid.Published")
def _grid(conn: Connection, e: Event) -> None:
    conn.execute(
        insert(t.grids).values(
            id=record_id(e), code=e.code, funder=e.funder, **_grid_values(e, e.code, 1)
        )
    )


@handles("EvaluationGrid.Revised")
def _grid_revised(conn: Connection, e: Event) -> None:
    """A revision does not repeat the grid's code: it is the one the grid was published under."""
    code = conn.execute(select(t.grids.c.code).where(t.grids.c.id == record_id(e))).scalar_one()
    conn.execute(
        update(t.grids)
        .where(t.grids.c.id == record_id(e))
        .values(**_grid_values(e, code, e.version))
    )


@handles("FundingApplication.Submitted")
def _application(conn: Connection, e: Event) -> None:
    conn.execute(
        insert(t.funding_applications).values(
            id=record_id(e),
            grid_id=e.grid_id,
            applicant=e.applicant,
            initiative_id=e.initiative_id,
            grid_version=0,
            total=0.0,
            passed=False,
            reasons=[],
        )
    )


@handles("FundingApplication.Scored")
def _scored(conn: Connection, e: Event) -> None:
    conn.execute(
        update(t.funding_applications)
        .where(t.funding_applications.c.id == record_id(e))
        .values(
            grid_version=e.grid_version,
            total=e.result["total"],
            passed=e.result["passed"],
            reasons=e.result["reasons"],
        )
    )


@handles("PolicyStudy.Registered")
def _study(conn: Connection, e: Event) -> None:
    conn.execute(
        insert(t.studies).values(
            id=record_id(e),
            title=e.title,
            policy=e.policy,
            territory=e.territory,
            method=e.method,
            status="planned",
        )
    )


@handles("PolicyStudy.StatusChanged")
def _study_status(conn: Connection, e: Event) -> None:
    conn.execute(update(t.studies).where(t.studies.c.id == record_id(e)).values(status=e.status))


@handles("PolicyStudy.ResultsRecorded")
def _study_results(conn: Connection, e: Event) -> None:
    conn.execute(update(t.studies).where(t.studies.c.id == record_id(e)).values(results=e.results))
