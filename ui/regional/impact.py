"""The impact toolbox's home and its indicator catalogue.

`/impact` shows the region's D4, B1, B2 and B3 (D4 comes from beneficiaries' scores, so only
to a logged-in operator, as the API does) and the theories of change recorded; `/impact/
catalogue` browses the national core catalogue, with a search that htmx runs as one types.
"""

from __future__ import annotations

from typing import Any

from litestar import get
from litestar.response import Template
from litestar_htmx import HTMXRequest

from node.api.routes import impact as api
from node.projections import impact_queries
from node.toolbox.catalogue import Disaggregation, Source
from ui.auth import current_user
from ui.regional.params import NodeDep
from ui.regional.rendering import render, wants_fragment


@get("/impact", name="impact", sync_to_thread=True)
def impact_home(request: HTMXRequest, node: NodeDep) -> Template:
    user = current_user(request)
    indicators = [
        row
        for row in impact_queries.regional_indicators(node.stores.read_models)
        if user is not None or row["code"] != "D4"
    ]
    return render(
        request,
        "regional/impact/home.html",
        indicators={row["code"]: row for row in indicators},
        theories=impact_queries.theories(node.stores.read_models),
        grids=impact_queries.grids(node.stores.read_models),
        studies=impact_queries.studies(node.stores.read_models),
    )


def _member(enum: type[Any], value: str | None) -> Any:
    try:
        return enum(value) if value else None
    except ValueError:
        return None


@get("/impact/catalogue", name="catalogue", sync_to_thread=True)
def catalogue(request: HTMXRequest) -> Template:
    params = dict(request.query_params)
    q = (params.get("q") or "").strip()[:100] or None
    domain = (params.get("domain") or "").strip()[:20] or None
    source = _member(Source, params.get("source"))
    breakdown = _member(Disaggregation, params.get("disaggregation"))
    found = api.browse_catalogue(q, domain, source, breakdown)
    context: dict[str, Any] = {
        "found": found,
        "params": {"q": q or "", "domain": domain or "", "source": source, "breakdown": breakdown},
    }
    if wants_fragment(request, "entries"):
        return render(request, "regional/impact/_entries.html", **context)
    return render(request, "regional/impact/catalogue.html", **context)
