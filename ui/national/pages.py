"""The national pages: dashboard, tile map, one page per indicator, regions' status, exports.

Public and read-only. Each request reads the federation once (indicators at the current
time, the admitted regions) and builds its tables with ui/national/lists.py.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from litestar import Request, get
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery
from litestar.response import Response, Template
from litestar_htmx import HTMXRequest

from federation.indicators import CODES
from federation.service import Federation
from ui.auth import current_user
from ui.i18n import Translator, translator
from ui.national.figures import (
    PROPORTION,
    cell_text,
    headline,
    is_suppressed,
    moment_text,
    number,
)
from ui.national.lists import (
    Listing,
    dead_letter_listing,
    indicator_listings,
    region_listing,
    status_listing,
    summary_listing,
    trend_listing,
)
from ui.national.tilemap import tile_map
from ui.tables import EXPORTS

FederationDep = NamedDependency[Federation]
DEAD_LETTERS_SHOWN = 100


def tr_for(_request: Request[Any, Any, Any]) -> Translator:
    """The request's language; French until a second catalogue exists to negotiate with."""
    return translator()


def render(
    request: Request[Any, Any, Any], template: str, status: int = 200, **context: Any
) -> Template:
    context.setdefault("user", current_user(request))
    context.setdefault("cell_text", cell_text)
    context.setdefault("moment", moment_text)
    return Template(template_name=template, context=context, status_code=status)


def wants_fragment(request: HTMXRequest, target: str) -> bool:
    """An htmx request aimed at this element (not a boosted page load, not a history restore)."""
    htmx = request.htmx
    return bool(htmx) and htmx.target == target and not htmx.history_restore_request


def admitted(regions: Sequence[Mapping[str, Any]]) -> set[str]:
    return {region["region"] for region in regions}


def _code(value: str | None, default: str = CODES[0]) -> str:
    code = (value or "").upper()
    return code if code in CODES else default


@dataclass(frozen=True)
class Card:
    """One indicator on the dashboard: its headline, its trend, the regions compared."""

    indicator: Mapping[str, Any]
    headline: str
    value: Any
    percent: bool
    trend: Listing
    regions: Listing


@get("/", name="national-dashboard", sync_to_thread=True)
def dashboard(request: HTMXRequest, federation: FederationDep) -> Template:
    tr = tr_for(request)
    indicators = federation.indicators()
    regions = federation.regions()
    connected = admitted(regions)
    cards = [
        Card(
            entry,
            headline(tr, entry["code"]),
            entry["national"] if is_suppressed(entry["national"]) else number(entry["national"]),
            entry["unit"] == PROPORTION,
            trend_listing(tr, entry),
            region_listing(tr, entry, connected, chart_id="card-regions"),
        )
        for entry in indicators
    ]
    d5 = next(entry for entry in indicators if entry["code"] == "D5")
    return render(
        request,
        "national/dashboard.html",
        cards=cards,
        summary=summary_listing(tr, indicators),
        sending=d5["national"]["value"],
        admitted_count=len(connected),
        as_of=d5["national"]["as_of"],
    )


@get("/map", name="national-map", sync_to_thread=True)
def regions_map(
    request: HTMXRequest, federation: FederationDep, indicator: FromQuery[str | None] = None
) -> Template:
    tr = tr_for(request)
    code = _code(indicator)
    entry = federation.indicator(code)
    connected = admitted(federation.regions())
    context: dict[str, Any] = {
        "entry": entry,
        "code": code,
        "codes": CODES,
        "labels": {c: headline(tr, c) for c in CODES},
        "tiles": tile_map(tr, entry["by_region"], connected, percent=entry["unit"] == PROPORTION),
        "regions": region_listing(tr, entry, connected),
    }
    if wants_fragment(request, "tilemap"):
        return render(request, "national/_tilemap.html", **context)
    return render(request, "national/map.html", **context)


@get("/indicators/{code:str}", name="national-indicator", sync_to_thread=True)
def indicator_page(
    request: HTMXRequest, federation: FederationDep, code: FromPath[str]
) -> Template:
    tr = tr_for(request)
    if code.upper() not in CODES:
        raise NotFoundException("no such indicator")
    entry = federation.indicator(code.upper())
    listings = indicator_listings(tr, entry, admitted(federation.regions()))
    national, by_region, trend, *breakdowns = listings
    return render(
        request,
        "national/indicator.html",
        entry=entry,
        headline=headline(tr, entry["code"]),
        national=national,
        by_region=by_region,
        trend=trend,
        breakdowns=breakdowns,
        codes=CODES,
    )


@get("/regions", name="national-regions", sync_to_thread=True)
def regions_status(request: HTMXRequest, federation: FederationDep) -> Template:
    tr = tr_for(request)
    return render(
        request,
        "national/regions.html",
        health=federation.health(),
        regions=status_listing(tr, federation.regions()),
        letters=dead_letter_listing(tr, federation.dead_letters(limit=DEAD_LETTERS_SHOWN)),
    )


def _listing(tr: Translator, federation: Federation, name: str) -> Listing | None:
    if name == "indicators":
        return summary_listing(tr, federation.indicators())
    if name == "regions":
        return status_listing(tr, federation.regions())
    if name == "dead-letters":
        return dead_letter_listing(tr, federation.dead_letters(limit=DEAD_LETTERS_SHOWN))
    code = name.split("-", 1)[0].upper()
    if code not in CODES:
        return None
    entry = federation.indicator(code)
    found = indicator_listings(tr, entry, admitted(federation.regions()))
    return next((listing for listing in found if listing.name == name), None)


@get("/export/{filename:str}", name="national-export", sync_to_thread=True)
def export(
    request: HTMXRequest, federation: FederationDep, filename: FromPath[str]
) -> Response[bytes]:
    name, _, fmt = filename.partition(".")
    tr = tr_for(request)
    listing = _listing(tr, federation, name) if fmt in EXPORTS else None
    if listing is None:
        raise NotFoundException("no such export")
    media_type, write = EXPORTS[fmt]
    download = f"{name}-national-{date.today().isoformat()}.{fmt}"
    return Response(
        content=write(tr, listing.table, listing.rows),
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{download}"'},
    )
