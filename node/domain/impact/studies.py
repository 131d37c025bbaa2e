"""Impact evaluations of territorial policies (indicator B3 counts the completed ones)."""

from __future__ import annotations

from typing import Any

from eventsourcing.domain import Aggregate, event

from drais import territory
from drais.vocabulary import StudyMethod, StudyStatus
from node.domain.errors import InvalidValue, RuleViolation
from node.domain.rules import require_member, require_text

#: Status changes a study may make.
NEXT = {
    StudyStatus.PLANNED: {StudyStatus.ONGOING, StudyStatus.CANCELLED},
    StudyStatus.ONGOING: {StudyStatus.COMPLETED, StudyStatus.CANCELLED},
    StudyStatus.COMPLETED: set(),
    StudyStatus.CANCELLED: set(),
}


class PolicyStudy(Aggregate):
    @classmethod
    def register(
        cls, *, region: str, title: str, policy: str, territory_code: str, method: str, by: str
    ) -> PolicyStudy:
        if territory_code != region and (
            territory_code not in territory.provinces()
            or territory.region_of(territory_code) != region
        ):
            raise InvalidValue(f"must be {region} or one of its provinces", "territory")
        return cls(
            title=require_text(title, "title"),
            policy=require_text(policy, "policy"),
            territory=territory_code,
            method=require_member(StudyMethod, method, "method").value,
            by=by,
        )

    @event("Registered")
    def __init__(self, *, title: str, policy: str, territory: str, method: str, by: str) -> None:
        self.title = title
        self.policy = policy
        self.territory = territory
        self.method = method
        self.status = StudyStatus.PLANNED.value
        self.results: dict[str, Any] | None = None

    def change_status(self, status: str, *, by: str) -> None:
        new = require_member(StudyStatus, status, "status")
        if new not in NEXT[StudyStatus(self.status)]:
            raise RuleViolation(f"a {self.status} study cannot become {new}", "status")
        if new == StudyStatus.COMPLETED and self.results is None:
            raise RuleViolation("record the study's results before completing it", "status")
        self._status_changed(status=new.value, by=by)

    @event("StatusChanged")
    def _status_changed(self, status: str, by: str) -> None:
        self.status = status

    def record_results(self, results: dict[str, Any], *, by: str) -> None:
        if self.status in (StudyStatus.COMPLETED, StudyStatus.CANCELLED):
            raise RuleViolation(f"the study is {self.status}", "status")
        self._results_recorded(results=results, by=by)

    @event("ResultsRecorded")
    def _results_recorded(self, results: dict[str, Any], by: str) -> None:
        self.results = results
