"""Runs a checked form as the logged-in user, through the API's own handler of that command.

The JSON API's route functions are plain callables taking the validated body and a
`Commands` (node/api/deps.py), which calls the application's use case and then brings the read
models up to date. The UI calls those same functions, so a command means exactly the same
thing from a browser and from a script; a refused command records nothing and its reason is
put next to the field it names.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from drais.accounts import User
from node.api.deps import Commands
from node.bootstrap import Node
from node.domain.errors import DomainError
from ui.field_errors import domain_message
from ui.forms import Submission
from ui.i18n import Translator

T = TypeVar("T")


def execute(
    tr: Translator,
    node: Node,
    user: User,
    submission: Submission,
    handler: Callable[..., T],
    *record_ids: str,
) -> T | None:
    """The handler's answer, or None when the form or the domain refused the command."""
    if submission.body is None:
        return None
    args: list[Any] = [*record_ids, *submission.path.values(), submission.body]
    try:
        return handler(*args, Commands(node, user))
    except DomainError as error:
        submission.add_error(error.field, domain_message(tr, error))
        return None
