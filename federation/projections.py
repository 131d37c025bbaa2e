"""National read models: what the indicators need, built from the national log.

One small handler per event type of the wire contract updates these tables for one accepted
message, inside the consumer's transaction (the same one that appends the message to the
national log), so a message is in the log and in the projections, or in neither. Records are
keyed by (region, subject pseudonym): pseudonyms are per region, so the region is always part
of the key. Roll-ups (beneficiaries, competences) carry no subject and are additive: each
message adds its counts — possibly negative corrections — to the running sums of its stratum.

The tables are a pure function of the log in its order: `rebuild` drops them, creates them
and replays the envelopes, giving the same rows as the incremental path.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from functools import cache
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Connection,
    Engine,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    and_,
    bindparam,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.sql.elements import ClauseElement

from drais.vocabulary import LATE_PHASES, StudyStatus
from federation import contract
from federation.store import national_log

metadata = MetaData()

REGION = 5
PSEUDONYM = 32
MONTH = 7


def _key(name: str = "subject") -> Column[str]:
    return Column(name, String(PSEUDONYM), primary_key=True)


def _region() -> Column[str]:
    return Column("region", String(REGION), primary_key=True)


members = Table(
    "nat_members",
    metadata,
    _region(),
    _key(),
    Column("name", String(200), nullable=False),
    Column("actor_type", String(40), nullable=False),
    Column("role", String(20), nullable=False),
    Column("joined_month", String(MONTH), nullable=False),
    Column("left_month", String(MONTH)),
)

governance = Table(
    "nat_governance",
    metadata,
    _region(),
    _key(),
    Column("activity", String(20), nullable=False),  # meeting or resource
    Column("kind", String(20)),
    Column("month", String(MONTH), nullable=False),
    Column("members_present", Integer),
)

structures = Table(
    "nat_structures",
    metadata,
    _region(),
    _key(),
    Column("name", String(200), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("provinces", JSON, nullable=False),
    Column("registered_month", String(MONTH), nullable=False),
    Column("supported_month", String(MONTH)),
    Column("support_types", JSON, nullable=False),
    # The latest quality assessment: its criterion scores and their mean (1–5).
    Column("quality_scores", JSON),
    Column("quality_score", Float),
    Column("assessed_month", String(MONTH)),
    Column("assessments", Integer, nullable=False),
)

offers = Table(
    "nat_offers",
    metadata,
    _region(),
    _key("offer"),
    Column("structure", String(PSEUDONYM), nullable=False),
    Column("service_type", String(30), nullable=False),
    Column("phases", JSON, nullable=False),
    Column("provinces", JSON, nullable=False),
    Column("capacity_per_year", Integer, nullable=False),
    Column("free", Boolean, nullable=False),
    Column("published_month", String(MONTH), nullable=False),
    Column("withdrawn_month", String(MONTH)),
)

initiatives = Table(
    "nat_initiatives",
    metadata,
    _region(),
    _key(),
    Column("theme", String(40), nullable=False),
    Column("province", String(6), nullable=False),
    Column("registered_phase", String(20), nullable=False),
    Column("phase", String(20), nullable=False),
    Column("holder_sex", String(1), nullable=False),
    Column("holder_age_band", String(5), nullable=False),
    Column("registered_month", String(MONTH), nullable=False),
    # First month in validation or croissance (at registration or by a phase change).
    Column("reached_late_month", String(MONTH)),
    Column("accompanied_month", String(MONTH)),
    Column("accompaniments", Integer, nullable=False),
    Column("closed_month", String(MONTH)),
    Column("close_reason", String(20)),
)

# Every phase change, so the coverage of a past month can be recomputed (T2's trend).
phase_changes = Table(
    "nat_phase_changes",
    metadata,
    _region(),
    Column("seq", Integer, primary_key=True),
    Column("subject", String(PSEUDONYM), nullable=False),
    Column("month", String(MONTH), nullable=False),
    Column("from_phase", String(20), nullable=False),
    Column("to_phase", String(20), nullable=False),
    Column("regression", Boolean, nullable=False),
)

# One row per accompaniment, identified by the seq of the message that started it.
accompaniments = Table(
    "nat_accompaniments",
    metadata,
    _region(),
    Column("seq", Integer, primary_key=True),
    Column("subject", String(PSEUDONYM), nullable=False),
    Column("structure", String(PSEUDONYM), nullable=False),
    Column("offer", String(PSEUDONYM)),
    Column("service_type", String(30)),
    Column("phase", String(20)),
    Column("started_month", String(MONTH)),
    Column("ended_month", String(MONTH)),
    Column("outcome", String(20)),
    Column("satisfaction", Integer),
    Column("sessions", Integer, nullable=False),
    Column("hours", Float, nullable=False),
)

fundings = Table(
    "nat_fundings",
    metadata,
    _region(),
    Column("seq", Integer, primary_key=True),
    Column("subject", String(PSEUDONYM), nullable=False),
    Column("month", String(MONTH), nullable=False),
    Column("instrument", String(30), nullable=False),
    Column("amount_band", String(10), nullable=False),
    Column("phase", String(20)),  # the initiative's phase when the funding came
)

trainings = Table(
    "nat_trainings",
    metadata,
    _region(),
    _key(),
    Column("month", String(MONTH), nullable=False),
    Column("hours", Float, nullable=False),
    Column("participants", Integer, nullable=False),
    Column("new_participants", Integer, nullable=False),
)

competence = Table(
    "nat_competence",
    metadata,
    _region(),
    Column("month", String(MONTH), primary_key=True),
    Column("rollups", Integer, nullable=False),
    Column("assessed", Integer, nullable=False),
    Column("sum_before", Float, nullable=False),
    Column("sum_after", Float, nullable=False),
)

BENEFICIARY_COUNTS = contract.ROLL_UP_COUNTS
BENEFICIARY_SUMS = contract.ROLL_UP_SUMS

beneficiaries = Table(
    "nat_beneficiaries",
    metadata,
    _region(),
    Column("province", String(6), primary_key=True),
    Column("sex", String(1), primary_key=True),
    Column("age_band", String(5), primary_key=True),
    Column("month", String(MONTH), primary_key=True),
    Column("rollups", Integer, nullable=False),
    *(Column(name, Integer, nullable=False) for name in BENEFICIARY_COUNTS),
    *(Column(name, Float, nullable=False) for name in BENEFICIARY_SUMS),
)

theories = Table(
    "nat_theories",
    metadata,
    _region(),
    _key(),
    Column("revision", Integer, nullable=False),
    Column("indicator_codes", JSON, nullable=False),
    Column("month", String(MONTH), nullable=False),
    # First month the theory named at least one indicator (B1's adoption date).
    Column("first_month_with_codes", String(MONTH)),
)

measurements = Table(
    "nat_measurements",
    metadata,
    _region(),
    _key(),
    Column("indicator_code", String(120), primary_key=True),
    Column("first_month", String(MONTH), nullable=False),
    Column("measurements", Integer, nullable=False),
)

grid_versions = Table(
    "nat_grid_versions",
    metadata,
    _region(),
    _key(),
    Column("version", Integer, primary_key=True),
    Column("month", String(MONTH), nullable=False),
    Column("integrates_impact", Boolean, nullable=False),
    Column("impact_share", Float, nullable=False),
)

studies = Table(
    "nat_studies",
    metadata,
    _region(),
    _key(),
    Column("territory", String(6), nullable=False),
    Column("method", String(40), nullable=False),
    Column("status", String(20), nullable=False),
    Column("registered_month", String(MONTH), nullable=False),
    Column("status_month", String(MONTH), nullable=False),
    Column("completed_month", String(MONTH)),
)


# -- small SQL helpers -------------------------------------------------------------------------


def _where(table: Table, key: dict[str, Any]) -> Any:
    return and_(*(table.c[name] == value for name, value in key.items()))


# Statements are built once per table and shape, with bound parameters: building a statement
# with its values inlined costs more than running it, and a rebuild runs millions of them.


@cache
def _insert(table: Table) -> Any:
    return insert(table)


@cache
def _update(table: Table, keys: tuple[str, ...], names: tuple[str, ...], add: bool) -> Any:
    where = and_(*(table.c[k] == bindparam(f"k_{k}") for k in keys))
    values = {n: table.c[n] + bindparam(f"v_{n}") if add else bindparam(f"v_{n}") for n in names}
    return update(table).where(where).values(values)


def _run_update(
    conn: Connection, table: Table, key: dict[str, Any], values: dict[str, Any], add: bool = False
) -> int:
    """UPDATE the row of `key`; values that are SQL expressions go the slow, general way."""
    if any(isinstance(v, ClauseElement) for v in values.values()):
        return int(conn.execute(update(table).where(_where(table, key)).values(**values)).rowcount)
    statement = _update(table, tuple(key), tuple(values), add)
    params = {f"k_{k}": v for k, v in key.items()} | {f"v_{n}": v for n, v in values.items()}
    return int(conn.execute(statement, params).rowcount)


def _upsert(conn: Connection, table: Table, key: dict[str, Any], values: dict[str, Any]) -> None:
    """Set `values` on the row of `key`, creating it if needed (portable: SQLite, PostgreSQL)."""
    if _run_update(conn, table, key, values) == 0:
        conn.execute(_insert(table), {**key, **values})


def _add(
    conn: Connection,
    table: Table,
    key: dict[str, Any],
    deltas: dict[str, float],
    first: dict[str, Any] | None = None,
) -> None:
    """Add `deltas` to the row of `key`; a new row starts from them (and from `first`)."""
    if _run_update(conn, table, key, deltas, add=True) == 0:
        conn.execute(_insert(table), {**key, **deltas, **(first or {})})


def _set(conn: Connection, table: Table, key: dict[str, Any], **values: Any) -> None:
    _run_update(conn, table, key, values)


def _subject(envelope: contract.Envelope) -> dict[str, Any]:
    """The record's key (the contract guarantees every non-roll-up message names one)."""
    return {"region": envelope.region, "subject": envelope.subject}


# -- handlers: one per event type --------------------------------------------------------------

E = contract.Envelope


def _member_joined(conn: Connection, e: E, d: contract.MemberJoined) -> None:
    values = {"name": d.name, "actor_type": d.actor_type.value, "role": d.role.value}
    _upsert(conn, members, _subject(e), {**values, "joined_month": e.month, "left_month": None})


def _member_role_changed(conn: Connection, e: E, d: contract.MemberRoleChanged) -> None:
    _set(conn, members, _subject(e), role=d.role.value)


def _member_left(conn: Connection, e: E, d: contract.MemberLeft) -> None:
    _set(conn, members, _subject(e), left_month=e.month)


def _meeting_held(conn: Connection, e: E, d: contract.MeetingHeld) -> None:
    values = {"activity": "meeting", "kind": None, "month": e.month}
    _upsert(conn, governance, _subject(e), {**values, "members_present": d.members_present})


def _resource_shared(conn: Connection, e: E, d: contract.ResourceShared) -> None:
    values = {"activity": "resource", "kind": d.kind.value, "month": e.month}
    _upsert(conn, governance, _subject(e), {**values, "members_present": None})


def _structure_registered(conn: Connection, e: E, d: contract.StructureRegistered) -> None:
    values = {
        "name": d.name,
        "kind": d.kind.value,
        "provinces": sorted(set(d.provinces)),
        "registered_month": e.month,
    }
    key = _subject(e)
    if _run_update(conn, structures, key, values):
        return
    conn.execute(_insert(structures), dict(**key, **values, support_types=[], assessments=0))


def _offer_published(conn: Connection, e: E, d: contract.OfferPublished) -> None:
    values = {
        "structure": _subject(e)["subject"],
        "service_type": d.service_type.value,
        "phases": sorted({p.value for p in d.phases}),
        "provinces": sorted(set(d.provinces)),
        "capacity_per_year": d.capacity_per_year,
        "free": d.free,
        "published_month": e.month,
        "withdrawn_month": None,
    }
    _upsert(conn, offers, {"region": e.region, "offer": d.offer}, values)


def _offer_withdrawn(conn: Connection, e: E, d: contract.OfferWithdrawn) -> None:
    _set(conn, offers, {"region": e.region, "offer": d.offer}, withdrawn_month=e.month)


def _structure_supported(conn: Connection, e: E, d: contract.StructureSupported) -> None:
    key = _subject(e)
    row = conn.execute(select(structures.c.support_types).where(_where(structures, key))).first()
    if row is None:
        return
    kinds = sorted({*row.support_types, d.support_type.value})
    _set(
        conn,
        structures,
        key,
        support_types=kinds,
        supported_month=func.coalesce(structures.c.supported_month, e.month),
    )


def _quality_assessed(conn: Connection, e: E, d: contract.QualityAssessed) -> None:
    scores = dict(sorted(d.scores.items()))
    mean = sum(scores.values()) / len(scores) if scores else None
    _set(
        conn,
        structures,
        _subject(e),
        quality_scores=scores,
        quality_score=mean,
        assessed_month=e.month,
        assessments=structures.c.assessments + 1,
    )


def _initiative_registered(conn: Connection, e: E, d: contract.InitiativeRegistered) -> None:
    values = {
        "theme": d.theme.value,
        "province": d.province,
        "registered_phase": d.phase.value,
        "phase": d.phase.value,
        "holder_sex": d.holder_sex.value,
        "holder_age_band": d.holder_age_band,
        "registered_month": e.month,
        "reached_late_month": e.month if d.phase in LATE_PHASES else None,
        "accompanied_month": None,
        "accompaniments": 0,
        "closed_month": None,
        "close_reason": None,
    }
    _upsert(conn, initiatives, _subject(e), values)


def _holder_corrected(conn: Connection, e: E, d: contract.HolderCorrected) -> None:
    _set(
        conn,
        initiatives,
        _subject(e),
        holder_sex=d.holder_sex.value,
        holder_age_band=d.holder_age_band,
    )


def _phase_changed(conn: Connection, e: E, d: contract.PhaseChanged) -> None:
    key = _subject(e)
    conn.execute(
        _insert(phase_changes),
        {
            "region": e.region,
            "seq": e.seq,
            "subject": key["subject"],
            "month": e.month,
            "from_phase": d.from_phase.value,
            "to_phase": d.to_phase.value,
            "regression": d.regression,
        },
    )
    values: dict[str, Any] = {"phase": d.to_phase.value}
    if d.to_phase in LATE_PHASES:
        values["reached_late_month"] = func.coalesce(initiatives.c.reached_late_month, e.month)
    _set(conn, initiatives, key, **values)


def _accompaniment_started(conn: Connection, e: E, d: contract.AccompanimentStarted) -> None:
    key = _subject(e)
    conn.execute(
        _insert(accompaniments),
        {
            "region": e.region,
            "seq": e.seq,
            "subject": key["subject"],
            "structure": d.structure,
            "offer": d.offer,
            "service_type": d.service_type.value,
            "phase": d.phase.value,
            "started_month": e.month,
            "sessions": 0,
            "hours": 0.0,
        },
    )
    _set(
        conn,
        initiatives,
        key,
        accompaniments=initiatives.c.accompaniments + 1,
        accompanied_month=func.coalesce(initiatives.c.accompanied_month, e.month),
    )


_OPEN_ACCOMPANIMENT = (
    select(accompaniments.c.seq)
    .where(
        accompaniments.c.region == bindparam("r"),
        accompaniments.c.subject == bindparam("subject"),
        accompaniments.c.structure == bindparam("structure"),
        accompaniments.c.ended_month.is_(None),
    )
    .order_by(accompaniments.c.seq.desc())
    .limit(1)
)


def _open_accompaniment(conn: Connection, e: E, structure: str) -> int | None:
    """The seq of the initiative's latest accompaniment by `structure` still running."""
    seq: int | None = conn.execute(
        _OPEN_ACCOMPANIMENT,
        {"r": e.region, "subject": _subject(e)["subject"], "structure": structure},
    ).scalar()
    return seq


def _session_held(conn: Connection, e: E, d: contract.SessionHeld) -> None:
    seq = _open_accompaniment(conn, e, d.structure)
    if seq is not None:
        _add(
            conn,
            accompaniments,
            {"region": e.region, "seq": seq},
            {"sessions": 1, "hours": d.hours},
        )


def _accompaniment_ended(conn: Connection, e: E, d: contract.AccompanimentEnded) -> None:
    ending = {"ended_month": e.month, "outcome": d.outcome.value, "satisfaction": d.satisfaction}
    seq = _open_accompaniment(conn, e, d.structure)
    if seq is not None:
        _set(conn, accompaniments, {"region": e.region, "seq": seq}, **ending)
        return
    # An end whose start the nation never saw still carries a holder's satisfaction.
    conn.execute(
        _insert(accompaniments),
        dict(
            region=e.region,
            seq=e.seq,
            subject=_subject(e)["subject"],
            structure=d.structure,
            sessions=0,
            hours=0.0,
            **ending,
        ),
    )


def _funding_received(conn: Connection, e: E, d: contract.FundingReceived) -> None:
    key = _subject(e)
    phase = conn.execute(select(initiatives.c.phase).where(_where(initiatives, key))).scalar()
    conn.execute(
        _insert(fundings),
        {
            "region": e.region,
            "seq": e.seq,
            "subject": key["subject"],
            "month": e.month,
            "instrument": d.instrument.value,
            "amount_band": d.amount_band,
            "phase": phase,
        },
    )


def _initiative_closed(conn: Connection, e: E, d: contract.InitiativeClosed) -> None:
    _set(conn, initiatives, _subject(e), closed_month=e.month, close_reason=d.reason.value)


def _training_held(conn: Connection, e: E, d: contract.TrainingHeld) -> None:
    values = {
        "month": e.month,
        "hours": d.hours,
        "participants": d.participants,
        "new_participants": d.new_participants,
    }
    _upsert(conn, trainings, _subject(e), values)


def _competence_rolled_up(conn: Connection, e: E, d: contract.CompetenceRollUp) -> None:
    deltas = {
        "rollups": 1,
        "assessed": d.assessed,
        "sum_before": d.sum_before,
        "sum_after": d.sum_after,
    }
    _add(conn, competence, {"region": e.region, "month": e.month}, deltas)


def _beneficiaries_rolled_up(conn: Connection, e: E, d: contract.BeneficiaryRollUp) -> None:
    key = {
        "region": e.region,
        "province": d.province,
        "sex": d.sex.value,
        "age_band": d.age_band,
        "month": e.month,
    }
    deltas: dict[str, float] = {"rollups": 1}
    deltas.update({name: getattr(d, name) for name in BENEFICIARY_COUNTS + BENEFICIARY_SUMS})
    _add(conn, beneficiaries, key, deltas)


def _theory_defined(conn: Connection, e: E, d: contract.TheoryOfChangeDefined) -> None:
    key = _subject(e)
    row = conn.execute(
        select(theories.c.revision, theories.c.first_month_with_codes).where(_where(theories, key))
    ).first()
    if row is not None and d.revision < row.revision:
        return  # an older revision arriving late changes nothing
    codes = sorted(set(d.indicator_codes))
    first = row.first_month_with_codes if row is not None else None
    values = {
        "revision": d.revision,
        "indicator_codes": codes,
        "month": e.month,
        "first_month_with_codes": first or (e.month if codes else None),
    }
    _upsert(conn, theories, key, values)


def _measurement_recorded(conn: Connection, e: E, d: contract.MeasurementRecorded) -> None:
    key = {**_subject(e), "indicator_code": d.indicator_code}
    _add(conn, measurements, key, {"measurements": 1}, first={"first_month": e.month})


def _grid_published(conn: Connection, e: E, d: contract.GridPublished) -> None:
    values = {
        "month": e.month,
        "integrates_impact": d.integrates_impact,
        "impact_share": d.impact_share,
    }
    _upsert(conn, grid_versions, {**_subject(e), "version": d.version}, values)


def _study_registered(conn: Connection, e: E, d: contract.StudyRegistered) -> None:
    values = {
        "territory": d.territory,
        "method": d.method.value,
        "status": StudyStatus.PLANNED.value,
        "registered_month": e.month,
        "status_month": e.month,
        "completed_month": None,
    }
    _upsert(conn, studies, _subject(e), values)


def _study_status_changed(conn: Connection, e: E, d: contract.StudyStatusChanged) -> None:
    values: dict[str, Any] = {"status": d.status.value, "status_month": e.month}
    if d.status is StudyStatus.COMPLETED:
        values["completed_month"] = func.coalesce(studies.c.completed_month, e.month)
    _set(conn, studies, _subject(e), **values)


Handler = Callable[[Connection, contract.Envelope, Any], None]

HANDLERS: dict[str, Handler] = {
    "member.joined": _member_joined,
    "member.role_changed": _member_role_changed,
    "member.left": _member_left,
    "governance.meeting_held": _meeting_held,
    "governance.resource_shared": _resource_shared,
    "structure.registered": _structure_registered,
    "structure.offer_published": _offer_published,
    "structure.offer_withdrawn": _offer_withdrawn,
    "structure.supported": _structure_supported,
    "structure.quality_assessed": _quality_assessed,
    "initiative.registered": _initiative_registered,
    "initiative.holder_corrected": _holder_corrected,
    "initiative.phase_changed": _phase_changed,
    "initiative.accompaniment_started": _accompaniment_started,
    "initiative.session_held": _session_held,
    "initiative.accompaniment_ended": _accompaniment_ended,
    "initiative.funding_received": _funding_received,
    "initiative.closed": _initiative_closed,
    "training.held": _training_held,
    "training.competence_rolled_up": _competence_rolled_up,
    "beneficiaries.rolled_up": _beneficiaries_rolled_up,
    "impact.theory_defined": _theory_defined,
    "impact.measurement_recorded": _measurement_recorded,
    "impact.grid_published": _grid_published,
    "impact.study_registered": _study_registered,
    "impact.study_status_changed": _study_status_changed,
}


def apply(conn: Connection, envelope: contract.Envelope) -> None:
    """Update the read models for one accepted message, in the caller's transaction."""
    HANDLERS[envelope.type](conn, envelope, envelope.payload())


# -- lifecycle ---------------------------------------------------------------------------------


def create(engine: Engine) -> None:
    """Create the projection tables that do not exist yet."""
    metadata.create_all(engine)


def reset(engine: Engine) -> None:
    """Drop and create the projection tables (empty)."""
    with engine.begin() as conn:
        _reset(conn)


def _reset(conn: Connection) -> None:
    metadata.drop_all(conn)
    metadata.create_all(conn)


def rebuild(engine: Engine, envelopes: Iterable[contract.Envelope]) -> int:
    """Fresh projections from `envelopes` (in log order), in one transaction, so readers see
    the old tables or the new ones, never half a replay. Returns the number applied."""
    with engine.begin() as conn:
        _reset(conn)
        return _replay(conn, envelopes)


def _replay(conn: Connection, envelopes: Iterable[contract.Envelope]) -> int:
    count = 0
    for envelope in envelopes:
        apply(conn, envelope)
        count += 1
    return count


def logged(conn: Connection, page: int = 2000) -> Iterator[contract.Envelope]:
    """The national log's messages in arrival order, read page by page on `conn`."""
    after = 0
    while True:
        rows = conn.execute(
            select(national_log.c.id, national_log.c.body)
            .where(national_log.c.id > after)
            .order_by(national_log.c.id)
            .limit(page)
        ).all()
        if not rows:
            return
        for row in rows:
            yield contract.parse(row.body)
        after = rows[-1].id


def rebuild_from_log(engine: Engine) -> int:
    """Rebuild the projections from the national log; returns the number of messages."""
    with engine.begin() as conn:
        _reset(conn)
        return _replay(conn, logged(conn))
