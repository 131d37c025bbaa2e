"""The wire contract: committed schema and docs match the code; unknown fields are refused."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bench.federation import MONTHS, RegionStory
from federation import contract

ROOT = Path(__file__).resolve().parents[2]
REGENERATE = "regenerate with `drais federation contract` (and `--docs`)"


def test_the_committed_json_schema_matches_the_contract() -> None:
    committed = json.loads((ROOT / "federation" / "contract.schema.json").read_text())
    assert committed == contract.json_schema(), REGENERATE


def test_the_committed_documentation_matches_the_contract() -> None:
    assert (ROOT / "docs" / "contract.md").read_text() == contract.markdown() + "\n", REGENERATE


def message(**changes: object) -> dict[str, object]:
    document: dict[str, object] = {
        "v": 1,
        "region": "MA-09",
        "seq": 1,
        "prev": contract.GENESIS,
        "type": "initiative.phase_changed",
        "month": "2026-04",
        "subject": "0" * 32,
        "data": {"from_phase": "ideation", "to_phase": "amorcage", "regression": False},
        "kid": "MA-09:abc",
        "pkid": "MA-09:def",
        "sig": "0" * 128,
    }
    document.update(changes)
    return document


def test_a_valid_message_parses() -> None:
    envelope = contract.parse(contract.canonical(message()))
    assert envelope.payload() == contract.PhaseChanged(
        from_phase="ideation", to_phase="amorcage", regression=False
    )


@pytest.mark.parametrize(
    ("changes", "where"),
    [
        ({"holder_name": "Fatima"}, "holder_name"),
        (
            {
                "data": {
                    "from_phase": "ideation",
                    "to_phase": "amorcage",
                    "regression": False,
                    "cin": "JB1",
                }
            },
            "cin",
        ),
        ({"type": "person.registered"}, "type"),
        ({"month": "2026-04-12"}, "month"),
        ({"region": "MA-13"}, "region"),
        ({"seq": 0}, "seq"),
        ({"subject": None}, "a subject"),
        ({"data": {"from_phase": "ideation", "to_phase": "lune", "regression": False}}, "to_phase"),
    ],
)
def test_the_contract_refuses_what_it_does_not_know(changes: dict[str, object], where: str) -> None:
    body = contract.canonical(message(**changes))
    with pytest.raises(contract.ContractError) as refused:
        contract.parse(body)
    assert where in refused.value.reason
    with pytest.raises(contract.ContractError) as refused_in_one_pass:
        contract.parse_event(body)
    assert refused_in_one_pass.value.reason == refused.value.reason


def test_one_pass_reads_every_message_as_the_envelope_then_its_data() -> None:
    story = RegionStory("MA-09", random.Random(4))
    seen: set[str] = set()
    for i in range(3000):
        body = story.next(MONTHS[i % len(MONTHS)]).body
        envelope, data = contract.parse_event(body)
        in_two_steps = contract.parse(body)
        assert isinstance(envelope, contract.Envelope)
        assert type(data) is contract.DATA_MODELS[in_two_steps.type]
        assert data == in_two_steps.payload()
        assert envelope.model_dump(exclude={"data"}) == in_two_steps.model_dump(exclude={"data"})
        seen.add(in_two_steps.type)
    assert len(seen) >= 16  # every type the benchmark's regions send


def test_canonical_json_is_sorted_compact_utf8() -> None:
    assert contract.canonical({"b": "é", "a": 1}) == '{"a":1,"b":"é"}'.encode()
    assert contract.subject_of("MA-09", "initiative.phase_changed") == (
        "drais.v1.MA-09.initiative.phase_changed"
    )
    assert contract.msg_id("MA-09", 7) == "MA-09:7"


def json_modules_canonical(document: dict[str, object]) -> bytes:
    """Canonical JSON as defined: what Python's `json` writes, sorted and compact, in UTF-8."""
    return json.dumps(
        document, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode()


ANY_TEXT = st.text(st.characters(exclude_categories=()))  # lone surrogates included
ANY_SCALAR = (
    st.none() | st.booleans() | st.integers() | st.floats() | ANY_TEXT | st.sampled_from(MONTHS)
)
ANY_JSON = st.recursive(
    ANY_SCALAR,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(ANY_TEXT, inner, max_size=3),
    max_leaves=10,
)


def assert_canonical_as_json_writes_it(document: dict[str, object]) -> None:
    try:
        expected = json_modules_canonical(document)
    except (ValueError, TypeError) as refused:  # NaN, infinities, unencodable text
        with pytest.raises(type(refused)):
            contract.canonical(document)
    else:
        assert contract.canonical(document) == expected


@given(st.dictionaries(ANY_TEXT, ANY_JSON, max_size=8))
def test_canonical_json_is_what_the_json_module_writes_byte_for_byte(
    document: dict[str, object],
) -> None:
    assert_canonical_as_json_writes_it(document)


@pytest.mark.parametrize(
    "value",
    [
        *(1e-05, 5.5e-05, 1e-07, 2.5e-300, 1e-4, 1e16, 1e22, -0.0, 0.1),
        *(2**64, -(2**63) - 1, 2**80, float("nan"), float("inf"), -float("inf")),
        *("\ud800", "0.0000", "1e-3", "null"),
    ],
)
def test_numbers_and_texts_the_fast_encoder_writes_differently_are_written_as_json_does(
    value: object,
) -> None:
    assert_canonical_as_json_writes_it({"data": {"sum_c_after": value}, "subject": "x"})
    assert_canonical_as_json_writes_it({"data": [value, {"1": value}], "seq": 1})


@pytest.mark.parametrize(
    ("birth_year", "band"), [(2010, "<18"), (2002, "18-24"), (1992, "25-34"), (1960, "60+")]
)
def test_ages_travel_as_bands(birth_year: int, band: str) -> None:
    assert contract.age_band(birth_year, 2026) == band


@pytest.mark.parametrize(
    ("amount", "band"), [(0, "<10k"), (9_999, "<10k"), (10_000, "10k-50k"), (2e6, ">=1M")]
)
def test_amounts_travel_as_bands(amount: float, band: str) -> None:
    assert contract.amount_band(amount) == band


def test_a_roll_up_names_nobody() -> None:
    roll_up = message(
        type="training.competence_rolled_up",
        data={"assessed": 5, "sum_before": 10.0, "sum_after": 15.0},
    )
    with pytest.raises(contract.ContractError) as refused:
        contract.parse(contract.canonical(roll_up))
    assert "no subject" in refused.value.reason
    assert contract.parse(contract.canonical({**roll_up, "subject": None})).subject is None


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=8,
)


@given(st.dictionaries(st.text().filter(lambda key: key != "sig"), JSON_VALUES, max_size=8))
def test_a_document_signed_in_one_encoding_is_its_canonical_signed_form(
    document: dict[str, object],
) -> None:
    covered: list[bytes] = []

    def sign(data: bytes) -> bytes:
        covered.append(data)
        return bytes(range(64))

    body = contract.signed(document, sign)
    assert covered == [contract.canonical(document)]
    signed_document = {**document, "sig": bytes(range(64)).hex()}
    assert body == contract.canonical(signed_document)
    assert contract.unsigned(json.loads(body)) == covered[0]


def test_a_signed_document_is_not_signed_again() -> None:
    with pytest.raises(ValueError, match="signed already"):
        contract.signed(message(), lambda data: bytes(64))
