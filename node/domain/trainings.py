"""Trainings of the region's social-innovation professionals (indicator T3)."""

from __future__ import annotations

from eventsourcing.domain import Aggregate, event

from node.domain.errors import InvalidValue, RuleViolation
from node.domain.rules import require_date, require_range, require_text


class Training(Aggregate):
    @classmethod
    def hold(
        cls,
        *,
        topic: str,
        hours: float,
        participant_ids: list[str],
        by: str,
        on: str | None = None,
    ) -> Training:
        if not participant_ids:
            raise InvalidValue("a training needs at least one participant", "participant_ids")
        if len(set(participant_ids)) != len(participant_ids):
            raise InvalidValue("must not repeat a participant", "participant_ids")
        return cls(
            topic=require_text(topic, "topic"),
            hours=require_range(hours, 0.5, 1000, "hours"),
            participant_ids=list(participant_ids),
            on=require_date(on, "on"),
            by=by,
        )

    @event("Held")
    def __init__(
        self, *, topic: str, hours: float, participant_ids: list[str], on: str, by: str
    ) -> None:
        self.topic = topic
        self.hours = hours
        self.participant_ids = participant_ids
        self.held_on = on
        self.assessments: dict[str, tuple[float, float]] = {}

    def assess_competence(
        self, *, participant_id: str, before: float, after: float, by: str
    ) -> None:
        if participant_id not in self.participant_ids:
            raise RuleViolation("this person did not take part in the training", "participant_id")
        if participant_id in self.assessments:
            raise RuleViolation("this participant has already been assessed", "participant_id")
        self._competence_assessed(
            participant_id=participant_id,
            before=require_range(before, 0, 100, "before"),
            after=require_range(after, 0, 100, "after"),
            by=by,
        )

    @event("CompetenceAssessed")
    def _competence_assessed(
        self, participant_id: str, before: float, after: float, by: str
    ) -> None:
        self.assessments[participant_id] = (before, after)
