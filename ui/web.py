"""What both web apps (regional and national) are made of: htmx served from its wheel, the
static files, Jinja templates, the htmx plugin, one router and one error page handler."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from litestar import Litestar, Request, Response, Router, get
from litestar.datastructures import State
from litestar.di import Provide
from litestar.exceptions import HTTPException
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.response import File
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig
from litestar_htmx import HTMXPlugin

from ui.assets import STATIC_DIR, htmx_script
from ui.templating import environment

HTMX_PATH = "/vendor/htmx.min.js"

ErrorPage = Callable[[Request[Any, Any, Any], Exception], Response[Any]]


@get(HTMX_PATH, include_in_schema=False, sync_to_thread=False, cache=False)
def htmx_js() -> File:
    path = htmx_script()
    if path is None:
        raise HTTPException(status_code=404, detail="htmx is not installed")
    return File(path, content_disposition_type="inline", media_type="text/javascript")


def pages_app(
    handlers: Sequence[Any],
    *,
    dependency: str,
    value: object,
    error_page: ErrorPage,
    state: dict[str, Any],
    **options: Any,
) -> Litestar:
    """A Litestar app serving `handlers` with `value` injected as `dependency`.

    One router holds every handler: registering two handlers of one path separately on the app
    registers the first twice, which wraps a sync handler in a thread twice over.
    """

    def provide() -> object:
        return value

    routes = Router(
        path="/",
        route_handlers=[
            *handlers,
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
        state=State(state),
        **options,
    )
