"""Recent activity: the last facts the node's log recorded, newest first.

Read from the application's notification log, which is the node's truth and already orders
every record's events in one sequence. Only the event's kind, record and date are shown;
details stay on each record's own page.
"""

from __future__ import annotations

from dataclasses import dataclass

from node.bootstrap import Node


@dataclass(frozen=True)
class Activity:
    position: int
    event: str  # "Initiative.PhaseChanged"
    record_id: str
    on: str | None
    by: str

    @property
    def aggregate(self) -> str:
        return self.event.split(".", 1)[0]


def recent(node: Node, limit: int = 10) -> list[Activity]:
    last = node.app.recorder.max_notification_id() or 0
    if last == 0:
        return []
    notifications = node.app.notification_log.select(start=max(1, last - limit + 1), limit=limit)
    found = []
    for notification in notifications:
        event = node.app.mapper.to_domain_event(notification)
        found.append(
            Activity(
                position=notification.id,
                event=type(event).__qualname__,
                record_id=str(event.originator_id),
                on=getattr(event, "on", None),
                by=getattr(event, "by", ""),
            )
        )
    return found[::-1]
