"""Regions to nation over a real nats-server: delivery, and every fault of DESIGN §5 and §8.

Each test gets its own server (the stream's de-duplication window and the regions' chains must
not leak from one test to the next) and ends on exact national totals.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from nacl.signing import SigningKey

from federation import contract
from tests.federation.harness import federated
from tests.nats_fixtures import Errors, SecuredNats, connect, secured_config, start_nats_server
from tests.scenario import record_story


@pytest.fixture
def nats(tmp_path: Path) -> Iterator[SecuredNats]:
    config, region_ids, federation = secured_config()
    with start_nats_server(tmp_path / "nats", config=config) as server:
        yield SecuredNats(server, region_ids, federation)


def identities(nats: SecuredNats) -> dict[str, Any]:
    return {**nats.regions, "federation": nats.federation}


async def test_two_regions_reach_the_national_log_exactly_once(
    nats: SecuredNats, tmp_path: Path
) -> None:
    async with federated(nats.server, tmp_path, identities(nats)) as system:
        system.start_federation()
        souss, casa = system.add_node("MA-09"), system.add_node("MA-06")
        record_story(souss.app)
        record_story(casa.app)
        record_story(casa.app, by="karim")
        await system.settle()
        heads = {r: n.outbox.status()["head_seq"] for r, n in system.nodes.items()}
        assert heads["MA-06"] == 2 * heads["MA-09"] > 0
        assert system.logged() == heads
        assert system.dead_letter_reasons() == []
        status = souss.forwarder.status()
        assert status["forwarded_seq"] == heads["MA-09"] and status["pending"] == 0
        assert status["connected"] is True

        # The projections rebuild identically from the national log and from the stream.
        assert system.federation is not None
        built = system.snapshot()
        assert sum(len(rows) for rows in built.values()) > 10
        await system.halt("federation")
        assert system.federation.rebuild_projections() == sum(heads.values())
        assert system.snapshot() == built
        replayed = await system.federation.rebuild_from_stream()
        assert replayed["applied"] == sum(heads.values()) and "dead_letter" not in replayed
        assert system.snapshot() == built
        assert system.logged() == heads


async def test_nodes_keep_recording_while_nats_is_down(nats: SecuredNats, tmp_path: Path) -> None:
    async with federated(nats.server, tmp_path, identities(nats)) as system:
        system.start_federation()
        node = system.add_node("MA-09")
        record_story(node.app)
        await system.settle()
        nats.server.stop()
        record_story(node.app, by="karim")  # the node does not notice
        record_story(node.app, by="salma")
        await system.wait_for(lambda: not node.forwarder.connected)
        node.outbox.derive()
        assert node.outbox.status()["pending"] > 0
        nats.server.start()
        await system.settle(timeout=30)
        assert system.logged() == {"MA-09": node.outbox.status()["head_seq"]}
        assert system.dead_letter_reasons() == []


async def test_a_killed_nats_server_loses_nothing_after_repair(
    nats: SecuredNats, tmp_path: Path
) -> None:
    async with federated(nats.server, tmp_path, identities(nats)) as system:
        system.start_federation()
        node = system.add_node("MA-09")
        for by in ("amina", "karim", "salma"):
            record_story(node.app, by=by)
            system.poke()
        nats.server.kill()
        record_story(node.app, by="youssef")
        nats.server.start()
        await system.settle(timeout=30)
        assert system.logged() == {"MA-09": node.outbox.status()["head_seq"]}


async def test_a_gap_is_held_and_repaired_by_a_resend(nats: SecuredNats, tmp_path: Path) -> None:
    """JetStream acknowledges before it fsyncs: a server crash can lose acknowledged messages.
    Here seq 3 and the tail (6, 7) are 'lost': the federation holds 4-5, asks for a re-send
    from 3 (and the heartbeat reveals the missing tail), and ends with all of them, once."""
    async with federated(nats.server, tmp_path, identities(nats)) as system:
        system.start_federation()
        node = system.add_node("MA-09", forward=False)
        record_story(node.app)
        node.outbox.derive()
        messages = node.outbox.after(0)[:7]
        await system.federation_ready()
        region = await connect(nats.server, nats.regions["MA-09"])
        js = region.jetstream()
        for message in messages:
            if message.seq not in (3, 6, 7):
                await js.publish(message.subject, message.body)
        await region.close()
        node.outbox.acknowledge(len(node.outbox.after(0)), "2026-11-23T00:00:00+00:00")
        await system.wait_for(lambda: system.last_seqs() == {"MA-09": 2})
        system.run_forwarder("MA-09")
        await system.settle(timeout=30)
        assert system.logged() == {"MA-09": node.outbox.status()["head_seq"]}
        assert node.forwarder.resends >= 1
        assert system.dead_letter_reasons() == []


async def forge(nats: SecuredNats, subject: str, body: bytes, *, refused: bool = False) -> None:
    """Publish raw bytes as MA-09; with `refused`, expect the server to refuse them."""
    errors = Errors()
    client = await connect(nats.server, nats.regions["MA-09"], errors)
    await client.publish(subject, body)
    await client.flush()
    if refused:
        assert "permissions violation" in str(await errors.wait_for("permissions")).lower()
    await client.close()


def resign(document: dict[str, Any], key: SigningKey) -> bytes:
    document = {k: v for k, v in document.items() if k != "sig"}
    document["sig"] = key.sign(contract.unsigned(document)).signature.hex()
    return contract.canonical(document)


async def test_forged_altered_and_overreaching_messages_are_dead_letters(
    nats: SecuredNats, tmp_path: Path
) -> None:
    async with federated(nats.server, tmp_path, identities(nats)) as system:
        system.start_federation()
        node = system.add_node("MA-09", forward=False)
        record_story(node.app)
        node.outbox.derive()
        first = node.outbox.after(0)[0]
        genuine = json.loads(first.body)

        wrong_key = resign(genuine, SigningKey.generate())
        altered = contract.canonical({**genuine, "data": {**genuine["data"], "role": "membre"}})
        leaky = resign(
            {**genuine, "data": {**genuine["data"], "full_name": "Fatima Zahra Amrani"}},
            node.outbox.keys.signing_key,
        )
        await system.federation_ready()
        for body in (wrong_key, altered, leaky):
            await forge(nats, first.subject, body)
        # Published by MA-09 under MA-06's subjects: the server itself refuses it.
        await forge(nats, "drais.v1.MA-06.member.joined", first.body, refused=True)

        await system.wait_for(lambda: len(system.dead_letter_reasons()) == 3)
        reasons = system.dead_letter_reasons()
        assert sum("bad signature" in r for r in reasons) == 2
        assert any("full_name" in r and r.startswith("contract") for r in reasons)
        assert system.last_seqs() == {"MA-09": 0}  # none of them was applied

        system.run_forwarder("MA-09")  # the genuine messages still go through afterwards
        await system.settle()
        assert system.logged() == {"MA-09": node.outbox.status()["head_seq"]}
        assert system.federation is not None
        [souss] = system.federation.regions()
        assert souss["dead_letters"] == 3 and souss["chain_ok"] is True


async def test_a_duplicate_publish_is_applied_once(nats: SecuredNats, tmp_path: Path) -> None:
    async with federated(nats.server, tmp_path, identities(nats)) as system:
        system.start_federation()
        node = system.add_node("MA-09")
        record_story(node.app)
        await system.settle()
        head = node.outbox.status()["head_seq"]
        for message in node.outbox.after(0)[:3]:
            await forge(nats, message.subject, message.body)  # no msg-id: the stream keeps it
        await system.wait_for(lambda: system.federation_counter("duplicate") >= 3)
        assert system.logged() == {"MA-09": head}
        assert system.dead_letter_reasons() == []


async def test_an_unadmitted_region_is_refused(nats: SecuredNats, tmp_path: Path) -> None:
    async with federated(nats.server, tmp_path, identities(nats)) as system:
        system.start_federation()
        stranger = system.add_node("MA-11", admitted=False)
        record_story(stranger.app)
        system.poke()
        await system.wait_for(lambda: len(system.dead_letter_reasons()) > 0)
        assert all("not admitted" in r for r in system.dead_letter_reasons())
        assert system.logged() == {}
