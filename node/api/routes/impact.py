"""The impact toolbox on the node: theories of change, the indicator catalogue, beneficiaries
and their surveys, measurements, funder grids and applications, policy studies, and the
region's values of D4, B1, B2 and B3.

Personal data (beneficiaries, their surveys, funding applications) and the indicators derived
from beneficiaries' scores need the bearer token; the rest is public, like the coverage matrix.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Response

from drais.vocabulary import StudyStatus
from node.api import errors
from node.api.deps import Do, InitiativeReader, NodeDep, Reader
from node.api.impact_schemas import (
    ApplicationIn,
    BeneficiaryIn,
    GridIn,
    GridTermsIn,
    MeasurementIn,
    PanelIn,
    StudyIn,
    StudyStatusIn,
    SurveyIn,
    TheoryOfChangeIn,
)
from node.api.schemas import Created
from node.application import Identity
from node.domain.errors import InvalidValue, NotFound
from node.domain.impact.grids import EvaluationGrid, FundingApplication
from node.impact_cases import DEFAULT_SCHEME
from node.projections import impact_queries
from node.toolbox.alkire_foster import available_schemes
from node.toolbox.catalogue import Disaggregation, Indicator, Source, load_core

router = APIRouter(tags=["impact"])

MAX_PAGE = 500
MAX_OFFSET = 1_000_000_000  # past any region's records; beyond 2**63 the database refuses
DRAFTED: dict[int | str, dict[str, Any]] = {
    201: {"description": "The theory of change drafted: its first revision"}
}


# -- theory of change --------------------------------------------------------------------


def _define_theory(
    initiative_id: str, body: TheoryOfChangeIn, do: Do, response: Response
) -> dict[str, Any]:
    revision = do(do.app.define_theory_of_change, initiative_id, content=body.content())
    response.status_code = 201 if revision == 1 else 200
    return {"initiative_id": initiative_id, "revision": revision}


@router.put("/initiatives/{initiative_id}/theory-of-change", responses={**DRAFTED, **errors.WRITE})
def put_theory_of_change(
    initiative_id: str, body: TheoryOfChangeIn, do: Do, response: Response
) -> dict[str, Any]:
    """Draft the theory of change (201) or revise it (200); answers the new revision."""
    return _define_theory(initiative_id, body, do, response)


@router.post("/initiatives/{initiative_id}/theory-of-change", responses={**DRAFTED, **errors.WRITE})
def post_theory_of_change(
    initiative_id: str, body: TheoryOfChangeIn, do: Do, response: Response
) -> dict[str, Any]:
    """Same as PUT, for clients that only post."""
    return _define_theory(initiative_id, body, do, response)


@router.get("/initiatives/{initiative_id}/theory-of-change", responses=errors.ONE)
def get_theory_of_change(initiative_id: str, node: NodeDep) -> dict[str, Any]:
    """The current content and every revision, read from the theory's own events."""
    node.app.get_initiative(initiative_id)
    try:
        theory = node.app.theory_of_change(initiative_id)
    except NotFound:
        raise NotFound("the initiative has no theory of change yet", "id") from None
    history = [
        {
            "revision": getattr(event, "revision", 1),
            "event": type(event).__name__.lower(),
            "recorded_at": event.timestamp.isoformat(),
            "content": event.content,
        }
        for event in node.app.history(str(theory.id))
    ]
    return {
        "initiative_id": initiative_id,
        "revision": theory.revision,
        "indicator_codes": theory.indicator_codes,
        "content": theory.content,
        "history": history,
    }


# -- indicator catalogue -----------------------------------------------------------------


def _domain_of(indicator: Indicator) -> str:
    """The code's theme segment: ``EMP`` for CORE.EMP.JOBS_CREATED, ``D2`` for CORE.D2.QUALITY."""
    return indicator.code.split(".")[1]


@router.get("/catalogue")
def browse_catalogue(
    q: Annotated[
        str | None, Query(max_length=100, description="Words of label, text or code")
    ] = None,
    domain: Annotated[
        str | None, Query(max_length=20, description="Theme segment of the code: EMP, CV, D4…")
    ] = None,
    source: Source | None = None,
    disaggregation: Disaggregation | None = None,
) -> dict[str, Any]:
    catalogue = load_core()
    found = catalogue.search(q) if q else tuple(catalogue)
    if domain:
        found = tuple(i for i in found if _domain_of(i) == domain.strip().upper())
    if source is not None:
        found = tuple(i for i in found if i.source is source)
    if disaggregation is not None:
        found = tuple(i for i in found if disaggregation in i.disaggregations)
    return {
        "version": catalogue.version,
        "total": len(found),
        "domains": sorted({_domain_of(i) for i in catalogue}),
        "items": [i.model_dump(mode="json") for i in found],
    }


@router.get("/catalogue/{code}", responses=errors.ONE)
def catalogue_entry(code: str) -> dict[str, Any]:
    catalogue = load_core()
    if code not in catalogue:
        detail = [
            {"loc": ["path", "code"], "msg": f"unknown indicator {code!r}", "type": "NotFound"}
        ]
        raise HTTPException(404, detail=detail)
    return catalogue.get(code).model_dump(mode="json")


# -- beneficiaries and surveys -----------------------------------------------------------


@router.post("/initiatives/{initiative_id}/beneficiaries", status_code=201, responses=errors.WRITE)
def register_beneficiary(initiative_id: str, body: BeneficiaryIn, do: Do) -> Created:
    return Created(
        id=do(
            do.app.register_beneficiary,
            initiative_id,
            identity=Identity(body.full_name, body.cin, body.phone, body.email),
            gender=body.gender,
            birth_year=body.birth_year,
            consents=tuple(body.consents),
        )
    )


@router.get("/initiatives/{initiative_id}/beneficiaries", responses=errors.PRIVATE_ONE)
def list_beneficiaries(
    initiative_id: str,
    node: NodeDep,
    _user: InitiativeReader,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 100,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> dict[str, Any]:
    """Beneficiaries with their survey status (none, baseline, paired) and identity."""
    node.app.get_initiative(initiative_id)
    total, items = impact_queries.beneficiaries(
        node.stores.read_models, initiative_id, limit=limit, offset=offset
    )
    for item in items:
        item["identity"] = node.app.identity_of(item["person_id"])
    return {"total": total, "limit": limit, "offset": offset, "items": items}


@router.post("/beneficiaries/{person_id}/surveys", status_code=201, responses=errors.WRITE)
def record_survey(person_id: str, body: SurveyIn, do: Do) -> dict[str, Any]:
    """Score a survey wave with its scheme (Alkire–Foster) and record it."""
    scheme_id = body.scheme_id or DEFAULT_SCHEME
    if scheme_id not in available_schemes():
        known = ", ".join(available_schemes())
        raise InvalidValue(f"unknown scheme {scheme_id!r}; available: {known}", "scheme_id")
    scored = do(
        do.app.record_survey,
        person_id,
        wave=body.wave,
        answers=body.answers,
        scheme_id=scheme_id,
        on=body.day,
    )
    return {"person_id": person_id, "wave": body.wave, "scheme_id": scheme_id, **scored}


# -- measurements ------------------------------------------------------------------------


@router.post("/initiatives/{initiative_id}/measurements", status_code=201, responses=errors.WRITE)
def record_measurement(initiative_id: str, body: MeasurementIn, do: Do) -> Created:
    return Created(
        id=do(
            do.app.record_measurement,
            initiative_id,
            indicator_code=body.indicator_code,
            value=body.value,
            period_start=body.period_start.isoformat(),
            period_end=body.period_end.isoformat(),
            disaggregation=body.disaggregation,
        )
    )


@router.get("/initiatives/{initiative_id}/measurements", responses=errors.ONE)
def list_measurements(initiative_id: str, node: NodeDep) -> list[dict[str, Any]]:
    node.app.get_initiative(initiative_id)
    return impact_queries.measurements(node.stores.read_models, initiative_id)


# -- funder grids and applications -------------------------------------------------------


def _grid(grid: EvaluationGrid) -> dict[str, Any]:
    terms = grid.grid
    return {
        "id": str(grid.id),
        "code": grid.code,
        "title": grid.title,
        "funder": grid.funder,
        "version": grid.grid_version,
        "pass_threshold": grid.pass_threshold,
        "criteria": grid.criteria,
        "impact_share": round(terms.impact_share, 4),
        "integrates_impact": terms.integrates_impact,
    }


@router.post("/grids", status_code=201, responses=errors.WRITE)
def publish_grid(body: GridIn, do: Do) -> Created:
    return Created(
        id=do(
            do.app.publish_grid,
            code=body.code,
            title=body.title,
            pass_threshold=body.pass_threshold,
            criteria=body.criteria_terms(),
            funder=body.funder,
        )
    )


def _revise_grid(grid_id: str, body: GridTermsIn, do: Do) -> dict[str, Any]:
    version = do(
        do.app.revise_grid,
        grid_id,
        title=body.title,
        pass_threshold=body.pass_threshold,
        criteria=body.criteria_terms(),
    )
    return {"id": grid_id, "version": version}


@router.put("/grids/{grid_id}", responses=errors.WRITE)
def put_grid(grid_id: str, body: GridTermsIn, do: Do) -> dict[str, Any]:
    """A new version of the grid; past applications keep their score until re-scored."""
    return _revise_grid(grid_id, body, do)


@router.post("/grids/{grid_id}", responses=errors.WRITE)
def post_grid(grid_id: str, body: GridTermsIn, do: Do) -> dict[str, Any]:
    """Same as PUT, for clients that only post."""
    return _revise_grid(grid_id, body, do)


@router.get("/grids")
def list_grids(node: NodeDep) -> list[dict[str, Any]]:
    return impact_queries.grids(node.stores.read_models)


@router.get("/grids/{grid_id}", responses=errors.ONE)
def get_grid(grid_id: str, node: NodeDep) -> dict[str, Any]:
    return _grid(node.app.get_grid(grid_id))


def _application(application: FundingApplication) -> dict[str, Any]:
    return {
        "id": str(application.id),
        "grid_id": application.grid_id,
        "applicant": application.applicant,
        "initiative_id": application.initiative_id,
        "grid_version": application.grid_version,
        "scores": application.scores,
        **application.result,
    }


@router.post("/grids/{grid_id}/applications", status_code=201, responses=errors.WRITE)
def submit_application(grid_id: str, body: ApplicationIn, do: Do) -> dict[str, Any]:
    """Score an application against the grid's current version; answers the score."""
    application_id = do(
        do.app.submit_application,
        grid_id,
        applicant=body.applicant,
        scores=body.scores,
        initiative_id=body.initiative_id,
    )
    return _application(do.app.get_application(application_id))


@router.get("/applications/{application_id}", responses=errors.PRIVATE_ONE)
def get_application(application_id: str, node: NodeDep, _user: Reader) -> dict[str, Any]:
    return _application(node.app.get_application(application_id))


@router.post("/grids/{grid_id}/rescore", responses=errors.WRITE)
def rescore(grid_id: str, do: Do) -> dict[str, Any]:
    """Replay every application's scores against the grid's current version."""
    rescored = do(do.app.rescore_applications, grid_id)
    return {"id": grid_id, "version": do.app.get_grid(grid_id).grid_version, "rescored": rescored}


# -- policy studies ----------------------------------------------------------------------


@router.post("/studies", status_code=201, responses=errors.WRITE)
def register_study(body: StudyIn, do: Do) -> Created:
    return Created(
        id=do(
            do.app.register_study,
            title=body.title,
            policy=body.policy,
            territory=body.territory,
            method=body.method,
        )
    )


@router.get("/studies")
def list_studies(node: NodeDep, status: StudyStatus | None = None) -> list[dict[str, Any]]:
    return impact_queries.studies(node.stores.read_models, status)


@router.get("/studies/{study_id}", responses=errors.ONE)
def get_study(study_id: str, node: NodeDep) -> dict[str, Any]:
    found = impact_queries.study(node.stores.read_models, study_id)
    if found is None:
        raise NotFound(f"no study with id {study_id}", "id")
    return found


@router.post("/studies/{study_id}/status", responses=errors.WRITE)
def change_study_status(study_id: str, body: StudyStatusIn, do: Do) -> dict[str, str]:
    do(do.app.change_study_status, study_id, status=body.status)
    return {"id": study_id, "status": body.status}


@router.post("/studies/{study_id}/did", responses=errors.WRITE)
def estimate_did(study_id: str, body: PanelIn, do: Do) -> dict[str, Any]:
    """Estimate the difference-in-differences effect from the panel and record it."""
    results = do(
        do.app.estimate_did,
        study_id,
        outcome=body.outcome,
        treated=body.treated,
        post=body.post,
        cluster=body.cluster,
    )
    return {"id": study_id, "results": results}


# -- regional indicators -----------------------------------------------------------------


@router.get("/impact/indicators", responses=errors.PRIVATE)
def impact_indicators(node: NodeDep, _user: Reader) -> list[dict[str, Any]]:
    """D4, B1, B2 and B3 for the region; D4 comes from beneficiaries' scores, hence the token."""
    return impact_queries.regional_indicators(node.stores.read_models)
