"""Initiatives: registration, phases, accompaniment, funding, closing, and their journey."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from drais.vocabulary import Phase, Theme
from node.api import errors
from node.api.deps import Do, InitiativeReader, NodeDep
from node.api.schemas import (
    AccompanimentEndIn,
    AccompanimentIn,
    CloseIn,
    Created,
    FundingIn,
    InitiativeIn,
    PhaseIn,
    SessionIn,
)
from node.application import Identity
from node.domain.errors import NotFound
from node.projections import queries

router = APIRouter(tags=["initiatives"])

MAX_PAGE = 500
MAX_OFFSET = 1_000_000_000  # past any region's records; beyond 2**63 the database refuses


@router.post("/initiatives", status_code=201, responses=errors.WRITE)
def register_initiative(body: InitiativeIn, do: Do) -> Created:
    holder = body.holder
    return Created(
        id=do(
            do.app.register_initiative,
            name=body.name,
            theme=body.theme,
            province=body.province,
            phase=body.phase,
            commune=body.commune,
            holder=Identity(holder.full_name, holder.cin, holder.phone, holder.email),
            holder_gender=holder.gender,
            holder_birth_year=holder.birth_year,
            consent_purposes=tuple(body.consents),
            on=body.day,
        )
    )


@router.get("/initiatives")
def list_initiatives(
    node: NodeDep,
    phase: Phase | None = None,
    province: Annotated[str | None, Query(pattern=r"^MA-[A-Z]{3}$")] = None,
    theme: Theme | None = None,
    q: Annotated[str | None, Query(max_length=100)] = None,
    include_closed: bool = True,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 100,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> dict[str, Any]:
    total, items = queries.initiatives(
        node.stores.read_models,
        phase=phase,
        province=province,
        theme=theme,
        search=q,
        include_closed=include_closed,
        limit=limit,
        offset=offset,
    )
    return {"total": total, "limit": limit, "offset": offset, "items": items}


@router.get("/initiatives/{initiative_id}", responses=errors.PRIVATE_ONE)
def get_initiative(initiative_id: str, node: NodeDep, _user: InitiativeReader) -> dict[str, Any]:
    found = queries.initiative(node.stores.read_models, initiative_id)
    if found is None:
        raise NotFound(f"no initiative with id {initiative_id}", "id")
    found["holder"] = node.app.identity_of(found["holder_id"])
    return found


@router.get("/initiatives/{initiative_id}/history", responses=errors.PRIVATE_ONE)
def history(initiative_id: str, node: NodeDep, _user: InitiativeReader) -> list[dict[str, Any]]:
    node.app.get_initiative(initiative_id)
    return queries.timeline(node.stores.read_models, initiative_id)


@router.post("/initiatives/{initiative_id}/phase", responses=errors.WRITE)
def change_phase(initiative_id: str, body: PhaseIn, do: Do) -> dict[str, str]:
    do(do.app.change_phase, initiative_id, phase=body.phase, on=body.day)
    return {"id": initiative_id, "phase": body.phase}


@router.post("/initiatives/{initiative_id}/accompaniments", status_code=201, responses=errors.WRITE)
def start_accompaniment(initiative_id: str, body: AccompanimentIn, do: Do) -> Created:
    return Created(
        id=do(
            do.app.start_accompaniment,
            initiative_id,
            structure_id=body.structure_id,
            offer_id=body.offer_id,
            on=body.day,
        )
    )


@router.post(
    "/initiatives/{initiative_id}/accompaniments/{accompaniment_id}/sessions",
    status_code=201,
    responses=errors.WRITE,
)
def hold_session(
    initiative_id: str, accompaniment_id: str, body: SessionIn, do: Do
) -> dict[str, str]:
    do(
        do.app.hold_session,
        initiative_id,
        accompaniment_id,
        hours=body.hours,
        topic=body.topic,
        on=body.day,
    )
    return {"id": accompaniment_id, "status": "session recorded"}


@router.post(
    "/initiatives/{initiative_id}/accompaniments/{accompaniment_id}/end", responses=errors.WRITE
)
def end_accompaniment(
    initiative_id: str, accompaniment_id: str, body: AccompanimentEndIn, do: Do
) -> dict[str, str]:
    do(
        do.app.end_accompaniment,
        initiative_id,
        accompaniment_id,
        outcome=body.outcome,
        satisfaction=body.satisfaction,
        on=body.day,
    )
    return {"id": accompaniment_id, "status": "ended"}


@router.post("/initiatives/{initiative_id}/funding", status_code=201, responses=errors.WRITE)
def record_funding(initiative_id: str, body: FundingIn, do: Do) -> dict[str, str]:
    do(
        do.app.record_funding,
        initiative_id,
        funder=body.funder,
        amount=body.amount,
        instrument=body.instrument,
        on=body.day,
    )
    return {"id": initiative_id, "status": "funding recorded"}


@router.post("/initiatives/{initiative_id}/close", responses=errors.WRITE)
def close(initiative_id: str, body: CloseIn, do: Do) -> dict[str, str]:
    do(do.app.close_initiative, initiative_id, reason=body.reason, on=body.day)
    return {"id": initiative_id, "status": "closed"}


@router.get("/funnel")
def funnel(node: NodeDep) -> list[dict[str, Any]]:
    return queries.funnel(node.stores.read_models)
