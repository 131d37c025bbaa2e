"""Support structures, their offers, and the coverage matrix they feed."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from node.api import errors
from node.api.deps import Do, NodeDep
from node.api.schemas import Created, DraisSupportIn, LeaveIn, OfferIn, QualityIn, StructureIn
from node.domain.errors import NotFound
from node.projections import queries

router = APIRouter(tags=["structures"])


@router.post("/structures", status_code=201, responses=errors.WRITE)
def register_structure(body: StructureIn, do: Do) -> Created:
    return Created(
        id=do(
            do.app.register_structure,
            name=body.name,
            kind=body.kind,
            provinces=body.provinces,
            on=body.day,
        )
    )


@router.get("/structures")
def list_structures(node: NodeDep) -> list[dict[str, Any]]:
    return queries.structures(node.stores.read_models)


@router.get("/structures/{structure_id}", responses=errors.ONE)
def get_structure(structure_id: str, node: NodeDep) -> dict[str, Any]:
    for structure in queries.structures(node.stores.read_models):
        if structure["id"] == structure_id:
            return structure
    raise NotFound(f"no structure with id {structure_id}", "id")


@router.post("/structures/{structure_id}/offers", status_code=201, responses=errors.WRITE)
def publish_offer(structure_id: str, body: OfferIn, do: Do) -> Created:
    return Created(
        id=do(
            do.app.publish_offer,
            structure_id,
            service_type=body.service_type,
            phases=body.phases,
            provinces=body.provinces,
            capacity_per_year=body.capacity_per_year,
            free=body.free,
            on=body.day,
        )
    )


@router.post("/structures/{structure_id}/offers/{offer_id}/withdraw", responses=errors.WRITE)
def withdraw_offer(
    structure_id: str, offer_id: str, do: Do, body: LeaveIn | None = None
) -> dict[str, str]:
    do(do.app.withdraw_offer, structure_id, offer_id, on=body.day if body else None)
    return {"id": offer_id, "status": "withdrawn"}


@router.post("/structures/{structure_id}/drais-support", responses=errors.WRITE)
def record_support(structure_id: str, body: DraisSupportIn, do: Do) -> dict[str, str]:
    do(do.app.record_drais_support, structure_id, support_type=body.support_type, on=body.day)
    return {"id": structure_id, "support_type": body.support_type}


@router.post("/structures/{structure_id}/quality", responses=errors.WRITE)
def assess_quality(structure_id: str, body: QualityIn, do: Do) -> dict[str, str]:
    do(do.app.assess_structure_quality, structure_id, scores=body.scores, on=body.day)
    return {"id": structure_id, "status": "assessed"}


@router.get("/coverage")
def coverage(node: NodeDep) -> dict[str, Any]:
    return queries.coverage(node.stores.read_models, node.settings.region)
