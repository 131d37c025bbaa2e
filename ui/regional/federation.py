"""The region's side of the federation: the forwarder's status, and what leaves the region.

The preview shows, for one record, the exact messages the forwarder derived from the log for
it (those whose `subject` is the record's pseudonym), as the canonical JSON that is signed and
sent, pretty-printed. Beneficiaries never appear there: they leave only inside roll-ups.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from litestar import get
from litestar.exceptions import NotFoundException
from litestar.params import FromQuery
from litestar.response import Template
from litestar_htmx import HTMXRequest

from federation import contract
from node.api.routes.federation import status
from node.bootstrap import Node
from node.projections import queries
from ui.auth import login_required
from ui.i18n import N_
from ui.regional.params import NodeDep
from ui.regional.rendering import render

#: Kinds of records a picker offers, with their label.
MEMBER, STRUCTURE, TRAINING, INITIATIVE = "member", "structure", "training", "initiative"
KINDS: dict[str, str] = {
    MEMBER: N_("Alliance member"),
    STRUCTURE: N_("Support structure"),
    TRAINING: N_("Training"),
    INITIATIVE: N_("Initiative"),
}
MAX_ID = 100


@dataclass(frozen=True)
class Record:
    id: str
    kind: str
    name: str


@dataclass(frozen=True)
class Preview:
    """One derived message, as it leaves the region."""

    seq: int
    msg_id: str
    nats_subject: str
    type: str
    month: str
    document: str
    size: int
    forwarded: bool


def pickable(node: Node) -> dict[str, list[Record]]:
    """The organisations and trainings whose messages an operator can look at."""
    read = node.stores.read_models
    return {
        MEMBER: [Record(m["id"], MEMBER, m["name"]) for m in queries.members(read)],
        STRUCTURE: [Record(s["id"], STRUCTURE, s["name"]) for s in queries.structures(read)],
        TRAINING: [
            Record(t["id"], TRAINING, f"{t['held_on']} — {t['topic']}")
            for t in queries.trainings(read)["trainings"]
        ],
    }


def find_record(node: Node, record_id: str) -> Record | None:
    initiative = queries.initiative(node.stores.read_models, record_id)
    if initiative is not None:
        return Record(record_id, INITIATIVE, initiative["name"])
    for records in pickable(node).values():
        for record in records:
            if record.id == record_id:
                return record
    return None


def messages_about(node: Node, record_id: str) -> list[Preview]:
    """The messages derived for a record, the log read up to now first."""
    node.outbox.derive()
    forwarded = node.outbox.status()["forwarded_seq"]
    found = []
    for message in node.outbox.messages_about(node.outbox.pseudonym(record_id)):
        document = json.loads(message.body)
        found.append(
            Preview(
                seq=message.seq,
                msg_id=message.msg_id,
                nats_subject=message.subject,
                type=document["type"],
                month=document["month"],
                document=json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False),
                size=len(message.body),
                forwarded=message.seq <= forwarded,
            )
        )
    return found


@get("/federation", name="federation", guards=[login_required], sync_to_thread=True)
def federation_status(request: HTMXRequest, node: NodeDep) -> Template:
    return render(
        request,
        "regional/federation.html",
        forwarder=status(node),
        records=pickable(node),
        kinds=KINDS,
        contract_version=contract.VERSION,
    )


@get("/federation/preview", name="federation_preview", guards=[login_required], sync_to_thread=True)
def preview(request: HTMXRequest, node: NodeDep, record: FromQuery[str | None] = None) -> Template:
    record_id = (record or "").strip()
    if not record_id or len(record_id) > MAX_ID:
        raise NotFoundException("no such record")
    found = find_record(node, record_id)
    messages = messages_about(node, record_id)
    if found is None and not messages:
        raise NotFoundException("no such record")
    return render(
        request,
        "regional/preview.html",
        record=found or Record(record_id, "", record_id),
        kinds=KINDS,
        messages=messages,
        pseudonym=node.outbox.pseudonym(record_id),
        rollup_k=node.settings.rollup_k,
    )
