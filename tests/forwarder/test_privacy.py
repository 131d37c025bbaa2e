"""The privacy policy: nothing personal leaves the region (DESIGN §5)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from nacl.signing import SigningKey
from sqlalchemy import create_engine

from drais.keys import RegionKeys
from federation import contract
from node.application import Identity, NodeApplication
from node.forwarder.outbox import derive
from node.forwarder.privacy import PrivacyFilter, public_name
from node.identity_vault import SqlIdentityVault
from tests.test_impact_cases import GOOD, POOR, THEORY

CIN_LIKE = re.compile(r"[A-Z]{1,2}\d{3,6}")
PHONE_LIKE = re.compile(r"(?:(?:\+|00)212|0)[\s.-]*[5-7](?:[\s.-]*\d){8}")
HEX_TOKEN = re.compile(r"^[0-9a-f]{32,128}$")

letters = st.text(
    alphabet="abcdefghijklmnopqrstuvwxyzéèçàABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=4, max_size=16
)
# Free text, never one token, within the shortest limit it meets (80 characters).
words = st.lists(letters, min_size=2, max_size=4).map(" ".join)
cins = st.from_regex(r"[A-Z]{1,2}[0-9]{3,6}", fullmatch=True)
phones = st.from_regex(r"\+2126[0-9]{8}", fullmatch=True)
emails = st.builds("{}@{}.ma".format, letters, letters)


def keys(region: str = "MA-09", seed: bytes = b"s" * 32, secret: bytes = b"h" * 32) -> RegionKeys:
    return RegionKeys(region, secret, SigningKey(seed))


def app() -> NodeApplication:
    return NodeApplication("MA-09", SqlIdentityVault(create_engine("sqlite://")))


def events(application: NodeApplication) -> list[Any]:
    notifications = application.recorder.select_notifications(start=None, limit=100_000)
    return [application.mapper.to_domain_event(n) for n in notifications]


def strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings(item)


@st.composite
def people(draw: st.DrawFn) -> dict[str, str]:
    return {
        "full_name": draw(words),
        "cin": draw(cins),
        "phone": draw(phones),
        "email": draw(emails),
    }


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    holder=people(),
    beneficiaries=st.lists(people(), min_size=5, max_size=7),
    commune=words,
    topic=words,
    decision=words,
    title=words,
    organisation=st.one_of(
        words, st.builds("{} {}".format, words, cins), st.builds("{} {}".format, words, phones)
    ),
)
def test_no_message_carries_personal_data(
    holder: dict[str, str],
    beneficiaries: list[dict[str, str]],
    commune: str,
    topic: str,
    decision: str,
    title: str,
    organisation: str,
) -> None:
    a = app()
    member = a.join_member(name=organisation, actor_type="universite", role="membre", by="op")
    a.hold_meeting(title=title, members_present=[member], decisions=[decision], by="op")
    a.share_resource(title=title, kind="guide", link=f"https://x.ma/{topic}", by="op")
    structure = a.register_structure(
        name=organisation, kind="associative", provinces=["MA-AGD"], by="op"
    )
    offer = a.publish_offer(
        structure,
        service_type="mentorat",
        phases=["ideation"],
        provinces=["MA-AGD"],
        capacity_per_year=5,
        by="op",
    )
    initiative = a.register_initiative(
        name=title,
        theme="artisanat",
        province="MA-AGD",
        phase="ideation",
        holder=Identity(**holder),
        holder_gender="F",
        holder_birth_year=1990,
        commune=commune,
        by="op",
    )
    accompaniment = a.start_accompaniment(
        initiative, structure_id=structure, offer_id=offer, by="op"
    )
    a.hold_session(initiative, accompaniment, hours=2, topic=topic, by="op")
    a.record_funding(initiative, funder=organisation, amount=12_345, instrument="pret", by="op")
    a.define_theory_of_change(initiative, content={**THEORY, "problem": topic}, by="op")
    a.record_measurement(
        initiative,
        indicator_code="CORE.D4",
        value=0.4,
        period_start="2026-01-01",
        period_end="2026-06-30",
        disaggregation={"commune": commune},
        by="op",
    )
    for person in beneficiaries:
        pid = a.register_beneficiary(
            initiative,
            identity=Identity(**person),
            gender="M",
            birth_year=1980,
            consents=("enquete_impact",),
            by="op",
        )
        a.record_survey(pid, wave="baseline", answers=POOR, by="op", on="2026-01-05")
        a.record_survey(pid, wave="follow_up", answers=GOOD, by="op", on="2026-06-05")
    professional = a.register_professional(
        identity=Identity(**holder), gender="M", birth_year=1980, by="op"
    )
    a.hold_training(topic=topic, hours=6, participant_ids=[professional], by="op")

    messages = list(derive(events(a), keys(), k=5))
    types = {json.loads(m.body)["type"] for m in messages}
    assert "beneficiaries.rolled_up" in types  # the roll-up of 5+ paired persons did travel
    secrets = {commune, topic, decision, title}
    for person in [holder, *beneficiaries]:
        secrets.update(person.values())
    for message in messages:
        envelope = contract.parse(message.body)  # unknown fields would be refused here
        model = contract.DATA_MODELS[envelope.type]
        assert set(envelope.data) <= set(model.model_fields)
        document = json.loads(message.body)
        name = document["data"].pop("name", None)  # organisations are public actors
        assert name in (None, public_name(organisation))
        for text in strings(document):
            assert not any(secret in text for secret in secrets), (envelope.type, text)
        for text in strings({**document, "name": name}):
            if not HEX_TOKEN.match(text):
                assert not CIN_LIKE.search(text), (envelope.type, text)
                assert not PHONE_LIKE.search(text), (envelope.type, text)


def test_roll_ups_wait_for_k_persons_of_a_stratum() -> None:
    a = app()
    initiative = a.register_initiative(
        name="Coopérative",
        theme="artisanat",
        province="MA-AGD",
        phase="ideation",
        holder=Identity("Amal Idrissi"),
        holder_gender="F",
        holder_birth_year=1990,
        by="op",
    )
    persons = []
    for _ in range(4):
        pid = a.register_beneficiary(
            initiative,
            identity=Identity("Personne"),
            gender="F",
            birth_year=1990,
            consents=("enquete_impact",),
            by="op",
        )
        a.record_survey(pid, wave="baseline", answers=POOR, by="op", on="2026-01-05")
        a.record_survey(pid, wave="follow_up", answers=GOOD, by="op", on="2026-06-05")
        persons.append(pid)

    def roll_ups() -> list[dict[str, Any]]:
        return [
            json.loads(m.body)["data"]
            for m in derive(events(a), keys(), k=5)
            if json.loads(m.body)["type"] == "beneficiaries.rolled_up"
        ]

    assert roll_ups() == []  # four persons: nothing leaves
    fifth = a.register_beneficiary(
        initiative,
        identity=Identity("Personne"),
        gender="F",
        birth_year=1990,
        consents=("enquete_impact",),
        by="op",
    )
    a.record_survey(fifth, wave="baseline", answers=POOR, by="op", on="2026-01-05")
    a.record_survey(fifth, wave="follow_up", answers=POOR, by="op", on="2026-06-05")
    [first] = roll_ups()
    assert first["persons"] == 5 and first["paired"] == 5
    assert (first["improved"], first["exits"], first["poor_before"]) == (4, 4, 5)
    assert (first["province"], first["sex"], first["age_band"]) == ("MA-AGD", "F", "35-44")
    # A later follow-up of counted persons travels as a correction once k of them changed.
    for pid in [*persons[:4], fifth]:
        a.record_survey(pid, wave="follow_up", answers=POOR, by="op", on="2026-09-05")
    first, correction = roll_ups()
    assert correction["paired"] == 0 and correction["improved"] == -4
    assert first["exits"] + correction["exits"] == 0


def test_pseudonyms_are_stable_in_a_region_and_differ_across_regions() -> None:
    casablanca = PrivacyFilter(b"a" * 32)
    souss = PrivacyFilter(b"b" * 32)
    record = "0b6c1f1e-1111-4222-8333-944455556666"
    assert casablanca.pseudonym(record) == PrivacyFilter(b"a" * 32).pseudonym(record)
    assert casablanca.pseudonym(record) != souss.pseudonym(record)
    assert re.fullmatch(r"[0-9a-f]{32}", casablanca.pseudonym(record))
    assert keys("MA-06", secret=b"a" * 32).pkid != keys("MA-09", secret=b"b" * 32).pkid


def test_organisation_names_are_shared_with_contacts_masked() -> None:
    assert public_name("Université Ibn Zohr") == "Université Ibn Zohr"
    assert (
        public_name("Asso Amal (JB123456, 0612345678, amal@asso.ma)") == "Asso Amal ([…], […], […])"
    )
