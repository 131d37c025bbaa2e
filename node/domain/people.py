"""Persons the node holds personal data on: holders, beneficiaries, professionals.

Identity (name, CIN, phone, e-mail) is never written in clear into the immutable log: the
application seals it under a key of the person's own, and erasure destroys that key (law 09-08
rights without rewriting history). Gender and birth year stay in clear because indicators are
broken down by sex and age band; they identify no one on their own.

A person may oppose the processing of their data beyond their own follow-up (law 09-08, art. 9):
while opposed they are not surveyed, listed in exports nor counted in what the region shares.
"""

from __future__ import annotations

from typing import Any, Protocol
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from drais.vocabulary import ConsentPurpose, Gender, PersonKind, SurveyWave
from node.domain.errors import InvalidValue, RuleViolation
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
        initiative_id: str | None = None,
        province: str | None = None,
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
            initiative_id=initiative_id,
            province=province,
            by=by,
        )

    @event("Registered")
    def __init__(
        self,
        *,
        kind: str,
        sealed_identity: str,
        gender: str,
        birth_year: int,
        initiative_id: str | None,
        province: str | None,
        by: str,
    ) -> None:
        self.kind = kind
        self.initiative_id = initiative_id
        self.province = province
        self.surveys: list[dict[str, Any]] = []
        self.sealed_identity = sealed_identity
        self.gender = gender
        self.birth_year = birth_year
        self.consents: dict[str, bool] = {}
        self.opposed = False
        self.erased = False

    def consents_to(self, purpose: str) -> bool:
        return self.consents.get(purpose, False)

    def record_consent(self, *, purpose: str, given: bool, by: str, on: str | None = None) -> None:
        self.require_not_erased()
        self._consent_recorded(
            purpose=require_member(ConsentPurpose, purpose, "purpose").value,
            given=given,
            on=require_date(on, "on"),
            by=by,
        )

    @event("ConsentRecorded")
    def _consent_recorded(self, purpose: str, given: bool, on: str, by: str) -> None:
        self.consents[purpose] = given

    def rectify(
        self, *, sealed_identity: str, gender: str, birth_year: int, this_year: int, by: str
    ) -> None:
        """Record corrected data; the identity was sealed anew under the person's key."""
        self.require_not_erased()
        require_range(birth_year, this_year - 110, this_year, "birth_year")
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

    @property
    def baseline(self) -> dict[str, Any] | None:
        return next((s for s in self.surveys if s["wave"] == SurveyWave.BASELINE), None)

    @property
    def latest_follow_up(self) -> dict[str, Any] | None:
        follow_ups = [s for s in self.surveys if s["wave"] == SurveyWave.FOLLOW_UP]
        return follow_ups[-1] if follow_ups else None

    def answer_survey(
        self,
        *,
        wave: str,
        scheme: str,
        answers: dict[str, Any],
        score: float,
        poor: bool,
        by: str,
        on: str | None = None,
    ) -> None:
        """Record a living-conditions survey wave, already scored with `scheme`."""
        self.require_not_erased()
        if self.kind != PersonKind.BENEFICIARY:
            raise RuleViolation("only beneficiaries answer living-conditions surveys", "id")
        if not self.consents_to(ConsentPurpose.ENQUETE_IMPACT):
            raise RuleViolation("the person has not consented to impact surveys", "consent")
        if self.opposed:
            raise RuleViolation("the person opposes the processing of their data", "opposition")
        kind = require_member(SurveyWave, wave, "wave")
        day = require_date(on, "on")
        baseline = self.baseline
        if kind == SurveyWave.BASELINE and baseline is not None:
            raise RuleViolation("the baseline has already been recorded", "wave")
        if kind == SurveyWave.FOLLOW_UP:
            if baseline is None:
                raise RuleViolation("a follow-up needs a baseline first", "wave")
            if scheme != baseline["scheme"]:
                raise InvalidValue(f"the baseline used scheme {baseline['scheme']}", "scheme")
            if day < baseline["on"]:
                raise InvalidValue("must not be before the baseline", "on")
        self._survey_answered(
            wave=kind.value, scheme=scheme, answers=answers, score=score, poor=poor, on=day, by=by
        )

    @event("SurveyAnswered")
    def _survey_answered(
        self,
        wave: str,
        scheme: str,
        answers: dict[str, Any],
        score: float,
        poor: bool,
        on: str,
        by: str,
    ) -> None:
        self.surveys.append(
            {"wave": wave, "scheme": scheme, "score": score, "poor": poor, "on": on}
        )

    def oppose(self, *, by: str, on: str | None = None) -> None:
        self.require_not_erased()
        if self.opposed:
            raise RuleViolation("the person already opposes the processing", "opposed")
        self._opposed(on=require_date(on, "on"), by=by)

    @event("Opposed")
    def _opposed(self, on: str, by: str) -> None:
        self.opposed = True

    def withdraw_opposition(self, *, by: str, on: str | None = None) -> None:
        self.require_not_erased()
        if not self.opposed:
            raise RuleViolation("the person does not oppose the processing", "opposed")
        self._opposition_withdrawn(on=require_date(on, "on"), by=by)

    @event("OppositionWithdrawn")
    def _opposition_withdrawn(self, on: str, by: str) -> None:
        self.opposed = False

    def erase(self, *, by: str) -> None:
        self.require_not_erased()
        self._erased(by=by)

    @event("Erased")
    def _erased(self, by: str) -> None:
        self.erased = True

    def require_not_erased(self) -> None:
        if self.erased:
            raise RuleViolation("the person's data has been erased", "person_id")
