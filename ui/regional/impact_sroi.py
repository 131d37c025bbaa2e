"""The SROI calculator: a value map in, the present value and the ratios out.

Stateless, like the API's `POST /api/v1/toolbox/sroi` whose schema checks the form and whose
route computes the answer; nothing is recorded, so no login is needed.
"""

from __future__ import annotations

from typing import Any, cast

from fastapi import HTTPException
from litestar import get, post
from litestar.params import FromQuery
from litestar.response import Template
from litestar_htmx import HTMXRequest

from node.domain.errors import InvalidValue
from node.toolbox.api import SroiRequest, SroiResponse, post_sroi
from ui.field_errors import domain_message
from ui.forms import Field, Form
from ui.i18n import N_
from ui.regional.impact_forms import RowsSubmission, blank, parse, posted_rows
from ui.regional.params import FormData
from ui.regional.rendering import render, tr_for, wants_fragment

ROWS = 3
MAX_ROWS = 30
FRACTION = N_("A fraction: 0.25 for 25 %%.")

OUTCOME = (
    Field("quantity", N_("Quantity"), "number", step="any"),
    Field("proxy", N_("Financial proxy (MAD per unit)"), "number", step="any"),
    Field("deadweight", N_("Deadweight"), "number", step="any", help=FRACTION),
    Field("displacement", N_("Displacement"), "number", step="any", help=FRACTION),
    Field("attribution", N_("Attribution to others"), "number", step="any", help=FRACTION),
    Field("drop_off", N_("Drop-off per year"), "number", step="any", help=FRACTION),
    Field("duration_years", N_("Duration (years)"), "number", step="1"),
)


def sroi_form(rows: int) -> tuple[Form, tuple[Field, ...], tuple[tuple[Field, ...], ...]]:
    head = (
        Field("inputs", N_("Value of the inputs (MAD)"), "number", required=True, step="any"),
        Field(
            "discount_rate", N_("Discount rate"), "number", required=True, step="any", help=FRACTION
        ),
    )
    outcomes = tuple(
        tuple(
            Field(f"outcomes.{i}.{f.name}", f.label, f.kind, f.choices, False, f.help, f.step)
            for f in OUTCOME
        )
        for i in range(rows)
    )
    form = Form(
        "sroi",
        N_("SROI calculator"),
        SroiRequest,
        (*head, *(f for row in outcomes for f in row)),
        N_("Calculate"),
        N_("The SROI has been calculated."),
    )
    return form, head, outcomes


def _rows(value: int) -> int:
    return max(1, min(MAX_ROWS, value))


def _render(
    request: HTMXRequest,
    rows: int,
    submission: RowsSubmission | None = None,
    result: SroiResponse | None = None,
    status: int = 200,
) -> Template:
    form, head, outcomes = sroi_form(rows)
    context: dict[str, Any] = {
        "head": head,
        "outcomes": outcomes,
        "submission": submission or blank(form, {"discount_rate": "0.035"}),
        "result": result,
        "more": _rows(rows + ROWS),
        "options": {},
    }
    if wants_fragment(request, "sroi"):
        return render(request, "regional/impact/_sroi.html", status=status, **context)
    return render(request, "regional/impact/sroi.html", status=status, **context)


@get("/impact/sroi", name="sroi", sync_to_thread=False)
def sroi_page(request: HTMXRequest, rows: FromQuery[int] = ROWS) -> Template:
    return _render(request, _rows(rows))


@post("/impact/sroi", sync_to_thread=True)
def calculate(request: HTMXRequest, data: FormData) -> Template:
    tr = tr_for(request)
    rows = _rows(posted_rows(data, "outcomes"))
    form, _head, _outcomes = sroi_form(rows)
    submission = parse(tr, form, data)
    result: SroiResponse | None = None
    if isinstance(submission.body, SroiRequest):
        try:
            result = post_sroi(submission.body)
        except HTTPException as error:
            details = cast(list[dict[str, Any]], error.detail)
            for detail in details:
                name = ".".join(str(part) for part in detail["loc"][1:])
                message = domain_message(tr, InvalidValue(str(detail["msg"])))
                submission.add_error(name, message)
    return _render(request, rows, submission, result, status=200 if result else 422)
