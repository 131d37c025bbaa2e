"""The login and logout pages; the credentials are checked by `auth.authenticate` alone."""

from __future__ import annotations

from litestar import get, post
from litestar.params import FromQuery
from litestar.response import Redirect, Template
from litestar_htmx import HTMXRequest

from ui.regional.auth import authenticate, log_in, log_out, safe_next
from ui.regional.params import FormData, NodeDep
from ui.regional.rendering import render


@get("/login", name="login", sync_to_thread=False)
def login_page(request: HTMXRequest, next: FromQuery[str | None] = None) -> Template:
    return render(request, "regional/login.html", next=safe_next(next), failed=False, login="")


@post("/login", sync_to_thread=True)
def login(request: HTMXRequest, node: NodeDep, data: FormData) -> Template | Redirect:
    login_name = str(data.get("login", ""))
    user = authenticate(node, login_name, str(data.get("password", "")))
    target = safe_next(str(data.get("next", "")))
    if user is None:
        return render(
            request, "regional/login.html", status=401, next=target, failed=True, login=login_name
        )
    log_in(request, user)
    return Redirect(target, status_code=303)


@post("/logout", sync_to_thread=False)
def logout(request: HTMXRequest) -> Redirect:
    log_out(request)
    return Redirect("/", status_code=303)
