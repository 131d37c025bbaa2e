"""Who did what and when: the facts the node's log recorded, newest first.

Read from the application's notification log, which is the node's truth and already orders
every record's events in one sequence. Only the event's kind, record, dates and author are
shown; details stay on each record's own page.
"""

from __future__ import annotations

from dataclasses import dataclass

from eventsourcing.domain import AggregateEvent

from node.bootstrap import Node


@dataclass(frozen=True)
class Activity:
    position: int
    event: str  # "Initiative.PhaseChanged"
    record_id: str
    on: str | None
    by: str
    recorded_at: str

    @property
    def aggregate(self) -> str:
        return self.event.split(".", 1)[0]


def recent(node: Node, limit: int = 10, before: int | None = None) -> list[Activity]:
    """The `limit` facts recorded last (before position `before`, when given)."""
    last = node.app.recorder.max_notification_id() or 0
    if before is not None:
        last = min(last, before - 1)
    if last <= 0:
        return []
    notifications = node.app.recorder.select_notifications(
        start=max(1, last - limit + 1), limit=limit, stop=last
    )
    found = []
    for notification in notifications:
        event = node.app.mapper.to_domain_event(notification)
        assert isinstance(event, AggregateEvent)  # every event of the node is an aggregate's
        found.append(
            Activity(
                position=notification.id,
                event=type(event).__qualname__,
                record_id=str(event.originator_id),
                on=getattr(event, "on", None),
                by=getattr(event, "by", ""),
                recorded_at=event.timestamp.isoformat(timespec="seconds"),
            )
        )
    return found[::-1]
