"""The pages that list who takes part: the alliance, the support structures, the trainings.

Their forms and record pages are in ui/regional/directory_pages.py; a list links to them for a
logged-in user and confirms the command that sent the browser back to it."""

from __future__ import annotations

from litestar import get
from litestar.response import Template
from litestar_htmx import HTMXRequest

from node.projections import queries
from ui.auth import current_user, login_required
from ui.i18n import N_
from ui.regional.directory_pages import list_context
from ui.regional.directory_records import SECTIONS
from ui.regional.lists import TABLES
from ui.regional.params import NodeDep
from ui.regional.rendering import render


@get("/alliance", name="alliance", sync_to_thread=True)
def alliance(request: HTMXRequest, node: NodeDep) -> Template:
    """Members and resources are public facts; meetings only show to a logged-in user."""
    logged_in = current_user(request) is not None
    names = ("members", "meetings", "resources") if logged_in else ("members", "resources")
    return render(
        request,
        "regional/lists.html",
        heading=N_("Alliance"),
        lists=[(TABLES[n], TABLES[n].rows(node, {})) for n in names],
        hidden_private=not logged_in,
        **list_context(request, SECTIONS["alliance"]),
    )


@get("/structures", name="structures", sync_to_thread=True)
def structures(request: HTMXRequest, node: NodeDep) -> Template:
    return render(
        request,
        "regional/lists.html",
        heading=N_("Support structures and offers"),
        lists=[(TABLES[n], TABLES[n].rows(node, {})) for n in ("structures", "offers")],
        hidden_private=False,
        **list_context(request, SECTIONS["structures"]),
    )


@get("/trainings", name="trainings", guards=[login_required], sync_to_thread=True)
def trainings(request: HTMXRequest, node: NodeDep) -> Template:
    summary = queries.trainings(node.stores.read_models)
    return render(
        request,
        "regional/trainings.html",
        summary=summary,
        listing=TABLES["trainings"],
        rows=summary["trainings"],
        **list_context(request, SECTIONS["trainings"]),
    )
