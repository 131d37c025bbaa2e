"""The privacy policy: what of each regional fact may leave the region, and in what form.

The one door out of a node. Each domain event becomes zero or more `Shared` items that name
only fields of the wire contract; everything else stays home. Identifiers become keyed
pseudonyms (HMAC-SHA256 under the region's secret, which never leaves the region: a plain hash
of an id or a CIN could be reversed by enumeration). Dates become months, ages bands, amounts
bands. People never travel as records: holders only as the sex and age band of an initiative's
holder, professionals as counts per training, beneficiaries' outcomes and competence gains only
as roll-ups of at least k persons. A beneficiary who opposes the processing of their data, or
whose data was erased, leaves the roll-ups: what was already shared of them is taken back by a
correction in a later roll-up of their stratum, and given again if an opposition is withdrawn.

The filter is a pure function of the log: its memory (`state`) is plain JSON, rebuilt by
replaying the log from the start, so the same log always gives the same messages.
"""

from __future__ import annotations

import hmac
import re
from dataclasses import dataclass
from typing import Any

from federation import contract
from node.domain.impact.grids import build_grid

Event = Any

# What must never travel, even inside a field allowed to carry an organisation's name.
CIN_LIKE = re.compile(r"[A-Z]{1,2}\d{3,6}", re.IGNORECASE)
PHONE_LIKE = re.compile(r"(?:(?:\+|00)212|0)[\s.-]*[5-7](?:[\s.-]*\d){8}")
EMAIL_LIKE = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
REDACTED = "[…]"


def public_name(name: str) -> str:
    """An organisation's name, with anything that looks like a CIN, a phone number or an
    e-mail address masked: operators sometimes type a contact into the name."""
    for pattern in (EMAIL_LIKE, PHONE_LIKE, CIN_LIKE):
        name = pattern.sub(REDACTED, name)
    return name


@dataclass(frozen=True)
class Shared:
    """One anonymized fact, ready to be chained and signed."""

    type: str
    month: str
    subject: str | None
    data: dict[str, Any]


def empty_state() -> dict[str, Any]:
    return {
        "holders": {},  # holder person id -> [initiative id, registration year, sex, birth year]
        "beneficiaries": {},  # person id -> [sex, birth year, province]
        "baselines": {},  # person id -> [c, poor, year]
        "strata": {},  # person id -> stratum key, fixed when first paired
        "shared": {},  # person id -> the pair last shared in a roll-up
        "current": {},  # person id -> the person's current pair
        "pending": {},  # stratum key -> person ids changed since the stratum's last roll-up
        "withheld": [],  # persons opposed or erased: counted in no roll-up
        "trained": [],  # professionals trained at least once
        "competence": [0, 0.0, 0.0],  # pending assessments: count, sum before, sum after
    }


class PrivacyFilter:
    def __init__(self, secret: bytes, *, k: int = 5, state: dict[str, Any] | None = None) -> None:
        if k < 1:
            raise ValueError("k must be at least 1")
        self._secret = secret
        self.k = k
        self._state = {**empty_state(), **(state or {})}  # a state kept before a key was added
        self._trained_set = set(self._state["trained"])
        self.touched = False  # whether a rule used (so maybe changed) the memory

    @property
    def state(self) -> dict[str, Any]:
        """The filter's memory; a rule that reads it may change it, so it counts as touched."""
        self.touched = True
        return self._state

    @property
    def _trained(self) -> set[str]:
        self.touched = True
        return self._trained_set

    def pseudonym(self, identifier: str) -> str:
        return hmac.digest(self._secret, identifier.encode(), "sha256").hex()[:32]

    @staticmethod
    def reads(topic: str) -> bool:
        """Whether events of this topic (`module:Class.Event`) can have consequences: the
        others need not even be decoded."""
        return topic.rpartition(":")[2] in _RULES

    def apply(self, event: Event) -> list[Shared]:
        """The anonymized consequences of one domain event (often one, sometimes none)."""
        rule = _RULES.get(type(event).__qualname__)
        if rule is None:
            return []
        shared = rule(self, event)
        for item in shared:  # the node refuses to send what the federation would refuse
            contract.DATA_MODELS[item.type].model_validate(item.data)
        return shared

    def snapshot(self) -> dict[str, Any]:
        self._state["trained"] = sorted(self._trained_set)
        return self._state

    # -- helpers ---------------------------------------------------------------------------

    def _item(
        self, event: Event, type_: str, data: dict[str, Any], subject: str | None = ""
    ) -> Shared:
        """`subject` defaults to the pseudonym of the event's record."""
        if subject == "":
            subject = self.pseudonym(str(event.originator_id))
        return Shared(type_, _month(event), subject, data)

    # -- people ------------------------------------------------------------------------------

    def _person_registered(self, e: Event) -> list[Shared]:
        if e.kind == "beneficiary":
            self.state["beneficiaries"][str(e.originator_id)] = [
                e.gender,
                e.birth_year,
                e.province,
            ]
        return []

    def _initiative_registered(self, e: Event) -> list[Shared]:
        year = int(e.on[:4])
        holder = [str(e.originator_id), year, e.holder_gender, e.holder_birth_year]
        self.state["holders"][e.holder_id] = holder
        return [
            self._item(
                e,
                "initiative.registered",
                {
                    "theme": e.theme,
                    "province": e.province,
                    "phase": e.phase,
                    "holder_sex": e.holder_gender,
                    "holder_age_band": contract.age_band(e.holder_birth_year, year),
                },
            )
        ]

    def _person_rectified(self, e: Event) -> list[Shared]:
        person = str(e.originator_id)
        if person in self.state["beneficiaries"]:
            self.state["beneficiaries"][person][:2] = [e.gender, e.birth_year]
        holder = self.state["holders"].get(person)
        if holder is None or holder[2:] == [e.gender, e.birth_year]:
            return []  # not a holder, or only the identity changed: nothing anonymous to tell
        initiative_id, year = holder[:2]
        holder[2:] = [e.gender, e.birth_year]
        data = {
            "holder_sex": e.gender,
            "holder_age_band": contract.age_band(e.birth_year, year),
        }
        return [self._item(e, "initiative.holder_corrected", data, self.pseudonym(initiative_id))]

    def _survey_answered(self, e: Event) -> list[Shared]:
        person = str(e.originator_id)
        year = int(e.on[:4])
        if e.wave == "baseline":
            self.state["baselines"][person] = [e.score, e.poor, year]
            return []
        c_before, poor_before, baseline_year = self.state["baselines"][person]
        if person not in self.state["strata"]:
            sex, birth_year, province = self.state["beneficiaries"][person]
            band = contract.age_band(birth_year, baseline_year)
            self.state["strata"][person] = f"{province}|{sex}|{band}"
        self.state["current"][person] = [c_before, poor_before, e.score, e.poor]
        if person in self.state["withheld"]:
            return []
        return self._changed(e, person)

    def _withhold(self, e: Event) -> list[Shared]:
        """An opposition or an erasure: the person's pair leaves the roll-ups."""
        person = str(e.originator_id)
        if person in self.state["withheld"]:
            return []
        self.state["withheld"].append(person)
        stratum = self.state["strata"].get(person)
        if person in self.state["shared"]:
            return self._changed(e, person)  # what was shared is taken back
        if stratum in self.state["pending"] and person in self.state["pending"][stratum]:
            self.state["pending"][stratum].remove(person)
        return []

    def _opposition_withdrawn(self, e: Event) -> list[Shared]:
        person = str(e.originator_id)
        self.state["withheld"].remove(person)
        return self._changed(e, person) if person in self.state["current"] else []

    def _changed(self, e: Event, person: str) -> list[Shared]:
        """Count the person among their stratum's changes; roll the stratum up at k."""
        stratum = self.state["strata"][person]
        pending = self.state["pending"].setdefault(stratum, [])
        if person not in pending:
            pending.append(person)
        if len(pending) < self.k:
            return []
        del self.state["pending"][stratum]
        return [self._roll_up(e, stratum, pending)]

    def _roll_up(self, e: Event, stratum: str, persons: list[str]) -> Shared:
        totals = dict.fromkeys(_PAIR_FIELDS, 0.0)
        for person in persons:
            pair = None if person in self.state["withheld"] else self.state["current"][person]
            now = _pair_counts(pair)
            before = _pair_counts(self.state["shared"].pop(person, None))
            for field in _PAIR_FIELDS:
                totals[field] += now[field] - before[field]
            if pair is not None:
                self.state["shared"][person] = pair
        province, sex, band = stratum.split("|")
        data: dict[str, Any] = {
            field: round(value, 6) if field.startswith("sum_") else int(value)
            for field, value in totals.items()
        }
        data.update(province=province, sex=sex, age_band=band, persons=len(persons))
        return self._item(e, "beneficiaries.rolled_up", data, None)

    # -- trainings ---------------------------------------------------------------------------

    def _training_held(self, e: Event) -> list[Shared]:
        new = [p for p in e.participant_ids if p not in self._trained]
        self._trained.update(new)
        data = {
            "hours": e.hours,
            "participants": len(e.participant_ids),
            "new_participants": len(new),
        }
        return [self._item(e, "training.held", data)]

    def _competence_assessed(self, e: Event) -> list[Shared]:
        pending = self.state["competence"]
        pending[0] += 1
        pending[1] += e.before
        pending[2] += e.after
        if pending[0] < self.k:
            return []
        self.state["competence"] = [0, 0.0, 0.0]
        data = {"assessed": pending[0], "sum_before": pending[1], "sum_after": pending[2]}
        return [self._item(e, "training.competence_rolled_up", data, None)]

    # -- impact ------------------------------------------------------------------------------

    def _theory(self, e: Event) -> list[Shared]:
        codes = sorted({link["code"] for o in e.content["outcomes"] for link in o["indicators"]})
        data = {"revision": getattr(e, "revision", 1), "indicator_codes": codes}
        return [self._item(e, "impact.theory_defined", data, self.pseudonym(e.initiative_id))]

    def _grid(self, e: Event) -> list[Shared]:
        version = getattr(e, "version", 1)
        grid = build_grid("grid", version, e.title, e.pass_threshold, e.criteria)
        data = {
            "version": version,
            "integrates_impact": grid.integrates_impact,
            "impact_share": round(grid.impact_share, 6),
        }
        return [self._item(e, "impact.grid_published", data)]


_PAIR_FIELDS = contract.ROLL_UP_COUNTS + contract.ROLL_UP_SUMS


def _pair_counts(pair: list[Any] | None) -> dict[str, float]:
    if pair is None:
        return dict.fromkeys(_PAIR_FIELDS, 0.0)
    c_before, poor_before, c_after, poor_after = pair
    return {
        "paired": 1,
        "improved": int(c_after < c_before),
        "worsened": int(c_after > c_before),
        "exits": int(poor_before and not poor_after),
        "entries": int(poor_after and not poor_before),
        "poor_before": int(poor_before),
        "poor_after": int(poor_after),
        "sum_c_before": c_before,
        "sum_c_after": c_after,
    }


def _month(event: Event) -> str:
    on = getattr(event, "on", None)
    return str(on)[:7] if on else event.timestamp.date().isoformat()[:7]


def _copy(type_: str, *fields: str, subject: str | None = None) -> Any:
    """A rule that shares the named fields of the event as they are."""

    def rule(self: PrivacyFilter, e: Event) -> list[Shared]:
        data = {field: getattr(e, field) for field in fields}
        target = "" if subject is None else self.pseudonym(getattr(e, subject))
        return [self._item(e, type_, data, target)]

    return rule


def _named(type_: str, *fields: str) -> Any:
    """A rule for a public organisation: its name (masked where needed) and `fields`."""

    def rule(self: PrivacyFilter, e: Event) -> list[Shared]:
        data = {"name": public_name(e.name), **{field: getattr(e, field) for field in fields}}
        return [self._item(e, type_, data)]

    return rule


def _pseudonymised(type_: str, fields: tuple[str, ...], ids: dict[str, str]) -> Any:
    """A rule that shares `fields` as they are and the `ids` (contract name -> event
    attribute) as pseudonyms."""

    def rule(self: PrivacyFilter, e: Event) -> list[Shared]:
        data = {field: getattr(e, field) for field in fields}
        data.update({name: self.pseudonym(getattr(e, attr)) for name, attr in ids.items()})
        return [self._item(e, type_, data)]

    return rule


def _meeting(self: PrivacyFilter, e: Event) -> list[Shared]:
    return [self._item(e, "governance.meeting_held", {"members_present": len(e.members_present)})]


def _funding(self: PrivacyFilter, e: Event) -> list[Shared]:
    data = {"instrument": e.instrument, "amount_band": contract.amount_band(e.amount)}
    return [self._item(e, "initiative.funding_received", data)]


def _study(self: PrivacyFilter, e: Event) -> list[Shared]:
    data = {"territory": e.territory, "method": e.method}
    return [self._item(e, "impact.study_registered", data)]


_RULES: dict[str, Any] = {
    "AllianceMember.Joined": _named("member.joined", "actor_type", "role"),
    "AllianceMember.RoleChanged": _copy("member.role_changed", "role"),
    "AllianceMember.Left": _copy("member.left"),
    "Meeting.Held": _meeting,
    "SharedResource.Shared": _copy("governance.resource_shared", "kind"),
    "SupportStructure.Registered": _named("structure.registered", "kind", "provinces"),
    "SupportStructure.OfferPublished": _pseudonymised(
        "structure.offer_published",
        ("service_type", "phases", "provinces", "capacity_per_year", "free"),
        {"offer": "offer_id"},
    ),
    "SupportStructure.OfferWithdrawn": _pseudonymised(
        "structure.offer_withdrawn", (), {"offer": "offer_id"}
    ),
    "SupportStructure.SupportedByDrais": _copy("structure.supported", "support_type"),
    "SupportStructure.QualityAssessed": _copy("structure.quality_assessed", "scores"),
    "Initiative.Registered": PrivacyFilter._initiative_registered,
    "Initiative.PhaseChanged": _copy(
        "initiative.phase_changed", "from_phase", "to_phase", "regression"
    ),
    "Initiative.AccompanimentStarted": _pseudonymised(
        "initiative.accompaniment_started",
        ("service_type", "phase"),
        {"structure": "structure_id", "offer": "offer_id"},
    ),
    "Initiative.SessionHeld": _pseudonymised(
        "initiative.session_held", ("hours",), {"structure": "structure_id"}
    ),
    "Initiative.AccompanimentEnded": _pseudonymised(
        "initiative.accompaniment_ended",
        ("outcome", "satisfaction"),
        {"structure": "structure_id"},
    ),
    "Initiative.FundingReceived": _funding,
    "Initiative.Closed": _copy("initiative.closed", "reason"),
    "Person.Registered": PrivacyFilter._person_registered,
    "Person.Rectified": PrivacyFilter._person_rectified,
    "Person.SurveyAnswered": PrivacyFilter._survey_answered,
    "Person.Opposed": PrivacyFilter._withhold,
    "Person.OppositionWithdrawn": PrivacyFilter._opposition_withdrawn,
    "Person.Erased": PrivacyFilter._withhold,
    "Training.Held": PrivacyFilter._training_held,
    "Training.CompetenceAssessed": PrivacyFilter._competence_assessed,
    "TheoryOfChange.Drafted": PrivacyFilter._theory,
    "TheoryOfChange.Revised": PrivacyFilter._theory,
    "Measurement.Recorded": _copy(
        "impact.measurement_recorded", "indicator_code", subject="initiative_id"
    ),
    "EvaluationGrid.Published": PrivacyFilter._grid,
    "EvaluationGrid.Revised": PrivacyFilter._grid,
    "PolicyStudy.Registered": _study,
    "PolicyStudy.StatusChanged": _copy("impact.study_status_changed", "status"),
}
