"""Who is logged in: a server-side session, opened by the one function that checks a password.

Used by both web apps. Users are the process's accounts (drais/accounts.py, in the app's state
as `accounts`); `admin` with the bootstrap token (`api_token` in the state, DESIGN §10) as
password is the administrator before any account exists. The session holds only the
login: the role is read again on every request, so a role change or a deactivation takes effect
at once. The session id is renewed at login so an id planted before it cannot be used after it
(session fixation).
"""

from __future__ import annotations

import secrets
from typing import Any
from urllib.parse import quote

from litestar.connection import ASGIConnection
from litestar.datastructures import State
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from litestar.middleware.session.server_side import (
    ServerSideSessionBackend,
    ServerSideSessionConfig,
)
from litestar.types import Message, ScopeSession

from drais.accounts import ADMIN, BOOTSTRAP, Accounts, User, bootstrap_user

SESSION_USER = "user"
SESSION_BOOTSTRAP = "bootstrap"
_RENEW = "drais_renew_session"
_FRESH_ID = "drais_fresh_session_id"
_USER = "drais_user"


def authenticate(state: State, login: str, password: str) -> User | None:
    """The user these credentials identify, or None."""
    if secrets.compare_digest(login.strip().encode(), BOOTSTRAP.encode()):
        return bootstrap_user(password, state["api_token"])
    accounts: Accounts = state["accounts"]
    return accounts.check_password(login, password)


def current_user(connection: ASGIConnection[Any, Any, Any, Any]) -> User | None:
    """The logged-in user as the accounts know them now (None if logged out or deactivated)."""
    state: dict[str, Any] = connection.scope["state"]
    if _USER not in state:
        scoped = connection.scope.get("session")
        session: dict[str, Any] = scoped if isinstance(scoped, dict) else {}
        login = session.get(SESSION_USER)
        user = None
        if isinstance(login, str):
            if session.get(SESSION_BOOTSTRAP):
                user = User(BOOTSTRAP, ADMIN)
            else:
                accounts: Accounts = connection.app.state["accounts"]
                user = accounts.user(login)
        state[_USER] = user
    found: User | None = state[_USER]
    return found


def signed_in(connection: ASGIConnection[Any, Any, Any, Any]) -> User:
    """The logged-in user of a guarded page."""
    user = current_user(connection)
    if user is None:
        raise NotAuthorizedException("login required")
    return user


def log_in(connection: ASGIConnection[Any, Any, Any, Any], user: User) -> None:
    connection.scope["state"][_RENEW] = True
    connection.scope["state"][_USER] = user
    connection.set_session({SESSION_USER: user.login, SESSION_BOOTSTRAP: user.login == BOOTSTRAP})


def log_out(connection: ASGIConnection[Any, Any, Any, Any]) -> None:
    connection.scope["state"][_USER] = None
    connection.clear_session()


def login_required(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """Route guard: pages with personal data, and every write."""
    signed_in(connection)


def viewer_required(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """App guard of a private national dashboard: every page but logging in needs a user."""
    if connection.url.path not in {"/login", "/logout"} and not connection.url.path.startswith(
        ("/static/", "/vendor/")
    ):
        signed_in(connection)


def admin_required(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """Route guard: accounts and a person's rights."""
    if signed_in(connection).role != ADMIN:
        raise PermissionDeniedException("administrators only")


def login_url(next_path: str) -> str:
    return f"/login?next={quote(next_path, safe='/')}"


def safe_next(value: str | None) -> str:
    """Only a path on this site, so the login form cannot send a user elsewhere."""
    if value and value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return "/"


class _Backend(ServerSideSessionBackend):
    """A fresh session id at login; nothing stored, and no cookie, for anonymous visitors."""

    def get_session_id(self, connection: ASGIConnection[Any, Any, Any, Any]) -> str:
        state: dict[str, Any] = connection.scope["state"]
        if state.get(_RENEW):
            if _FRESH_ID not in state:
                state[_FRESH_ID] = self.generate_session_id()
            return str(state[_FRESH_ID])
        return super().get_session_id(connection)

    async def store_in_message(
        self,
        scope_session: ScopeSession,
        message: Message,
        connection: ASGIConnection[Any, Any, Any, Any],
    ) -> None:
        if scope_session == {} and self.config.key not in connection.cookies:
            return
        await super().store_in_message(scope_session, message, connection)


class SessionConfig(ServerSideSessionConfig):
    """Server-side sessions (in memory: a restart logs everyone out) with renewal at login."""

    _backend_class = _Backend
