"""Request bodies of a person's rights and of data-subject requests: unknown fields refused."""

from __future__ import annotations

from typing import Literal

from pydantic import EmailStr, Field

from drais.vocabulary import Gender
from node.api.schemas import Body, Cin, Dated, Id, Name, Phone
from node.domain.requests import RequestKind, RequestOutcome


class RectificationIn(Body):
    """Only the values to correct; what is left out is kept."""

    full_name: Name | None = None
    cin: Cin | None = None
    phone: Phone | None = None
    email: EmailStr | None = None
    gender: Gender | None = None
    birth_year: int | None = Field(None, ge=1900, le=2100)


class OppositionIn(Dated):
    opposed: bool = Field(description="True: the person opposes; false: they withdraw it")


class ErasureIn(Body):
    confirm: Literal[True] = Field(description="Erasure cannot be undone: must be true")


class RequestIn(Dated):
    """`on` is the day the request was received: the deadline to answer runs from it."""

    person_id: Id
    kind: RequestKind


class AnswerIn(Dated):
    outcome: RequestOutcome
