"""The alliance, the structures and the trainings as sections of the site: where a section's
list and records live, what one record's page shows, and the choices its forms offer.

Everything comes from the read models; names of professionals are unsealed from the identity
vault, as an initiative's holder is, for logged-in users only (trainings are private).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from node.bootstrap import Node
from node.projections import queries
from ui.i18n import N_, Translator
from ui.regional.directory_forms import CHANGES, CREATES, Command
from ui.vocabulary import label, province_choices

Row = dict[str, Any]
Choices = list[tuple[str, str]]


class NoSuchRecord(LookupError):
    """The id in the address names no record of the section."""


@dataclass(frozen=True)
class Section:
    name: str
    title: str
    #: a record's page is `{record_path}/{id}`, shown by `template`
    record_path: str
    template: str
    record: Callable[[Node, str], Row]
    options: Callable[[Translator, Node, Row | None], dict[str, Any]]
    #: whether anonymous visitors see the records (trainings are private)
    public: bool

    @property
    def path(self) -> str:
        return f"/{self.name}"

    @property
    def creates(self) -> dict[str, Command]:
        return CREATES[self.name]

    @property
    def changes(self) -> dict[str, Command]:
        return CHANGES[self.name]

    def done(self, name: str) -> str | None:
        """The confirmation of a command of this section, from the `?done=` of a redirect."""
        found = self.creates.get(name) or self.changes.get(name)
        return found.form.done if found else None


def _one(rows: list[Row], record_id: str) -> Row:
    for row in rows:
        if row["id"] == record_id:
            return row
    raise NoSuchRecord(record_id)


# -- the alliance ----------------------------------------------------------------------------


def _member(node: Node, member_id: str) -> Row:
    return _one(queries.members(node.stores.read_models), member_id)


def _alliance_options(_tr: Translator, node: Node, _record: Row | None) -> dict[str, Any]:
    members = sorted(queries.members(node.stores.read_models), key=lambda m: m["name"])
    return {
        "members": [(m["id"], m["name"]) for m in members],
        "active_members": [(m["id"], m["name"]) for m in members if not m["left_on"]],
    }


# -- support structures ----------------------------------------------------------------------


def offer_label(tr: Translator, offer: Row) -> str:
    phases = ", ".join(label(tr, "phase", p) for p in offer["phases"])
    return f"{label(tr, 'service_type', offer['service_type'])} ({phases})"


def _structure(node: Node, structure_id: str) -> Row:
    return _one(queries.structures(node.stores.read_models), structure_id)


def _structure_options(tr: Translator, node: Node, record: Row | None) -> dict[str, Any]:
    provinces = province_choices(node.settings.region)
    if record is None:
        return {"province": provinces}
    return {
        "served": [(code, name) for code, name in provinces if code in record["provinces"]],
        "active_offers": [
            (o["id"], f"{offer_label(tr, o)} — {o['published_on']}")
            for o in record["offers"]
            if not o["withdrawn_on"]
        ],
    }


# -- trainings -------------------------------------------------------------------------------


def _name(node: Node, person_id: str) -> str:
    identity = node.app.identity_of(person_id)
    return identity["full_name"] if identity else "—"


def _professionals(node: Node) -> Choices:
    found = [
        (p["id"], _name(node, p["id"]))
        for p in queries.professionals(node.stores.read_models)
        if not p["erased"]
    ]
    return sorted(found, key=lambda choice: choice[1])


def _training(node: Node, training_id: str) -> Row:
    """The training with its participants, each with their assessment if one was recorded."""
    reads = node.stores.read_models
    training = _one(queries.trainings(reads)["trainings"], training_id)
    participants: dict[str, Row] = {}
    for step in queries.timeline(reads, training_id):
        details = step["details"]
        if step["event"] == "Training.Held":
            participants = {
                pid: {"id": pid, "name": _name(node, pid), "before": None, "after": None}
                for pid in details["participant_ids"]
            }
        elif step["event"] == "Training.CompetenceAssessed":
            participants[details["participant_id"]].update(
                before=details["before"], after=details["after"]
            )
    return {**training, "people": sorted(participants.values(), key=lambda p: p["name"])}


def _training_options(_tr: Translator, node: Node, record: Row | None) -> dict[str, Any]:
    if record is None:
        return {"professionals": _professionals(node)}
    return {"unassessed": [(p["id"], p["name"]) for p in record["people"] if p["before"] is None]}


SECTIONS: dict[str, Section] = {
    section.name: section
    for section in (
        Section(
            "alliance",
            N_("Alliance"),
            "/alliance/members",
            "regional/directory/member.html",
            _member,
            _alliance_options,
            public=True,
        ),
        Section(
            "structures",
            N_("Support structures and offers"),
            "/structures",
            "regional/directory/structure.html",
            _structure,
            _structure_options,
            public=True,
        ),
        Section(
            "trainings",
            N_("Trainings"),
            "/trainings",
            "regional/directory/training.html",
            _training,
            _training_options,
            public=False,
        ),
    )
}
