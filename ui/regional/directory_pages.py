"""The pages that add to the alliance, the structures and the trainings, and one page per record
with the commands that change it.

Each section gets the same four routes, made by `routes`: a page with one form per command
that adds a record (`/alliance/new/member`), its post, a record's page (`/structures/{id}`)
and the posts of its commands (`/structures/{id}/offer`). As for initiatives, every form works
without JavaScript (303 on success, the page again with its errors and a 422 otherwise); with
htmx a refused form swaps in with its errors and an accepted one sends the browser on.
"""

from __future__ import annotations

from typing import Any

from litestar import get, post
from litestar.exceptions import NotFoundException
from litestar.handlers import HTTPRouteHandler
from litestar.params import FromPath
from litestar.response import Redirect, Template
from litestar_htmx import ClientRedirect, HTMXRequest

from node.bootstrap import Node
from ui.auth import current_user, login_required, signed_in
from ui.forms import Submission
from ui.regional.commands import execute
from ui.regional.directory_forms import Command
from ui.regional.directory_records import SECTIONS, NoSuchRecord, Row, Section
from ui.regional.params import FormData, NodeDep
from ui.regional.rendering import render, see_other, tr_for


def _command(commands: dict[str, Command], name: str) -> Command:
    found = commands.get(name)
    if found is None:
        raise NotFoundException("no such command")
    return found


def _record(node: Node, section: Section, record_id: str) -> Row:
    try:
        return section.record(node, record_id)
    except NoSuchRecord:
        raise NotFoundException("no such record") from None


def _form_alone(
    request: HTMXRequest,
    node: Node,
    section: Section,
    submission: Submission,
    action: str,
    record: Row | None = None,
) -> Template:
    """For htmx, the refused form alone, with the choices of the page it sits on."""
    return render(
        request,
        "regional/_form.html",
        submission=submission,
        options=section.options(tr_for(request), node, record),
        action=action,
    )


def _new_page(
    request: HTMXRequest, node: Node, section: Section, submission: Submission, status: int = 200
) -> Template:
    return render(
        request,
        "regional/directory/new.html",
        status=status,
        section=section,
        submission=submission,
        options=section.options(tr_for(request), node, None),
        action=f"{section.path}/new/{submission.form.name}",
    )


def _record_page(
    request: HTMXRequest,
    node: Node,
    section: Section,
    record_id: str,
    failed: Submission | None = None,
) -> Template:
    record = _record(node, section, record_id)
    submissions = {name: command.blank() for name, command in section.changes.items()}
    if failed is not None:
        submissions[failed.form.name] = failed
    return render(
        request,
        section.template,
        status=200 if failed is None else 422,
        section=section,
        record=record,
        submissions=submissions,
        open_form=failed.form.name if failed else None,
        options=section.options(tr_for(request), node, record),
        done=section.done(request.query_params.get("done", "")),
    )


def routes(section: Section) -> tuple[HTTPRouteHandler, ...]:
    """The section's pages: new records, one record, and the posts of their commands."""
    new = f"{section.path}/new/{{command:str}}"
    one = f"{section.record_path}/{{record_id:str}}"
    record_guards = [] if section.public else [login_required]

    @get(new, name=f"{section.name}_new", guards=[login_required], sync_to_thread=True)
    def new_page(request: HTMXRequest, node: NodeDep, command: FromPath[str]) -> Template:
        return _new_page(request, node, section, _command(section.creates, command).blank())

    @post(new, guards=[login_required], sync_to_thread=True)
    def create(
        request: HTMXRequest, node: NodeDep, command: FromPath[str], data: FormData
    ) -> Template | Redirect | ClientRedirect:
        found = _command(section.creates, command)
        tr = tr_for(request)
        submission = found.parse(tr, data)
        created = execute(tr, node, signed_in(request), submission, found.handler)
        if created is not None:
            landing = found.lands.format(id=created.id) if found.lands else section.path
            return see_other(request, f"{landing}?done={command}")
        if request.htmx:
            return _form_alone(request, node, section, submission, f"{section.path}/new/{command}")
        return _new_page(request, node, section, submission, status=422)

    @get(one, name=f"{section.name}_record", guards=record_guards, sync_to_thread=True)
    def record_page(request: HTMXRequest, node: NodeDep, record_id: FromPath[str]) -> Template:
        return _record_page(request, node, section, record_id)

    @post(f"{one}/{{command:str}}", guards=[login_required], sync_to_thread=True)
    def change(
        request: HTMXRequest,
        node: NodeDep,
        record_id: FromPath[str],
        command: FromPath[str],
        data: FormData,
    ) -> Template | Redirect | ClientRedirect:
        found = _command(section.changes, command)
        record = _record(node, section, record_id)
        tr = tr_for(request)
        submission = found.parse(tr, data)
        if execute(tr, node, signed_in(request), submission, found.handler, record_id) is not None:
            return see_other(request, f"{section.record_path}/{record_id}?done={command}")
        if request.htmx:
            action = f"{section.record_path}/{record_id}/{command}"
            return _form_alone(request, node, section, submission, action, record)
        return _record_page(request, node, section, record_id, failed=submission)

    return new_page, create, record_page, change


HANDLERS: tuple[HTTPRouteHandler, ...] = tuple(
    handler for section in SECTIONS.values() for handler in routes(section)
)


def list_context(request: HTMXRequest, section: Section) -> dict[str, Any]:
    """What a section's list page adds: the links to its forms, and a command's confirmation."""
    actions = [(f"{section.path}/new/{name}", c.form.title) for name, c in section.creates.items()]
    return {
        "actions": actions if current_user(request) else [],
        "done": section.done(request.query_params.get("done", "")),
    }
