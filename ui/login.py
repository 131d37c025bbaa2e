"""The login and logout pages of both web apps; credentials are checked by `auth.authenticate`.

Failed attempts are throttled per address (drais/throttle.py) so passwords cannot be guessed at
speed; the page says how long to wait.
"""

from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.params import FromQuery
from litestar.response import Redirect, Template
from litestar_htmx import HTMXRequest

from drais.throttle import Throttle
from ui.auth import authenticate, current_user, log_in, log_out, safe_next
from ui.params import FormData

TEMPLATE = "login.html"


def _page(request: Request[Any, Any, Any], status: int = 200, **context: Any) -> Template:
    context = {
        "user": current_user(request),
        "layout": request.app.state["layout"],
        "failed": False,
        "wait": 0,
        "login": "",
        **context,
    }
    return Template(template_name=TEMPLATE, context=context, status_code=status)


@get("/login", name="login", sync_to_thread=False)
def login_page(request: HTMXRequest, next: FromQuery[str | None] = None) -> Template:
    return _page(request, next=safe_next(next))


@post("/login", sync_to_thread=True)
def login(request: HTMXRequest, data: FormData) -> Template | Redirect:
    state = request.app.state
    throttle: Throttle = state["throttle"]
    address = f"login:{request.client.host if request.client else '?'}"
    login_name = str(data.get("login", ""))[:64]
    target = safe_next(str(data.get("next", "")))
    wait = throttle.retry_after(address)
    if wait:
        return _page(request, 429, next=target, wait=wait, login=login_name)
    user = authenticate(state, login_name, str(data.get("password", "")))
    if user is None:
        throttle.failed(address)
        return _page(request, 401, next=target, failed=True, login=login_name)
    throttle.succeeded(address)
    log_in(request, user)
    return Redirect(target, status_code=303)


@post("/logout", sync_to_thread=False)
def logout(request: HTMXRequest) -> Redirect:
    log_out(request)
    return Redirect("/", status_code=303)


HANDLERS = (login_page, login, logout)
