"""The regional lists, as shown on the pages and exported: columns, and where rows come from."""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from typing import Any, TypeVar

from drais import territory
from drais.vocabulary import Phase, Theme
from node.bootstrap import Node
from node.projections import queries, rights_queries
from ui.i18n import N_
from ui.tables import Column, Params, Row, Table

E = TypeVar("E", bound=StrEnum)

PAGE_SIZE = 50
EXPORT_BATCH = 500


def _member(enum: type[E], value: str | None) -> E | None:
    try:
        return enum(value) if value else None
    except ValueError:
        return None


def initiative_filters(node: Node, params: Params) -> dict[str, Any]:
    """The list's filters from a query string; a value that is not valid is ignored."""
    province = params.get("province") or None
    if province not in {p.code for p in territory.provinces_of(node.settings.region)}:
        province = None
    search = (params.get("q") or "").strip()[:100] or None
    return {
        "phase": _member(Phase, params.get("phase")),
        "province": province,
        "theme": _member(Theme, params.get("theme")),
        "search": search,
        "include_closed": params.get("open_only") != "1",
    }


def initiative_page(node: Node, params: Params, offset: int) -> tuple[int, list[Row]]:
    return queries.initiatives(
        node.stores.read_models,
        **initiative_filters(node, params),
        limit=PAGE_SIZE,
        offset=max(0, offset),
    )


def _all_initiatives(node: Node, params: Params) -> list[Row]:
    found: list[Row] = []
    while True:
        total, page = queries.initiatives(
            node.stores.read_models,
            **initiative_filters(node, params),
            limit=EXPORT_BATCH,
            offset=len(found),
        )
        found.extend(page)
        if not page or len(found) >= total:
            return found


def _offers(node: Node, _params: Params) -> list[Row]:
    return [
        {**offer, "structure": structure["name"]}
        for structure in queries.structures(node.stores.read_models)
        for offer in structure["offers"]
    ]


def _structures(node: Node, _params: Params) -> list[Row]:
    return [
        {**s, "offer_count": sum(1 for o in s["offers"] if not o["withdrawn_on"])}
        for s in queries.structures(node.stores.read_models)
    ]


def _meetings(node: Node, _params: Params) -> list[Row]:
    return [
        {**m, "decisions": "; ".join(m["decisions"])}
        for m in queries.meetings(node.stores.read_models)
    ]


def _coverage(node: Node, params: Params) -> list[Row]:
    matrix = queries.coverage(node.stores.read_models, node.settings.region)
    service = params.get("service_type")
    if service in matrix["service_types"]:
        return [c for c in matrix["cells"] if c["service_type"] == service]
    return list(matrix["by_phase"])


def _beneficiaries(node: Node, params: Params) -> list[Row]:
    """With their identity, so only for a logged-in user; a person who opposes the processing
    of their data, or whose data was erased, is not listed (law 09-08)."""
    rows = rights_queries.listable_beneficiaries(
        node.stores.read_models, params.get("initiative") or None
    )
    for row in rows:
        identity = node.app.identity_of(row["person_id"]) or {}
        row.update(full_name=identity.get("full_name"), phone=identity.get("phone"))
        row["consents"] = [purpose for purpose, given in row["consents"].items() if given]
    return rows


def _href(prefix: str) -> Callable[[Row], str]:
    """The link from a row to its record's page."""
    return lambda row: f"{prefix}/{row['id']}"


TABLES: dict[str, Table] = {
    table.name: table
    for table in (
        Table(
            "members",
            N_("Alliance members"),
            (
                Column("name", N_("Name"), href=_href("/alliance/members")),
                Column("actor_type", N_("Type of actor"), "actor_type"),
                Column("role", N_("Role"), "role"),
                Column("joined_on", N_("Joined on")),
                Column("left_on", N_("Left on")),
            ),
            lambda node, _p: queries.members(node.stores.read_models),
        ),
        Table(
            "meetings",
            N_("Governance meetings"),
            (
                Column("held_on", N_("Date")),
                Column("title", N_("Title")),
                Column("members_present", N_("Members present"), numeric=True),
                Column("decisions", N_("Decisions")),
            ),
            _meetings,
            private=True,
        ),
        Table(
            "resources",
            N_("Shared resources"),
            (
                Column("shared_on", N_("Date")),
                Column("title", N_("Title")),
                Column("kind", N_("Kind"), "resource_kind"),
                Column("link", N_("Link")),
            ),
            lambda node, _p: queries.resources(node.stores.read_models),
        ),
        Table(
            "structures",
            N_("Support structures"),
            (
                Column("name", N_("Name"), href=_href("/structures")),
                Column("kind", N_("Kind"), "structure_kind"),
                Column("provinces", N_("Provinces served"), "province"),
                Column("registered_on", N_("Registered on")),
                Column("offer_count", N_("Active offers"), numeric=True),
                Column("drais_supports", N_("DRAIS supports"), numeric=True),
                Column("quality_score", N_("Quality score"), numeric=True),
            ),
            _structures,
        ),
        Table(
            "offers",
            N_("Support offers"),
            (
                Column("structure", N_("Support structure")),
                Column("service_type", N_("Service type"), "service_type"),
                Column("phases", N_("Phases"), "phase"),
                Column("provinces", N_("Provinces"), "province"),
                Column("capacity_per_year", N_("Yearly capacity"), numeric=True),
                Column("free", N_("Free")),
                Column("published_on", N_("Published on")),
                Column("withdrawn_on", N_("Withdrawn on")),
            ),
            _offers,
        ),
        Table(
            "initiatives",
            N_("Initiatives"),
            (
                Column("name", N_("Name"), href=_href("/initiatives")),
                Column("theme", N_("Theme"), "theme"),
                Column("province", N_("Province"), "province"),
                Column("commune", N_("Commune")),
                Column("phase", N_("Phase"), "phase"),
                Column("registered_on", N_("Registered on")),
                Column("open_accompaniments", N_("Open accompaniments"), numeric=True),
                Column("funding_total", N_("Funding received (MAD)"), numeric=True),
                Column("closed_on", N_("Closed on")),
            ),
            _all_initiatives,
        ),
        Table(
            "beneficiaries",
            N_("Beneficiaries"),
            (
                Column("full_name", N_("Full name")),
                Column("phone", N_("Phone")),
                Column("initiative", N_("Initiative")),
                Column("gender", N_("Sex"), "gender"),
                Column("birth_year", N_("Year of birth"), numeric=True),
                Column("province", N_("Province"), "province"),
                Column("consents", N_("Consents given"), "consent"),
            ),
            _beneficiaries,
            private=True,
        ),
        Table(
            "trainings",
            N_("Trainings"),
            (
                Column("held_on", N_("Date")),
                Column("topic", N_("Topic"), href=_href("/trainings")),
                Column("hours", N_("Hours"), numeric=True),
                Column("participants", N_("Participants"), numeric=True),
            ),
            lambda node, _p: queries.trainings(node.stores.read_models)["trainings"],
            private=True,
        ),
        Table(
            "coverage",
            N_("Coverage of the support offer"),
            (
                Column("province", N_("Province"), "province"),
                Column("phase", N_("Phase"), "phase"),
                Column("service_type", N_("Service type"), "service_type"),
                Column("capacity", N_("Yearly capacity"), numeric=True),
                Column("demand", N_("Open initiatives"), numeric=True),
                Column("gap", N_("Gap")),
            ),
            _coverage,
        ),
        Table(
            "funnel",
            N_("Initiatives by phase"),
            (
                Column("phase", N_("Phase"), "phase"),
                Column("count", N_("Open initiatives"), numeric=True),
            ),
            lambda node, _p: queries.funnel(node.stores.read_models),
        ),
    )
}
