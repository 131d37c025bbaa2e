"""Alliance members: the actors who join the regional system (indicator D1)."""

from __future__ import annotations

from eventsourcing.domain import Aggregate, event

from drais.vocabulary import ActorType, Role
from node.domain.errors import RuleViolation
from node.domain.rules import require_date, require_member, require_text


class AllianceMember(Aggregate):
    @classmethod
    def join(
        cls, *, name: str, actor_type: str, role: str, by: str, on: str | None = None
    ) -> AllianceMember:
        return cls(
            name=require_text(name, "name"),
            actor_type=require_member(ActorType, actor_type, "actor_type").value,
            role=require_member(Role, role, "role").value,
            on=require_date(on, "on"),
            by=by,
        )

    @event("Joined")
    def __init__(self, *, name: str, actor_type: str, role: str, on: str, by: str) -> None:
        self.name = name
        self.actor_type = actor_type
        self.role = role
        self.joined_on = on
        self.left_on: str | None = None

    @property
    def active(self) -> bool:
        return self.left_on is None

    def change_role(self, role: str, *, by: str) -> None:
        new = require_member(Role, role, "role").value
        self._require_active()
        if new == self.role:
            raise RuleViolation(f"the member's role is already {new}", "role")
        self._role_changed(role=new, by=by)

    @event("RoleChanged")
    def _role_changed(self, role: str, by: str) -> None:
        self.role = role

    def leave(self, *, by: str, on: str | None = None) -> None:
        self._require_active()
        self._left(on=require_date(on, "on"), by=by)

    @event("Left")
    def _left(self, on: str, by: str) -> None:
        self.left_on = on

    def _require_active(self) -> None:
        if not self.active:
            raise RuleViolation("the member has left the alliance", "id")
