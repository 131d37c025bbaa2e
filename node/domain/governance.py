"""Alliance governance: steering meetings and resources members share (DRAIS principle)."""

from __future__ import annotations

from eventsourcing.domain import Aggregate, event

from drais.vocabulary import ResourceKind
from node.domain.errors import InvalidValue
from node.domain.rules import require_date, require_member, require_text


class Meeting(Aggregate):
    @classmethod
    def hold(
        cls,
        *,
        title: str,
        members_present: list[str],
        decisions: list[str],
        by: str,
        on: str | None = None,
    ) -> Meeting:
        if not members_present:
            raise InvalidValue("a meeting needs at least one member present", "members_present")
        return cls(
            title=require_text(title, "title"),
            members_present=sorted(set(members_present)),
            decisions=[require_text(d, "decisions", 2000) for d in decisions],
            on=require_date(on, "on"),
            by=by,
        )

    @event("Held")
    def __init__(
        self, *, title: str, members_present: list[str], decisions: list[str], on: str, by: str
    ) -> None:
        self.title = title
        self.members_present = members_present
        self.decisions = decisions
        self.held_on = on


class SharedResource(Aggregate):
    @classmethod
    def share(
        cls,
        *,
        title: str,
        kind: str,
        link: str,
        member_id: str | None,
        by: str,
        on: str | None = None,
    ) -> SharedResource:
        link = require_text(link, "link", 500)
        if not link.startswith(("https://", "http://")):
            raise InvalidValue("must be an http(s) address", "link")
        return cls(
            title=require_text(title, "title"),
            kind=require_member(ResourceKind, kind, "kind").value,
            link=link,
            member_id=member_id,
            on=require_date(on, "on"),
            by=by,
        )

    @event("Shared")
    def __init__(
        self, *, title: str, kind: str, link: str, member_id: str | None, on: str, by: str
    ) -> None:
        self.title = title
        self.kind = kind
        self.link = link
        self.member_id = member_id
        self.shared_on = on
