"""Accounts, for administrators: users and their roles, API tokens issued once and revoked.

Served by both web apps from the app's `accounts` (drais/accounts.py); a node also offers its
support structures for the structure role (`structure_choices` in the state). The first admin
comes from the command line (`drais users add`); the others can be managed here.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from litestar import Request, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from drais.accounts import AccountError, Accounts
from ui.auth import admin_required, current_user
from ui.i18n import N_, translator
from ui.params import FormData

# The accounts' reasons (English, matched in full) and their messages.
REASONS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(f"^{pattern}$"), message)
    for pattern, message in (
        (
            r"2 to 64 characters: .*",
            N_("2 to 64 characters: lower-case letters, digits, '.', '_' or '-'."),
        ),
        (r"'admin' is the bootstrap token's login", N_("This login is reserved.")),
        (r"must be one of .*", N_("Choose a value from the list.")),
        (
            r"a structure user, and only one, names its structure",
            N_("Choose a structure for the structure role, and only for it."),
        ),
        (r"at least \d+ characters", N_("At least 12 characters.")),
        (r"\S+ already exists", N_("This login is already taken.")),
        (r"no user \S+", N_("No such user.")),
        (r"no live token \S+", N_("No such token, or already revoked.")),
    )
)


def _message(error: AccountError) -> str:
    tr = translator()
    found = next((m for p, m in REASONS if p.match(error.reason)), None)
    return tr.gettext(found) if found else error.reason


def _accounts(request: Request[Any, Any, Any]) -> Accounts:
    accounts: Accounts = request.app.state["accounts"]
    return accounts


def _page(
    request: Request[Any, Any, Any],
    status: int = 200,
    errors: dict[str, str] | None = None,
    **context: Any,
) -> Template:
    accounts = _accounts(request)
    choices: Callable[[], list[tuple[str, str]]] | None = request.app.state.get("structure_choices")
    return Template(
        template_name="users.html",
        status_code=status,
        context={
            "user": current_user(request),
            "layout": request.app.state["layout"],
            "users": accounts.users(),
            "tokens": accounts.tokens(),
            "roles": accounts.roles,
            "structures": choices() if choices else [],
            "errors": errors or {},
            "typed": {},
            "issued": None,
            **context,
        },
    )


@get("/users", name="users", guards=[admin_required], sync_to_thread=True)
def users_page(request: Request[Any, Any, Any]) -> Template:
    return _page(request)


@post("/users", guards=[admin_required], sync_to_thread=True)
def add_user(request: Request[Any, Any, Any], data: FormData) -> Template | Redirect:
    typed = {k: str(data.get(k, "")) for k in ("login", "role", "structure_id")}
    try:
        _accounts(request).create_user(
            typed["login"],
            str(data.get("password", "")),
            typed["role"],
            typed["structure_id"] or None,
        )
    except AccountError as error:
        return _page(request, 422, {error.field: _message(error)}, typed=typed)
    return Redirect("/users", status_code=303)


@post("/users/{login:str}/{action:str}", guards=[admin_required], sync_to_thread=True)
def user_action(
    request: Request[Any, Any, Any], login: FromPath[str], action: FromPath[str], data: FormData
) -> Template | Redirect:
    accounts = _accounts(request)
    try:
        if action == "token":
            issued = accounts.issue_token(login, str(data.get("label", ""))[:100] or "web")
            return _page(request, issued=(login, *issued))
        if action in {"disable", "enable"}:
            accounts.set_active(login, action == "enable")
        elif action == "revoke":
            accounts.revoke_token(str(data.get("token_id", "")))
        else:
            return _page(request, 404, {"action": action})
    except AccountError as error:
        return _page(request, 422, {error.field: _message(error)})
    return Redirect("/users", status_code=303)


HANDLERS = (users_page, add_user, user_action)
