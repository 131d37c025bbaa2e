"""Initiatives: the filtered list, registration, and each one's journey with its commands.

Every form posts to its own URL and works without JavaScript (303 to the page on success, the
page again with the errors otherwise). With htmx, a refused form swaps in with its errors and
an accepted command swaps in the refreshed initiative, timeline included.
"""

from __future__ import annotations

from typing import Any

from litestar import get, post
from litestar.exceptions import NotFoundException, PermissionDeniedException
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template
from litestar_htmx import ClientRedirect, HTMXRequest, HTMXTemplate

from node.api.routes.initiatives import register_initiative
from node.authorization import may_see_initiative
from node.bootstrap import Node
from node.projections import queries
from ui.auth import current_user, login_required, signed_in
from ui.forms import Form, Submission, blank, parse
from ui.i18n import Translator
from ui.regional.commands import execute
from ui.regional.initiative_forms import COMMANDS, REGISTER
from ui.regional.journey import journey
from ui.regional.lists import PAGE_SIZE, TABLES, initiative_filters, initiative_page
from ui.regional.params import FormData, NodeDep
from ui.regional.rendering import render, see_other, tr_for, wants_fragment
from ui.vocabulary import label, province_choices


@get("/initiatives", name="initiatives", sync_to_thread=True)
def initiative_list(request: HTMXRequest, node: NodeDep, offset: FromQuery[int] = 0) -> Template:
    params = dict(request.query_params)
    total, rows = initiative_page(node, params, offset)
    context: dict[str, Any] = {
        "listing": TABLES["initiatives"],
        "rows": rows,
        "total": total,
        "offset": max(0, offset),
        "page_size": PAGE_SIZE,
        "params": params,
        "filters": initiative_filters(node, params),
        "provinces": province_choices(node.settings.region),
    }
    if wants_fragment(request, "results"):
        return render(request, "regional/initiatives/_results.html", **context)
    return render(request, "regional/initiatives/list.html", **context)


def _options(
    tr: Translator, node: Node, initiative: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Choices that depend on the region and on the initiative a form is about."""
    options: dict[str, Any] = {"province": province_choices(node.settings.region)}
    if initiative is None:
        return options
    structures = queries.structures(node.stores.read_models)
    names = {s["id"]: s["name"] for s in structures}
    serving = [
        (s, o)
        for s in structures
        for o in s["offers"]
        if not o["withdrawn_on"] and initiative["province"] in o["provinces"]
    ]
    options["structures"] = sorted({(s["id"], s["name"]) for s, _ in serving}, key=lambda c: c[1])
    options["offers"] = [
        (
            o["id"],
            f"{s['name']} — {label(tr, 'service_type', o['service_type'])} "
            f"({', '.join(label(tr, 'phase', p) for p in o['phases'])})",
        )
        for s, o in serving
    ]
    options["accompaniments"] = [
        (
            a["id"],
            f"{names.get(a['structure_id'], '?')} — "
            f"{label(tr, 'service_type', a['service_type'])} — {a['started_on']}",
        )
        for a in initiative["accompaniments"]
        if not a["ended_on"]
    ]
    return options


@get("/initiatives/new", name="initiative_new", guards=[login_required], sync_to_thread=True)
def new_initiative(request: HTMXRequest, node: NodeDep) -> Template:
    return render(
        request,
        "regional/initiatives/new.html",
        submission=blank(REGISTER),
        options=_options(tr_for(request), node),
        action="/initiatives/new",
    )


@post("/initiatives/new", guards=[login_required], sync_to_thread=True)
def register(
    request: HTMXRequest, node: NodeDep, data: FormData
) -> Template | Redirect | ClientRedirect:
    tr = tr_for(request)
    submission = parse(tr, REGISTER, data)
    user = signed_in(request)
    created = execute(tr, node, user, submission, register_initiative)
    if created is not None:
        return see_other(request, f"/initiatives/{created.id}?done={REGISTER.name}")
    context: dict[str, Any] = {
        "submission": submission,
        "options": _options(tr, node),
        "action": "/initiatives/new",
    }
    if request.htmx:
        return render(request, "regional/_form.html", **context)
    return render(request, "regional/initiatives/new.html", status=422, **context)


def _initiative(node: Node, initiative_id: str) -> dict[str, Any]:
    found = queries.initiative(node.stores.read_models, initiative_id)
    if found is None:
        raise NotFoundException("no such initiative")
    return found


def _detail_context(
    request: HTMXRequest, node: Node, initiative_id: str, failed: Submission | None = None
) -> dict[str, Any]:
    tr = tr_for(request)
    initiative = _initiative(node, initiative_id)
    if not may_see_initiative(node.stores.read_models, signed_in(request), initiative_id):
        raise PermissionDeniedException("this initiative is not accompanied by your structure")
    structures = {s["id"]: s["name"] for s in queries.structures(node.stores.read_models)}
    submissions: dict[str, Submission] = {name: blank(c.form) for name, c in COMMANDS.items()}
    if failed is not None:
        submissions[failed.form.name] = failed
    forms: dict[str, Form] = {REGISTER.name: REGISTER, **{n: c.form for n, c in COMMANDS.items()}}
    done = forms.get(request.query_params.get("done", ""))
    return {
        "initiative": initiative,
        "holder": node.app.identity_of(initiative["holder_id"]),
        "structures": structures,
        "timeline": journey(
            tr, queries.timeline(node.stores.read_models, initiative_id), structures
        ),
        "submissions": submissions,
        "open_form": failed.form.name if failed else None,
        "options": _options(tr, node, initiative),
        "done": done.done if done else None,
    }


@get(
    "/initiatives/{initiative_id:str}",
    name="initiative",
    guards=[login_required],
    sync_to_thread=True,
)
def initiative_detail(
    request: HTMXRequest, node: NodeDep, initiative_id: FromPath[str]
) -> Template:
    return render(
        request, "regional/initiatives/detail.html", **_detail_context(request, node, initiative_id)
    )


@post(
    "/initiatives/{initiative_id:str}/{command:str}", guards=[login_required], sync_to_thread=True
)
def run_command(
    request: HTMXRequest,
    node: NodeDep,
    initiative_id: FromPath[str],
    command: FromPath[str],
    data: FormData,
) -> Template | Redirect:
    found = COMMANDS.get(command)
    if found is None:
        raise NotFoundException("no such command")
    initiative = _initiative(node, initiative_id)
    tr = tr_for(request)
    submission = parse(tr, found.form, data)
    done = execute(tr, node, signed_in(request), submission, found.handler, initiative_id)
    if done is not None and not request.htmx:
        return Redirect(f"/initiatives/{initiative_id}?done={command}", status_code=303)
    if done is not None:
        context = _detail_context(request, node, initiative_id)
        context["done"] = found.form.done
        return HTMXTemplate(
            template_name="regional/initiatives/_detail.html",
            context={"user": current_user(request), **context},
            re_target="#initiative",
            re_swap="outerHTML",
        )
    if request.htmx:
        return render(
            request,
            "regional/_form.html",
            submission=submission,
            options=_options(tr, node, initiative),
            action=f"/initiatives/{initiative_id}/{command}",
        )
    context = _detail_context(request, node, initiative_id, failed=submission)
    return render(request, "regional/initiatives/detail.html", status=422, **context)
