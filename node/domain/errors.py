"""Domain errors carry the field and the reason so every edge can report them precisely."""

from __future__ import annotations


class DomainError(Exception):
    """A command the domain refuses; nothing was recorded."""

    def __init__(self, reason: str, field: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.field = field


class InvalidValue(DomainError):
    """A value the domain cannot accept (unknown province, score out of range…)."""


class RuleViolation(DomainError):
    """A value that is fine in itself but breaks a rule given the current state."""


class NotFound(DomainError):
    """The command names a record this node does not hold."""
