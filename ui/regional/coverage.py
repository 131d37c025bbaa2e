"""The coverage gap heat map: province × phase, all services or one service type.

A server-rendered table: each cell shows the yearly capacity offered against the open
initiatives in that province and phase, and says in words (not only in colour) whether it is a
gap or has no offer at all: the DRAIS "identification des gaps".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar import get
from litestar.params import FromQuery
from litestar.response import Template
from litestar_htmx import HTMXRequest

from drais.vocabulary import ServiceType
from node.projections import queries
from ui.regional.params import NodeDep
from ui.regional.rendering import render, wants_fragment
from ui.vocabulary import province_name


@dataclass(frozen=True)
class Cell:
    capacity: float
    demand: int

    @property
    def state(self) -> str:
        """`gap` (less capacity than demand), `none` (no offer, no demand) or `ok`."""
        if self.capacity < self.demand:
            return "gap"
        return "none" if self.capacity == 0 else "ok"


def heat_map(matrix: dict[str, Any], service_type: str | None) -> list[tuple[str, list[Cell]]]:
    """One row per province, one cell per phase, in the matrix's order."""
    source = (
        [c for c in matrix["cells"] if c["service_type"] == service_type]
        if service_type
        else matrix["by_phase"]
    )
    found = {(c["province"], c["phase"]): Cell(c["capacity"], c["demand"]) for c in source}
    return [
        (province, [found[(province, phase)] for phase in matrix["phases"]])
        for province in matrix["provinces"]
    ]


@get("/coverage", name="coverage", sync_to_thread=True)
def coverage(
    request: HTMXRequest, node: NodeDep, service_type: FromQuery[str | None] = None
) -> Template:
    chosen = service_type if service_type in set(ServiceType) else None
    matrix = queries.coverage(node.stores.read_models, node.settings.region)
    rows = heat_map(matrix, chosen)
    context = {
        "rows": rows,
        "phases": matrix["phases"],
        "service_type": chosen,
        "service_types": matrix["service_types"],
        "gaps": sum(1 for _, cells in rows for cell in cells if cell.state == "gap"),
        "province_name": province_name,
    }
    if wants_fragment(request, "heatmap"):
        return render(request, "regional/_heatmap.html", **context)
    return render(request, "regional/coverage.html", **context)
