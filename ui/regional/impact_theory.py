"""An initiative's theory of change: the editor, and every revision read from the log.

Saving posts the whole theory (a draft the first time, a revision after) through the API's
`PUT /initiatives/{id}/theory-of-change`; the outcomes and their catalogue indicators are rows
of the form, with blank rows to add more without JavaScript.
"""

from __future__ import annotations

from typing import Any

from fastapi import Response as ApiResponse
from litestar import get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Redirect, Template
from litestar_htmx import HTMXRequest

from node.api.impact_schemas import TheoryOfChangeIn
from node.api.routes import impact as api
from node.bootstrap import Node
from node.domain.errors import NotFound
from node.projections import queries
from node.toolbox.catalogue import load_core
from ui.auth import login_required, signed_in
from ui.regional.commands import execute
from ui.regional.impact_forms import (
    THEORY_LINES,
    RowsSubmission,
    blank,
    parse,
    posted_rows,
    theory_layout,
    theory_values,
)
from ui.regional.params import FormData, NodeDep
from ui.regional.rendering import render, tr_for

SPARE_OUTCOMES = 2
SPARE_INDICATORS = 1
MAX_ROWS = 50  # the schema's own limit, for outcomes and for an outcome's indicators


def _initiative(node: Node, initiative_id: str) -> dict[str, Any]:
    found = queries.initiative(node.stores.read_models, initiative_id)
    if found is None:
        raise NotFoundException("no such initiative")
    return found


def _theory(node: Node, initiative_id: str) -> dict[str, Any] | None:
    try:
        return api.get_theory_of_change(initiative_id, node)
    except NotFound:
        return None


def indicator_choices() -> list[tuple[str, str]]:
    return [(i.code, f"{i.code} — {i.label}") for i in load_core()]


def define(initiative_id: str, body: TheoryOfChangeIn, do: Any) -> dict[str, Any]:
    """The API's PUT, whose status code the page does not need."""
    return api.put_theory_of_change(initiative_id, body, do, ApiResponse())


def _page(
    request: HTMXRequest,
    node: Node,
    initiative_id: str,
    submission: RowsSubmission | None = None,
    status: int = 200,
) -> Template:
    initiative = _initiative(node, initiative_id)
    theory = _theory(node, initiative_id)
    if submission is None:
        content = theory["content"] if theory else None
        outcomes = len(content["outcomes"]) if content else 0
        indicators = (
            max((len(o["indicators"]) for o in content["outcomes"]), default=0) if content else 0
        )
        layout = theory_layout(
            max(outcomes + SPARE_OUTCOMES, 2), max(indicators + SPARE_INDICATORS, 2)
        )
        submission = blank(layout.form, theory_values(content) if content else None)
    else:
        layout = theory_layout(*_rows(submission.values))
    done = request.query_params.get("done") == "1"
    return render(
        request,
        "regional/impact/theory.html",
        status=status,
        initiative=initiative,
        theory=theory,
        layout=layout,
        submission=submission,
        options={"indicators": indicator_choices()},
        done=layout.form.done if done else None,
    )


def _rows(data: dict[str, Any]) -> tuple[int, int]:
    """Rows of a posted editor, within what the API's schema accepts."""
    outcomes = min(max(posted_rows(data, "outcomes"), 1), MAX_ROWS)
    indicators = max(
        (posted_rows(data, f"outcomes.{i}.indicators") for i in range(outcomes)), default=1
    )
    return outcomes, min(max(indicators, 1), MAX_ROWS)


@get(
    "/initiatives/{initiative_id:str}/theory-of-change",
    name="theory",
    guards=[login_required],
    sync_to_thread=True,
)
def theory_page(request: HTMXRequest, node: NodeDep, initiative_id: FromPath[str]) -> Template:
    return _page(request, node, initiative_id)


@post(
    "/initiatives/{initiative_id:str}/theory-of-change",
    guards=[login_required],
    sync_to_thread=True,
)
def save_theory(
    request: HTMXRequest, node: NodeDep, initiative_id: FromPath[str], data: FormData
) -> Template | Redirect:
    _initiative(node, initiative_id)
    tr = tr_for(request)
    layout = theory_layout(*_rows(data))
    submission = parse(tr, layout.form, data, lines=THEORY_LINES)
    saved = execute(tr, node, signed_in(request), submission, define, initiative_id)
    if saved is not None:
        path = f"/initiatives/{initiative_id}/theory-of-change?done=1"
        return Redirect(path, status_code=303)
    return _page(request, node, initiative_id, submission, status=422)
