"""The toolbox's use cases on the node: theories of change, beneficiaries and surveys,
measurements, funder grids and applications, policy studies.

A mixin of NodeApplication, kept apart so each file holds one part of the product.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from datetime import date
from typing import TYPE_CHECKING, Any, TypeVar
from uuid import UUID

from eventsourcing.domain import Aggregate
from eventsourcing.utils import get_topic

from drais.vocabulary import PersonKind
from node.domain.errors import InvalidValue, NotFound
from node.domain.impact.grids import EvaluationGrid, FundingApplication
from node.domain.impact.measurements import Measurement
from node.domain.impact.studies import PolicyStudy
from node.domain.impact.theory_of_change import TheoryOfChange, check_content, theory_id
from node.domain.initiatives import Initiative
from node.domain.people import Person
from node.toolbox.alkire_foster import load_scheme
from node.toolbox.did import difference_in_differences
from node.toolbox.errors import ToolboxError

if TYPE_CHECKING:
    from node.application import Identity

A = TypeVar("A", bound=Aggregate)
DEFAULT_SCHEME = "DRAIS-MPI-v1"


class ImpactUseCases:
    region: str
    known_indicator: Callable[[str], bool]
    recorder: Any

    if TYPE_CHECKING:  # provided by NodeApplication

        def _get(self, cls: type[A], record_id: str | UUID, field: str = "id") -> A: ...
        def _store(self, *aggregates: Aggregate) -> None: ...
        def _new_person(
            self,
            kind: PersonKind,
            identity: Identity,
            gender: str,
            birth_year: int,
            by: str,
            person_id: UUID | None = None,
            *,
            initiative_id: str | None = None,
            province: str | None = None,
        ) -> Person: ...

    # -- theory of change ------------------------------------------------------------------

    def define_theory_of_change(
        self, initiative_id: str, *, content: dict[str, Any], by: str
    ) -> int:
        """Draft the initiative's theory of change or revise it; returns the revision."""
        self._get(Initiative, initiative_id)
        checked = check_content(content, self.known_indicator)
        try:
            theory = self._get(TheoryOfChange, theory_id(initiative_id))
        except NotFound:
            theory = TheoryOfChange.draft(initiative_id=initiative_id, content=checked, by=by)
        else:
            theory.revise(content=checked, by=by)
        self._store(theory)
        return theory.revision

    def theory_of_change(self, initiative_id: str) -> TheoryOfChange:
        return self._get(TheoryOfChange, theory_id(initiative_id))

    # -- beneficiaries and surveys ---------------------------------------------------------

    def register_beneficiary(
        self,
        initiative_id: str,
        *,
        identity: Identity,
        gender: str,
        birth_year: int,
        consents: tuple[str, ...],
        by: str,
    ) -> str:
        initiative = self._get(Initiative, initiative_id)
        person = self._new_person(
            PersonKind.BENEFICIARY,
            identity,
            gender,
            birth_year,
            by,
            initiative_id=initiative_id,
            province=initiative.province,
        )
        for purpose in consents:
            person.record_consent(purpose=purpose, given=True, by=by)
        self._store(person)
        return str(person.id)

    def record_survey(
        self,
        person_id: str,
        *,
        wave: str,
        answers: dict[str, Any],
        by: str,
        scheme_id: str = DEFAULT_SCHEME,
        on: str | None = None,
    ) -> dict[str, Any]:
        """Score a living-conditions survey wave with its scheme and record it."""
        person = self._get(Person, person_id)
        try:
            scheme = load_scheme(scheme_id)
            scored = scheme.score(answers)
        except ToolboxError as error:
            raise InvalidValue(error.reason, f"answers.{error.field}") from error
        except KeyError:
            raise InvalidValue(f"unknown scheme {scheme_id!r}", "scheme_id") from None
        person.answer_survey(
            wave=wave,
            scheme=scheme.id,
            answers=dict(answers),
            score=scored.score,
            poor=scored.poor,
            by=by,
            on=on,
        )
        self._store(person)
        return {"score": scored.score, "poor": scored.poor, "deprived": list(scored.deprived)}

    # -- measurements ----------------------------------------------------------------------

    def record_measurement(
        self,
        initiative_id: str,
        *,
        indicator_code: str,
        value: float,
        period_start: str,
        period_end: str,
        disaggregation: dict[str, str],
        by: str,
    ) -> str:
        self._get(Initiative, initiative_id)
        if not self.known_indicator(indicator_code):
            raise InvalidValue(f"unknown indicator {indicator_code!r}", "indicator_code")
        measurement = Measurement.record(
            initiative_id=initiative_id,
            indicator_code=indicator_code,
            value=value,
            period_start=period_start,
            period_end=period_end,
            disaggregation=disaggregation,
            by=by,
        )
        self._store(measurement)
        return str(measurement.id)

    # -- funder grids ----------------------------------------------------------------------

    def publish_grid(
        self,
        *,
        code: str,
        title: str,
        pass_threshold: float,
        criteria: list[dict[str, Any]],
        funder: str,
        by: str,
    ) -> str:
        grid = EvaluationGrid.publish(
            code=code,
            title=title,
            pass_threshold=pass_threshold,
            criteria=criteria,
            funder=funder,
            by=by,
        )
        self._store(grid)
        return str(grid.id)

    def revise_grid(
        self,
        grid_id: str,
        *,
        title: str,
        pass_threshold: float,
        criteria: list[dict[str, Any]],
        by: str,
    ) -> int:
        grid = self._get(EvaluationGrid, grid_id)
        grid.revise(title=title, pass_threshold=pass_threshold, criteria=criteria, by=by)
        self._store(grid)
        return grid.grid_version

    def get_grid(self, grid_id: str) -> EvaluationGrid:
        return self._get(EvaluationGrid, grid_id)

    def submit_application(
        self,
        grid_id: str,
        *,
        applicant: str,
        scores: dict[str, float],
        by: str,
        initiative_id: str | None = None,
    ) -> str:
        grid = self._get(EvaluationGrid, grid_id, "grid_id")
        if initiative_id is not None:
            self._get(Initiative, initiative_id, "initiative_id")
        application = FundingApplication.submit(
            grid=grid, applicant=applicant, initiative_id=initiative_id, scores=scores, by=by
        )
        self._store(application)
        return str(application.id)

    def get_application(self, application_id: str) -> FundingApplication:
        return self._get(FundingApplication, application_id)

    def rescore_applications(self, grid_id: str, *, by: str) -> int:
        """Replay every application's scores against the grid's current version."""
        grid = self._get(EvaluationGrid, grid_id)
        submitted = self.recorder.select_notifications(
            start=None,
            limit=1_000_000,
            topics=[get_topic(FundingApplication.Submitted)],  # type: ignore[attr-defined]
        )
        rescored = []
        for notification in submitted:
            application = self._get(FundingApplication, notification.originator_id)
            if application.grid_id == grid_id and application.rescore(grid, by=by):
                rescored.append(application)
        self._store(*rescored)
        return len(rescored)

    # -- policy studies --------------------------------------------------------------------

    def register_study(
        self, *, title: str, policy: str, territory: str, method: str, by: str
    ) -> str:
        study = PolicyStudy.register(
            region=self.region,
            title=title,
            policy=policy,
            territory_code=territory,
            method=method,
            by=by,
        )
        self._store(study)
        return str(study.id)

    def change_study_status(self, study_id: str, *, status: str, by: str) -> None:
        study = self._get(PolicyStudy, study_id)
        study.change_status(status, by=by)
        self._store(study)

    def estimate_did(
        self,
        study_id: str,
        *,
        outcome: list[float],
        treated: list[int],
        post: list[int],
        cluster: list[str | int] | None,
        by: str,
    ) -> dict[str, Any]:
        """Estimate a difference-in-differences effect from a panel and record it."""
        study = self._get(PolicyStudy, study_id)
        try:
            result = difference_in_differences(outcome, treated, post, cluster)
        except ToolboxError as error:
            raise InvalidValue(error.reason, error.field) from error
        results = {**asdict(result), "estimated_on": date.today().isoformat()}
        study.record_results(results, by=by)
        self._store(study)
        return results
