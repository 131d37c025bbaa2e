"""Who is logged in: a server-side session, opened by the one function that checks a password.

For now the only user is `admin`, whose password is the node's API token (DESIGN §10's
bootstrap token); users and roles will replace `authenticate` alone. The session id is renewed
at login so an id planted before it cannot be used after it (session fixation).
"""

from __future__ import annotations

import secrets
from typing import Any
from urllib.parse import quote

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException
from litestar.handlers.base import BaseRouteHandler
from litestar.middleware.session.server_side import (
    ServerSideSessionBackend,
    ServerSideSessionConfig,
)
from litestar.types import Message, ScopeSession

from node.bootstrap import Node

ADMIN = "admin"
SESSION_USER = "user"
_RENEW = "drais_renew_session"
_FRESH_ID = "drais_fresh_session_id"


def authenticate(node: Node, login: str, password: str) -> str | None:
    """The user these credentials identify, or None."""
    login_ok = secrets.compare_digest(login.strip().encode(), ADMIN.encode())
    password_ok = secrets.compare_digest(password.encode(), node.api_token.encode())
    return ADMIN if login_ok and password_ok else None


def current_user(connection: ASGIConnection[Any, Any, Any, Any]) -> str | None:
    session = connection.scope.get("session")
    user = session.get(SESSION_USER) if isinstance(session, dict) else None
    return user if isinstance(user, str) else None


def log_in(connection: ASGIConnection[Any, Any, Any, Any], user: str) -> None:
    connection.scope["state"][_RENEW] = True
    connection.set_session({SESSION_USER: user})


def log_out(connection: ASGIConnection[Any, Any, Any, Any]) -> None:
    connection.clear_session()


def login_required(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """Route guard: pages with personal data, and every write."""
    if current_user(connection) is None:
        raise NotAuthorizedException("login required")


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
