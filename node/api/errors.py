"""Domain errors become 4xx answers shaped like FastAPI's own validation errors."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from node.domain.errors import DomainError, InvalidValue, NotFound, RuleViolation

STATUS = {NotFound: 404, RuleViolation: 409, InvalidValue: 422}
PATH_FIELDS = {"id"}


def detail(error: DomainError) -> list[dict[str, object]]:
    field = error.field or "body"
    where = "path" if field in PATH_FIELDS else "body"
    kind = type(error).__name__
    return [{"loc": [where, *field.split(".")], "msg": error.reason, "type": kind}]


async def _domain_error(_request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, DomainError)
    status = next((s for cls, s in STATUS.items() if isinstance(error, cls)), 422)
    return JSONResponse({"detail": detail(error)}, status_code=status)


def install(app: FastAPI) -> None:
    app.add_exception_handler(DomainError, _domain_error)
