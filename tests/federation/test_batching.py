"""Judging and projecting a batch at once gives exactly what message by message would.

The consumer verifies a fetched batch against in-memory region state and writes once at the
end; the projections read a batch's rows up front and write them once. These tests mix, inside
one batch, what the fault tests spread over time: a region's consecutive messages, a duplicate
of a message of the same batch, a gap, a forgery, a broken chain.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from nacl.signing import SigningKey
from sqlalchemy import Engine, select

from drais.database import engine_for
from drais.keys import RegionKeys
from federation import consumer, contract, projections
from federation.admission import RegionCard, admit
from federation.consumer import Verdict, judge_all
from federation.store import dead_letters, metadata, national_log, regions
from node.forwarder.outbox import Chain, Message
from node.forwarder.privacy import Shared
from tests.federation_national import scenario as s

NOW = datetime(2025, 6, 15, 12, 0, tzinfo=UTC)
KEY = SigningKey(bytes(range(32)))


def prepared(database_url: str) -> Engine:
    """A federation database that admitted MA-09."""
    engine = engine_for(database_url)
    metadata.create_all(engine)
    projections.create(engine)
    admit(
        engine, RegionCard(region="MA-09", name="Souss", verify_key=KEY.verify_key.encode().hex())
    )
    return engine


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = prepared(database_url)
    yield engine
    engine.dispose()


def messages(n: int, key: SigningKey = KEY, region: str = "MA-09") -> list[Message]:
    """A region's first n messages: member joins, then an initiative and its accompaniment."""
    chain = Chain(RegionKeys(region, b"s" * 32, key))
    subject = s.pseudonym

    def shared(i: int) -> Shared:
        if i == n - 2:
            data = {"theme": "agriculture_solidaire", "province": "MA-AGD", "phase": "ideation"}
            data |= {"holder_sex": "F", "holder_age_band": "25-34"}
            return Shared("initiative.registered", "2025-05", subject("i"), data)
        if i == n - 1:
            data = {"structure": subject("s"), "offer": subject("o")}
            data |= {"service_type": "mentorat", "phase": "ideation"}
            return Shared("initiative.accompaniment_started", "2025-05", subject("i"), data)
        data = {"name": f"Association {i}", "actor_type": "structure_associative"}
        return Shared("member.joined", "2025-05", subject(f"m{i}"), {**data, "role": "membre"})

    return [chain.seal(shared(i)) for i in range(n)]


Sent = Message | tuple[str, bytes]  # a sealed message, or a (subject, body) made by hand


def judged(engine: Engine, *batches: Sequence[Sent]) -> list[list[Verdict]]:
    """Each batch judged in a transaction of its own, as the consumer does."""
    verdicts = []
    for batch in batches:
        items = [m if isinstance(m, tuple) else (m.subject, m.body) for m in batch]
        with engine.begin() as conn:
            verdicts.append(judge_all(conn, [(subject, body, NOW) for subject, body in items]))
    return verdicts


def outcomes(verdicts: list[Verdict]) -> list[str]:
    return [verdict.outcome for verdict in verdicts]


def state(engine: Engine) -> dict[str, Any]:
    """Everything the consumer writes, comparable across runs."""
    with engine.connect() as conn:
        region = conn.execute(select(regions)).one()
        log = conn.execute(select(national_log.c.seq, national_log.c.hash).order_by("id")).all()
        letters = conn.execute(select(dead_letters.c.seq, dead_letters.c.reason).order_by("id"))
        progress = {
            name: getattr(region, name) for name in ("last_seq", "head", "chain_ok", "gap_from")
        }
        return {
            "region": progress,
            "log": [tuple(row) for row in log],
            "letters": [tuple(row) for row in letters],
            "projections": s.snapshot(engine),
        }


def forged(message: Message, key: SigningKey = KEY, **changes: Any) -> tuple[str, bytes]:
    """The message with `changes`, signed again by `key` (by default the region's own)."""
    document = {**json.loads(message.body), **changes}
    document.pop("sig")
    document["sig"] = key.sign(contract.unsigned(document)).signature.hex()
    return message.subject, contract.canonical(document)


def test_consecutive_messages_of_a_region_in_one_batch(engine: Engine) -> None:
    sent = messages(5)
    [verdicts] = judged(engine, sent)
    assert outcomes(verdicts) == ["applied"] * 5
    after = state(engine)
    assert after["region"]["last_seq"] == 5 and after["region"]["head"] == contract.digest(
        sent[-1].body
    )
    assert [seq for seq, _ in after["log"]] == [1, 2, 3, 4, 5]
    assert len(after["projections"]["nat_members"]) == 3
    [initiative] = after["projections"]["nat_initiatives"]
    assert initiative[-4:-2] == ("2025-05", 1)  # accompanied once, in the same batch


def test_a_duplicate_and_a_gap_of_one_region_in_one_batch(engine: Engine) -> None:
    m = messages(5)
    [first, second] = judged(engine, [m[0], m[1], m[0], m[1], m[3]], [m[2], m[3], m[4], m[3]])
    assert outcomes(first) == ["applied", "applied", "duplicate", "duplicate", "gap"]
    assert (first[-1].action, first[-1].resend_from) == ("hold", 3)
    assert outcomes(second) == ["applied", "applied", "applied", "duplicate"]
    after = state(engine)
    assert after["region"] == {
        "last_seq": 5,
        "head": contract.digest(m[4].body),
        "chain_ok": True,
        "gap_from": None,
    }
    assert [seq for seq, _ in after["log"]] == [1, 2, 3, 4, 5] and after["letters"] == []


def test_a_gap_held_in_a_batch_stays_noted_once_it_commits(engine: Engine) -> None:
    m = messages(4)
    [verdicts] = judged(engine, [m[0], m[2], m[3]])
    assert outcomes(verdicts) == ["applied", "gap", "gap"]
    assert state(engine)["region"]["gap_from"] == 2


def test_dead_letters_in_the_middle_of_a_batch_keep_the_others(engine: Engine) -> None:
    m = messages(4)
    other_key = forged(m[1], kid="MA-09:000000000000")
    stranger = forged(m[2], SigningKey(bytes(32)))  # the region's key id, another key
    altered = forged(m[0], data={**json.loads(m[0].body)["data"], "role": "pilotage"})
    batch: list[Sent] = [m[0], other_key, m[1], stranger, altered, m[2], m[3]]
    [verdicts] = judged(engine, batch)
    assert outcomes(verdicts) == [
        "applied",
        "dead_letter",
        "applied",
        "dead_letter",
        "dead_letter",
        "applied",
        "applied",
    ]
    after = state(engine)
    assert [seq for seq, _ in after["log"]] == [1, 2, 3, 4]
    assert [reason for _, reason in after["letters"]] == [
        "unknown key id MA-09:000000000000",
        "bad signature",
        "a different message already holds seq 1",
    ]


def test_a_broken_chain_in_a_batch_is_a_dead_letter_and_marks_the_region(engine: Engine) -> None:
    m = messages(3)
    broken = forged(m[1], prev="f" * 64)
    [verdicts] = judged(engine, [m[0], broken])
    assert outcomes(verdicts) == ["applied", "dead_letter"]
    assert state(engine)["region"]["chain_ok"] is False
    [verdicts] = judged(engine, [m[1], m[2]])
    assert outcomes(verdicts) == ["applied", "applied"]
    assert state(engine)["region"]["chain_ok"] is True


def test_one_batch_or_one_message_at_a_time_give_the_same_result(
    database_url: str, engine: Engine
) -> None:
    m = messages(6)
    broken = forged(m[3], prev="0" * 64)
    stream: list[Sent] = [m[0], m[2], m[1], m[1], broken, m[3], m[5], m[4], m[5]]
    verdicts = judged(engine, stream)[0]
    together = state(engine)

    metadata.drop_all(engine)
    projections.metadata.drop_all(engine)
    engine.dispose()
    one_by_one = prepared(database_url)
    single = [v for [v] in judged(one_by_one, *([message] for message in stream))]
    assert single == verdicts
    assert state(one_by_one) == together
    one_by_one.dispose()


def test_rebuilding_in_small_pages_gives_the_same_tables(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Rows read, changed and written page by page (accompaniments started in one page and
    followed or ended in another) give the rows message by message gives."""
    s.admit(engine, "MA-01", None)
    s.admit(engine, "MA-06", None)
    s.receive(engine, s.scenario())
    incremental = s.snapshot(engine)
    for page in (1, 7, 50):
        monkeypatch.setattr(projections, "PAGE", page)
        assert projections.rebuild_from_log(engine) == len(s.scenario())
        assert s.snapshot(engine) == incremental
        assert projections.rebuild(engine, s.scenario()) == len(s.scenario())
        assert s.snapshot(engine) == incremental


# -- one signature per region and batch -----------------------------------------------------


@pytest.fixture
def signatures(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The seq of every message whose signature the consumer checks, in order."""
    checked: list[int] = []
    verify = consumer.verify_signature

    def counting(document: dict[str, Any], public_key_hex: str) -> bool:
        checked.append(int(document.get("seq", 0)))  # 0: a heartbeat
        return verify(document, public_key_hex)

    monkeypatch.setattr(consumer, "verify_signature", counting)
    return checked


def test_a_linked_batch_checks_only_its_last_signature(
    engine: Engine, signatures: list[int]
) -> None:
    m = messages(6)
    first, second = judged(engine, m[:3], m[3:])
    assert outcomes(first + second) == ["applied"] * 6
    assert signatures == [3, 6]  # the tails vouch for the messages they chain to
    assert [seq for seq, _ in state(engine)["log"]] == [1, 2, 3, 4, 5, 6]


def test_a_forged_last_message_is_named_and_the_ones_before_it_applied(
    engine: Engine, signatures: list[int]
) -> None:
    m = messages(4)
    stranger = forged(m[3], SigningKey(bytes(32)))  # links to m[2], another key
    [verdicts] = judged(engine, [m[0], m[1], m[2], stranger])
    assert outcomes(verdicts) == ["applied", "applied", "applied", "dead_letter"]
    assert signatures == [4, 1, 2, 3, 4]  # the tail failed: each one checked on its own
    assert state(engine)["letters"] == [(4, "bad signature")]
    [verdicts] = judged(engine, [m[3]])
    assert outcomes(verdicts) == ["applied"]


def test_a_corrupt_signature_in_mid_batch_breaks_the_run_and_is_named(engine: Engine) -> None:
    m = messages(4)
    document = json.loads(m[1].body)
    corrupt = (m[1].subject, contract.canonical({**document, "sig": "0" * 128}))
    [verdicts] = judged(engine, [m[0], corrupt, m[1], m[2], m[3]])
    assert outcomes(verdicts) == ["applied", "dead_letter", "applied", "applied", "applied"]
    after = state(engine)
    assert after["letters"] == [(2, "bad signature")]
    assert after["region"]["chain_ok"] is True and after["region"]["last_seq"] == 4


def test_a_forgery_of_one_region_leaves_another_regions_run_vouched(
    engine: Engine, signatures: list[int]
) -> None:
    other = SigningKey(bytes(range(1, 33)))
    card = RegionCard(region="MA-01", name="Tanger", verify_key=other.verify_key.encode().hex())
    admit(engine, card)
    ours, theirs = messages(3), messages(3, other, "MA-01")
    stranger = forged(ours[2], SigningKey(bytes(32)))
    [verdicts] = judged(engine, [ours[0], theirs[0], ours[1], theirs[1], stranger, theirs[2]])
    assert outcomes(verdicts) == ["applied"] * 4 + ["dead_letter", "applied"]
    assert sorted(signatures) == [1, 2, 3, 3, 3]  # MA-01's tail; MA-09's, then each


STRANGER = SigningKey(bytes(32))
FORGED_3 = forged(messages(5)[2], STRANGER)  # seq 3 by a stranger
POOL: list[Sent] = [
    *messages(5),
    FORGED_3,
    forged(messages(5)[3], STRANGER, prev=contract.digest(FORGED_3[1])),  # chained to it
    forged(messages(5)[4], STRANGER),  # the last one by a stranger
    forged(messages(5)[3], prev="e" * 64),  # seq 4 off the chain
]
HONEST = {contract.digest(message.body) for message in messages(5)}


@st.composite
def streams(draw: st.DrawFn) -> list[int]:
    """The region's messages in order, some left out, with repeats, forgeries and
    stragglers slipped in anywhere: indices into POOL."""
    stream = [i for i in range(5) if draw(st.booleans()) or i < 2]
    for extra in draw(st.lists(st.integers(0, len(POOL) - 1), max_size=6)):
        stream.insert(draw(st.integers(0, len(stream))), extra)
    return stream


@settings(max_examples=40, deadline=None)
@given(streams())
@example([0, 1, 5, 6, 2, 3, 4])  # a forged branch, two messages long
@example([0, 1, 2, 3, 7])  # a forged last message
def test_any_stream_judged_as_one_batch_equals_one_by_one(picks: list[int]) -> None:
    """Duplicates, gaps, forgeries and reorderings: vouching a batch by its last signatures
    accepts and refuses exactly what checking every signature one message at a time does,
    and never logs a forgery."""
    stream = [POOL[pick] for pick in picks]
    with tempfile.TemporaryDirectory() as directory:
        together = prepared(f"sqlite:///{directory}/batch.sqlite3")
        single = prepared(f"sqlite:///{directory}/single.sqlite3")
        try:
            [verdicts] = judged(together, stream)
            with pytest.MonkeyPatch.context() as patch:  # the reference checks every signature
                patch.setattr(consumer._Batch, "_vouch", lambda self: set())
                reference = [v for [v] in judged(single, *([message] for message in stream))]
            assert reference == verdicts
            assert state(together) == state(single)
            assert {h for _, h in state(together)["log"]} <= HONEST
        finally:
            together.dispose()
            single.dispose()
