"""A person's rights under law 09-08, through the node's use cases, on SQLite and PostgreSQL:
consent per purpose with its date, access, rectification, opposition, erasure, and the
requests that exercise them, each with its 10-day deadline."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from node.application import Identity
from node.bootstrap import Node
from node.domain.errors import InvalidValue, NotFound, RuleViolation
from node.projections import queries, rights_queries
from tests.scenario import Story, record_story
from tests.test_impact_cases import GOOD, POOR


@pytest.fixture
def story(node: Node) -> Story:
    return record_story(node.app)


def holder_of(node: Node, story: Story) -> str:
    return node.app.get_initiative(story.initiative).holder_id


def new_beneficiary(node: Node, story: Story, consents: tuple[str, ...] = ()) -> str:
    return node.app.register_beneficiary(
        story.initiative,
        identity=Identity("Khadija Ait Baha", cin="J998877"),
        gender="F",
        birth_year=1988,
        consents=consents,
        by="amina",
    )


def events(export: dict[str, Any], name: str) -> list[dict[str, Any]]:
    return [e for e in export["events"] if e["event"] == name]


# -- consent ---------------------------------------------------------------------------------


def test_holders_and_beneficiaries_consent_per_purpose_on_a_date(node: Node, story: Story) -> None:
    holder = node.app.export_person(holder_of(node, story))
    [consent] = events(holder, "Person.ConsentRecorded")
    assert consent["data"] == {"purpose": "accompagnement", "given": True}
    assert consent["on"] == "2026-02-01"  # the day the initiative was registered

    beneficiary = node.app.export_person(new_beneficiary(node, story, ("enquete_impact",)))
    [consent] = events(beneficiary, "Person.ConsentRecorded")
    assert consent["data"] == {"purpose": "enquete_impact", "given": True}
    assert consent["on"] == date.today().isoformat()
    assert beneficiary["consents"] == {"enquete_impact": True}


def test_a_person_is_surveyed_only_once_they_consent_and_not_after_withdrawing(
    node: Node, story: Story
) -> None:
    person = new_beneficiary(node, story)
    with pytest.raises(RuleViolation) as refused:
        node.app.record_survey(person, wave="baseline", answers=POOR, by="amina")
    assert refused.value.field == "consent"

    node.app.record_consent(person, purpose="enquete_impact", given=True, by="amina")
    node.app.record_survey(person, wave="baseline", answers=POOR, by="amina", on="2026-01-05")
    node.app.record_consent(person, purpose="enquete_impact", given=False, by="amina")
    with pytest.raises(RuleViolation):
        node.app.record_survey(person, wave="follow_up", answers=GOOD, by="amina")


# -- access ----------------------------------------------------------------------------------


def test_access_gives_the_identity_in_clear_and_every_event_naming_the_person(
    node: Node, story: Story
) -> None:
    holder = holder_of(node, story)
    node.app.record_request(person_id=holder, kind="access", by="dpo")

    export = node.app.export_person(holder)

    assert export["identity"] == {
        "full_name": "Fatima Zahra Amrani",
        "cin": "JB123456",
        "phone": "+212612345678",
    }
    assert (export["kind"], export["erased"], export["opposed"]) == ("holder", False, False)
    [registered] = events(export, "Person.Registered")
    assert registered["data"]["identity"]["full_name"] == "Fatima Zahra Amrani"
    assert "sealed_identity" not in registered["data"]
    # the initiative she holds, its whole journey, and the request she made
    assert [e["event"] for e in export["events"] if e["record_id"] == story.initiative] == [
        "Initiative.Registered",
        "Initiative.AccompanimentStarted",
        "Initiative.SessionHeld",
        "Initiative.PhaseChanged",
        "Initiative.FundingReceived",
    ]
    assert events(export, "DataRequest.Received")[0]["by"] == "dpo"
    for event in export["events"]:
        assert event["recorded_at"] and event["by"] in {"amina", "dpo"}


def test_access_finds_the_trainings_and_assessments_of_a_professional(
    node: Node, story: Story
) -> None:
    export = node.app.export_person(story.professional)
    assert [e["event"] for e in export["events"]] == [
        "Person.Registered",
        "Training.Held",
        "Training.CompetenceAssessed",
    ]
    assert events(export, "Training.CompetenceAssessed")[0]["data"]["after"] == 70


def test_access_after_erasure_gives_the_record_marked_erased_without_identity(
    node: Node, story: Story
) -> None:
    person = new_beneficiary(node, story, ("enquete_impact",))
    node.app.record_survey(person, wave="baseline", answers=POOR, by="amina", on="2026-01-05")
    node.app.erase_person(person, by="dpo")

    export = node.app.export_person(person)

    assert export["erased"] is True and export["identity"] is None
    assert events(export, "Person.Registered")[0]["data"]["identity"] is None
    assert [e["event"] for e in export["events"]][-1] == "Person.Erased"


# -- rectification ---------------------------------------------------------------------------


def test_rectification_corrects_what_is_given_and_keeps_the_rest(node: Node, story: Story) -> None:
    holder = holder_of(node, story)

    node.app.rectify_person(holder, phone="+212699999999", birth_year=1993, by="dpo")
    node.projector.catch_up()

    assert node.app.identity_of(holder) == {
        "full_name": "Fatima Zahra Amrani",
        "cin": "JB123456",
        "phone": "+212699999999",
    }
    person = node.app.get_person(holder)
    assert (person.gender, person.birth_year) == ("F", 1993)
    initiative = queries.initiative(node.stores.read_models, story.initiative)
    assert initiative is not None and initiative["holder_birth_year"] == 1993


def test_a_rectification_must_correct_something_valid(node: Node, story: Story) -> None:
    holder = holder_of(node, story)
    with pytest.raises(InvalidValue):
        node.app.rectify_person(holder, by="dpo")
    with pytest.raises(InvalidValue) as refused:
        node.app.rectify_person(holder, birth_year=date.today().year + 1, by="dpo")
    assert refused.value.field == "birth_year"
    with pytest.raises(InvalidValue) as refused:
        node.app.rectify_person(holder, full_name="  ", by="dpo")
    assert refused.value.field == "full_name"


# -- opposition ------------------------------------------------------------------------------


def test_an_opposed_person_is_not_surveyed_until_the_opposition_is_withdrawn(
    node: Node, story: Story
) -> None:
    person = new_beneficiary(node, story, ("enquete_impact",))
    node.app.set_opposition(person, opposed=True, by="dpo", on="2026-03-01")
    with pytest.raises(RuleViolation) as refused:
        node.app.record_survey(person, wave="baseline", answers=POOR, by="amina")
    assert refused.value.field == "opposition"
    with pytest.raises(RuleViolation):
        node.app.set_opposition(person, opposed=True, by="dpo")

    node.app.set_opposition(person, opposed=False, by="dpo")
    node.app.record_survey(person, wave="baseline", answers=POOR, by="amina", on="2026-03-05")
    assert node.app.get_person(person).baseline is not None


# -- erasure ---------------------------------------------------------------------------------


def test_erasure_destroys_the_key_and_ends_the_record(node: Node, story: Story) -> None:
    holder = holder_of(node, story)
    sealed = node.app.get_person(holder).sealed_identity

    node.app.erase_person(holder, by="dpo")
    node.projector.catch_up()

    assert node.app.identity_of(holder) is None
    assert node.app.vault.unseal(holder, sealed) is None  # the log's copy is unreadable
    with pytest.raises(RuleViolation):
        node.app.rectify_person(holder, phone="+212600000000", by="dpo")
    with pytest.raises(RuleViolation):
        node.app.erase_person(holder, by="dpo")
    assert node.app.get_initiative(story.initiative).holder_id == holder  # history kept


# -- requests and their deadline -------------------------------------------------------------


def test_a_request_is_due_ten_days_after_its_receipt_and_overdue_unanswered_after(
    node: Node, story: Story
) -> None:
    today = date.today()
    holder = holder_of(node, story)
    old = node.app.record_request(
        person_id=holder, kind="rectification", by="dpo", on=(today - timedelta(15)).isoformat()
    )
    late = node.app.record_request(
        person_id=holder, kind="access", by="dpo", on=(today - timedelta(12)).isoformat()
    )
    fresh = node.app.record_request(person_id=holder, kind="erasure", by="dpo")
    node.app.answer_request(late, outcome="granted", by="dpo")
    node.projector.catch_up()

    listed = {r["id"]: r for r in rights_queries.requests(node.stores.read_models, today)}

    assert listed[old]["due_on"] == (today - timedelta(5)).isoformat()
    assert (listed[old]["overdue"], listed[old]["late"]) == (True, False)
    assert (listed[late]["overdue"], listed[late]["late"]) == (False, True)
    assert listed[late]["outcome"] == "granted"
    assert listed[fresh]["due_on"] == (today + timedelta(10)).isoformat()
    assert not listed[fresh]["overdue"]
    on_day_ten = rights_queries.requests(node.stores.read_models, today + timedelta(10))
    assert not next(r for r in on_day_ten if r["id"] == fresh)["overdue"]
    assert [
        r["id"] for r in rights_queries.requests(node.stores.read_models, today, open_only=True)
    ] == [
        old,
        fresh,
    ]


def test_a_request_names_a_known_person_and_is_answered_once(node: Node, story: Story) -> None:
    with pytest.raises(NotFound) as unknown:
        node.app.record_request(person_id=story.initiative, kind="access", by="dpo")
    assert unknown.value.field == "person_id"
    with pytest.raises(InvalidValue):
        node.app.record_request(person_id=story.professional, kind="portability", by="dpo")
    request = node.app.record_request(
        person_id=story.professional, kind="access", by="dpo", on="2026-03-10"
    )
    with pytest.raises(InvalidValue) as refused:
        node.app.answer_request(request, outcome="granted", by="dpo", on="2026-03-09")
    assert refused.value.field == "on"
    node.app.answer_request(request, outcome="refused", by="dpo", on="2026-03-12")
    with pytest.raises(RuleViolation):
        node.app.answer_request(request, outcome="granted", by="dpo")
    assert node.app.get_request(request).outcome == "refused"
