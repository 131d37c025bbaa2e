"""The national web interface: a Litestar app mounted at `/` inside the federation's FastAPI app.

Public and read-only for now: no login, no form that writes, so no session and no CSRF token.
Pages read the federation through `federation.service.Federation` only.
"""

from __future__ import annotations

import logging
from typing import Any

from litestar import Litestar, Request, Response, Router, get
from litestar.datastructures import State
from litestar.di import Provide
from litestar.exceptions import HTTPException
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.response import File
from litestar.static_files import create_static_files_router
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR
from litestar.template.config import TemplateConfig
from litestar_htmx import HTMXPlugin

from federation.service import Federation
from ui.assets import STATIC_DIR, htmx_script
from ui.national import pages
from ui.templating import environment

log = logging.getLogger(__name__)

HTMX_PATH = "/vendor/htmx.min.js"


@get(HTMX_PATH, include_in_schema=False, sync_to_thread=False, cache=False)
def htmx_js() -> File:
    path = htmx_script()
    if path is None:
        raise HTTPException(status_code=404, detail="htmx is not installed")
    return File(path, content_disposition_type="inline", media_type="text/javascript")


def _error_page(request: Request[Any, Any, Any], error: Exception) -> Response[Any]:
    if isinstance(error, HTTPException):
        status = error.status_code
    else:
        log.exception("unexpected error on %s", request.url.path, exc_info=error)
        status = HTTP_500_INTERNAL_SERVER_ERROR
    return pages.render(request, "national/error.html", status=status, code=status)


def create_national_ui(federation: Federation) -> Litestar:
    def the_federation() -> Federation:
        return federation

    # One router, as in the regional app: handlers of one path registered once.
    routes = Router(
        path="/",
        route_handlers=[
            pages.dashboard,
            pages.regions_map,
            pages.indicator_page,
            pages.regions_status,
            pages.export,
            htmx_js,
            create_static_files_router(path="/static", directories=[STATIC_DIR]),
        ],
    )
    return Litestar(
        route_handlers=[routes],
        dependencies={"federation": Provide(the_federation, use_cache=True, sync_to_thread=False)},
        plugins=[HTMXPlugin()],
        template_config=TemplateConfig(
            instance=JinjaTemplateEngine.from_environment(environment())
        ),
        exception_handlers={Exception: _error_page},
        openapi_config=None,
        state=State({"name": federation.settings.name}),
    )
