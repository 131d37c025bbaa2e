"""Stateless toolbox calculators over HTTP (DESIGN §10), mounted under ``/api/v1/toolbox``.

Bad input answers 422 in FastAPI's own error shape, raised from the route itself so the router
works in any FastAPI app without a global exception handler.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Literal

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel, ConfigDict, Field

from node.api import errors
from node.toolbox.alkire_foster import alkire_foster, available_schemes, load_scheme
from node.toolbox.did import difference_in_differences
from node.toolbox.errors import ToolboxError
from node.toolbox.improvement import wilson
from node.toolbox.sroi import Outcome, sroi

router = APIRouter(tags=["toolbox"])

MAX_COUNT = 1_000_000_000
"""More persons than Morocco counts: a larger count is a typing error (and beyond floats)."""
MAX_AMOUNT = 1e12
"""Quantities, proxies and inputs of a value map: beyond this, products overflow to infinity."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AlkireFosterRequest(_Strict):
    achievements: list[list[float | None]]
    cutoffs: list[float]
    weights: list[float] | None = None
    k: float


class AlkireFosterResponse(_Strict):
    scores: list[float]
    poor: list[bool]
    H: float
    A: float
    M0: float
    censored_headcounts: list[float]
    contributions: list[float]
    weights: list[float]
    k: float


class OutcomeIn(_Strict):
    quantity: float = Field(le=MAX_AMOUNT)
    proxy: float = Field(ge=-MAX_AMOUNT, le=MAX_AMOUNT)
    deadweight: float
    displacement: float
    attribution: float
    drop_off: float
    duration_years: int


class SroiRequest(_Strict):
    outcomes: list[OutcomeIn]
    discount_rate: float
    inputs: float = Field(le=MAX_AMOUNT)


class SroiResponse(_Strict):
    yearly: list[float]
    discounted: list[float]
    present_value: float
    inputs: float
    ratio: float
    net_ratio: float


class DidRequest(_Strict):
    outcome: list[float]
    treated: list[int]
    post: list[int]
    cluster: list[str | int] | None = None


class DidResponse(_Strict):
    effect: float
    se: float
    p_value: float
    ci_low: float
    ci_high: float
    n: int
    df: int
    method: Literal["ols_classical", "ols_cluster"]
    clusters: int | None


class ImprovementRequest(_Strict):
    improved: int = Field(le=MAX_COUNT)
    paired: int = Field(le=MAX_COUNT)


class ImprovementResponse(_Strict):
    improved: int
    paired: int
    rate: float | None
    ci_low: float | None
    ci_high: float | None


class SchemeSummary(_Strict):
    id: str
    version: int
    label: str


class DimensionOut(_Strict):
    code: str
    label: str


class SchemeIndicatorOut(_Strict):
    code: str
    label: str
    dimension: str
    question: str
    answer: Literal["boolean", "integer", "number"]
    minimum: float
    maximum: float
    cutoff: float
    weight: float
    unit: str


class SchemeOut(SchemeSummary):
    description: str
    k: float
    dimensions: list[DimensionOut]
    indicators: list[SchemeIndicatorOut]


def _error(location: str, field: str, reason: str, kind: str) -> list[dict[str, object]]:
    loc = [location, *(int(part) if part.isdigit() else part for part in field.split("."))]
    return [{"loc": loc, "msg": reason, "type": kind}]


@contextmanager
def _unprocessable(rename: Mapping[str, str] | None = None) -> Iterator[None]:
    """Turn a ToolboxError into FastAPI's 422 body, naming the request field."""
    try:
        yield
    except ToolboxError as exc:
        head, _, rest = exc.field.partition(".")
        field = ".".join(filter(None, [(rename or {}).get(head, head), rest]))
        raise HTTPException(422, detail=_error("body", field, exc.reason, "value_error")) from exc


@router.post("/alkire-foster", response_model=AlkireFosterResponse)
def post_alkire_foster(body: AlkireFosterRequest) -> AlkireFosterResponse:
    with _unprocessable():
        result = alkire_foster(body.achievements, body.cutoffs, body.k, body.weights)
    return AlkireFosterResponse.model_validate(dataclasses.asdict(result))


@router.post("/sroi", response_model=SroiResponse)
def post_sroi(body: SroiRequest) -> SroiResponse:
    with _unprocessable():
        outcomes = [Outcome(**outcome.model_dump()) for outcome in body.outcomes]
        result = sroi(outcomes, body.discount_rate, body.inputs)
        if not math.isfinite(result.ratio):
            raise ToolboxError("inputs", f"{body.inputs:g} is too small to give a finite ratio")
    return SroiResponse.model_validate(dataclasses.asdict(result))


@router.post("/did", response_model=DidResponse)
def post_did(body: DidRequest) -> DidResponse:
    with _unprocessable():
        result = difference_in_differences(body.outcome, body.treated, body.post, body.cluster)
    return DidResponse.model_validate(dataclasses.asdict(result))


@router.post("/improvement", response_model=ImprovementResponse)
def post_improvement(body: ImprovementRequest) -> ImprovementResponse:
    with _unprocessable(rename={"successes": "improved", "n": "paired"}):
        share = wilson(body.improved, body.paired)
    return ImprovementResponse(
        improved=body.improved,
        paired=body.paired,
        rate=share.rate,
        ci_low=share.ci_low,
        ci_high=share.ci_high,
    )


@router.get("/schemes", response_model=list[SchemeSummary])
def get_schemes() -> list[SchemeSummary]:
    return [
        SchemeSummary(id=scheme.id, version=scheme.version, label=scheme.label)
        for scheme in map(load_scheme, available_schemes())
    ]


@router.get("/schemes/{scheme_id}", response_model=SchemeOut, responses=errors.ONE)
def get_scheme(scheme_id: str) -> SchemeOut:
    if scheme_id not in available_schemes():
        detail = _error("path", "scheme_id", f"unknown scheme {scheme_id!r}", "not_found")
        raise HTTPException(404, detail=detail)
    return SchemeOut.model_validate(dataclasses.asdict(load_scheme(scheme_id)))
