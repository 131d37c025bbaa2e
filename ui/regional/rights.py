"""A person's rights under law 09-08: the data-subject requests with their deadline (overdue
ones stand out), and for one person their data, its export, rectification, opposition and
erasure. Administrators only: they answer for the controller.

Every form goes through the JSON API's own route (ui/regional/commands.py), so a right is
exercised the same way from a browser and from a script.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from litestar import get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Response, Template
from litestar_htmx import ClientRedirect, HTMXRequest

from node.api.rights_schemas import AnswerIn, ErasureIn, OppositionIn, RectificationIn, RequestIn
from node.api.routes import rights as api
from node.bootstrap import Node
from node.domain.errors import NotFound
from node.domain.requests import RequestKind, RequestOutcome
from ui.auth import admin_required, signed_in
from ui.forms import Field, Form, Submission, blank, parse
from ui.i18n import N_, Translator
from ui.regional.commands import execute
from ui.regional.params import FormData, NodeDep
from ui.regional.rendering import render, see_other, tr_for
from ui.vocabulary import label

REQUEST = Form(
    "request",
    N_("Record a request"),
    RequestIn,
    (
        Field("person_id", N_("Person's identifier"), required=True),
        Field("kind", N_("Right exercised"), "select", "request_kind", required=True),
        Field("on", N_("Received on"), "date", help=N_("Default: today.")),
    ),
    N_("Record the request"),
    N_("The request has been recorded."),
)
ANSWER = Form(
    "answer",
    N_("Answer a request"),
    AnswerIn,
    (
        Field("request_id", N_("Request"), "select", "open_requests", required=True, in_path=True),
        Field("outcome", N_("Answer"), "select", "request_outcome", required=True),
        Field("on", N_("Answered on"), "date", help=N_("Default: today.")),
    ),
    N_("Record the answer"),
    N_("The answer has been recorded."),
)
RECTIFY = Form(
    "rectification",
    N_("Rectify the person's data"),
    RectificationIn,
    (
        Field("full_name", N_("Full name")),
        Field("cin", N_("CIN")),
        Field("phone", N_("Phone"), "tel"),
        Field("email", N_("E-mail"), "email"),
        Field("gender", N_("Sex"), "select", "gender"),
        Field("birth_year", N_("Year of birth"), "number"),
    ),
    N_("Record the correction"),
    N_("The correction has been recorded."),
)
OPPOSE = Form(
    "opposition",
    N_("Opposition to the processing"),
    OppositionIn,
    (
        Field("opposed", N_("The person"), "select", "opposition", required=True),
        Field("on", N_("Date"), "date", help=N_("Default: today.")),
    ),
    N_("Record"),
    N_("The opposition has been recorded."),
)
ERASE = Form(
    "erasure",
    N_("Erase the person's data"),
    ErasureIn,
    (Field("confirm", N_("I understand that the erasure cannot be undone"), "checkbox"),),
    N_("Erase"),
    N_("The person's data has been erased."),
)
Command = tuple[Form, Callable[..., Any]]
#: The forms of the requests' page and of a person's page, with the API route each runs.
REQUEST_COMMANDS: dict[str, Command] = {
    REQUEST.name: (REQUEST, api.record_request),
    ANSWER.name: (ANSWER, api.answer_request),
}
PERSON_COMMANDS: dict[str, Command] = {
    RECTIFY.name: (RECTIFY, api.rectify),
    OPPOSE.name: (OPPOSE, api.set_opposition),
    ERASE.name: (ERASE, api.erase),
}
DONE = {form.name: form.done for form in (REQUEST, ANSWER, RECTIFY, OPPOSE, ERASE)}


def _options(tr: Translator, requests: list[dict[str, Any]]) -> dict[str, list[tuple[str, str]]]:
    return {
        "request_kind": [(k.value, label(tr, "request_kind", k.value)) for k in RequestKind],
        "request_outcome": [
            (o.value, label(tr, "request_outcome", o.value)) for o in RequestOutcome
        ],
        "opposition": [
            ("true", tr.gettext("opposes the processing of their data")),
            ("false", tr.gettext("withdraws their opposition")),
        ],
        "open_requests": [
            (
                r["id"],
                f"{r['received_on']} · {label(tr, 'request_kind', r['kind'])} · {r['person_id']}",
            )
            for r in requests
            if r["answered_on"] is None
        ],
    }


def _requests_page(
    request: HTMXRequest, node: Node, failed: Submission | None = None, status: int = 200
) -> Template:
    listed = api.list_requests(node, signed_in(request))
    submissions = {
        REQUEST.name: Submission(
            REQUEST, values={"person_id": request.query_params.get("person", "")}
        ),
        ANSWER.name: blank(ANSWER),
    }
    if failed is not None:
        submissions[failed.form.name] = failed
    return render(
        request,
        "regional/rights/requests.html",
        status=status,
        listed=listed,
        submissions=submissions,
        options=_options(tr_for(request), listed["items"]),
        done=DONE.get(request.query_params.get("done", "")),
    )


def _answer(
    request: HTMXRequest,
    submission: Submission,
    done: Any,
    path: str,
    page: Callable[[], Template],
    options: Callable[[], dict[str, Any]],
) -> Template | Redirect | ClientRedirect:
    """After a form: to `path` once recorded; else the form again (htmx) or the whole page."""
    if done is not None:
        return see_other(request, f"{path}?done={submission.form.name}")
    if request.htmx:
        action = f"{path}/{submission.form.name}"
        return render(
            request, "regional/_form.html", submission=submission, options=options(), action=action
        )
    return page()


@get("/rights", name="rights", guards=[admin_required], sync_to_thread=True)
def requests_page(request: HTMXRequest, node: NodeDep) -> Template:
    return _requests_page(request, node)


@post("/rights/{form_name:str}", guards=[admin_required], sync_to_thread=True)
def record(
    request: HTMXRequest, node: NodeDep, form_name: FromPath[str], data: FormData
) -> Template | Redirect | ClientRedirect:
    """Record a request, or the answer to one."""
    found = REQUEST_COMMANDS.get(form_name)
    if found is None:
        raise NotFoundException("no such form")
    form, route = found
    tr = tr_for(request)
    submission = parse(tr, form, data)
    done = execute(tr, node, signed_in(request), submission, route)
    return _answer(
        request,
        submission,
        done,
        "/rights",
        lambda: _requests_page(request, node, submission, status=422),
        lambda: _options(tr, api.list_requests(node, signed_in(request))["items"]),
    )


@get("/rights/person", guards=[admin_required], sync_to_thread=False)
def find_person(person_id: FromQuery[str] = "") -> Redirect:
    """The lookup form's target: the person's page."""
    found = quote(person_id.strip(), safe="")
    return Redirect(f"/rights/persons/{found}" if found else "/rights", status_code=303)


def _exported(request: HTMXRequest, node: Node, person_id: str) -> dict[str, Any]:
    try:
        return api.export_person(person_id, node, signed_in(request))
    except NotFound:
        raise NotFoundException("no such person") from None


def _person_page(
    request: HTMXRequest,
    node: Node,
    person_id: str,
    failed: Submission | None = None,
    status: int = 200,
) -> Template:
    person = _exported(request, node, person_id)
    submissions = {name: blank(form) for name, (form, _route) in PERSON_COMMANDS.items()}
    if failed is not None:
        submissions[failed.form.name] = failed
    requests = [
        r
        for r in api.list_requests(node, signed_in(request))["items"]
        if r["person_id"] == person["person_id"]
    ]
    return render(
        request,
        "regional/rights/person.html",
        status=status,
        person=person,
        requests=requests,
        submissions=submissions,
        options=_options(tr_for(request), []),
        done=DONE.get(request.query_params.get("done", "")),
    )


@get(
    "/rights/persons/{person_id:str}",
    name="person_rights",
    guards=[admin_required],
    sync_to_thread=True,
)
def person_page(request: HTMXRequest, node: NodeDep, person_id: FromPath[str]) -> Template:
    return _person_page(request, node, person_id)


@get("/rights/persons/{person_id:str}/export.json", guards=[admin_required], sync_to_thread=True)
def export(request: HTMXRequest, node: NodeDep, person_id: FromPath[str]) -> Response[bytes]:
    """The right of access: everything held on the person, as the API gives it."""
    person = _exported(request, node, person_id)
    return Response(
        content=json.dumps(person, ensure_ascii=False, indent=2, default=str).encode(),
        media_type="application/json",
        headers={
            "Content-Disposition": f'attachment; filename="person-{person["person_id"]}.json"'
        },
    )


@post("/rights/persons/{person_id:str}/{command:str}", guards=[admin_required], sync_to_thread=True)
def person_command(
    request: HTMXRequest,
    node: NodeDep,
    person_id: FromPath[str],
    command: FromPath[str],
    data: FormData,
) -> Template | Redirect | ClientRedirect:
    found = PERSON_COMMANDS.get(command)
    if found is None:
        raise NotFoundException("no such command")
    form, route = found
    _exported(request, node, person_id)
    tr = tr_for(request)
    submission = parse(tr, form, data)
    done = execute(tr, node, signed_in(request), submission, route, person_id)
    return _answer(
        request,
        submission,
        done,
        f"/rights/persons/{person_id}",
        lambda: _person_page(request, node, person_id, submission, status=422),
        lambda: _options(tr, []),
    )


HANDLERS = (requests_page, record, find_person, person_page, export, person_command)
