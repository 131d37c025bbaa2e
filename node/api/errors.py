"""Domain errors become 4xx answers shaped like FastAPI's own validation errors, and the shared
definitions routes use to declare those answers in the OpenAPI schema."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel
from starlette.exceptions import HTTPException

from node.authorization import Forbidden
from node.domain.errors import DomainError, InvalidValue, NotFound, RuleViolation

STATUS = {Forbidden: 403, NotFound: 404, RuleViolation: 409, InvalidValue: 422}
PATH_FIELDS = {"id"}


class ErrorItem(BaseModel):
    loc: list[str | int]
    msg: str
    type: str


class ErrorBody(BaseModel):
    """Every 4xx answer: where the problem is (`loc`), the reason (`msg`) and its kind."""

    detail: list[ErrorItem]


REASONS = {
    401: "No valid bearer token",
    403: "The user's role does not allow this, or not on this record",
    404: "A record named in the path or the body does not exist",
    409: "A domain rule is broken (a phase change to the current phase, a session on a closed "
    "accompaniment…)",
    429: "Too many failed authentications from this address; retry after `Retry-After` s",
}


def answers(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The `responses=` of a route that can answer these error statuses."""
    return {status: {"model": ErrorBody, "description": REASONS[status]} for status in statuses}


# A command (a write through the authenticated user) can be refused for any domain reason;
# FastAPI documents 422 itself on every route with a parameter or a body.
WRITE = answers(401, 403, 404, 409, 429)
PRIVATE = answers(401, 403, 429)
PRIVATE_ONE = answers(401, 403, 404, 429)
ONE = answers(404)


def detail(error: DomainError) -> list[dict[str, object]]:
    if isinstance(error, Forbidden):  # about who asks, not what was sent
        return [{"loc": ["header", "Authorization"], "msg": error.reason, "type": "forbidden"}]
    field = error.field or "body"
    where = "path" if field in PATH_FIELDS else "body"
    kind = type(error).__name__
    return [{"loc": [where, *field.split(".")], "msg": error.reason, "type": kind}]


async def _domain_error(_request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, DomainError)
    status = next((s for cls, s in STATUS.items() if isinstance(error, cls)), 422)
    return JSONResponse({"detail": detail(error)}, status_code=status)


async def _http_error(request: Request, error: Exception) -> Response:
    """FastAPI answers a body it cannot decode (bytes that are not UTF-8 text) with a bare 400;
    it is malformed JSON like any other, so it gets the same 422 naming the body."""
    assert isinstance(error, HTTPException)
    if error.status_code == 400 and isinstance(error.__cause__, ValueError):
        reason = "the body is not valid JSON: it is not UTF-8 text"
        body = [{"loc": ["body"], "msg": reason, "type": "json_invalid"}]
        return JSONResponse({"detail": body}, status_code=422)
    return await http_exception_handler(request, error)


def install(app: FastAPI) -> None:
    app.add_exception_handler(DomainError, _domain_error)
    app.add_exception_handler(HTTPException, _http_error)
