"""Spreadsheet import pages: upload, dry-run report, confirmation, and the import's progress.

The file is checked as soon as it is uploaded (node.importing.check: every bad row with its
column and reason, nothing recorded); the operator then confirms, and the rows are recorded in
batches by a background thread while the page shows the progress (htmx polls a fragment; a
page without JavaScript refreshes itself). Checked files wait in this process's memory, for
the operator who uploaded them, until they are applied or an hour has passed.
"""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Annotated, Any

from litestar import get, post
from litestar.datastructures import UploadFile
from litestar.enums import RequestEncodingType
from litestar.exceptions import NotFoundException
from litestar.params import Body, FromPath
from litestar.response import Redirect, Response, Template
from litestar_htmx import HTMXRequest

from drais.accounts import User
from drais.body_limit import UPLOAD_LIMIT
from node import importing
from node.bootstrap import Node
from ui.auth import current_user, login_required, signed_in
from ui.i18n import N_
from ui.import_messages import KIND_TITLES, labels, problem_message, unreadable_message
from ui.regional.params import NodeDep
from ui.regional.rendering import render, tr_for, wants_fragment

MAX_UPLOAD = UPLOAD_LIMIT
KEEP_SECONDS = 3600
MAX_JOBS = 50
SHOWN_PROBLEMS = 1000
#: The files a spreadsheet program produces for each kind of template.
TEMPLATE_TYPES = {
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}

Upload = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.MULTI_PART)]


@dataclass
class ImportJob:
    id: str
    user: User
    node: Node
    filename: str
    plan: importing.Plan
    created: float = field(default_factory=time.monotonic)
    #: checked → applying → done, or failed
    state: str = "checked"
    done_rows: int = 0
    applied: importing.Applied | None = None
    error: str | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def percent(self) -> int:
        return int(100 * self.done_rows / self.plan.rows) if self.plan.rows else 100

    def start(self) -> bool:
        """Apply the plan in the background; False if it was already started."""
        with self.lock:
            if self.state != "checked" or not self.plan.ok:
                return False
            self.state = "applying"
        threading.Thread(target=self._run, name=f"import-{self.id}", daemon=True).start()
        return True

    def _progress(self, done: int, _total: int) -> None:
        self.done_rows = done

    def _run(self) -> None:
        try:
            self.applied = importing.apply(self.node, self.plan, self.user, progress=self._progress)
        except importing.ImportRefused as refused:
            self.plan.problems = refused.problems
            self.error = N_("The file no longer passes its checks; nothing was recorded.")
            self.state = "failed"
        except importing.ImportInterrupted as stopped:
            self.error = N_(
                "The import stopped: the region's records changed while it ran. "
                "The rows before the problem below were recorded."
            )
            self.plan.problems = [stopped.problem]
            self.done_rows = stopped.applied_rows
            self.state = "failed"
        except Exception:
            self.error = N_("The import failed; nothing more was recorded.")
            self.state = "failed"
            raise
        else:
            self.state = "done"


class _Jobs:
    """Checked files of this process, for the user who uploaded each."""

    def __init__(self) -> None:
        self._jobs: dict[str, ImportJob] = {}
        self._lock = threading.Lock()

    def add(self, job: ImportJob) -> None:
        with self._lock:
            now = time.monotonic()
            for key, old in list(self._jobs.items()):
                if now - old.created > KEEP_SECONDS and old.state != "applying":
                    del self._jobs[key]
            while len(self._jobs) >= MAX_JOBS:
                oldest = min(self._jobs.values(), key=lambda j: j.created)
                del self._jobs[oldest.id]
            self._jobs[job.id] = job

    def get(self, job_id: str, user: User | None, node: Node) -> ImportJob:
        job = self._jobs.get(job_id)
        if job is None or job.user != user or job.node is not node:
            raise NotFoundException("no such import")
        return job


JOBS = _Jobs()


def _kinds() -> list[tuple[str, str]]:
    return [(kind.value, title) for kind, title in KIND_TITLES.items()]


def _page(
    request: HTMXRequest, status: int = 200, error: str | None = None, kind: str = ""
) -> Template:
    return render(
        request,
        "regional/import/upload.html",
        status=status,
        kinds=_kinds(),
        kind=kind,
        error=error,
        max_mb=MAX_UPLOAD // 1_000_000,
    )


@get("/import", name="import", guards=[login_required], sync_to_thread=False)
def import_page(request: HTMXRequest) -> Template:
    return _page(request, kind=request.query_params.get("kind", ""))


@get("/import/templates/{filename:str}", name="import_template", sync_to_thread=True)
def template(request: HTMXRequest, filename: FromPath[str]) -> Response[bytes]:
    name, _, fmt = filename.partition(".")
    if name not in {k.value for k in importing.Kind} or fmt not in TEMPLATE_TYPES:
        raise NotFoundException("no such template")
    kind = importing.Kind(name)
    content = (
        importing.template_csv(kind)
        if fmt == "csv"
        else importing.template_xlsx(kind, labels(tr_for(request)))
    )
    return Response(
        content=content,
        media_type=TEMPLATE_TYPES[fmt],
        headers={"Content-Disposition": f'attachment; filename="modele-{name}.{fmt}"'},
    )


@post(
    "/import",
    guards=[login_required],
    sync_to_thread=True,
    request_max_body_size=MAX_UPLOAD,
)
def upload(request: HTMXRequest, node: NodeDep, data: Upload) -> Template | Redirect:
    tr = tr_for(request)
    kind = str(data.get("kind", ""))
    upload = data.get("file")
    if kind not in {k.value for k in importing.Kind}:
        return _page(request, 422, tr.gettext("Choose what the file holds."), kind)
    if not isinstance(upload, UploadFile) or not upload.filename:
        return _page(request, 422, tr.gettext("Choose a file to import."), kind)
    upload.file.seek(0)
    content = upload.file.read()
    try:
        table = importing.read_table(upload.filename, content)
    except importing.UnreadableFile as error:
        return _page(request, 422, unreadable_message(tr, error), kind)
    plan = importing.check(node, kind, table, labels(tr))
    job = ImportJob(secrets.token_urlsafe(16), signed_in(request), node, upload.filename, plan)
    JOBS.add(job)
    return Redirect(f"/import/{job.id}", status_code=303)


def _report(request: HTMXRequest, job: ImportJob) -> dict[str, Any]:
    tr = tr_for(request)
    problems = [
        {"line": p.line, "column": p.column, "value": p.value, "message": problem_message(tr, p)}
        for p in job.plan.problems[:SHOWN_PROBLEMS]
    ]
    return {
        "job": job,
        "kind_title": KIND_TITLES[job.plan.kind],
        "problems": problems,
        "hidden_problems": max(0, len(job.plan.problems) - SHOWN_PROBLEMS),
        "bad_lines": len(job.plan.bad_lines()),
    }


@get("/import/{job_id:str}", name="import_job", guards=[login_required], sync_to_thread=False)
def job_page(request: HTMXRequest, node: NodeDep, job_id: FromPath[str]) -> Template:
    job = JOBS.get(job_id, current_user(request), node)
    context = _report(request, job)
    if wants_fragment(request, "progress"):
        return render(request, "regional/import/_progress.html", **context)
    return render(request, "regional/import/report.html", **context)


@post("/import/{job_id:str}/apply", guards=[login_required], sync_to_thread=False)
def confirm(request: HTMXRequest, node: NodeDep, job_id: FromPath[str]) -> Redirect:
    job = JOBS.get(job_id, current_user(request), node)
    job.start()
    return Redirect(f"/import/{job.id}", status_code=303)
