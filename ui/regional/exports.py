"""Every regional list as a CSV or XLSX download: `/export/<list>.<csv|xlsx>?<page filters>`."""

from __future__ import annotations

from datetime import date

from litestar import get
from litestar.exceptions import NotAuthorizedException, NotFoundException
from litestar.params import FromPath
from litestar.response import Response
from litestar_htmx import HTMXRequest

from ui.auth import current_user
from ui.regional.lists import TABLES
from ui.regional.params import NodeDep
from ui.regional.rendering import tr_for
from ui.tables import EXPORTS


@get("/export/{filename:str}", name="export", sync_to_thread=True)
def export(request: HTMXRequest, node: NodeDep, filename: FromPath[str]) -> Response[bytes]:
    name, _, fmt = filename.partition(".")
    table = TABLES.get(name)
    if table is None or fmt not in EXPORTS:
        raise NotFoundException("no such export")
    if table.private and current_user(request) is None:
        raise NotAuthorizedException("login required")
    media_type, write = EXPORTS[fmt]
    rows = table.rows(node, dict(request.query_params))
    download = f"{name}-{node.settings.region}-{date.today().isoformat()}.{fmt}"
    return Response(
        content=write(tr_for(request), table, rows),
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{download}"'},
    )
