"""What both web apps (regional and national) are made of: htmx served from its wheel, the
static files, Jinja templates, the htmx plugin, one router and one error page handler."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from litestar import Litestar, Request, Response, Router, get
from litestar.config.csrf import CSRFConfig
from litestar.datastructures import State
from litestar.di import Provide
from litestar.exceptions import HTTPException
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.response import File
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig
from litestar_htmx import HTMXPlugin

from drais.accounts import Accounts
from drais.throttle import Throttle
from ui.assets import STATIC_DIR, htmx_script
from ui.auth import SessionConfig
from ui.login import HANDLERS as LOGIN
from ui.templating import environment
from ui.users import HANDLERS as USERS

HTMX_PATH = "/vendor/htmx.min.js"
CSRF_COOKIE = "drais_csrf"

ErrorPage = Callable[[Request[Any, Any, Any], Exception], Response[Any]]


@get(HTMX_PATH, include_in_schema=False, sync_to_thread=False, cache=False)
def htmx_js() -> File:
    path = htmx_script()
    if path is None:
        raise HTTPException(status_code=404, detail="htmx is not installed")
    return File(path, content_disposition_type="inline", media_type="text/javascript")


@dataclass(frozen=True)
class Login:
    """What logging in to an app needs: its accounts, its bootstrap token (which also keys the
    session and CSRF secrets, so nothing more must be stored) and its page layout."""

    accounts: Accounts
    token: str
    throttle: Throttle
    layout: str
    secure_cookies: bool

    def secret(self, purpose: bytes) -> str:
        return hmac.new(self.token.encode(), b"drais-ui:" + purpose, hashlib.sha256).hexdigest()

    def options(self) -> dict[str, Any]:
        return {
            "middleware": [
                SessionConfig(
                    key="drais_session",
                    max_age=12 * 3600,
                    secure=self.secure_cookies,
                    httponly=True,
                    samesite="lax",
                ).middleware
            ],
            "csrf_config": CSRFConfig(
                secret=self.secret(b"csrf"),
                cookie_name=CSRF_COOKIE,
                cookie_httponly=True,
                cookie_secure=self.secure_cookies,
                cookie_samesite="strict",
            ),
        }

    def state(self) -> dict[str, Any]:
        return {
            "accounts": self.accounts,
            "api_token": self.token,
            "throttle": self.throttle,
            "layout": self.layout,
        }


def pages_app(
    handlers: Sequence[Any],
    *,
    dependency: str,
    value: object,
    error_page: ErrorPage,
    state: dict[str, Any],
    login: Login,
    **options: Any,
) -> Litestar:
    """A Litestar app serving `handlers` with `value` injected as `dependency`, with sessions,
    CSRF protection on every form, the login pages and the accounts' page.

    One router holds every handler: registering two handlers of one path separately on the app
    registers the first twice, which wraps a sync handler in a thread twice over.
    """

    def provide() -> object:
        return value

    routes = Router(
        path="/",
        route_handlers=[
            *handlers,
            *LOGIN,
            *USERS,
            htmx_js,
            create_static_files_router(path="/static", directories=[STATIC_DIR]),
        ],
    )
    return Litestar(
        route_handlers=[routes],
        dependencies={dependency: Provide(provide, use_cache=True, sync_to_thread=False)},
        plugins=[HTMXPlugin()],
        template_config=TemplateConfig(
            instance=JinjaTemplateEngine.from_environment(environment())
        ),
        exception_handlers={Exception: error_page},
        openapi_config=None,
        logging_config=None,  # the process configures logging, not each app (nor the root)
        state=State({**state, **login.state()}),
        **login.options(),
        **options,
    )
