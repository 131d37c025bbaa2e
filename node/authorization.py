"""Who may run which use case: the node's one table of permissions.

Every write, from the API, the web pages or an import, passes through `Commands` (node/api/
deps.py), which asks `authorize` before running the use case, so a role means the same thing
everywhere. Admins and operators run the region's commands; only admins run those that touch a
person's rights; a support structure's staff act only on the initiatives their structure
accompanies (and may register one, or start accompanying one themselves); viewers read.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import Engine, exists, select

from drais.accounts import ADMIN, OPERATOR, STRUCTURE, User
from node.domain.errors import DomainError
from node.projections import tables as t


class Forbidden(DomainError):
    """The user's role does not allow this command, or not on this record."""


# Rights over a person's data are answered by an admin (the controller's representative).
ADMIN_ONLY = frozenset(
    {
        "erase_person",
        "rectify_person",
        "set_opposition",
        "record_request",
        "answer_request",
    }
)
# Commands on one initiative, named by the use case's first argument.
ON_INITIATIVE = frozenset(
    {
        "change_phase",
        "hold_session",
        "end_accompaniment",
        "record_funding",
        "close_initiative",
    }
)


def accompanies(reads: Engine, structure_id: str | None, initiative_id: str) -> bool:
    """Whether the structure accompanies (or accompanied) the initiative."""
    a = t.accompaniments
    query = select(
        exists().where(a.c.initiative_id == initiative_id, a.c.structure_id == structure_id)
    )
    with reads.connect() as conn:
        return bool(conn.execute(query).scalar())


def may_see_initiative(reads: Engine, user: User, initiative_id: str) -> bool:
    """Personal data of an initiative: every role but a structure outside it."""
    return user.role != STRUCTURE or accompanies(reads, user.structure_id, initiative_id)


def authorize(
    reads: Engine,
    user: User,
    use_case: Callable[..., Any],
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
) -> None:
    name = use_case.__name__
    if user.role == ADMIN:
        return
    if name in ADMIN_ONLY:
        raise Forbidden("only an administrator may do this", "role")
    if user.role == OPERATOR:
        return
    if user.role == STRUCTURE:
        if name == "register_initiative":
            return
        if name == "start_accompaniment" and kwargs.get("structure_id") == user.structure_id:
            return
        if name in ON_INITIATIVE and args and accompanies(reads, user.structure_id, args[0]):
            return
        raise Forbidden(
            "a structure's staff act only on the initiatives their structure accompanies", "role"
        )
    raise Forbidden(f"the {user.role} role may only read", "role")
