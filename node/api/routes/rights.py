"""A person's rights under law 09-08 (access, rectification, opposition, erasure) and the
requests through which they are exercised, with the deadline to answer each."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query

from drais.accounts import ADMIN
from node.api import errors
from node.api.deps import Do, NodeDep, Reader
from node.api.rights_schemas import AnswerIn, ErasureIn, OppositionIn, RectificationIn, RequestIn
from node.api.schemas import Created
from node.authorization import Forbidden
from node.domain.requests import ANSWER_DAYS
from node.projections import rights_queries

router = APIRouter(tags=["rights"])


@router.get("/persons/{person_id}/export", responses=errors.PRIVATE_ONE)
def export_person(person_id: str, node: NodeDep, user: Reader) -> dict[str, Any]:
    """Everything the node holds on the person (right of access): the identity in clear, and
    every event naming them with when and by whom it was recorded. After erasure, the record
    is marked erased and carries no identity."""
    if user.role != ADMIN:  # like every other right, answered by an administrator
        raise Forbidden("only an administrator may export a person's data", "role")
    return node.app.export_person(person_id)


@router.post("/persons/{person_id}/rectification", responses=errors.WRITE)
def rectify(person_id: str, body: RectificationIn, do: Do) -> dict[str, str]:
    do(do.app.rectify_person, person_id, **body.model_dump(mode="json", exclude_none=True))
    return {"id": person_id, "status": "rectified"}


@router.post("/persons/{person_id}/opposition", responses=errors.WRITE)
def set_opposition(person_id: str, body: OppositionIn, do: Do) -> dict[str, str]:
    do(do.app.set_opposition, person_id, opposed=body.opposed, on=body.day)
    return {"id": person_id, "status": "opposed" if body.opposed else "opposition withdrawn"}


@router.post("/persons/{person_id}/erasure", responses=errors.WRITE)
def erase(person_id: str, _body: ErasureIn, do: Do) -> dict[str, str]:
    """Destroy the person's key and record the erasure; it cannot be undone."""
    do(do.app.erase_person, person_id)
    return {"id": person_id, "status": "erased"}


@router.post("/requests", status_code=201, responses=errors.WRITE)
def record_request(body: RequestIn, do: Do) -> Created:
    return Created(
        id=do(do.app.record_request, person_id=body.person_id, kind=body.kind, on=body.day)
    )


@router.get("/requests", responses=errors.PRIVATE)
def list_requests(
    node: NodeDep, _user: Reader, open_only: Annotated[bool, Query()] = False
) -> dict[str, Any]:
    """Requests, the oldest deadline first, each with its due day (`answer_days` after it was
    received); `overdue` ones are still unanswered after it, `late` ones were answered after."""
    items = rights_queries.requests(node.stores.read_models, date.today(), open_only=open_only)
    return {
        "answer_days": ANSWER_DAYS,
        "overdue": sum(1 for item in items if item["overdue"]),
        "items": items,
    }


@router.post("/requests/{request_id}/answer", responses=errors.WRITE)
def answer_request(request_id: str, body: AnswerIn, do: Do) -> dict[str, str]:
    do(do.app.answer_request, request_id, outcome=body.outcome, on=body.day)
    return {"id": request_id, "status": "answered"}
