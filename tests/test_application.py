"""The node application on real SQLite and PostgreSQL stores."""

from __future__ import annotations

import pytest

from drais.config import NodeSettings
from node.application import Identity
from node.bootstrap import Node, build_node
from node.domain.errors import NotFound, RuleViolation
from tests.scenario import record_story


def test_restarting_the_node_loses_nothing(node: Node, settings: NodeSettings) -> None:
    story = record_story(node.app)
    position = node.app.recorder.max_notification_id()
    node.close()
    reopened = build_node(settings)
    try:
        initiative = reopened.app.get_initiative(story.initiative)
        assert initiative.phase == "amorcage"
        assert initiative.funding_total == 80_000
        assert initiative.accompaniment(story.accompaniment).sessions == 1
        assert reopened.app.recorder.max_notification_id() == position
    finally:
        reopened.close()


def test_identity_is_sealed_in_the_log_and_readable_through_the_vault(node: Node) -> None:
    story = record_story(node.app)
    holder_id = node.app.get_initiative(story.initiative).holder_id
    assert node.app.identity_of(holder_id) == {
        "full_name": "Fatima Zahra Amrani",
        "cin": "JB123456",
        "phone": "+212612345678",
    }
    notifications = node.app.recorder.select_notifications(start=1, limit=1000)
    raw = b"".join(n.state for n in notifications)
    assert b"Amrani" not in raw and b"JB123456" not in raw


def test_the_holder_consents_to_accompaniment_at_registration(node: Node) -> None:
    story = record_story(node.app)
    holder = node.app.get_person(node.app.get_initiative(story.initiative).holder_id)
    assert holder.consents == {"accompagnement": True}


def test_an_accompaniment_needs_an_active_offer_covering_the_province(node: Node) -> None:
    story = record_story(node.app)
    other = node.app.register_initiative(
        name="Atelier tapis",
        theme="artisanat",
        province="MA-TAR",
        phase="ideation",
        holder=Identity("Said"),
        holder_gender="M",
        holder_birth_year=1980,
        by="a",
    )
    with pytest.raises(RuleViolation) as refused:
        node.app.start_accompaniment(
            other, structure_id=story.structure, offer_id=story.offer, by="a"
        )
    assert "MA-TAR" in refused.value.reason
    node.app.withdraw_offer(story.structure, story.offer, by="a")
    with pytest.raises(RuleViolation):
        node.app.start_accompaniment(
            story.initiative, structure_id=story.structure, offer_id=story.offer, by="a"
        )


def test_unknown_ids_are_not_found(node: Node) -> None:
    with pytest.raises(NotFound):
        node.app.change_phase("not-a-uuid", phase="validation", by="a")
    story = record_story(node.app)
    with pytest.raises(NotFound):  # an id of another kind of record
        node.app.change_phase(story.structure, phase="validation", by="a")


def test_a_training_takes_professionals_only(node: Node) -> None:
    story = record_story(node.app)
    holder_id = node.app.get_initiative(story.initiative).holder_id
    with pytest.raises(Exception, match="not a professional"):
        node.app.hold_training(topic="x", hours=2, participant_ids=[holder_id], by="a")


def test_a_batch_records_all_of_its_commands_or_none(node: Node) -> None:
    before = node.app.recorder.max_notification_id()
    with pytest.raises(RuleViolation), node.app.batch():
        member = node.app.join_member(name="A", actor_type="autre", role="membre", by="a")
        node.app.change_member_role(member, role="membre", by="a")  # no change: refused
    assert node.app.recorder.max_notification_id() == before
    with node.app.batch():
        member = node.app.join_member(name="A", actor_type="autre", role="membre", by="a")
        node.app.change_member_role(member, role="pilotage", by="a")
    assert node.app.get_member(member).role == "pilotage"


def test_concurrent_changes_to_one_record_are_refused_not_lost(node: Node) -> None:
    member = node.app.join_member(name="A", actor_type="autre", role="membre", by="a")
    first = node.app.get_member(member)
    second = node.app.get_member(member)
    first.change_role("pilotage", by="a")
    node.app.save(first)
    second.leave(by="b")
    with pytest.raises(RuleViolation):
        node.app._commit(second)
    assert node.app.get_member(member).active
