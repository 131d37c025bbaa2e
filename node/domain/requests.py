"""Data-subject requests (law 09-08): when each was received, when and how it was answered.

The law gives the controller a deadline to answer a person who asks to see, correct, oppose or
erase their data; recording each request with its dates is what shows the deadline was kept.
A request names the person by id only and carries no free text: the log keeps it forever, and
it must say nothing about the person once their identity has been erased.
"""

from __future__ import annotations

from datetime import date, timedelta
from enum import StrEnum

from eventsourcing.domain import Aggregate, event

from node.domain.errors import InvalidValue, RuleViolation
from node.domain.rules import require_date, require_member

#: Calendar days the controller has to answer a request.
ANSWER_DAYS = 10


class RequestKind(StrEnum):
    ACCESS = "access"
    RECTIFICATION = "rectification"
    OPPOSITION = "opposition"
    ERASURE = "erasure"


class RequestOutcome(StrEnum):
    GRANTED = "granted"
    REFUSED = "refused"


def due_on(received_on: str) -> str:
    """The last day to answer a request received on that day."""
    return (date.fromisoformat(received_on) + timedelta(days=ANSWER_DAYS)).isoformat()


class DataRequest(Aggregate):
    @classmethod
    def receive(cls, *, person_id: str, kind: str, by: str, on: str | None = None) -> DataRequest:
        return cls._create(
            cls.Received,  # type: ignore[attr-defined]
            person_id=person_id,
            kind=require_member(RequestKind, kind, "kind").value,
            on=require_date(on, "on"),
            by=by,
        )

    @event("Received")
    def __init__(self, *, person_id: str, kind: str, on: str, by: str) -> None:
        self.person_id = person_id
        self.kind = kind
        self.received_on = on
        self.answered_on: str | None = None
        self.outcome: str | None = None

    @property
    def due_on(self) -> str:
        return due_on(self.received_on)

    def answer(self, *, outcome: str, by: str, on: str | None = None) -> None:
        if self.answered_on is not None:
            raise RuleViolation("the request has already been answered", "id")
        day = require_date(on, "on")
        if day < self.received_on:
            raise InvalidValue("must not be before the request was received", "on")
        self._answered(
            outcome=require_member(RequestOutcome, outcome, "outcome").value, on=day, by=by
        )

    @event("Answered")
    def _answered(self, outcome: str, on: str, by: str) -> None:
        self.outcome = outcome
        self.answered_on = on
