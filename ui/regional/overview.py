"""The dashboard: key figures, the phase funnel and what was recorded last."""

from __future__ import annotations

from litestar import get
from litestar.response import Template
from litestar_htmx import HTMXRequest

from node.projections import queries
from ui.i18n import N_
from ui.regional.activity import recent
from ui.regional.params import NodeDep
from ui.regional.rendering import render


@get("/", name="dashboard", sync_to_thread=True)
def dashboard(request: HTMXRequest, node: NodeDep) -> Template:
    engine = node.stores.read_models
    funnel = queries.funnel(engine)
    structures = queries.structures(engine)
    offers = [o for s in structures for o in s["offers"] if not o["withdrawn_on"]]
    open_initiatives = sum(step["count"] for step in funnel)
    late = sum(step["count"] for step in funnel if step["late"])
    figures = [
        (N_("Active alliance members"), len(queries.members(engine, include_left=False))),
        (N_("Support structures"), len(structures)),
        (N_("Active support offers"), len(offers)),
        (N_("Open initiatives"), open_initiatives),
        (N_("In validation or growth"), late),
        (N_("Professionals registered"), queries.trainings(engine)["professionals"]),
    ]
    activity = recent(node)
    names = {
        a.record_id: found["name"]
        for a in activity
        if a.aggregate == "Initiative"
        and (found := queries.initiative(engine, a.record_id)) is not None
    }
    return render(
        request,
        "regional/dashboard.html",
        figures=figures,
        funnel=funnel,
        funnel_max=max([step["count"] for step in funnel] + [1]),
        activity=activity,
        initiative_names=names,
    )
