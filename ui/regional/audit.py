"""The audit trail (law 09-08 asks who entered what): the whole log, and one record's events.

Both are read from the log itself, where every event names its author (`by`) and carries the
moment it was recorded, so the trail cannot disagree with the data. Event fields are named but
personal values (sealed identities, survey answers) are never shown here. Administrators only.
"""

from __future__ import annotations

from typing import Any

from litestar import get
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery
from litestar.response import Template
from litestar_htmx import HTMXRequest

from node.domain.errors import NotFound
from ui.auth import admin_required
from ui.regional.activity import recent
from ui.regional.params import NodeDep
from ui.regional.rendering import render

PAGE = 50
HIDDEN = frozenset({"sealed_identity", "answers", "originator_id", "originator_version"})


@get("/audit", name="audit", guards=[admin_required], sync_to_thread=True)
def audit_log(
    request: HTMXRequest, node: NodeDep, before: FromQuery[int | None] = None
) -> Template:
    entries = recent(node, PAGE, before=before if before and before > 0 else None)
    older = entries[-1].position if entries and entries[-1].position > 1 else None
    return render(request, "regional/audit.html", entries=entries, older=older)


@get("/audit/{record_id:str}", name="audit_record", guards=[admin_required], sync_to_thread=True)
def audit_record(request: HTMXRequest, node: NodeDep, record_id: FromPath[str]) -> Template:
    try:
        events = node.app.history(record_id)
    except NotFound:
        raise NotFoundException("no such record") from None
    rows: list[dict[str, Any]] = [
        {
            "version": event.originator_version,
            "event": type(event).__qualname__,
            "recorded_at": event.timestamp.isoformat(timespec="seconds"),
            "on": getattr(event, "on", None),
            "by": getattr(event, "by", ""),
            "fields": sorted(k for k in vars(event) if k not in HIDDEN | {"timestamp", "by"}),
        }
        for event in events
    ]
    return render(request, "regional/audit_record.html", record_id=record_id, rows=rows)
