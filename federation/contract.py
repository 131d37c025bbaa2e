"""The wire contract between regional nodes and the federation, version 1.

The only module both sides share. A message is canonical JSON (sorted keys, UTF-8, no
spaces) of an `Envelope`: who sent it (`region`), where it sits in the region's hash chain
(`seq`, `prev`), what happened (`type`, `month`, `subject`, `data`) and the Ed25519 signature
over everything else. Every model forbids unknown fields, so a field the contract does not name
— a name, a CIN slipped in by mistake — is an error on the national side, not a silent leak.

What each event type shares, and why, is in the docstring of its data model; the rule for all
of them: share only what a national indicator (DESIGN §6) needs, prefer counts to records,
never free text, dates only as months, ages as bands, amounts as bands, every identifier a
keyed pseudonym.
"""

from __future__ import annotations

import bisect
import hashlib
import json
from collections.abc import Callable
from typing import Annotated, Any, Literal, Self, Union, cast

import orjson
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    TypeAdapter,
    ValidationError,
    WithJsonSchema,
    create_model,
    model_validator,
)

from drais.vocabulary import (
    AccompanimentOutcome,
    ActorType,
    DraisSupportType,
    FundingInstrument,
    Gender,
    InitiativeClosure,
    Phase,
    ResourceKind,
    Role,
    ServiceType,
    StructureKind,
    StudyMethod,
    StudyStatus,
    Theme,
)

VERSION = 1
SUBJECT_PREFIX = f"drais.v{VERSION}"
CONTROL_PREFIX = "drais.ctl"  # federation -> region requests, outside the stream
GENESIS = "0" * 64  # `prev` of a region's first message

Region = Annotated[str, StringConstraints(pattern=r"^MA-(0[1-9]|1[0-2])$")]
Province = Annotated[str, StringConstraints(pattern=r"^MA-[A-Z]{3}$")]
Month = Annotated[str, StringConstraints(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")]
Pseudonym = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{32}$")]
Hash = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]
KeyId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9:._-]{1,64}$")]
IndicatorCode = Annotated[str, StringConstraints(pattern=r"^[A-Z0-9]+(\.[A-Za-z0-9_-]+)+$")]
OrganisationName = Annotated[str, StringConstraints(min_length=1, max_length=200)]
Count = Annotated[int, Field(ge=0)]

AgeBand = Literal["<18", "18-24", "25-34", "35-44", "45-59", "60+"]
# Amounts in dirhams, as bands: enough for "how much funding reaches which phase".
AMOUNT_BANDS = (
    (0, "<10k"),
    (10_000, "10k-50k"),
    (50_000, "50k-200k"),
    (200_000, "200k-1M"),
    (1_000_000, ">=1M"),
)
AMOUNT_FLOORS = [floor for floor, _ in AMOUNT_BANDS]
AmountBand = Literal["<10k", "10k-50k", "50k-200k", "200k-1M", ">=1M"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# -- alliance -------------------------------------------------------------------------------


class MemberJoined(Strict):
    """D1. Alliance members are public organisations: their name may be shared."""

    name: OrganisationName
    actor_type: ActorType
    role: Role


class MemberRoleChanged(Strict):
    """D1 by role."""

    role: Role


class MemberLeft(Strict):
    """D1 is cumulative net of departures."""


class MeetingHeld(Strict):
    """Governance activity: how many members took part. Title and decisions are free text."""

    members_present: Count


class ResourceShared(Strict):
    """Governance activity by kind of resource. Title and link are free text."""

    kind: ResourceKind


# -- support structures ---------------------------------------------------------------------


class StructureRegistered(Strict):
    """D2, T2. A support structure is a public actor: its name may be shared."""

    name: OrganisationName
    kind: StructureKind
    provinces: list[Province]


class OfferPublished(Strict):
    """D2 count and T2 coverage: who serves which province and phase, with what capacity."""

    offer: Pseudonym
    service_type: ServiceType
    phases: list[Phase]
    provinces: list[Province]
    capacity_per_year: Count
    free: bool


class OfferWithdrawn(Strict):
    """D2 and T2 count open offers only."""

    offer: Pseudonym


class StructureSupported(Strict):
    """D2 counts the structures the system supports."""

    support_type: DraisSupportType


class QualityAssessed(Strict):
    """D2 quality: the assessment's criterion scores (1–5, fixed criteria, no comment)."""

    scores: dict[
        Literal["pertinence", "accessibilite", "competences", "suivi", "mesure_impact"],
        Annotated[int, Field(ge=1, le=5)],
    ]


# -- initiatives ----------------------------------------------------------------------------


class InitiativeRegistered(Strict):
    """D3, T1, T2. The holder only as sex and age band; never the name, commune or holder."""

    theme: Theme
    province: Province
    phase: Phase
    holder_sex: Gender
    holder_age_band: AgeBand


class HolderCorrected(Strict):
    """The anonymized consequence of a rectification of the holder's sex or birth year."""

    holder_sex: Gender
    holder_age_band: AgeBand


class PhaseChanged(Strict):
    """D3 progression to validation and croissance."""

    from_phase: Phase
    to_phase: Phase
    regression: bool


class AccompanimentStarted(Strict):
    """D3 initiatives accompanied; T2 demand met, by service type and phase."""

    structure: Pseudonym
    offer: Pseudonym
    service_type: ServiceType
    phase: Phase


class SessionHeld(Strict):
    """Hours of accompaniment. The session's topic is free text and stays home."""

    structure: Pseudonym
    hours: Annotated[float, Field(gt=0, le=24)]


class AccompanimentEnded(Strict):
    """D2 quality: holders' satisfaction (1–5) and outcome."""

    structure: Pseudonym
    outcome: AccompanimentOutcome
    satisfaction: Annotated[int, Field(ge=1, le=5)]


class FundingReceived(Strict):
    """Funding reaching initiatives, by instrument and amount band (never the exact amount)."""

    instrument: FundingInstrument
    amount_band: AmountBand


class InitiativeClosed(Strict):
    """D3 survival."""

    reason: InitiativeClosure


# -- trainings ------------------------------------------------------------------------------


class TrainingHeld(Strict):
    """T3: hours and how many professionals took part, of whom how many for the first time
    (so the nation counts people, not attendances, without a record per person)."""

    hours: Annotated[float, Field(gt=0)]
    participants: Count
    new_participants: Count


class CompetenceRollUp(Strict):
    """T3 competence gain, as a roll-up of at least k assessments (never one person's)."""

    assessed: Annotated[int, Field(ge=1)]
    sum_before: float
    sum_after: float


# -- impact toolbox -------------------------------------------------------------------------


#: The additive figures of a beneficiary roll-up: counts, then sums of deprivation scores.
ROLL_UP_COUNTS = ("paired", "improved", "worsened", "exits", "entries", "poor_before", "poor_after")
ROLL_UP_SUMS = ("sum_c_before", "sum_c_after")


class BeneficiaryRollUp(Strict):
    """D4. Beneficiary outcomes leave the region only as roll-ups of at least k persons of one
    stratum (province, sex, age band): additive counts and sums of c_i, enough to compute the
    national rates exactly. A later follow-up of an already counted person travels as a delta,
    so the counts may carry negative corrections but their running sums never go below zero."""

    province: Province
    sex: Gender
    age_band: AgeBand
    persons: Annotated[int, Field(ge=1)]
    paired: int
    improved: int
    worsened: int
    exits: int
    entries: int
    poor_before: int
    poor_after: int
    sum_c_before: float
    sum_c_after: float


class TheoryOfChangeDefined(Strict):
    """B1: which catalogue indicators an initiative's theory of change follows (codes only)."""

    revision: Annotated[int, Field(ge=1)]
    indicator_codes: list[IndicatorCode]


class MeasurementRecorded(Strict):
    """B1: an initiative measured an indicator. The value and its disaggregation stay home."""

    indicator_code: IndicatorCode


class GridPublished(Strict):
    """B2: a funder evaluation grid version and whether it integrates impact analysis."""

    version: Annotated[int, Field(ge=1)]
    integrates_impact: bool
    impact_share: Annotated[float, Field(ge=0, le=1)]


class StudyRegistered(Strict):
    """B3: a policy evaluation study, its territory and method (title and policy are text)."""

    territory: Annotated[str, StringConstraints(pattern=r"^MA-([A-Z]{3}|0[1-9]|1[0-2])$")]
    method: StudyMethod


class StudyStatusChanged(Strict):
    """B3 counts completed studies."""

    status: StudyStatus


DATA_MODELS: dict[str, type[Strict]] = {
    "member.joined": MemberJoined,
    "member.role_changed": MemberRoleChanged,
    "member.left": MemberLeft,
    "governance.meeting_held": MeetingHeld,
    "governance.resource_shared": ResourceShared,
    "structure.registered": StructureRegistered,
    "structure.offer_published": OfferPublished,
    "structure.offer_withdrawn": OfferWithdrawn,
    "structure.supported": StructureSupported,
    "structure.quality_assessed": QualityAssessed,
    "initiative.registered": InitiativeRegistered,
    "initiative.holder_corrected": HolderCorrected,
    "initiative.phase_changed": PhaseChanged,
    "initiative.accompaniment_started": AccompanimentStarted,
    "initiative.session_held": SessionHeld,
    "initiative.accompaniment_ended": AccompanimentEnded,
    "initiative.funding_received": FundingReceived,
    "initiative.closed": InitiativeClosed,
    "training.held": TrainingHeld,
    "training.competence_rolled_up": CompetenceRollUp,
    "beneficiaries.rolled_up": BeneficiaryRollUp,
    "impact.theory_defined": TheoryOfChangeDefined,
    "impact.measurement_recorded": MeasurementRecorded,
    "impact.grid_published": GridPublished,
    "impact.study_registered": StudyRegistered,
    "impact.study_status_changed": StudyStatusChanged,
}

ROLL_UPS = frozenset({"beneficiaries.rolled_up", "training.competence_rolled_up"})


def _known_type(value: str) -> str:
    if value not in DATA_MODELS:
        raise ValueError(f"unknown event type {value!r}")
    return value


EventType = Annotated[
    str, AfterValidator(_known_type), WithJsonSchema({"enum": sorted(DATA_MODELS)})
]


class Envelope(Strict):
    """One federated event, signed by its region and chained to the region's previous one."""

    v: Literal[1]
    region: Region
    seq: Annotated[int, Field(ge=1)]
    prev: Hash
    type: EventType
    month: Month
    subject: Pseudonym | None
    data: dict[str, Any]
    kid: KeyId
    pkid: KeyId
    sig: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{128}$")]

    @model_validator(mode="after")
    def _subject_matches_type(self) -> Self:
        """Facts about a record name it (by pseudonym); roll-ups, which are about no one in
        particular, name nobody."""
        if (self.subject is None) != (self.type in ROLL_UPS):
            expected = "no subject" if self.type in ROLL_UPS else "a subject"
            raise ValueError(f"a {self.type} message has {expected}")
        return self

    def payload(self) -> Strict:
        """The type-specific data, validated against its model."""
        return DATA_MODELS[self.type].model_validate(self.data)


def _typed_envelope(kind: str, data: type[Strict]) -> type[Envelope]:
    """The envelope of one event type, its `data` that type's model (see `parse_event`)."""
    name = "Envelope_" + kind.replace(".", "_")
    tag = Literal[kind]  # type: ignore[valid-type]  # a literal made at run time
    typed: type[Envelope] = create_model(name, __base__=Envelope, type=(tag, ...), data=(data, ...))
    return typed


_TYPED: TypeAdapter[Envelope] = TypeAdapter(
    Annotated[  # type: ignore[arg-type]  # a union of the types made at run time
        Union[tuple(_typed_envelope(kind, model) for kind, model in DATA_MODELS.items())],  # noqa: UP007
        Field(discriminator="type"),
    ]
)


class Heartbeat(Strict):
    """A region's periodic proof of life: its chain head, so the federation sees a gap even
    when no new event comes, and D5 counts regions still sending."""

    v: Literal[1]
    region: Region
    head_seq: Count
    head: Hash
    sent_at: Annotated[str, StringConstraints(max_length=40)]
    kid: KeyId
    sig: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{128}$")]


class ContractError(ValueError):
    """A message the contract does not accept; `reason` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def canonical(document: dict[str, Any]) -> bytes:
    """Canonical JSON: sorted keys, no insignificant spaces, UTF-8, numbers as Python's `json`
    writes them (`repr`), no NaN or infinity.

    orjson writes the same bytes five times faster, except for what it writes differently
    (a float below 1e-4, NaN and infinities, which it turns into `null`) or refuses (an
    integer beyond 64 bits, a key that is not a string): a document whose bytes could hold
    one of those, or that orjson refuses, is written by `json`, which also raises where the
    canonical form has no answer."""
    try:
        encoded = orjson.dumps(document, option=orjson.OPT_SORT_KEYS)
    except orjson.JSONEncodeError:
        return _json_canonical(document)
    if b"null" in encoded or b"e-" in encoded or b"0.0000" in encoded:
        return _json_canonical(document)
    return encoded


def _json_canonical(document: dict[str, Any]) -> bytes:
    return json.dumps(
        document, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode()


def unsigned(document: dict[str, Any]) -> bytes:
    """The bytes a signature covers: the document without its signature."""
    return canonical({k: v for k, v in document.items() if k != "sig"})


def signed(document: dict[str, Any], sign: Callable[[bytes], bytes]) -> bytes:
    """The canonical bytes of `document` with `sig`, the hex of `sign(unsigned(document))`.

    Encoded once: the keys sorting before `sig` and those after are encoded apart, the
    unsigned bytes joined from them and the signature spliced in between, which is byte for
    byte what `canonical` gives for the signed document."""
    if "sig" in document:
        raise ValueError("the document is signed already")
    before = canonical({key: value for key, value in document.items() if key < "sig"})[1:-1]
    after = canonical({key: value for key, value in document.items() if key > "sig"})[1:-1]
    signature = sign(_braced(before, after)).hex()
    return _braced(before, f'"sig":"{signature}"'.encode(), after)


def _braced(*members: bytes) -> bytes:
    """A JSON object from its encoded members, the empty ones left out."""
    return b"{" + b",".join(member for member in members if member) + b"}"


def digest(message: bytes) -> str:
    """The chain hash of a message: SHA-256 of its exact bytes."""
    return hashlib.sha256(message).hexdigest()


def subject_of(region: str, event_type: str) -> str:
    return f"{SUBJECT_PREFIX}.{region}.{event_type}"


def heartbeat_subject(region: str) -> str:
    return f"{SUBJECT_PREFIX}.{region}.control.heartbeat"


def resend_subject(region: str) -> str:
    """Where the federation asks a region to publish its messages again from a given seq
    (`{"from_seq": n}`): JetStream acknowledges before it fsyncs, so a crashed server may
    lose messages the region already counts as delivered."""
    return f"{CONTROL_PREFIX}.{region}.resend"


def msg_id(region: str, seq: int) -> str:
    return f"{region}:{seq}"


def parse(message: bytes) -> Envelope:
    """Validate a federated event message: envelope, then its type's data (the envelope's
    `data` stays the plain object the message holds)."""
    return _parse_in_two_steps(message)[0]


def parse_event(message: bytes) -> tuple[Envelope, Strict]:
    """A federated event message validated, with its validated data.

    One pass through the typed envelope of the message's type (a quarter faster than the
    envelope, then its data, which a national rebuild does a million times); a message it
    refuses is validated again in two steps, for the reason as the contract states it."""
    try:
        typed = _TYPED.validate_json(message)
        return typed, cast(Strict, typed.data)  # the model of its type, in a typed envelope
    except ValidationError:
        return _parse_in_two_steps(message)


def _parse_in_two_steps(message: bytes) -> tuple[Envelope, Strict]:
    try:
        envelope = Envelope.model_validate_json(message)
        return envelope, envelope.payload()
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "message"
        raise ContractError(f"{where}: {first['msg']}") from None


def parse_heartbeat(message: bytes) -> Heartbeat:
    try:
        return Heartbeat.model_validate_json(message)
    except ValidationError as error:
        raise ContractError(str(error.errors()[0]["msg"])) from None


def json_schema() -> dict[str, Any]:
    """The contract as JSON Schema: the envelope, the heartbeat and each type's data."""
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": f"DRAIS federation wire contract v{VERSION}",
        "envelope": Envelope.model_json_schema(),
        "heartbeat": Heartbeat.model_json_schema(),
        "data": {name: model.model_json_schema() for name, model in sorted(DATA_MODELS.items())},
    }


def age_band(birth_year: int, year: int) -> str:
    age = year - birth_year
    if age < 18:
        return "<18"
    bounds = ((25, "18-24"), (35, "25-34"), (45, "35-44"), (60, "45-59"))
    return next((band for limit, band in bounds if age < limit), "60+")


def amount_band(amount: float) -> str:
    return AMOUNT_BANDS[bisect.bisect_right(AMOUNT_FLOORS, amount) - 1][1]


def markdown() -> str:
    """The contract for readers: each event type, what it shares and why."""
    lines = [
        f"# Federation wire contract v{VERSION}",
        "",
        "Generated from `federation/contract.py` (`drais federation contract --docs`); the JSON",
        "Schema is `federation/contract.schema.json`. Subjects are",
        f"`{SUBJECT_PREFIX}.<REGION>.<type>`; every message is canonical JSON with `v`, `region`,",
        "`seq`, `prev`, `type`, `month`, `subject` (a keyed pseudonym or null), `data`, `kid`,",
        "`pkid` and `sig`. Unknown fields are refused.",
        "",
    ]
    for name, model in sorted(DATA_MODELS.items()):
        doc = " ".join((model.__doc__ or "").split())
        fields = ", ".join(f"`{field}`" for field in model.model_fields) or "(none)"
        lines += [f"## `{name}`", "", doc, "", f"Fields: {fields}.", ""]
    return "\n".join(lines)
