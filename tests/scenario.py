"""A small but complete regional story, recorded through the application's use cases."""

from __future__ import annotations

from dataclasses import dataclass

from drais.territory import provinces_of
from node.application import Identity, NodeApplication
from node.domain.structures import QUALITY_CRITERIA


@dataclass
class Story:
    member: str
    structure: str
    offer: str
    initiative: str
    accompaniment: str
    professional: str
    training: str


def two_provinces(region: str) -> list[str]:
    """Two provinces of the region (Agadir and Chtouka for Souss-Massa, as the story tells)."""
    if region == "MA-09":
        return ["MA-AGD", "MA-CHT"]
    return sorted(p.code for p in provinces_of(region))[:2]


def record_story(app: NodeApplication, by: str = "amina") -> Story:
    provinces = two_provinces(app.region)
    member = app.join_member(
        name="Université Ibn Zohr", actor_type="universite", role="pilotage", by=by, on="2026-01-10"
    )
    app.join_member(
        name="Association Tamount",
        actor_type="structure_associative",
        role="membre",
        by=by,
        on="2026-03-02",
    )
    app.hold_meeting(
        title="Comité de pilotage",
        members_present=[member],
        decisions=["Lancer le diagnostic"],
        by=by,
        on="2026-03-10",
    )
    structure = app.register_structure(
        name="Incubateur Souss",
        kind="associative",
        provinces=provinces,
        by=by,
        on="2026-01-20",
    )
    offer = app.publish_offer(
        structure,
        service_type="incubation",
        phases=["ideation", "amorcage"],
        provinces=provinces,
        capacity_per_year=10,
        by=by,
        on="2026-01-21",
    )
    app.assess_structure_quality(structure, scores=dict.fromkeys(QUALITY_CRITERIA, 4), by=by)
    initiative = app.register_initiative(
        name="Coopérative d'argan",
        theme="agriculture_solidaire",
        province=provinces[1],
        phase="ideation",
        holder=Identity("Fatima Zahra Amrani", cin="JB123456", phone="+212612345678"),
        holder_gender="F",
        holder_birth_year=1992,
        by=by,
        commune="Biougra",
        on="2026-02-01",
    )
    accompaniment = app.start_accompaniment(
        initiative, structure_id=structure, offer_id=offer, by=by, on="2026-02-03"
    )
    app.hold_session(
        initiative, accompaniment, hours=3, topic="Modèle économique", by=by, on="2026-02-10"
    )
    app.change_phase(initiative, phase="amorcage", by=by, on="2026-04-01")
    app.record_funding(
        initiative, funder="INDH", amount=80_000, instrument="subvention", by=by, on="2026-05-01"
    )
    professional = app.register_professional(
        identity=Identity("Youssef Alaoui"), gender="M", birth_year=1985, by=by
    )
    training = app.hold_training(
        topic="Mesure d'impact", hours=14, participant_ids=[professional], by=by, on="2026-06-01"
    )
    app.assess_competence(training, participant_id=professional, before=35, after=70, by=by)
    return Story(member, structure, offer, initiative, accompaniment, professional, training)


def register_unaccompanied_initiative(app: NodeApplication) -> str:
    """An initiative no structure accompanies (for checks of a structure's reach)."""
    return app.register_initiative(
        name="Atelier Amoud",
        theme="artisanat",
        province=two_provinces(app.region)[0],
        phase="ideation",
        holder=Identity("Youssef Amrani"),
        holder_gender="M",
        holder_birth_year=1985,
        by="amina",
    )
