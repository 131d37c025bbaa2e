"""The national web interface: a Litestar app mounted at `/` inside the federation's FastAPI app.

Read-only: public when the federation's `public_dashboard` is on, else for logged-in viewers
and admins (the federation's accounts). Pages read the federation through
`federation.service.Federation` only.
"""

from __future__ import annotations

import logging
from typing import Any

from litestar import Litestar, Request, Response
from litestar.exceptions import HTTPException, NotAuthorizedException
from litestar.response import Redirect
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR

from federation.service import Federation
from ui.auth import login_url, viewer_required
from ui.national import pages
from ui.web import Login, pages_app

log = logging.getLogger(__name__)


def _error_page(request: Request[Any, Any, Any], error: Exception) -> Response[Any]:
    if isinstance(error, NotAuthorizedException):
        return Redirect(login_url(request.url.path), status_code=303)
    if isinstance(error, HTTPException):
        status = error.status_code
    else:
        log.exception("unexpected error on %s", request.url.path, exc_info=error)
        status = HTTP_500_INTERNAL_SERVER_ERROR
    return pages.render(request, "national/error.html", status=status, code=status)


def create_national_ui(federation: Federation) -> Litestar:
    return pages_app(
        [
            pages.dashboard,
            pages.regions_map,
            pages.indicator_page,
            pages.regions_status,
            pages.export,
        ],
        dependency="federation",
        value=federation,
        error_page=_error_page,
        state={"name": federation.settings.name},
        login=Login(
            federation.accounts,
            federation.api_token,
            federation.throttle,
            "national/base.html",
            federation.settings.cookies_secure,
        ),
        guards=[] if federation.settings.public_dashboard else [viewer_required],
    )
