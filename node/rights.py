"""A person's rights under law 09-08 on the node: access, rectification, opposition, erasure,
and the requests through which they are exercised, each answered within the legal deadline.

A mixin of NodeApplication, kept apart so each file holds one part of the product. Erasure
rewrites nothing: the person's identity was sealed under a key of their own, and destroying
that key leaves every copy of it in the immutable log unreadable.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import TYPE_CHECKING, Any, TypeVar
from uuid import UUID

from eventsourcing.domain import Aggregate
from eventsourcing.persistence import Mapper

from node.domain.errors import InvalidValue
from node.domain.people import IdentityVault, Person
from node.domain.requests import DataRequest
from node.domain.rules import require_text

A = TypeVar("A", bound=Aggregate)

#: Event attributes that are bookkeeping rather than data on the person.
_BOOKKEEPING = {"originator_id", "originator_version", "originator_topic", "timestamp", "by", "on"}
_SCAN_BATCH = 500


class RightsUseCases:
    vault: IdentityVault
    recorder: Any
    mapper: Mapper[UUID]

    if TYPE_CHECKING:  # provided by NodeApplication

        def _get(self, cls: type[A], record_id: str | UUID, field: str = "id") -> A: ...
        def _store(self, *aggregates: Aggregate) -> None: ...
        def identity_of(self, person_id: str) -> dict[str, str] | None: ...

    # -- access ----------------------------------------------------------------------------

    def export_person(self, person_id: str) -> dict[str, Any]:
        """Everything the node holds on a person: their record with the identity in clear
        (None once erased) and every event of the log that names them, with when it was
        recorded and by whom — including the whole history of an initiative they hold."""
        person = self._get(Person, person_id)
        pid = str(person.id)
        return {
            "person_id": pid,
            "kind": person.kind,
            "erased": person.erased,
            "opposed": person.opposed,
            "identity": self.identity_of(pid),
            "gender": person.gender,
            "birth_year": person.birth_year,
            "initiative_id": person.initiative_id,
            "province": person.province,
            "consents": person.consents,
            "events": [self._exported(event, pid) for event in self._events_naming(person.id)],
        }

    def _events_naming(self, person_id: UUID) -> Iterator[Any]:
        """The log's events of the person, of records they hold, or naming them. A stored
        event that does not contain the id is skipped undecoded (when the log is neither
        compressed nor encrypted as a whole), which keeps the scan of a large log quick."""
        needle = str(person_id).encode()
        plain = self.mapper.cipher is None and self.mapper.compressor is None
        records = {person_id}
        position = 0
        while batch := self.recorder.select_notifications(
            start=position, limit=_SCAN_BATCH, inclusive_of_start=False
        ):
            for notification in batch:
                mine = notification.originator_id in records
                if plain and not mine and needle not in notification.state:
                    continue
                event = self.mapper.to_domain_event(notification)
                if getattr(event, "holder_id", None) == str(person_id):
                    records.add(event.originator_id)
                if mine or str(person_id) in _strings(vars(event)):
                    yield event
            position = batch[-1].id

    def _exported(self, event: Any, person_id: str) -> dict[str, Any]:
        data = {k: v for k, v in vars(event).items() if k not in _BOOKKEEPING}
        sealed = data.pop("sealed_identity", None)
        if sealed is not None and str(event.originator_id) == person_id:
            data["identity"] = self.vault.unseal(person_id, sealed)
        return {
            "record_id": str(event.originator_id),
            "event": type(event).__qualname__,
            "version": event.originator_version,
            "recorded_at": event.timestamp.isoformat(),
            "by": getattr(event, "by", None),
            "on": getattr(event, "on", None),
            "data": data,
        }

    # -- rectification, opposition, erasure --------------------------------------------------

    def rectify_person(
        self,
        person_id: str,
        *,
        by: str,
        full_name: str | None = None,
        cin: str | None = None,
        phone: str | None = None,
        email: str | None = None,
        gender: str | None = None,
        birth_year: int | None = None,
    ) -> None:
        """Correct what is given and keep the rest; the identity is sealed anew."""
        person = self._get(Person, person_id)
        person.require_not_erased()
        changes = {"cin": cin, "phone": phone, "email": email}
        if full_name is not None:
            changes["full_name"] = require_text(full_name, "full_name")
        corrected = {k: v for k, v in changes.items() if v}
        if not corrected and gender is None and birth_year is None:
            raise InvalidValue("name at least one value to correct", "body")
        identity = {**(self.identity_of(str(person.id)) or {}), **corrected}
        person.rectify(
            sealed_identity=self.vault.seal(str(person.id), identity),
            gender=gender or person.gender,
            birth_year=person.birth_year if birth_year is None else birth_year,
            this_year=date.today().year,
            by=by,
        )
        self._store(person)

    def set_opposition(
        self, person_id: str, *, opposed: bool, by: str, on: str | None = None
    ) -> None:
        """Record that the person opposes the processing of their data, or withdraws it."""
        person = self._get(Person, person_id)
        if opposed:
            person.oppose(by=by, on=on)
        else:
            person.withdraw_opposition(by=by, on=on)
        self._store(person)

    def erase_person(self, person_id: str, *, by: str) -> None:
        """Destroy the person's key, then record the erasure (which carries no personal data).
        The key goes first: should recording fail, the identity is unreadable all the same,
        and the erasure can be recorded again."""
        person = self._get(Person, person_id)
        person.erase(by=by)
        self.vault.destroy(str(person.id))
        self._store(person)

    # -- requests ----------------------------------------------------------------------------

    def record_request(self, *, person_id: str, kind: str, by: str, on: str | None = None) -> str:
        """A request received on `on` (today by default); the deadline runs from that day."""
        person = self._get(Person, person_id, "person_id")
        request = DataRequest.receive(person_id=str(person.id), kind=kind, by=by, on=on)
        self._store(request)
        return str(request.id)

    def answer_request(
        self, request_id: str, *, outcome: str, by: str, on: str | None = None
    ) -> None:
        request = self._get(DataRequest, request_id)
        request.answer(outcome=outcome, by=by, on=on)
        self._store(request)

    def get_request(self, request_id: str) -> DataRequest:
        return self._get(DataRequest, request_id)


def _strings(value: Any) -> Iterator[str]:
    """Every string inside an event's attributes (ids are named as strings)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item)
