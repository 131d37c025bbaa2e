"""Professionals and their trainings; consent of any person."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from node.api import errors
from node.api.deps import Do, NodeDep, Reader
from node.api.schemas import AssessmentIn, ConsentIn, Created, ProfessionalIn, TrainingIn
from node.application import Identity
from node.projections import queries

router = APIRouter(tags=["people"])


@router.post("/professionals", status_code=201, responses=errors.WRITE)
def register_professional(body: ProfessionalIn, do: Do) -> Created:
    return Created(
        id=do(
            do.app.register_professional,
            identity=Identity(body.full_name, body.cin, body.phone, body.email),
            gender=body.gender,
            birth_year=body.birth_year,
        )
    )


@router.post("/persons/{person_id}/consents", status_code=201, responses=errors.WRITE)
def record_consent(person_id: str, body: ConsentIn, do: Do) -> dict[str, str]:
    do(do.app.record_consent, person_id, purpose=body.purpose, given=body.given, on=body.day)
    return {"id": person_id, "status": "consent recorded"}


@router.post("/trainings", status_code=201, responses=errors.WRITE)
def hold_training(body: TrainingIn, do: Do) -> Created:
    return Created(
        id=do(
            do.app.hold_training,
            topic=body.topic,
            hours=body.hours,
            participant_ids=body.participant_ids,
            on=body.day,
        )
    )


@router.post("/trainings/{training_id}/assessments", status_code=201, responses=errors.WRITE)
def assess(training_id: str, body: AssessmentIn, do: Do) -> dict[str, str]:
    do(
        do.app.assess_competence,
        training_id,
        participant_id=body.participant_id,
        before=body.before,
        after=body.after,
    )
    return {"id": training_id, "status": "assessed"}


@router.get("/trainings", responses=errors.PRIVATE)
def trainings(node: NodeDep, _user: Reader) -> dict[str, Any]:
    return queries.trainings(node.stores.read_models)
