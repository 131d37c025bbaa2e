"""Persons the node holds personal data on: holders, beneficiaries, professionals.

Identity (name, CIN, phone, e-mail) is never written in clear into the immutable log: the
application seals it under a key of the person's own, and erasure destroys that key (law 09-08
rights without rewriting history). Gender and birth year stay in clear because indicators are
broken down by sex and age band; they identify no one on their own.
"""

from __future__ import annotations

from typing import Protocol
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from drais.vocabulary import ConsentPurpose, Gender, PersonKind
from node.domain.errors import RuleViolation
from node.domain.rules import require_date, require_member, require_range


class IdentityVault(Protocol):
    """Seals a person's identity under a per-person key that can be destroyed."""

    def seal(self, person_id: str, identity: dict[str, str]) -> str: ...

    def unseal(self, person_id: str, sealed: str) -> dict[str, str] | None:
        """The identity, or None once the person's key has been destroyed."""

    def destroy(self, person_id: str) -> None: ...


class Person(Aggregate):
    @classmethod
    def register(
        cls,
        *,
        person_id: UUID,
        kind: str,
        sealed_identity: str,
        gender: str,
        birth_year: int,
        this_year: int,
        by: str,
    ) -> Person:
        """Register under an id chosen by the caller: the identity was sealed under it."""
        require_range(birth_year, this_year - 110, this_year, "birth_year")
        return cls._create(
            cls.Registered,  # type: ignore[attr-defined]
            id=person_id,
            kind=require_member(PersonKind, kind, "kind").value,
            sealed_identity=sealed_identity,
            gender=require_member(Gender, gender, "gender").value,
            birth_year=birth_year,
            by=by,
        )

    @event("Registered")
    def __init__(
        self, *, kind: str, sealed_identity: str, gender: str, birth_year: int, by: str
    ) -> None:
        self.kind = kind
        self.sealed_identity = sealed_identity
        self.gender = gender
        self.birth_year = birth_year
        self.consents: dict[str, bool] = {}
        self.erased = False

    def consents_to(self, purpose: str) -> bool:
        return self.consents.get(purpose, False)

    def record_consent(self, *, purpose: str, given: bool, by: str, on: str | None = None) -> None:
        self._require_not_erased()
        self._consent_recorded(
            purpose=require_member(ConsentPurpose, purpose, "purpose").value,
            given=given,
            on=require_date(on, "on"),
            by=by,
        )

    @event("ConsentRecorded")
    def _consent_recorded(self, purpose: str, given: bool, on: str, by: str) -> None:
        self.consents[purpose] = given

    def rectify(self, *, sealed_identity: str, gender: str, birth_year: int, by: str) -> None:
        self._require_not_erased()
        self._rectified(
            sealed_identity=sealed_identity,
            gender=require_member(Gender, gender, "gender").value,
            birth_year=birth_year,
            by=by,
        )

    @event("Rectified")
    def _rectified(self, sealed_identity: str, gender: str, birth_year: int, by: str) -> None:
        self.sealed_identity = sealed_identity
        self.gender = gender
        self.birth_year = birth_year

    def erase(self, *, by: str) -> None:
        self._require_not_erased()
        self._erased(by=by)

    @event("Erased")
    def _erased(self, by: str) -> None:
        self.erased = True

    def _require_not_erased(self) -> None:
        if self.erased:
            raise RuleViolation("the person's data has been erased", "person_id")
