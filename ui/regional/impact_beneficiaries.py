"""An initiative's beneficiaries and their living-conditions surveys (personal data: login).

The survey form asks the questions of the scheme DRAIS-MPI-v1 (node/toolbox/schemes/), each
answer checked by the API's schema and then by the scheme (a range, a yes/no); the API's route
scores the wave with the Alkire–Foster method and records it, and the page shows the score.
"""

from __future__ import annotations

from typing import Any

from litestar import get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template
from litestar_htmx import HTMXRequest

from node.api.routes import impact as api
from node.bootstrap import Node
from node.domain.errors import NotFound
from node.domain.people import Person
from node.impact_cases import DEFAULT_SCHEME
from node.projections import queries
from node.toolbox.alkire_foster import load_scheme
from ui.auth import login_required, signed_in
from ui.forms import Submission
from ui.i18n import Translator
from ui.regional.commands import execute
from ui.regional.impact_forms import (
    BENEFICIARY,
    NO,
    YES,
    RowsSubmission,
    blank,
    parse,
    survey_answers,
    survey_form,
)
from ui.regional.params import FormData, NodeDep
from ui.regional.rendering import render, tr_for

PAGE = 100


def _initiative(node: Node, initiative_id: str) -> dict[str, Any]:
    found = queries.initiative(node.stores.read_models, initiative_id)
    if found is None:
        raise NotFoundException("no such initiative")
    return found


def _list_page(
    request: HTMXRequest,
    node: Node,
    initiative_id: str,
    offset: int = 0,
    submission: Submission | None = None,
    status: int = 200,
) -> Template:
    initiative = _initiative(node, initiative_id)
    listed = api.list_beneficiaries(
        initiative_id, node, signed_in(request), limit=PAGE, offset=max(0, offset)
    )
    done = request.query_params.get("done")
    return render(
        request,
        "regional/impact/beneficiaries.html",
        status=status,
        initiative=initiative,
        listed=listed,
        page_size=PAGE,
        submission=submission or blank(BENEFICIARY),
        options={},
        done=BENEFICIARY.done if done == "beneficiary" else None,
    )


@get(
    "/initiatives/{initiative_id:str}/beneficiaries",
    name="beneficiaries",
    guards=[login_required],
    sync_to_thread=True,
)
def beneficiaries(
    request: HTMXRequest, node: NodeDep, initiative_id: FromPath[str], offset: FromQuery[int] = 0
) -> Template:
    return _list_page(request, node, initiative_id, offset)


@post(
    "/initiatives/{initiative_id:str}/beneficiaries",
    guards=[login_required],
    sync_to_thread=True,
)
def register(
    request: HTMXRequest, node: NodeDep, initiative_id: FromPath[str], data: FormData
) -> Template | Redirect:
    _initiative(node, initiative_id)
    tr = tr_for(request)
    submission = parse(tr, BENEFICIARY, data)
    created = execute(
        tr, node, signed_in(request), submission, api.register_beneficiary, initiative_id
    )
    if created is not None:
        path = f"/initiatives/{initiative_id}/beneficiaries?done=beneficiary"
        return Redirect(path, status_code=303)
    return _list_page(request, node, initiative_id, submission=submission, status=422)


# -- surveys -----------------------------------------------------------------------------


def _beneficiary(node: Node, person_id: str) -> Person:
    try:
        person = node.app.get_person(person_id)
    except NotFound:
        raise NotFoundException("no such beneficiary") from None
    if person.kind != "beneficiary" or person.erased or person.initiative_id is None:
        raise NotFoundException("no such beneficiary")
    return person


def _survey_page(
    request: HTMXRequest,
    node: Node,
    person_id: str,
    submission: RowsSubmission | None = None,
    status: int = 200,
) -> Template:
    tr = tr_for(request)
    person = _beneficiary(node, person_id)
    done = request.query_params.get("done") == "1" and bool(person.surveys)
    scheme = load_scheme(person.baseline["scheme"] if person.baseline else DEFAULT_SCHEME)
    form = survey_form(scheme)
    if submission is None:
        wave = "follow_up" if person.baseline else "baseline"
        submission = blank(form, {"wave": wave})
    return render(
        request,
        "regional/impact/survey.html",
        status=status,
        person=person,
        person_id=person_id,
        identity=node.app.identity_of(person_id),
        initiative=_initiative(node, str(person.initiative_id)),
        scheme=scheme,
        submission=submission,
        options={"yes_no": _yes_no(tr)},
        result=person.surveys[-1] if done else None,
    )


def _yes_no(tr: Translator) -> list[tuple[str, str]]:
    return [(YES, tr.gettext("yes")), (NO, tr.gettext("no"))]


@get(
    "/beneficiaries/{person_id:str}/survey",
    name="survey",
    guards=[login_required],
    sync_to_thread=True,
)
def survey_page(request: HTMXRequest, node: NodeDep, person_id: FromPath[str]) -> Template:
    return _survey_page(request, node, person_id)


@post("/beneficiaries/{person_id:str}/survey", guards=[login_required], sync_to_thread=True)
def record_survey(
    request: HTMXRequest, node: NodeDep, person_id: FromPath[str], data: FormData
) -> Template | Redirect:
    person = _beneficiary(node, person_id)
    tr = tr_for(request)
    scheme = load_scheme(person.baseline["scheme"] if person.baseline else DEFAULT_SCHEME)
    form = survey_form(scheme)
    submission = parse(
        tr, form, data, convert=survey_answers(scheme), extra={"scheme_id": scheme.id}
    )
    scored = execute(tr, node, signed_in(request), submission, api.record_survey, person_id)
    if scored is None:
        return _survey_page(request, node, person_id, submission, status=422)
    return Redirect(f"/beneficiaries/{person_id}/survey?done=1", status_code=303)
