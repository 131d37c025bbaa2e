"""Social-innovation initiatives and their accompaniment (indicators D3, T1, T2)."""

from __future__ import annotations

from dataclasses import dataclass

from eventsourcing.domain import Aggregate, event

from drais.vocabulary import (
    AccompanimentOutcome,
    FundingInstrument,
    Gender,
    InitiativeClosure,
    Phase,
    Theme,
)
from node.domain.errors import InvalidValue, NotFound, RuleViolation
from node.domain.rules import (
    require_date,
    require_member,
    require_province_in,
    require_range,
    require_text,
)


@dataclass
class Accompaniment:
    id: str
    structure_id: str
    offer_id: str
    started_on: str
    sessions: int = 0
    hours: float = 0.0
    ended_on: str | None = None
    outcome: str | None = None
    satisfaction: int | None = None

    @property
    def open(self) -> bool:
        return self.ended_on is None


class Initiative(Aggregate):
    @classmethod
    def register(
        cls,
        *,
        region: str,
        name: str,
        theme: str,
        province: str,
        phase: str,
        holder_id: str,
        holder_gender: str,
        holder_birth_year: int,
        this_year: int,
        by: str,
        commune: str | None = None,
        on: str | None = None,
    ) -> Initiative:
        require_range(holder_birth_year, this_year - 100, this_year - 15, "holder.birth_year")
        return cls(
            name=require_text(name, "name"),
            theme=require_member(Theme, theme, "theme").value,
            province=require_province_in(region, province),
            commune=require_text(commune, "commune", 120) if commune else None,
            phase=require_member(Phase, phase, "phase").value,
            holder_id=holder_id,
            holder_gender=require_member(Gender, holder_gender, "holder.gender").value,
            holder_birth_year=holder_birth_year,
            on=require_date(on, "on"),
            by=by,
        )

    @event("Registered")
    def __init__(
        self,
        *,
        name: str,
        theme: str,
        province: str,
        commune: str | None,
        phase: str,
        holder_id: str,
        holder_gender: str,
        holder_birth_year: int,
        on: str,
        by: str,
    ) -> None:
        self.name = name
        self.theme = theme
        self.province = province
        self.commune = commune
        self.phase = phase
        self.holder_id = holder_id
        self.holder_gender = holder_gender
        self.holder_birth_year = holder_birth_year
        self.registered_on = on
        self.accompaniments: dict[str, Accompaniment] = {}
        self.funding_total = 0.0
        self.closed_on: str | None = None

    @property
    def closed(self) -> bool:
        return self.closed_on is not None

    def change_phase(self, phase: str, *, by: str, on: str | None = None) -> None:
        self._require_open()
        new = require_member(Phase, phase, "phase")
        if new == self.phase:
            raise RuleViolation(f"the initiative is already in phase {new}", "phase")
        self._phase_changed(
            from_phase=self.phase,
            to_phase=new.value,
            regression=new.rank < Phase(self.phase).rank,
            on=require_date(on, "on"),
            by=by,
        )

    @event("PhaseChanged")
    def _phase_changed(
        self, from_phase: str, to_phase: str, regression: bool, on: str, by: str
    ) -> None:
        self.phase = to_phase

    def accompaniment(self, accompaniment_id: str) -> Accompaniment:
        try:
            return self.accompaniments[accompaniment_id]
        except KeyError:
            raise NotFound(
                f"initiative has no accompaniment {accompaniment_id}", "accompaniment_id"
            ) from None

    def start_accompaniment(
        self,
        *,
        accompaniment_id: str,
        structure_id: str,
        offer_id: str,
        service_type: str,
        by: str,
        on: str | None = None,
    ) -> None:
        self._require_open()
        if any(a.open and a.structure_id == structure_id for a in self.accompaniments.values()):
            raise RuleViolation("this structure already accompanies the initiative", "structure_id")
        self._accompaniment_started(
            accompaniment_id=accompaniment_id,
            structure_id=structure_id,
            offer_id=offer_id,
            service_type=service_type,
            phase=self.phase,
            on=require_date(on, "on"),
            by=by,
        )

    @event("AccompanimentStarted")
    def _accompaniment_started(
        self,
        accompaniment_id: str,
        structure_id: str,
        offer_id: str,
        service_type: str,
        phase: str,
        on: str,
        by: str,
    ) -> None:
        self.accompaniments[accompaniment_id] = Accompaniment(
            accompaniment_id, structure_id, offer_id, on
        )

    def hold_session(
        self, *, accompaniment_id: str, hours: float, topic: str, by: str, on: str | None = None
    ) -> None:
        self._require_open()
        accompaniment = self._require_open_accompaniment(accompaniment_id)
        day = require_date(on, "on")
        if day < accompaniment.started_on:
            raise InvalidValue("must not be before the accompaniment started", "on")
        self._session_held(
            accompaniment_id=accompaniment_id,
            structure_id=accompaniment.structure_id,
            hours=require_range(hours, 0.25, 24, "hours"),
            topic=require_text(topic, "topic", 500),
            on=day,
            by=by,
        )

    @event("SessionHeld")
    def _session_held(
        self, accompaniment_id: str, structure_id: str, hours: float, topic: str, on: str, by: str
    ) -> None:
        accompaniment = self.accompaniments[accompaniment_id]
        accompaniment.sessions += 1
        accompaniment.hours += hours

    def end_accompaniment(
        self,
        *,
        accompaniment_id: str,
        outcome: str,
        satisfaction: int,
        by: str,
        on: str | None = None,
    ) -> None:
        self._require_open()
        accompaniment = self._require_open_accompaniment(accompaniment_id)
        self._accompaniment_ended(
            accompaniment_id=accompaniment_id,
            structure_id=accompaniment.structure_id,
            outcome=require_member(AccompanimentOutcome, outcome, "outcome").value,
            satisfaction=int(require_range(satisfaction, 1, 5, "satisfaction")),
            on=require_date(on, "on"),
            by=by,
        )

    @event("AccompanimentEnded")
    def _accompaniment_ended(
        self,
        accompaniment_id: str,
        structure_id: str,
        outcome: str,
        satisfaction: int,
        on: str,
        by: str,
    ) -> None:
        accompaniment = self.accompaniments[accompaniment_id]
        accompaniment.ended_on = on
        accompaniment.outcome = outcome
        accompaniment.satisfaction = satisfaction

    def receive_funding(
        self, *, funder: str, amount: float, instrument: str, by: str, on: str | None = None
    ) -> None:
        self._require_open()
        if amount <= 0:
            raise InvalidValue("must be positive", "amount")
        self._funding_received(
            funder=require_text(funder, "funder"),
            amount=round(float(amount), 2),
            instrument=require_member(FundingInstrument, instrument, "instrument").value,
            on=require_date(on, "on"),
            by=by,
        )

    @event("FundingReceived")
    def _funding_received(
        self, funder: str, amount: float, instrument: str, on: str, by: str
    ) -> None:
        self.funding_total += amount

    def close(self, *, reason: str, by: str, on: str | None = None) -> None:
        self._require_open()
        still_open = [a.id for a in self.accompaniments.values() if a.open]
        if still_open:
            raise RuleViolation(
                "end the open accompaniments before closing the initiative", "accompaniments"
            )
        self._closed(
            reason=require_member(InitiativeClosure, reason, "reason").value,
            on=require_date(on, "on"),
            by=by,
        )

    @event("Closed")
    def _closed(self, reason: str, on: str, by: str) -> None:
        self.closed_on = on

    def _require_open(self) -> None:
        if self.closed_on is not None:
            raise RuleViolation("the initiative is closed and takes no more events", "id")

    def _require_open_accompaniment(self, accompaniment_id: str) -> Accompaniment:
        accompaniment = self.accompaniment(accompaniment_id)
        if not accompaniment.open:
            raise RuleViolation("the accompaniment has ended", "accompaniment_id")
        return accompaniment
