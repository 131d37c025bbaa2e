"""The outbox: a signed hash chain that the log alone determines, byte for byte."""

from __future__ import annotations

import json

import pytest
from nacl.signing import VerifyKey
from sqlalchemy import Engine, event, select

from federation import contract
from node.application import Identity
from node.bootstrap import Node
from node.forwarder.outbox import Outbox, derive, state_table
from node.forwarder.privacy import PrivacyFilter
from tests.forwarder.test_privacy import events
from tests.scenario import record_story
from tests.test_impact_cases import GOOD, POOR


def test_the_outbox_equals_a_derivation_from_scratch_whatever_the_batches(node: Node) -> None:
    record_story(node.app)
    small = Outbox(node.app, node.stores.read_models, node.outbox.keys, batch=3)
    assert small.derive() > 0
    record_story(node.app, by="karim")  # more events after a first pass
    small.derive()
    stored = small.after(0)
    fresh = list(derive(events(node.app), node.outbox.keys, k=5))
    assert [m.body for m in stored] == [m.body for m in fresh]
    assert [m.seq for m in stored] == list(range(1, len(stored) + 1))
    assert small.status()["head"] == contract.digest(stored[-1].body)


def test_messages_are_signed_chained_and_addressed_to_the_region(node: Node) -> None:
    record_story(node.app)
    node.outbox.derive()
    messages = node.outbox.after(0)
    verify = VerifyKey(bytes(node.outbox.keys.verify_key))
    previous = contract.GENESIS
    for message in messages:
        document = json.loads(message.body)
        verify.verify(contract.unsigned(document), bytes.fromhex(document["sig"]))
        assert document["prev"] == previous
        assert message.body == contract.canonical(document)
        assert message.subject == f"drais.v1.MA-09.{document['type']}"
        assert message.msg_id == f"MA-09:{document['seq']}"
        previous = contract.digest(message.body)
    assert node.outbox.hash_of(len(messages)) == previous


def test_acknowledgements_move_the_forwarded_position_only_forward(node: Node) -> None:
    record_story(node.app)
    node.outbox.derive()
    head = node.outbox.status()["head_seq"]
    node.outbox.acknowledge(head, "2026-11-23T10:00:00+00:00")
    node.outbox.acknowledge(2, "2026-11-23T10:00:01+00:00")
    status = node.outbox.status()
    assert (status["forwarded_seq"], status["pending"]) == (head, 0)
    assert status["last_ack"] == "2026-11-23T10:00:00+00:00"


def test_the_messages_about_a_record_are_found_by_its_pseudonym(node: Node) -> None:
    story = record_story(node.app)
    record_story(node.app, by="karim")  # another initiative, whose messages must not show
    node.outbox.derive()
    pseudonym = node.outbox.pseudonym(story.initiative)
    found = node.outbox.messages_about(pseudonym)
    expected = [m for m in node.outbox.after(0) if json.loads(m.body)["subject"] == pseudonym]
    assert [m.seq for m in found] == [m.seq for m in expected]
    assert json.loads(found[0].body)["type"] == "initiative.registered"
    assert {json.loads(m.body)["type"] for m in found} >= {"initiative.phase_changed"}
    assert node.outbox.messages_about(node.outbox.pseudonym("no-such-record")) == []


def statements(engine: Engine) -> list[str]:
    """Every SQL statement run on `engine` from now on (a live list)."""
    seen: list[str] = []

    @event.listens_for(engine, "before_cursor_execute")
    def note(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        seen.append(statement)

    return seen


def paired_beneficiaries(node: Node, initiative: str, n: int) -> None:
    """`n` beneficiaries surveyed twice: the filter's memory at work (roll-ups of k = 5)."""
    for i in range(n):
        person = node.app.register_beneficiary(
            initiative,
            identity=Identity(f"Bénéficiaire {i}", cin=f"BE{i:06d}"),
            gender="F",
            birth_year=1990,
            consents=("enquete_impact",),
            by="amina",
        )
        node.app.record_survey(person, wave="baseline", answers=POOR, by="amina", on="2026-01-05")
        node.app.record_survey(person, wave="follow_up", answers=GOOD, by="amina", on="2026-06-05")


def test_the_filters_memory_is_read_once_and_rewritten_only_when_used(node: Node) -> None:
    record_story(node.app)
    record_story(node.app, by="karim")
    outbox = Outbox(node.app, node.stores.read_models, node.outbox.keys, batch=3)
    seen = statements(node.stores.read_models)
    outbox.derive()

    batches = [s for s in seen if s.startswith("UPDATE forwarder_state")]
    rewritten = [s for s in batches if "filter_state" in s]
    assert len([s for s in seen if s.startswith("SELECT forwarder_state.filter_state")]) == 1
    assert 0 < len(rewritten) < len(batches)  # initiatives' holders are kept, members are not
    # what is stored is the memory of a filter that read the whole log
    reference = PrivacyFilter(node.outbox.keys.hmac_secret, k=5)
    for domain_event in events(node.app):
        reference.apply(domain_event)
    with node.stores.read_models.connect() as conn:
        assert conn.execute(select(state_table.c.filter_state)).scalar_one() == reference.snapshot()


def test_a_batch_that_fails_leaves_the_memory_to_be_read_again(node: Node) -> None:
    story = record_story(node.app)
    paired_beneficiaries(node, story.initiative, 6)
    outbox = Outbox(node.app, node.stores.read_models, node.outbox.keys, batch=4)
    outbox.derive()  # the memory is now held between batches
    holder = node.app.get_initiative(story.initiative).holder_id
    node.app.rectify_person(holder, gender="M", birth_year=1979, by="dpo")  # shared, once

    def refuse(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        if statement.startswith("UPDATE forwarder_state") and "filter_state" in statement:
            raise OSError("disk full")  # the batch changed the memory, then could not commit

    event.listen(node.stores.read_models, "before_cursor_execute", refuse)
    with pytest.raises(OSError, match="disk full"):
        outbox.derive()
    event.remove(node.stores.read_models, "before_cursor_execute", refuse)
    outbox.derive()

    stored = outbox.after(0, 10_000)
    fresh = list(derive(events(node.app), node.outbox.keys, k=5))
    assert [m.body for m in stored] == [m.body for m in fresh]
    types = [json.loads(m.body)["type"] for m in stored]
    assert "beneficiaries.rolled_up" in types and types[-1] == "initiative.holder_corrected"
