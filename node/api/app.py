"""Builds the node's FastAPI app around an already wired Node."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI

import drais
from drais.body_limit import UPLOAD_LIMIT, BodyLimit
from node.api import errors
from node.api.routes import alliance, federation, impact, initiatives, people, rights, structures
from node.api.routes.federation import forwarding
from node.bootstrap import Node
from node.toolbox.api import router as toolbox_router
from ui.regional.app import create_ui


def create_api(node: Node, *, poll: bool = True) -> FastAPI:
    ui = create_ui(node)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if poll:
            node.projector.start(node.settings.projection_poll_seconds)
        async with forwarding(node), ui.lifespan():
            yield
        node.projector.stop()

    api = FastAPI(
        title=f"DRAIS node {node.settings.region}",
        version=drais.__version__,
        description="Regional node of the DRAIS social-innovation support system.",
        lifespan=lifespan,
    )
    api.state.node = node
    api.add_middleware(BodyLimit, prefixes={"/import": UPLOAD_LIMIT})
    errors.install(api)

    @api.get("/health", tags=["health"])
    def health() -> dict[str, Any]:
        return {
            "status": "ok",
            "region": node.settings.region,
            "region_name": node.settings.region_name,
            "version": drais.__version__,
            "log_position": node.app.recorder.max_notification_id() or 0,
            "projection_position": node.projector.position(),
        }

    for router in (
        federation.router,
        alliance.router,
        structures.router,
        initiatives.router,
        people.router,
        impact.router,
        rights.router,
    ):
        api.include_router(router, prefix="/api/v1")
    api.include_router(toolbox_router, prefix="/api/v1/toolbox", tags=["toolbox"])
    # The web UI answers every path the API does not (Litestar types ASGI more narrowly).
    api.mount("/", ui)  # type: ignore[arg-type]
    return api
