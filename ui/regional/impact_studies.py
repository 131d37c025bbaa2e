"""Impact evaluations of territorial policies (indicator B3): register a study, move it along
its statuses, and record a difference-in-differences estimate from a panel pasted in.

Studies are public facts; every write needs a logged-in operator.
"""

from __future__ import annotations

import re
from typing import Any

from litestar import get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Redirect, Template
from litestar_htmx import HTMXRequest
from pydantic import ValidationError

from drais import territory
from drais.vocabulary import StudyStatus
from node.api.impact_schemas import PanelIn
from node.api.routes import impact as api
from node.bootstrap import Node
from node.domain.errors import DomainError
from ui.auth import login_required, signed_in
from ui.field_errors import validation_errors
from ui.forms import Field, Form, Submission, blank, parse
from ui.i18n import N_, Translator
from ui.regional.commands import execute
from ui.regional.impact_forms import STUDY, STUDY_STATUS
from ui.regional.params import FormData, NodeDep
from ui.regional.rendering import render, tr_for, wants_fragment

PANEL = Form(
    "panel",
    N_("Estimate a difference-in-differences effect"),
    PanelIn,
    (
        Field(
            "panel",
            N_("Panel (one observation per line: outcome; treated 0/1; after 0/1; unit)"),
            "textarea",
            required=True,
            help=N_(
                "Separate the values with « ; » or « , », decimals with a point. The unit "
                "(person, commune…) is optional; give it to cluster the standard errors."
            ),
        ),
    ),
    N_("Estimate and record"),
    N_("The estimate has been recorded."),
)
BAD_LINE = N_("Line %(line)s: give the outcome, treated (0 or 1), after (0 or 1) and the unit.")
DONE = {form.name: form.done for form in (STUDY, STUDY_STATUS, PANEL)}


def _territories(node: Node) -> list[tuple[str, str]]:
    region = node.settings.region
    return [(region, territory.regions()[region].name)] + [
        (p.code, p.name) for p in territory.provinces_of(region)
    ]


def _status(value: str | None) -> StudyStatus | None:
    try:
        return StudyStatus(value) if value else None
    except ValueError:
        return None


@get("/impact/studies", name="studies", sync_to_thread=True)
def study_list(request: HTMXRequest, node: NodeDep) -> Template:
    status = _status(request.query_params.get("status"))
    context: dict[str, Any] = {
        "studies": api.list_studies(node, status),
        "status_filter": status,
        "submission": blank(STUDY),
        "options": {"territory": _territories(node)},
        "done": DONE.get(request.query_params.get("done", "")),
    }
    if wants_fragment(request, "studies"):
        return render(request, "regional/impact/_studies.html", **context)
    return render(request, "regional/impact/studies.html", **context)


@post("/impact/studies", guards=[login_required], sync_to_thread=True)
def register(request: HTMXRequest, node: NodeDep, data: FormData) -> Template | Redirect:
    tr = tr_for(request)
    submission = parse(tr, STUDY, data)
    created = execute(tr, node, signed_in(request), submission, api.register_study)
    if created is not None:
        return Redirect(f"/impact/studies/{created.id}?done=study", status_code=303)
    return render(
        request,
        "regional/impact/studies.html",
        status=422,
        studies=api.list_studies(node, None),
        status_filter=None,
        submission=submission,
        options={"territory": _territories(node)},
        done=None,
    )


def _study(node: Node, study_id: str) -> dict[str, Any]:
    try:
        return api.get_study(study_id, node)
    except DomainError:
        raise NotFoundException("no such study") from None


def _detail(
    request: HTMXRequest, node: Node, study_id: str, failed: Submission | None = None
) -> dict[str, Any]:
    submissions = {STUDY_STATUS.name: blank(STUDY_STATUS), PANEL.name: blank(PANEL)}
    if failed is not None:
        submissions[failed.form.name] = failed
    return {
        "study": _study(node, study_id),
        "submissions": submissions,
        "options": {},
        "done": DONE.get(request.query_params.get("done", "")),
    }


@get("/impact/studies/{study_id:str}", name="study", sync_to_thread=True)
def study_page(request: HTMXRequest, node: NodeDep, study_id: FromPath[str]) -> Template:
    return render(request, "regional/impact/study.html", **_detail(request, node, study_id))


@post("/impact/studies/{study_id:str}/status", guards=[login_required], sync_to_thread=True)
def change_status(
    request: HTMXRequest, node: NodeDep, study_id: FromPath[str], data: FormData
) -> Template | Redirect:
    _study(node, study_id)
    tr = tr_for(request)
    submission = parse(tr, STUDY_STATUS, data)
    done = execute(tr, node, signed_in(request), submission, api.change_study_status, study_id)
    if done is not None:
        return Redirect(f"/impact/studies/{study_id}?done=status", status_code=303)
    context = _detail(request, node, study_id, failed=submission)
    return render(request, "regional/impact/study.html", status=422, **context)


def parse_panel(tr: Translator, data: FormData) -> Submission:
    """The pasted panel as the API's PanelIn; every problem is shown on the text area."""
    raw = data.get("panel", "")
    text = raw[-1] if isinstance(raw, list) else str(raw or "")
    submission = Submission(PANEL, values={"panel": text.strip()})
    columns: dict[str, list[Any]] = {"outcome": [], "treated": [], "post": [], "cluster": []}
    for number, line in enumerate(text.splitlines(), start=1):
        cells = [c.strip() for c in re.split(r"[;,\t]", line.strip()) if c.strip()]
        if not cells or (number == 1 and not re.match(r"^-?[\d.]", cells[0])):
            continue  # blank line, or a header
        try:
            outcome, treated, post = float(cells[0]), int(cells[1]), int(cells[2])
        except (IndexError, ValueError):
            submission.add_error("panel", tr.gettext(BAD_LINE) % {"line": number})
            return submission
        columns["outcome"].append(outcome)
        columns["treated"].append(treated)
        columns["post"].append(post)
        columns["cluster"].append(cells[3] if len(cells) > 3 else None)
    clusters = columns.pop("cluster")
    body: dict[str, Any] = dict(columns)
    if any(c is not None for c in clusters):
        body["cluster"] = clusters
    try:
        submission.body = PanelIn.model_validate(body)
    except ValidationError as error:
        for message in validation_errors(tr, error).values():
            submission.add_error("panel", message)
    return submission


@post("/impact/studies/{study_id:str}/did", guards=[login_required], sync_to_thread=True)
def estimate(
    request: HTMXRequest, node: NodeDep, study_id: FromPath[str], data: FormData
) -> Template | Redirect:
    _study(node, study_id)
    tr = tr_for(request)
    submission = parse_panel(tr, data)
    done = execute(tr, node, signed_in(request), submission, api.estimate_did, study_id)
    if done is not None:
        return Redirect(f"/impact/studies/{study_id}?done=panel", status_code=303)
    if submission.errors and "panel" not in submission.errors:
        submission.errors = {"panel": next(iter(submission.errors.values()))}
    context = _detail(request, node, study_id, failed=submission)
    return render(request, "regional/impact/study.html", status=422, **context)
