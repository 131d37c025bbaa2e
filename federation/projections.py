"""National read models: what the indicators need, built from the national log.

One small handler per event type of the wire contract updates these tables for one accepted
message, inside the consumer's transaction (the same one that appends the message to the
national log), so a message is in the log and in the projections, or in neither. Handlers work
on rows in memory (`Rows`): a batch of messages — a fetch of the consumer, a page of a
rebuild — reads its rows with a few queries and writes them back once, as if applied one by
one. Records are
keyed by (region, subject pseudonym): pseudonyms are per region, so the region is always part
of the key. Roll-ups (beneficiaries, competences) carry no subject and are additive: each
message adds its counts — possibly negative corrections — to the running sums of its stratum.

The tables are a pure function of the log in its order: `rebuild` drops them, creates them
and replays the envelopes, giving the same rows as the incremental path.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from functools import cache
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Connection,
    Engine,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    bindparam,
    insert,
    select,
    tuple_,
    update,
)

from drais.database import execute_many
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
    Column("quality_scores", JSON(none_as_null=True)),
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
    # Sessions and ends find the initiative's running accompaniment by its subject.
    Index("nat_accompaniments_subject", "region", "subject"),
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


# -- the rows a batch works on -----------------------------------------------------------------

Key = tuple[Any, ...]  # a row's primary key, in the table's column order
Row = dict[str, Any]

PAGE = 5_000  # log messages a rebuild replays per batch: bounds its memory, not its result
REBUILD_CACHE_KIB = 64 * 1024  # SQLite's page cache while rebuilding (its default: 2 MiB)
CHUNK = 2000  # keys per prefetch query, well below any backend's limit on parameters


@cache
def _key_names(table: Table) -> tuple[str, ...]:
    return tuple(column.name for column in table.primary_key.columns)


@cache
def _blank(table: Table) -> Row:
    """A row of NULLs, the start of every new row: one executemany needs the same columns."""
    return dict.fromkeys(column.name for column in table.columns)


@cache
def _select_key(table: Table) -> Any:
    return select(table).where(*(table.c[name] == bindparam(name) for name in _key_names(table)))


@cache
def _select_keys(table: Table) -> Any:
    """Rows by their keys. The first two key columns narrow the primary-key index (a row-value
    IN alone makes SQLite scan the table); the whole key, if longer, picks the rows."""
    first, second, *rest = (table.c[name] for name in _key_names(table))
    query = select(table).where(
        first.in_(bindparam("firsts", expanding=True)),
        second.in_(bindparam("seconds", expanding=True)),
    )
    if rest:
        query = query.where(tuple_(first, second, *rest).in_(bindparam("keys", expanding=True)))
    return query


# The running accompaniments of (region, subject) pairs (the table's index on both).
_SELECT_RUNNING = select(accompaniments).where(
    accompaniments.c.region.in_(bindparam("firsts", expanding=True)),
    accompaniments.c.subject.in_(bindparam("seconds", expanding=True)),
    accompaniments.c.ended_month.is_(None),
)


@cache
def _insert(table: Table) -> Any:
    return insert(table)


@cache
def _update(table: Table) -> Any:
    """The whole row by its key; the key travels as `k_<column>` (the plain names are SET)."""
    keys = _key_names(table)
    values: Row = {c.name: bindparam(c.name) for c in table.columns if c.name not in keys}
    where = (table.c[name] == bindparam(f"k_{name}") for name in keys)
    return update(table).where(*where).values(values)


class Rows:
    """The projection rows one batch of messages reads and writes, held in memory.

    Handlers change plain dicts. Each row is read at most once per batch — those the batch's
    messages name in a few queries up front (`prefetch`), any other when first asked for — and
    written once at the end (`flush`), with one executemany per table and statement. A message
    then costs no statement of its own, where it used to cost two to four.
    """

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self._rows: dict[Table, dict[Key, Row | None]] = defaultdict(dict)
        self._stored: dict[Table, set[Key]] = defaultdict(set)  # rows the database holds
        self._changed: dict[Table, dict[Key, None]] = defaultdict(dict)  # in order of change
        # (region, subject) -> structure -> seqs of its running accompaniments, ascending.
        self._running: dict[Key, dict[str, list[int]]] = {}

    def get(self, table: Table, key: Key) -> Row | None:
        """The row of `key`, or None if there is none."""
        known = self._rows[table]
        if key not in known:
            params = dict(zip(_key_names(table), key, strict=True))
            found = self.conn.execute(_select_key(table), params).first()
            self._keep(table, key, found._asdict() if found is not None else None)
        return known[key]

    def edit(self, table: Table, key: Key) -> Row | None:
        """The row of `key`, to be changed in place and written at the flush."""
        row = self.get(table, key)
        if row is not None:
            self._changed[table][key] = None
        return row

    def insert(self, table: Table, key: Key, values: Row) -> None:
        """A new row: `key`, `values`, NULL elsewhere."""
        row = _blank(table).copy()
        row.update(zip(_key_names(table), key, strict=True))
        row.update(values)
        self._rows[table][key] = row
        self._changed[table][key] = None

    def running(self, region: str, subject: str) -> dict[str, list[int]]:
        """Per structure, the seqs of the subject's accompaniments still running, ascending;
        the handlers keep it up to date as they start and end them."""
        if (region, subject) not in self._running:
            self._load(accompaniments, [(region, subject)])
        return self._running[(region, subject)]

    def prefetch(self, messages: Iterable[Accepted]) -> None:
        """Read, a few queries per table, every row the messages' handlers will ask for
        (`READS`), and note the keys that have none."""
        wanted: dict[Table, set[Key]] = defaultdict(set)
        for envelope, data in messages:
            for table in READS[envelope.type]:
                key = ROW_KEYS[table](envelope, data)
                if key not in (self._running if table is accompaniments else self._rows[table]):
                    wanted[table].add(key)
        for table, keys in wanted.items():
            ordered = sorted(keys)
            for start in range(0, len(ordered), CHUNK):
                self._load(table, ordered[start : start + CHUNK])

    def _load(self, table: Table, keys: list[Key]) -> None:
        params = {
            "firsts": sorted({key[0] for key in keys}),
            "seconds": sorted({k[1] for k in keys}),
        }
        if len(keys[0]) > 2:
            params["keys"] = keys
        statement = _SELECT_RUNNING if table is accompaniments else _select_keys(table)
        found = [row._asdict() for row in self.conn.execute(statement, params)]
        names = _key_names(table)
        for row in found:
            self._keep(table, tuple(row[name] for name in names), row)
        if table is not accompaniments:
            for key in keys:
                self._keep(table, key, None)
            return
        asked = set(keys)  # the query may find other subjects' too: not all of theirs
        for key in keys:
            self._running[key] = {}
        for stored in sorted(found, key=lambda row: row["seq"]):
            current = self._rows[table][(stored["region"], stored["seq"])]  # maybe changed
            key = (stored["region"], stored["subject"])
            if key in asked and current is not None and current["ended_month"] is None:
                self._running[key].setdefault(current["structure"], []).append(current["seq"])

    def _keep(self, table: Table, key: Key, row: Row | None) -> Row | None:
        """Remember what the database holds for `key`; what is in memory already is newer."""
        known = self._rows[table]
        if key not in known:
            known[key] = row
            if row is not None:
                self._stored[table].add(key)
        return known[key]

    def flush(self) -> None:
        """Write the new rows and the changed ones."""
        for table, keys in self._changed.items():
            known, stored = self._rows[table], self._stored[table]
            new: list[Row] = []
            changed: list[Row] = []
            for key in keys:
                row = known[key]
                assert row is not None  # only rows that exist are ever changed
                if key in stored:
                    changed.append({**row, **{f"k_{n}": row[n] for n in _key_names(table)}})
                else:
                    new.append(row)
            execute_many(self.conn, _insert(table), new)
            execute_many(self.conn, _update(table), changed)
            stored.update(keys)
        self._changed.clear()


# -- handlers: one per event type --------------------------------------------------------------

E = contract.Envelope
Accepted = tuple[contract.Envelope, Any]  # an envelope and its validated data
Handler = Callable[[Rows, contract.Envelope, Any], None]


def _by_subject(e: E, d: Any) -> Key:
    """The record's key (the contract guarantees every non-roll-up message names one)."""
    return (e.region, e.subject)


# How a message names its row in each table keyed by what it says (the others are keyed by the
# (region, seq) of the message that created the row); `accompaniments`: by (region, subject),
# the subject's running ones.
ROW_KEYS: dict[Table, Callable[[E, Any], Key]] = {
    members: _by_subject,
    governance: _by_subject,
    structures: _by_subject,
    offers: lambda e, d: (e.region, d.offer),
    initiatives: _by_subject,
    accompaniments: _by_subject,
    trainings: _by_subject,
    competence: lambda e, d: (e.region, e.month),
    beneficiaries: lambda e, d: (e.region, d.province, d.sex.value, d.age_band, e.month),
    theories: _by_subject,
    measurements: lambda e, d: (e.region, e.subject, d.indicator_code),
    grid_versions: lambda e, d: (e.region, e.subject, d.version),
    studies: _by_subject,
}

HANDLERS: dict[str, Handler] = {}
READS: dict[str, tuple[Table, ...]] = {}  # the tables of `ROW_KEYS` each type's handler reads


def handles(kind: str, *reads: Table) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        HANDLERS[kind] = handler
        READS[kind] = reads
        return handler

    return register


def _edit(rows: Rows, table: Table, e: E, d: Any) -> Row | None:
    return rows.edit(table, ROW_KEYS[table](e, d))


def _upsert(rows: Rows, table: Table, e: E, d: Any, values: Row) -> None:
    """Set `values` on the message's row, creating it if needed."""
    row = _edit(rows, table, e, d)
    if row is None:
        rows.insert(table, ROW_KEYS[table](e, d), values)
    else:
        row.update(values)


def _set(rows: Rows, table: Table, e: E, d: Any, **values: Any) -> None:
    """Set `values` on the message's row, if there is one."""
    row = _edit(rows, table, e, d)
    if row is not None:
        row.update(values)


def _add(rows: Rows, table: Table, e: E, d: Any, deltas: Row, first: Row | None = None) -> None:
    """Add `deltas` to the message's row; a new row starts from them (and from `first`)."""
    row = _edit(rows, table, e, d)
    if row is None:
        rows.insert(table, ROW_KEYS[table](e, d), {**deltas, **(first or {})})
        return
    for name, delta in deltas.items():
        row[name] += delta


@handles("member.joined", members)
def _member_joined(rows: Rows, e: E, d: contract.MemberJoined) -> None:
    values = {"name": d.name, "actor_type": d.actor_type.value, "role": d.role.value}
    _upsert(rows, members, e, d, {**values, "joined_month": e.month, "left_month": None})


@handles("member.role_changed", members)
def _member_role_changed(rows: Rows, e: E, d: contract.MemberRoleChanged) -> None:
    _set(rows, members, e, d, role=d.role.value)


@handles("member.left", members)
def _member_left(rows: Rows, e: E, d: contract.MemberLeft) -> None:
    _set(rows, members, e, d, left_month=e.month)


@handles("governance.meeting_held", governance)
def _meeting_held(rows: Rows, e: E, d: contract.MeetingHeld) -> None:
    values = {"activity": "meeting", "kind": None, "month": e.month}
    _upsert(rows, governance, e, d, {**values, "members_present": d.members_present})


@handles("governance.resource_shared", governance)
def _resource_shared(rows: Rows, e: E, d: contract.ResourceShared) -> None:
    values = {"activity": "resource", "kind": d.kind.value, "month": e.month}
    _upsert(rows, governance, e, d, {**values, "members_present": None})


@handles("structure.registered", structures)
def _structure_registered(rows: Rows, e: E, d: contract.StructureRegistered) -> None:
    values = {
        "name": d.name,
        "kind": d.kind.value,
        "provinces": sorted(set(d.provinces)),
        "registered_month": e.month,
    }
    row = _edit(rows, structures, e, d)
    if row is not None:
        row.update(values)
    else:
        rows.insert(
            structures, _by_subject(e, d), {**values, "support_types": [], "assessments": 0}
        )


@handles("structure.offer_published", offers)
def _offer_published(rows: Rows, e: E, d: contract.OfferPublished) -> None:
    values = {
        "structure": e.subject,
        "service_type": d.service_type.value,
        "phases": sorted({p.value for p in d.phases}),
        "provinces": sorted(set(d.provinces)),
        "capacity_per_year": d.capacity_per_year,
        "free": d.free,
        "published_month": e.month,
        "withdrawn_month": None,
    }
    _upsert(rows, offers, e, d, values)


@handles("structure.offer_withdrawn", offers)
def _offer_withdrawn(rows: Rows, e: E, d: contract.OfferWithdrawn) -> None:
    _set(rows, offers, e, d, withdrawn_month=e.month)


@handles("structure.supported", structures)
def _structure_supported(rows: Rows, e: E, d: contract.StructureSupported) -> None:
    row = _edit(rows, structures, e, d)
    if row is not None:
        row["support_types"] = sorted({*row["support_types"], d.support_type.value})
        row["supported_month"] = row["supported_month"] or e.month


@handles("structure.quality_assessed", structures)
def _quality_assessed(rows: Rows, e: E, d: contract.QualityAssessed) -> None:
    row = _edit(rows, structures, e, d)
    if row is not None:
        scores = dict(sorted(d.scores.items()))
        row["quality_scores"] = scores
        row["quality_score"] = sum(scores.values()) / len(scores) if scores else None
        row["assessed_month"] = e.month
        row["assessments"] += 1


@handles("initiative.registered", initiatives)
def _initiative_registered(rows: Rows, e: E, d: contract.InitiativeRegistered) -> None:
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
    _upsert(rows, initiatives, e, d, values)


@handles("initiative.holder_corrected", initiatives)
def _holder_corrected(rows: Rows, e: E, d: contract.HolderCorrected) -> None:
    sex, band = d.holder_sex.value, d.holder_age_band
    _set(rows, initiatives, e, d, holder_sex=sex, holder_age_band=band)


@handles("initiative.phase_changed", initiatives)
def _phase_changed(rows: Rows, e: E, d: contract.PhaseChanged) -> None:
    values = {
        "subject": e.subject,
        "month": e.month,
        "from_phase": d.from_phase.value,
        "to_phase": d.to_phase.value,
        "regression": d.regression,
    }
    rows.insert(phase_changes, (e.region, e.seq), values)
    row = _edit(rows, initiatives, e, d)
    if row is not None:
        row["phase"] = d.to_phase.value
        if d.to_phase in LATE_PHASES:
            row["reached_late_month"] = row["reached_late_month"] or e.month


def _running(rows: Rows, e: E, structure: str) -> list[int]:
    """The seqs of the initiative's accompaniments by `structure` still running, ascending."""
    return rows.running(e.region, str(e.subject)).setdefault(structure, [])


@handles("initiative.accompaniment_started", initiatives, accompaniments)
def _accompaniment_started(rows: Rows, e: E, d: contract.AccompanimentStarted) -> None:
    values = {
        "subject": e.subject,
        "structure": d.structure,
        "offer": d.offer,
        "service_type": d.service_type.value,
        "phase": d.phase.value,
        "started_month": e.month,
        "sessions": 0,
        "hours": 0.0,
    }
    rows.insert(accompaniments, (e.region, e.seq), values)
    bisect.insort(_running(rows, e, d.structure), e.seq)
    row = _edit(rows, initiatives, e, d)
    if row is not None:
        row["accompaniments"] += 1
        row["accompanied_month"] = row["accompanied_month"] or e.month


@handles("initiative.session_held", accompaniments)
def _session_held(rows: Rows, e: E, d: contract.SessionHeld) -> None:
    running = _running(rows, e, d.structure)
    row = rows.edit(accompaniments, (e.region, running[-1])) if running else None
    if row is not None:
        row["sessions"] += 1
        row["hours"] += d.hours


@handles("initiative.accompaniment_ended", accompaniments)
def _accompaniment_ended(rows: Rows, e: E, d: contract.AccompanimentEnded) -> None:
    ending = {"ended_month": e.month, "outcome": d.outcome.value, "satisfaction": d.satisfaction}
    running = _running(rows, e, d.structure)
    row = rows.edit(accompaniments, (e.region, running.pop())) if running else None
    if row is not None:
        row.update(ending)
        return
    # An end whose start the nation never saw still carries a holder's satisfaction.
    values = {"subject": e.subject, "structure": d.structure, "sessions": 0, "hours": 0.0}
    rows.insert(accompaniments, (e.region, e.seq), {**values, **ending})


@handles("initiative.funding_received", initiatives)
def _funding_received(rows: Rows, e: E, d: contract.FundingReceived) -> None:
    initiative = rows.get(initiatives, _by_subject(e, d))
    values = {
        "subject": e.subject,
        "month": e.month,
        "instrument": d.instrument.value,
        "amount_band": d.amount_band,
        "phase": initiative["phase"] if initiative is not None else None,
    }
    rows.insert(fundings, (e.region, e.seq), values)


@handles("initiative.closed", initiatives)
def _initiative_closed(rows: Rows, e: E, d: contract.InitiativeClosed) -> None:
    _set(rows, initiatives, e, d, closed_month=e.month, close_reason=d.reason.value)


@handles("training.held", trainings)
def _training_held(rows: Rows, e: E, d: contract.TrainingHeld) -> None:
    values = {
        "month": e.month,
        "hours": d.hours,
        "participants": d.participants,
        "new_participants": d.new_participants,
    }
    _upsert(rows, trainings, e, d, values)


@handles("training.competence_rolled_up", competence)
def _competence_rolled_up(rows: Rows, e: E, d: contract.CompetenceRollUp) -> None:
    deltas = {
        "rollups": 1,
        "assessed": d.assessed,
        "sum_before": d.sum_before,
        "sum_after": d.sum_after,
    }
    _add(rows, competence, e, d, deltas)


@handles("beneficiaries.rolled_up", beneficiaries)
def _beneficiaries_rolled_up(rows: Rows, e: E, d: contract.BeneficiaryRollUp) -> None:
    deltas: Row = {"rollups": 1}
    deltas.update({name: getattr(d, name) for name in BENEFICIARY_COUNTS + BENEFICIARY_SUMS})
    _add(rows, beneficiaries, e, d, deltas)


@handles("impact.theory_defined", theories)
def _theory_defined(rows: Rows, e: E, d: contract.TheoryOfChangeDefined) -> None:
    row = rows.get(theories, _by_subject(e, d))
    if row is not None and d.revision < row["revision"]:
        return  # an older revision arriving late changes nothing
    codes = sorted(set(d.indicator_codes))
    first = row["first_month_with_codes"] if row is not None else None
    values = {
        "revision": d.revision,
        "indicator_codes": codes,
        "month": e.month,
        "first_month_with_codes": first or (e.month if codes else None),
    }
    _upsert(rows, theories, e, d, values)


@handles("impact.measurement_recorded", measurements)
def _measurement_recorded(rows: Rows, e: E, d: contract.MeasurementRecorded) -> None:
    _add(rows, measurements, e, d, {"measurements": 1}, first={"first_month": e.month})


@handles("impact.grid_published", grid_versions)
def _grid_published(rows: Rows, e: E, d: contract.GridPublished) -> None:
    values = {
        "month": e.month,
        "integrates_impact": d.integrates_impact,
        "impact_share": d.impact_share,
    }
    _upsert(rows, grid_versions, e, d, values)


@handles("impact.study_registered", studies)
def _study_registered(rows: Rows, e: E, d: contract.StudyRegistered) -> None:
    values = {
        "territory": d.territory,
        "method": d.method.value,
        "status": StudyStatus.PLANNED.value,
        "registered_month": e.month,
        "status_month": e.month,
        "completed_month": None,
    }
    _upsert(rows, studies, e, d, values)


@handles("impact.study_status_changed", studies)
def _study_status_changed(rows: Rows, e: E, d: contract.StudyStatusChanged) -> None:
    row = _edit(rows, studies, e, d)
    if row is not None:
        row["status"] = d.status.value
        row["status_month"] = e.month
        if d.status is StudyStatus.COMPLETED:
            row["completed_month"] = row["completed_month"] or e.month


def apply_all(conn: Connection, messages: Iterable[Accepted]) -> int:
    """Update the read models for accepted messages, in their order, in the caller's
    transaction: the batch's rows read up front, changed in memory, written once. Returns the
    number applied."""
    batch = list(messages)
    rows = Rows(conn)
    rows.prefetch(batch)
    for envelope, data in batch:
        HANDLERS[envelope.type](rows, envelope, data)
    rows.flush()
    return len(batch)


def apply(conn: Connection, envelope: contract.Envelope) -> None:
    """Update the read models for one accepted message, in the caller's transaction."""
    apply_all(conn, [(envelope, envelope.payload())])


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
    accepted = ((envelope, envelope.payload()) for envelope in envelopes)
    with engine.begin() as conn, _page_cache(conn, REBUILD_CACHE_KIB):
        _reset(conn)
        return sum(apply_all(conn, page) for page in _pages(accepted))


def _pages(items: Iterable[Accepted]) -> Iterator[list[Accepted]]:
    page: list[Accepted] = []
    for item in items:
        page.append(item)
        if len(page) == PAGE:
            yield page
            page = []
    if page:
        yield page


def logged(conn: Connection, page: int) -> Iterator[list[Accepted]]:
    """The national log's messages in arrival order, page by page on `conn`, each validated
    once (its data too: they all passed the contract on their way in)."""
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
        after = rows[-1].id
        parsed: list[Accepted] = [contract.parse_event(row.body) for row in rows]
        del rows  # the bodies are not needed while the page is applied
        yield parsed


def rebuild_from_log(engine: Engine) -> int:
    """Rebuild the projections from the national log; returns the number of messages."""
    with engine.begin() as conn, _page_cache(conn, REBUILD_CACHE_KIB):
        _reset(conn)
        return sum(apply_all(conn, page) for page in logged(conn, PAGE))


@contextmanager
def _page_cache(conn: Connection, kib: int) -> Iterator[None]:
    """A larger SQLite page cache on this connection for a while: a rebuild reads and
    updates rows all over tables that outgrow the default cache (a 1,000,000-message
    rebuild is a third faster). PostgreSQL sizes its buffers itself."""
    if conn.dialect.name != "sqlite":
        yield
        return
    before = conn.exec_driver_sql("PRAGMA cache_size").scalar_one()
    conn.exec_driver_sql(f"PRAGMA cache_size = -{int(kib)}")
    try:
        yield
    finally:
        conn.exec_driver_sql(f"PRAGMA cache_size = {int(before)}")
