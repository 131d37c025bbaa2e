"""Funder evaluation grids: the list, publishing one with its criteria, scoring applications,
revising a grid and re-scoring the applications made under older versions.

Grids are public facts (indicator B2); applications concern projects and their holders, so
they are shown, scored and re-scored by a logged-in operator only, as the API requires.
"""

from __future__ import annotations

from typing import Any

from litestar import get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template
from litestar_htmx import HTMXRequest, HTMXTemplate

from node.api.deps import Commands
from node.api.routes import impact as api
from node.bootstrap import Node
from node.domain.errors import DomainError
from node.projections import impact_queries, queries
from ui.auth import current_user, login_required, signed_in
from ui.field_errors import domain_message
from ui.forms import Form
from ui.i18n import N_
from ui.regional.commands import execute
from ui.regional.impact_forms import (
    RowsSubmission,
    application_form,
    blank,
    grid_layout,
    grid_values,
    parse,
    posted_rows,
)
from ui.regional.params import FormData, NodeDep
from ui.regional.rendering import render, tr_for

SPARE_CRITERIA = 3
MAX_CRITERIA = 50
INITIATIVE_CHOICES = 500


@get("/impact/grids", name="grids", sync_to_thread=True)
def grid_list(request: HTMXRequest, node: NodeDep) -> Template:
    return render(request, "regional/impact/grids.html", grids=api.list_grids(node))


def _rows(value: int) -> int:
    return max(1, min(MAX_CRITERIA, value))


@get("/impact/grids/new", name="grid_new", guards=[login_required], sync_to_thread=False)
def new_grid(request: HTMXRequest, rows: FromQuery[int] = 4) -> Template:
    layout = grid_layout(_rows(rows))
    return render(
        request,
        "regional/impact/grid_new.html",
        layout=layout,
        submission=blank(layout.form),
        more=_rows(rows + SPARE_CRITERIA),
    )


@post("/impact/grids/new", guards=[login_required], sync_to_thread=True)
def publish(request: HTMXRequest, node: NodeDep, data: FormData) -> Template | Redirect:
    tr = tr_for(request)
    rows = _rows(posted_rows(data, "criteria"))
    layout = grid_layout(rows)
    submission = parse(tr, layout.form, data)
    created = execute(tr, node, signed_in(request), submission, api.publish_grid)
    if created is not None:
        return Redirect(f"/impact/grids/{created.id}?done=grid", status_code=303)
    return render(
        request,
        "regional/impact/grid_new.html",
        status=422,
        layout=layout,
        submission=submission,
        more=_rows(rows + SPARE_CRITERIA),
    )


def _grid(node: Node, grid_id: str) -> dict[str, Any]:
    try:
        return api.get_grid(grid_id, node)
    except DomainError:
        raise NotFoundException("no such grid") from None


def _initiatives(node: Node) -> list[tuple[str, str]]:
    _total, rows = queries.initiatives(node.stores.read_models, limit=INITIATIVE_CHOICES)
    return sorted(((r["id"], r["name"]) for r in rows), key=lambda c: c[1])


DONE = {
    "grid": N_("The grid has been published."),
    "revise": N_("A new version of the grid has been published."),
    "application": N_("The application has been scored."),
}


def _context(
    request: HTMXRequest,
    node: Node,
    grid_id: str,
    failed: RowsSubmission | None = None,
    rescore_error: str | None = None,
) -> dict[str, Any]:
    grid = _grid(node, grid_id)
    user = current_user(request)
    scoring: Form = application_form(grid["criteria"])
    revise = grid_layout(len(grid["criteria"]) + SPARE_CRITERIA, revision=True)
    submissions = {
        scoring.name: blank(scoring),
        revise.form.name: blank(revise.form, grid_values(grid)),
    }
    if failed is not None:
        submissions[failed.form.name] = failed
        if failed.form.name == revise.form.name:
            revise = grid_layout(_rows(posted_rows(failed.values, "criteria")), revision=True)
    applications = impact_queries.applications(node.stores.read_models, grid_id) if user else []
    done = request.query_params.get("done", "")
    scored_id = request.query_params.get("application")
    return {
        "grid": grid,
        "applications": applications,
        "scored": next((a for a in applications if a["id"] == scored_id), None),
        "revise": revise,
        "submissions": submissions,
        "open_form": failed.form.name if failed else None,
        "options": {"initiatives": _initiatives(node)} if user else {},
        "done": DONE.get(done),
        "rescored": request.query_params.get("rescored"),
        "rescore_error": rescore_error,
        "outdated": sum(1 for a in applications if a["grid_version"] != grid["version"]),
    }


@get("/impact/grids/{grid_id:str}", name="grid", sync_to_thread=True)
def grid_page(request: HTMXRequest, node: NodeDep, grid_id: FromPath[str]) -> Template:
    return render(request, "regional/impact/grid.html", **_context(request, node, grid_id))


@post("/impact/grids/{grid_id:str}/applications", guards=[login_required], sync_to_thread=True)
def score(
    request: HTMXRequest, node: NodeDep, grid_id: FromPath[str], data: FormData
) -> Template | Redirect:
    grid = _grid(node, grid_id)
    tr = tr_for(request)
    submission = parse(tr, application_form(grid["criteria"]), data)
    result = execute(tr, node, signed_in(request), submission, api.submit_application, grid_id)
    path = f"/impact/grids/{grid_id}?done=application&application={result['id']}" if result else ""
    if result is not None and not request.htmx:
        return Redirect(path, status_code=303)
    if result is not None:
        context = _context(request, node, grid_id)
        context["scored"] = next(
            (a for a in context["applications"] if a["id"] == result["id"]), None
        )
        context["done"] = DONE["application"]
        return HTMXTemplate(
            template_name="regional/impact/_applications.html",
            context={"user": current_user(request), **context},
            re_target="#applications",
            re_swap="outerHTML",
            push_url=path,
        )
    context = _context(request, node, grid_id, failed=submission)
    if request.htmx:
        return render(
            request,
            "regional/_form.html",
            submission=submission,
            options=context["options"],
            action=f"/impact/grids/{grid_id}/applications",
        )
    return render(request, "regional/impact/grid.html", status=422, **context)


@post("/impact/grids/{grid_id:str}/revise", guards=[login_required], sync_to_thread=True)
def revise(
    request: HTMXRequest, node: NodeDep, grid_id: FromPath[str], data: FormData
) -> Template | Redirect:
    _grid(node, grid_id)
    tr = tr_for(request)
    layout = grid_layout(_rows(posted_rows(data, "criteria")), revision=True)
    submission = parse(tr, layout.form, data)
    revised = execute(tr, node, signed_in(request), submission, api.put_grid, grid_id)
    if revised is not None:
        return Redirect(f"/impact/grids/{grid_id}?done=revise", status_code=303)
    context = _context(request, node, grid_id, failed=submission)
    return render(request, "regional/impact/grid.html", status=422, **context)


@post("/impact/grids/{grid_id:str}/rescore", guards=[login_required], sync_to_thread=True)
def rescore(request: HTMXRequest, node: NodeDep, grid_id: FromPath[str]) -> Template | Redirect:
    _grid(node, grid_id)
    try:
        answer = api.rescore(grid_id, Commands(node, signed_in(request)))
    except DomainError as error:
        message = domain_message(tr_for(request), error)
        context = _context(request, node, grid_id, rescore_error=message)
        return render(request, "regional/impact/grid.html", status=409, **context)
    return Redirect(f"/impact/grids/{grid_id}?rescored={answer['rescored']}", status_code=303)
