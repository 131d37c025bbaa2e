"""What a person's rights change in what leaves the region: a rectification travels only as its
anonymous consequence, and an opposed or erased beneficiary leaves the roll-ups."""

from __future__ import annotations

import json
from typing import Any

from node.application import Identity, NodeApplication
from node.forwarder.outbox import derive
from tests.forwarder.test_privacy import app, events, keys
from tests.test_impact_cases import GOOD, POOR


def messages(a: NodeApplication, k: int = 5) -> list[dict[str, Any]]:
    return [json.loads(m.body) for m in derive(events(a), keys(), k=k)]


def initiative(a: NodeApplication) -> str:
    return a.register_initiative(
        name="Coopérative",
        theme="artisanat",
        province="MA-AGD",
        phase="ideation",
        holder=Identity("Amal Idrissi", cin="JK445566", phone="+212655443322"),
        holder_gender="F",
        holder_birth_year=1990,
        by="op",
        on="2026-01-10",
    )


def test_a_holder_s_rectification_travels_as_sex_and_age_band_only() -> None:
    a = app()
    holder = a.get_initiative(initiative(a)).holder_id
    a.rectify_person(holder, full_name="Amal Idrissi Bennani", cin="JK445567", by="dpo")
    assert [m["type"] for m in messages(a)] == ["initiative.registered"]  # nothing anonymous

    a.rectify_person(holder, gender="M", birth_year=1970, by="dpo")

    corrected = messages(a)[-1]
    assert corrected["type"] == "initiative.holder_corrected"
    assert corrected["data"] == {"holder_sex": "M", "holder_age_band": "45-59"}
    body = json.dumps(messages(a), ensure_ascii=False)
    for personal in ("Amal", "Idrissi", "Bennani", "JK44556", "655443322", holder):
        assert personal not in body


def paired(a: NodeApplication, initiative_id: str, follow_up: dict[str, Any] = GOOD) -> str:
    person = a.register_beneficiary(
        initiative_id,
        identity=Identity("Personne"),
        gender="F",
        birth_year=1990,
        consents=("enquete_impact",),
        by="op",
    )
    a.record_survey(person, wave="baseline", answers=POOR, by="op", on="2026-01-05")
    a.record_survey(person, wave="follow_up", answers=follow_up, by="op", on="2026-06-05")
    return person


def shared_pairs(a: NodeApplication) -> tuple[int, int]:
    """What the nation adds up from the region's roll-ups: persons paired, exits."""
    roll_ups = [m["data"] for m in messages(a, k=2) if m["type"] == "beneficiaries.rolled_up"]
    return sum(r["paired"] for r in roll_ups), sum(r["exits"] for r in roll_ups)


def test_opposed_and_erased_beneficiaries_leave_the_roll_ups_and_come_back_on_withdrawal() -> None:
    a = app()
    where = initiative(a)
    amina, badia, chama, _dounia = (paired(a, where) for _ in range(4))
    assert shared_pairs(a) == (4, 4)

    a.set_opposition(amina, opposed=True, by="dpo")
    assert shared_pairs(a) == (4, 4)  # one change is fewer than k: nothing about her alone
    a.erase_person(badia, by="dpo")
    assert shared_pairs(a) == (2, 2)  # both taken back in one correction

    a.set_opposition(amina, opposed=False, by="dpo")
    a.record_survey(chama, wave="follow_up", answers=POOR, by="op", on="2026-09-05")
    assert shared_pairs(a) == (3, 2)  # Amina is back; Chama no longer exits poverty


def test_a_beneficiary_who_opposes_before_being_shared_never_travels() -> None:
    a = app()
    where = initiative(a)
    early = paired(a, where)
    a.set_opposition(early, opposed=True, by="dpo")
    paired(a, where)
    assert shared_pairs(a) == (0, 0)  # one person pending: no roll-up of fewer than k
    paired(a, where)
    assert shared_pairs(a) == (2, 2)
