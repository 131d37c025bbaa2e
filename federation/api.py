"""The federation's JSON API (DESIGN §10): indicators, regions' freshness, coverage; the
national web pages (ui/national) are mounted at `/` beside it."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import Depends, FastAPI, HTTPException, Path, Query, Request
from fastapi.security import HTTPAuthorizationCredentials
from pydantic import BaseModel

import drais
from drais.accounts import ADMIN, User
from drais.body_limit import BodyLimit
from drais.http_auth import bearer, bearer_user, refused
from federation import indicators
from federation.service import Federation
from ui.national.app import create_national_ui


class ErrorItem(BaseModel):
    loc: list[str | int]
    msg: str
    type: str


class ErrorBody(BaseModel):
    """A 4xx answer: where the problem is (`loc`), the reason (`msg`) and its kind."""

    detail: list[ErrorItem]


UNKNOWN_INDICATOR: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorBody, "description": "No indicator with that code"}
}
AUTH: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorBody, "description": "No valid bearer token"},
    403: {"model": ErrorBody, "description": "The user's role does not allow this"},
    429: {"model": ErrorBody, "description": "Too many failed authentications; see Retry-After"},
}


def _federation(request: Request) -> Federation:
    federation: Federation = request.app.state.federation
    return federation


def user(
    request: Request,
    federation: Annotated[Federation, Depends(_federation)],
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> User:
    return bearer_user(
        request, credentials, federation.accounts, federation.api_token, federation.throttle
    )


def reader(
    request: Request,
    federation: Annotated[Federation, Depends(_federation)],
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> User | None:
    """Anyone when the dashboard is public, else a viewer or an admin."""
    if federation.settings.public_dashboard and credentials is None:
        return None
    return user(request, federation, credentials)


def admin(who: Annotated[User, Depends(user)]) -> User:
    if who.role != ADMIN:
        raise refused(403, "only an administrator may read dead letters")
    return who


def create_api(federation: Federation, *, consume: bool = True) -> FastAPI:
    ui = create_national_ui(federation)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        stop = asyncio.Event()
        task = asyncio.create_task(federation.consume(stop)) if consume else None
        async with ui.lifespan():
            yield
        stop.set()
        if task is not None:
            with contextlib.suppress(asyncio.CancelledError, TimeoutError):
                await asyncio.wait_for(task, 5)  # cancelled if still connecting

    api = FastAPI(
        title="DRAIS national federation",
        version=drais.__version__,
        description="Cross-region indicators built from the regions' anonymized events.",
        lifespan=lifespan,
    )
    api.state.federation = federation
    api.add_middleware(BodyLimit)  # it takes no upload: forms and queries only

    reads = [Depends(reader)]

    @api.get("/health", tags=["health"])
    def health() -> dict[str, Any]:
        return {**federation.health(), "version": drais.__version__}

    @api.get("/api/v1/indicators", tags=["indicators"], dependencies=reads, responses=AUTH)
    def all_indicators() -> list[dict[str, Any]]:
        return federation.indicators()

    @api.get(
        "/api/v1/indicators/{code}",
        tags=["indicators"],
        dependencies=reads,
        responses={**UNKNOWN_INDICATOR, **AUTH},
    )
    def one_indicator(code: str) -> dict[str, Any]:
        try:
            return federation.indicator(code.upper())
        except KeyError:
            raise HTTPException(
                404,
                [{"loc": ["path", "code"], "msg": f"no indicator {code}", "type": "not_found"}],
            ) from None

    @api.get("/api/v1/regions", tags=["regions"], dependencies=reads, responses=AUTH)
    def regions() -> list[dict[str, Any]]:
        return federation.regions()

    @api.get(
        "/api/v1/regions/{region}/dead-letters",
        tags=["regions"],
        dependencies=[Depends(admin)],
        responses=AUTH,
    )
    def region_dead_letters(
        region: Annotated[str, Path(pattern=r"^MA-(0[1-9]|1[0-2])$")],
        limit: Annotated[int, Query(ge=1, le=500)] = 100,
    ) -> list[dict[str, Any]]:
        return federation.dead_letters(region, limit)

    @api.get("/api/v1/coverage", tags=["indicators"], dependencies=reads, responses=AUTH)
    def coverage() -> dict[str, Any]:
        with federation.engine.connect() as conn:
            return indicators.coverage(conn)

    # The national pages answer every path the API does not (Litestar types ASGI more narrowly).
    api.mount("/", ui)  # type: ignore[arg-type]
    return api
