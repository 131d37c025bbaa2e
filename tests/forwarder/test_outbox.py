"""The outbox: a signed hash chain that the log alone determines, byte for byte."""

from __future__ import annotations

import json

from nacl.signing import VerifyKey

from federation import contract
from node.bootstrap import Node
from node.forwarder.outbox import Outbox, derive
from tests.forwarder.test_privacy import events
from tests.scenario import record_story


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
