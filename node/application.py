"""The regional node's application: one method per use case, each saving the facts it records.

Commands raise domain errors (node.domain.errors) and record nothing when they do. A `batch()`
collects the aggregates of many commands and saves them in one atomic append, which is what
spreadsheet imports use; a `rehearsal()` runs commands the same way and saves nothing, which is
how an import's dry run checks the domain's rules.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar
from uuid import UUID, uuid4

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError

from drais import territory
from drais.vocabulary import ConsentPurpose, PersonKind
from node.domain.errors import InvalidValue, NotFound, RuleViolation
from node.domain.governance import Meeting, SharedResource
from node.domain.initiatives import Initiative
from node.domain.members import AllianceMember
from node.domain.people import IdentityVault, Person
from node.domain.rules import require_text
from node.domain.structures import SupportStructure
from node.domain.trainings import Training
from node.impact_cases import ImpactUseCases
from node.rights import RightsUseCases

A = TypeVar("A", bound=Aggregate)

_batch: contextvars.ContextVar[dict[UUID, Aggregate] | None] = contextvars.ContextVar(
    "drais_batch", default=None
)
_rehearsing: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "drais_rehearsing", default=False
)
#: What a person's identity is sealed as during a rehearsal, which keeps no key and no event.
REHEARSED_IDENTITY = "rehearsal"


@dataclass(frozen=True)
class Identity:
    """What identifies a person; sealed before it reaches the log."""

    full_name: str
    cin: str | None = None
    phone: str | None = None
    email: str | None = None

    def as_dict(self) -> dict[str, str]:
        return {k: v for k, v in self.__dict__.items() if v}


def core_indicator(code: str) -> bool:
    """Whether the national core catalogue defines this indicator."""
    from node.toolbox.catalogue import load_core

    return code in load_core()


class ConcurrentChange(RuleViolation):
    """Someone else changed the same record at the same moment; the caller may retry."""


class NodeApplication(ImpactUseCases, RightsUseCases, Application[UUID]):
    name = "DraisNode"

    def __init__(
        self,
        region: str,
        vault: IdentityVault,
        env: dict[str, str] | None = None,
        known_indicator: Callable[[str], bool] | None = None,
    ) -> None:
        if not territory.is_region(region):
            raise ValueError(f"{region!r} is not a region code (MA-01 … MA-12)")
        super().__init__(env)
        self.region = region
        self.vault = vault
        self.known_indicator = known_indicator or core_indicator

    # -- persistence helpers ------------------------------------------------------------

    @contextmanager
    def batch(self) -> Iterator[None]:
        """Record every command in the block in one atomic append, or none of them."""
        if _batch.get() is not None:
            yield
            return
        pending: dict[UUID, Aggregate] = {}
        token = _batch.set(pending)
        try:
            yield
            self._commit(*pending.values())
        finally:
            _batch.reset(token)

    @contextmanager
    def rehearsal(self) -> Iterator[None]:
        """Run commands as in a batch, then record nothing: the domain's rules are checked
        (later commands see what earlier ones did) without a fact, or a key, being kept.
        A spreadsheet's dry run uses it."""
        pending: dict[UUID, Aggregate] = {}
        token = _batch.set(pending)
        rehearsing = _rehearsing.set(True)
        try:
            yield
        finally:
            _rehearsing.reset(rehearsing)
            _batch.reset(token)

    def _store(self, *aggregates: Aggregate) -> None:
        pending = _batch.get()
        if pending is None:
            self._commit(*aggregates)
        else:
            pending.update((a.id, a) for a in aggregates)

    def _commit(self, *aggregates: Aggregate) -> None:
        if not aggregates:
            return
        try:
            self.save(*aggregates)
        except IntegrityError as error:
            raise ConcurrentChange("the record changed meanwhile; try again", "id") from error

    def _get(self, cls: type[A], record_id: str | UUID, field: str = "id") -> A:
        try:
            uid = record_id if isinstance(record_id, UUID) else UUID(str(record_id))
        except ValueError:
            raise NotFound(f"no {cls.__name__} with id {record_id!r}", field) from None
        pending = _batch.get()
        if pending is not None and uid in pending:
            found: Aggregate = pending[uid]
        else:
            try:
                found = self.repository.get(uid)
            except AggregateNotFoundError:
                raise NotFound(f"no {cls.__name__} with id {record_id}", field) from None
        if not isinstance(found, cls):
            raise NotFound(f"no {cls.__name__} with id {record_id}", field)
        return found

    # -- alliance -----------------------------------------------------------------------

    def join_member(
        self, *, name: str, actor_type: str, role: str, by: str, on: str | None = None
    ) -> str:
        member = AllianceMember.join(name=name, actor_type=actor_type, role=role, by=by, on=on)
        self._store(member)
        return str(member.id)

    def change_member_role(self, member_id: str, *, role: str, by: str) -> None:
        member = self._get(AllianceMember, member_id)
        member.change_role(role, by=by)
        self._store(member)

    def member_leaves(self, member_id: str, *, by: str, on: str | None = None) -> None:
        member = self._get(AllianceMember, member_id)
        member.leave(by=by, on=on)
        self._store(member)

    def get_member(self, member_id: str) -> AllianceMember:
        return self._get(AllianceMember, member_id)

    def hold_meeting(
        self,
        *,
        title: str,
        members_present: list[str],
        decisions: list[str],
        by: str,
        on: str | None = None,
    ) -> str:
        for member_id in members_present:
            if not self._get(AllianceMember, member_id, "members_present").active:
                raise RuleViolation(f"member {member_id} has left the alliance", "members_present")
        meeting = Meeting.hold(
            title=title, members_present=members_present, decisions=decisions, by=by, on=on
        )
        self._store(meeting)
        return str(meeting.id)

    def share_resource(
        self,
        *,
        title: str,
        kind: str,
        link: str,
        by: str,
        member_id: str | None = None,
        on: str | None = None,
    ) -> str:
        if member_id is not None:
            self._get(AllianceMember, member_id, "member_id")
        resource = SharedResource.share(
            title=title, kind=kind, link=link, member_id=member_id, by=by, on=on
        )
        self._store(resource)
        return str(resource.id)

    # -- support structures -------------------------------------------------------------

    def register_structure(
        self, *, name: str, kind: str, provinces: list[str], by: str, on: str | None = None
    ) -> str:
        structure = SupportStructure.register(
            region=self.region, name=name, kind=kind, provinces=provinces, by=by, on=on
        )
        self._store(structure)
        return str(structure.id)

    def publish_offer(
        self,
        structure_id: str,
        *,
        service_type: str,
        phases: list[str],
        provinces: list[str],
        capacity_per_year: int,
        free: bool = True,
        by: str,
        on: str | None = None,
    ) -> str:
        structure = self._get(SupportStructure, structure_id)
        offer_id = str(uuid4())
        structure.publish_offer(
            offer_id=offer_id,
            service_type=service_type,
            phases=phases,
            provinces=provinces,
            capacity_per_year=capacity_per_year,
            free=free,
            by=by,
            on=on,
        )
        self._store(structure)
        return offer_id

    def withdraw_offer(
        self, structure_id: str, offer_id: str, *, by: str, on: str | None = None
    ) -> None:
        structure = self._get(SupportStructure, structure_id)
        structure.withdraw_offer(offer_id, by=by, on=on)
        self._store(structure)

    def record_drais_support(
        self, structure_id: str, *, support_type: str, by: str, on: str | None = None
    ) -> None:
        structure = self._get(SupportStructure, structure_id)
        structure.record_drais_support(support_type, by=by, on=on)
        self._store(structure)

    def assess_structure_quality(
        self, structure_id: str, *, scores: dict[str, int], by: str, on: str | None = None
    ) -> None:
        structure = self._get(SupportStructure, structure_id)
        structure.assess_quality(scores, by=by, on=on)
        self._store(structure)

    def get_structure(self, structure_id: str) -> SupportStructure:
        return self._get(SupportStructure, structure_id)

    # -- persons ------------------------------------------------------------------------

    def _new_person(
        self,
        kind: PersonKind,
        identity: Identity,
        gender: str,
        birth_year: int,
        by: str,
        person_id: UUID | None = None,
        *,
        initiative_id: str | None = None,
        province: str | None = None,
    ) -> Person:
        person_id = person_id or uuid4()
        full_name = require_text(identity.full_name, "full_name")
        clean = Identity(full_name, identity.cin, identity.phone, identity.email)
        sealed = (
            REHEARSED_IDENTITY
            if _rehearsing.get()
            else self.vault.seal(str(person_id), clean.as_dict())
        )
        return Person.register(
            person_id=person_id,
            kind=kind.value,
            sealed_identity=sealed,
            gender=gender,
            birth_year=birth_year,
            this_year=date.today().year,
            by=by,
            initiative_id=initiative_id,
            province=province,
        )

    def register_professional(
        self, *, identity: Identity, gender: str, birth_year: int, by: str
    ) -> str:
        person = self._new_person(PersonKind.PROFESSIONAL, identity, gender, birth_year, by)
        self._store(person)
        return str(person.id)

    def record_consent(
        self, person_id: str, *, purpose: str, given: bool, by: str, on: str | None = None
    ) -> None:
        person = self._get(Person, person_id)
        person.record_consent(purpose=purpose, given=given, by=by, on=on)
        self._store(person)

    def get_person(self, person_id: str) -> Person:
        return self._get(Person, person_id)

    def identity_of(self, person_id: str) -> dict[str, str] | None:
        """The person's identity in clear, or None once erased."""
        person = self._get(Person, person_id)
        return None if person.erased else self.vault.unseal(person_id, person.sealed_identity)

    # -- initiatives --------------------------------------------------------------------

    def register_initiative(
        self,
        *,
        name: str,
        theme: str,
        province: str,
        phase: str,
        holder: Identity,
        holder_gender: str,
        holder_birth_year: int,
        by: str,
        commune: str | None = None,
        consent_purposes: tuple[str, ...] = (ConsentPurpose.ACCOMPAGNEMENT.value,),
        on: str | None = None,
    ) -> str:
        holder_id = uuid4()
        initiative = Initiative.register(
            region=self.region,
            name=name,
            theme=theme,
            province=province,
            phase=phase,
            holder_id=str(holder_id),
            holder_gender=holder_gender,
            holder_birth_year=holder_birth_year,
            this_year=date.today().year,
            by=by,
            commune=commune,
            on=on,
        )
        person = self._new_person(
            PersonKind.HOLDER, holder, holder_gender, holder_birth_year, by, holder_id
        )
        for purpose in consent_purposes:
            person.record_consent(purpose=purpose, given=True, by=by, on=on)
        self._store(person, initiative)
        return str(initiative.id)

    def get_initiative(self, initiative_id: str) -> Initiative:
        return self._get(Initiative, initiative_id)

    def change_phase(
        self, initiative_id: str, *, phase: str, by: str, on: str | None = None
    ) -> None:
        initiative = self._get(Initiative, initiative_id)
        initiative.change_phase(phase, by=by, on=on)
        self._store(initiative)

    def start_accompaniment(
        self,
        initiative_id: str,
        *,
        structure_id: str,
        offer_id: str,
        by: str,
        on: str | None = None,
    ) -> str:
        initiative = self._get(Initiative, initiative_id)
        structure = self._get(SupportStructure, structure_id, "structure_id")
        offer = structure.offer(offer_id)
        if not offer.active:
            raise RuleViolation("the offer has been withdrawn", "offer_id")
        if initiative.province not in offer.provinces:
            raise RuleViolation(
                f"the offer does not cover province {initiative.province}", "offer_id"
            )
        accompaniment_id = str(uuid4())
        initiative.start_accompaniment(
            accompaniment_id=accompaniment_id,
            structure_id=structure_id,
            offer_id=offer_id,
            service_type=offer.service_type,
            by=by,
            on=on,
        )
        self._store(initiative)
        return accompaniment_id

    def hold_session(
        self,
        initiative_id: str,
        accompaniment_id: str,
        *,
        hours: float,
        topic: str,
        by: str,
        on: str | None = None,
    ) -> None:
        initiative = self._get(Initiative, initiative_id)
        initiative.hold_session(
            accompaniment_id=accompaniment_id, hours=hours, topic=topic, by=by, on=on
        )
        self._store(initiative)

    def end_accompaniment(
        self,
        initiative_id: str,
        accompaniment_id: str,
        *,
        outcome: str,
        satisfaction: int,
        by: str,
        on: str | None = None,
    ) -> None:
        initiative = self._get(Initiative, initiative_id)
        initiative.end_accompaniment(
            accompaniment_id=accompaniment_id,
            outcome=outcome,
            satisfaction=satisfaction,
            by=by,
            on=on,
        )
        self._store(initiative)

    def record_funding(
        self,
        initiative_id: str,
        *,
        funder: str,
        amount: float,
        instrument: str,
        by: str,
        on: str | None = None,
    ) -> None:
        initiative = self._get(Initiative, initiative_id)
        initiative.receive_funding(
            funder=funder, amount=amount, instrument=instrument, by=by, on=on
        )
        self._store(initiative)

    def close_initiative(
        self, initiative_id: str, *, reason: str, by: str, on: str | None = None
    ) -> None:
        initiative = self._get(Initiative, initiative_id)
        initiative.close(reason=reason, by=by, on=on)
        self._store(initiative)

    def history(self, aggregate_id: str) -> list[Any]:
        """Every event a record has, oldest first (the journey timeline's source)."""
        record = self._get(Aggregate, aggregate_id)
        return list(self.repository.event_store.get(record.id))

    # -- trainings ----------------------------------------------------------------------

    def hold_training(
        self,
        *,
        topic: str,
        hours: float,
        participant_ids: list[str],
        by: str,
        on: str | None = None,
    ) -> str:
        for person_id in participant_ids:
            person = self._get(Person, person_id, "participant_ids")
            if person.kind != PersonKind.PROFESSIONAL:
                raise InvalidValue(f"{person_id} is not a professional", "participant_ids")
        training = Training.hold(
            topic=topic, hours=hours, participant_ids=participant_ids, by=by, on=on
        )
        self._store(training)
        return str(training.id)

    def assess_competence(
        self, training_id: str, *, participant_id: str, before: float, after: float, by: str
    ) -> None:
        training = self._get(Training, training_id)
        training.assess_competence(participant_id=participant_id, before=before, after=after, by=by)
        self._store(training)
