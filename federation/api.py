"""The federation's JSON API (DESIGN §10): indicators, regions' freshness, coverage; the
national web pages (ui/national) are mounted at `/` beside it."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import FastAPI, HTTPException, Path, Query
from pydantic import BaseModel

import drais
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

    @api.get("/health", tags=["health"])
    def health() -> dict[str, Any]:
        return {**federation.health(), "version": drais.__version__}

    @api.get("/api/v1/indicators", tags=["indicators"])
    def all_indicators() -> list[dict[str, Any]]:
        with federation.engine.connect() as conn:
            return indicators.all_indicators(conn, datetime.now(UTC))

    @api.get("/api/v1/indicators/{code}", tags=["indicators"], responses=UNKNOWN_INDICATOR)
    def one_indicator(code: str) -> dict[str, Any]:
        with federation.engine.connect() as conn:
            try:
                return indicators.indicator(conn, code.upper(), datetime.now(UTC))
            except KeyError:
                raise HTTPException(
                    404,
                    [{"loc": ["path", "code"], "msg": f"no indicator {code}", "type": "not_found"}],
                ) from None

    @api.get("/api/v1/regions", tags=["regions"])
    def regions() -> list[dict[str, Any]]:
        return federation.regions()

    @api.get("/api/v1/regions/{region}/dead-letters", tags=["regions"])
    def region_dead_letters(
        region: Annotated[str, Path(pattern=r"^MA-(0[1-9]|1[0-2])$")],
        limit: Annotated[int, Query(ge=1, le=500)] = 100,
    ) -> list[dict[str, Any]]:
        return federation.dead_letters(region, limit)

    @api.get("/api/v1/coverage", tags=["indicators"])
    def coverage() -> dict[str, Any]:
        with federation.engine.connect() as conn:
            return indicators.coverage(conn)

    # The national pages answer every path the API does not (Litestar types ASGI more narrowly).
    api.mount("/", ui)  # type: ignore[arg-type]
    return api
