"""How a handler answers: a whole page, or for htmx only the fragment it asked to swap."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.response import Redirect, Template
from litestar_htmx import ClientRedirect, HTMXRequest

from ui.auth import current_user
from ui.i18n import Translator, translator


def tr_for(_request: Request[Any, Any, Any]) -> Translator:
    """The request's language; French until a second catalogue exists to negotiate with."""
    return translator()


def render(
    request: Request[Any, Any, Any], template: str, status: int = 200, **context: Any
) -> Template:
    context.setdefault("user", current_user(request))
    return Template(template_name=template, context=context, status_code=status)


def wants_fragment(request: HTMXRequest, target: str) -> bool:
    """An htmx request aimed at this element (not a boosted page load, not a history restore)."""
    htmx = request.htmx
    return bool(htmx) and htmx.target == target and not htmx.history_restore_request


def see_other(request: HTMXRequest, path: str) -> Redirect | ClientRedirect:
    """After a write: a 303 for a plain form post, a client-side redirect for htmx."""
    if request.htmx:
        return ClientRedirect(redirect_to=path)
    return Redirect(path=path, status_code=303)
