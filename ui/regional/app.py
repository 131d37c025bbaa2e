"""The regional node's web interface: a Litestar app mounted at `/` inside the node's FastAPI app.

It reads the read models and writes through the application (node/api/deps.py's `Commands`),
exactly as the JSON API does, in the same process. Sessions, CSRF protection on every form,
htmx and the French catalogue are wired here.
"""

from __future__ import annotations

import logging
from typing import Any

from litestar import Litestar, Request, Response
from litestar.exceptions import HTTPException, NotAuthorizedException
from litestar.response import Redirect
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR

from node.bootstrap import Node
from node.domain.errors import NotFound
from node.projections import queries
from ui.auth import login_url
from ui.regional import audit, coverage, directory, exports, federation, initiatives, overview
from ui.regional.directory_pages import HANDLERS as DIRECTORY_FORMS
from ui.regional.impact_routes import HANDLERS as IMPACT_AND_IMPORT
from ui.regional.rendering import render
from ui.regional.rights import HANDLERS as RIGHTS
from ui.web import Login, pages_app

log = logging.getLogger(__name__)


def _error_page(request: Request[Any, Any, Any], error: Exception) -> Response[Any]:
    """Errors as pages (JSON under /api/, which the API's clients expect)."""
    if isinstance(error, NotAuthorizedException):
        target = login_url(request.url.path)
        if request.headers.get("hx-request"):
            return Response(content="", status_code=204, headers={"HX-Redirect": target})
        return Redirect(target, status_code=303)
    if isinstance(error, HTTPException):
        status = error.status_code
    elif isinstance(error, NotFound):
        status = 404
    else:
        log.exception("unexpected error on %s", request.url.path, exc_info=error)
        status = HTTP_500_INTERNAL_SERVER_ERROR
    if request.url.path.startswith("/api/"):
        return Response({"detail": "Not Found" if status == 404 else "Error"}, status_code=status)
    return render(request, "regional/error.html", status=status, code=status)


def create_ui(node: Node) -> Litestar:
    return pages_app(
        [
            overview.dashboard,
            directory.alliance,
            directory.structures,
            directory.trainings,
            *DIRECTORY_FORMS,
            initiatives.initiative_list,
            initiatives.new_initiative,
            initiatives.register,
            initiatives.initiative_detail,
            initiatives.run_command,
            coverage.coverage,
            audit.audit_log,
            audit.audit_record,
            *IMPACT_AND_IMPORT,
            federation.federation_status,
            federation.preview,
            exports.export,
            *RIGHTS,
        ],
        dependency="node",
        value=node,
        error_page=_error_page,
        state={
            "region": node.settings.region,
            "region_name": node.settings.region_name,
            "structure_choices": lambda: [
                (s["id"], s["name"]) for s in queries.structures(node.stores.read_models)
            ],
        },
        login=Login(
            node.accounts,
            node.api_token,
            node.throttle,
            "base.html",
            node.settings.cookies_secure,
        ),
    )
