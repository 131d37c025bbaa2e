"""How each fact changes the read models. One function per event type, keyed by its name."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update

from node.domain.requests import due_on
from node.projections import tables as t

Event = Any
Handler = Callable[[Connection, Event], None]
HANDLERS: dict[str, Handler] = {}

#: Event attributes that never show in a timeline: sealed identities and bookkeeping.
HIDDEN = {
    "originator_id",
    "originator_version",
    "timestamp",
    "originator_topic",
    "by",
    "on",
    "sealed_identity",
}


def handles(*names: str) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        for name in names:
            HANDLERS[name] = handler
        return handler

    return register


def event_name(event: Event) -> str:
    return type(event).__qualname__


def record_id(event: Event) -> str:
    return str(event.originator_id)


def apply(conn: Connection, position: int, event: Event) -> None:
    handler = HANDLERS.get(event_name(event))
    if handler is not None:
        handler(conn, event)
    conn.execute(
        insert(t.timeline).values(
            position=position,
            record_id=record_id(event),
            version=event.originator_version,
            event=event_name(event),
            occurred_on=getattr(event, "on", None),
            recorded_at=event.timestamp.isoformat(),
            recorded_by=getattr(event, "by", ""),
            details={k: v for k, v in event.__dict__.items() if k not in HIDDEN},
        )
    )


# -- alliance ---------------------------------------------------------------------------


@handles("AllianceMember.Joined")
def _member_joined(conn: Connection, e: Event) -> None:
    conn.execute(
        insert(t.members).values(
            id=record_id(e), name=e.name, actor_type=e.actor_type, role=e.role, joined_on=e.on
        )
    )


@handles("AllianceMember.RoleChanged")
def _member_role(conn: Connection, e: Event) -> None:
    conn.execute(update(t.members).where(t.members.c.id == record_id(e)).values(role=e.role))


@handles("AllianceMember.Left")
def _member_left(conn: Connection, e: Event) -> None:
    conn.execute(update(t.members).where(t.members.c.id == record_id(e)).values(left_on=e.on))


@handles("Meeting.Held")
def _meeting(conn: Connection, e: Event) -> None:
    conn.execute(
        insert(t.meetings).values(
            id=record_id(e),
            title=e.title,
            held_on=e.on,
            members_present=len(e.members_present),
            decisions=e.decisions,
        )
    )


@handles("SharedResource.Shared")
def _resource(conn: Connection, e: Event) -> None:
    conn.execute(
        insert(t.resources).values(
            id=record_id(e),
            title=e.title,
            kind=e.kind,
            link=e.link,
            member_id=e.member_id,
            shared_on=e.on,
        )
    )


# -- structures -------------------------------------------------------------------------


@handles("SupportStructure.Registered")
def _structure(conn: Connection, e: Event) -> None:
    conn.execute(
        insert(t.structures).values(
            id=record_id(e),
            name=e.name,
            kind=e.kind,
            provinces=e.provinces,
            registered_on=e.on,
            drais_supports=0,
        )
    )


@handles("SupportStructure.OfferPublished")
def _offer(conn: Connection, e: Event) -> None:
    conn.execute(
        insert(t.offers).values(
            id=e.offer_id,
            structure_id=record_id(e),
            service_type=e.service_type,
            phases=e.phases,
            provinces=e.provinces,
            capacity_per_year=e.capacity_per_year,
            free=e.free,
            published_on=e.on,
        )
    )
    # Capacity is split evenly over the provinces; a multi-phase offer serves each phase.
    share = e.capacity_per_year / len(e.provinces)
    conn.execute(
        insert(t.offer_cells),
        [
            {
                "offer_id": e.offer_id,
                "province": p,
                "phase": ph,
                "service_type": e.service_type,
                "capacity": share,
            }
            for p in e.provinces
            for ph in e.phases
        ],
    )


@handles("SupportStructure.OfferWithdrawn")
def _offer_withdrawn(conn: Connection, e: Event) -> None:
    conn.execute(update(t.offers).where(t.offers.c.id == e.offer_id).values(withdrawn_on=e.on))
    conn.execute(delete(t.offer_cells).where(t.offer_cells.c.offer_id == e.offer_id))


@handles("SupportStructure.SupportedByDrais")
def _supported(conn: Connection, e: Event) -> None:
    conn.execute(
        update(t.structures)
        .where(t.structures.c.id == record_id(e))
        .values(drais_supports=t.structures.c.drais_supports + 1)
    )


@handles("SupportStructure.QualityAssessed")
def _quality(conn: Connection, e: Event) -> None:
    score = sum(e.scores.values()) / len(e.scores)
    conn.execute(
        update(t.structures)
        .where(t.structures.c.id == record_id(e))
        .values(quality_score=round(score, 3), quality_assessed_on=e.on)
    )


# -- initiatives ------------------------------------------------------------------------


def _touch(conn: Connection, e: Event, **values: Any) -> None:
    conn.execute(
        update(t.initiatives)
        .where(t.initiatives.c.id == record_id(e))
        .values(updated_at=e.timestamp.isoformat(), **values)
    )


@handles("Initiative.Registered")
def _initiative(conn: Connection, e: Event) -> None:
    conn.execute(
        insert(t.initiatives).values(
            id=record_id(e),
            name=e.name,
            theme=e.theme,
            province=e.province,
            commune=e.commune,
            phase=e.phase,
            holder_id=e.holder_id,
            holder_gender=e.holder_gender,
            holder_birth_year=e.holder_birth_year,
            registered_on=e.on,
            funding_total=0.0,
            open_accompaniments=0,
            updated_at=e.timestamp.isoformat(),
        )
    )


@handles("Initiative.PhaseChanged")
def _phase(conn: Connection, e: Event) -> None:
    _touch(conn, e, phase=e.to_phase)


@handles("Initiative.AccompanimentStarted")
def _accompaniment(conn: Connection, e: Event) -> None:
    conn.execute(
        insert(t.accompaniments).values(
            id=e.accompaniment_id,
            initiative_id=record_id(e),
            structure_id=e.structure_id,
            offer_id=e.offer_id,
            service_type=e.service_type,
            phase=e.phase,
            started_on=e.on,
            sessions=0,
            hours=0.0,
        )
    )
    _touch(conn, e, open_accompaniments=t.initiatives.c.open_accompaniments + 1)


@handles("Initiative.SessionHeld")
def _session(conn: Connection, e: Event) -> None:
    a = t.accompaniments
    conn.execute(
        update(a)
        .where(a.c.id == e.accompaniment_id)
        .values(sessions=a.c.sessions + 1, hours=a.c.hours + e.hours)
    )
    _touch(conn, e)


@handles("Initiative.AccompanimentEnded")
def _accompaniment_ended(conn: Connection, e: Event) -> None:
    conn.execute(
        update(t.accompaniments)
        .where(t.accompaniments.c.id == e.accompaniment_id)
        .values(ended_on=e.on, outcome=e.outcome, satisfaction=e.satisfaction)
    )
    _touch(conn, e, open_accompaniments=t.initiatives.c.open_accompaniments - 1)


@handles("Initiative.FundingReceived")
def _funding(conn: Connection, e: Event) -> None:
    _touch(conn, e, funding_total=t.initiatives.c.funding_total + e.amount)


@handles("Initiative.Closed")
def _closed(conn: Connection, e: Event) -> None:
    _touch(conn, e, closed_on=e.on, close_reason=e.reason)


# -- persons and trainings --------------------------------------------------------------


@handles("Person.Registered")
def _person(conn: Connection, e: Event) -> None:
    conn.execute(
        insert(t.persons).values(
            id=record_id(e),
            kind=e.kind,
            gender=e.gender,
            birth_year=e.birth_year,
            initiative_id=e.initiative_id,
            province=e.province,
            consents={},
            erased=False,
        )
    )


@handles("Person.ConsentRecorded")
def _consent(conn: Connection, e: Event) -> None:
    consents = conn.execute(
        select(t.persons.c.consents).where(t.persons.c.id == record_id(e))
    ).scalar_one()
    consents = {**consents, e.purpose: e.given}
    conn.execute(update(t.persons).where(t.persons.c.id == record_id(e)).values(consents=consents))


@handles("Person.Rectified")
def _rectified(conn: Connection, e: Event) -> None:
    conn.execute(
        update(t.persons)
        .where(t.persons.c.id == record_id(e))
        .values(gender=e.gender, birth_year=e.birth_year)
    )
    conn.execute(
        update(t.initiatives)
        .where(t.initiatives.c.holder_id == record_id(e))
        .values(holder_gender=e.gender, holder_birth_year=e.birth_year)
    )


@handles("Person.Opposed")
def _opposed(conn: Connection, e: Event) -> None:
    conn.execute(insert(t.oppositions).values(person_id=record_id(e), since=e.on))


@handles("Person.OppositionWithdrawn")
def _opposition_withdrawn(conn: Connection, e: Event) -> None:
    conn.execute(delete(t.oppositions).where(t.oppositions.c.person_id == record_id(e)))


@handles("Person.Erased")
def _erased(conn: Connection, e: Event) -> None:
    conn.execute(update(t.persons).where(t.persons.c.id == record_id(e)).values(erased=True))


@handles("DataRequest.Received")
def _request(conn: Connection, e: Event) -> None:
    conn.execute(
        insert(t.data_requests).values(
            id=record_id(e),
            person_id=e.person_id,
            kind=e.kind,
            received_on=e.on,
            due_on=due_on(e.on),
            recorded_by=e.by,
        )
    )


@handles("DataRequest.Answered")
def _answered(conn: Connection, e: Event) -> None:
    conn.execute(
        update(t.data_requests)
        .where(t.data_requests.c.id == record_id(e))
        .values(answered_on=e.on, outcome=e.outcome)
    )


@handles("Training.Held")
def _training(conn: Connection, e: Event) -> None:
    conn.execute(
        insert(t.trainings).values(
            id=record_id(e),
            topic=e.topic,
            hours=e.hours,
            held_on=e.on,
            participants=len(e.participant_ids),
        )
    )


@handles("Training.CompetenceAssessed")
def _assessed(conn: Connection, e: Event) -> None:
    conn.execute(
        insert(t.training_assessments).values(
            training_id=record_id(e), person_id=e.participant_id, before=e.before, after=e.after
        )
    )
