"""The region's impact indicators D4, B1, B2 and B3 from a small story with figures done by hand."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import pytest

from node.application import Identity
from node.bootstrap import Node
from node.projections import impact_queries as q
from tests.scenario import record_story
from tests.test_impact_cases import CRITERIA, GOOD, POOR, THEORY

# DRAIS-MPI-v1 weights: schooling, children at school, AMO, health centre, income and paid work
# 1/8 each; water, sanitation, electricity and crowding 1/16 each. Poor when c_i ≥ 1/3.
# POOR is deprived in schooling, AMO, income, work (4 × 1/8) and water, sanitation (2 × 1/16):
# c = 0.625. MID is deprived in income and work only: c = 0.25, not poor. GOOD: c = 0.
MID = {**GOOD, "emploi_adulte_remunere": False, "revenu_par_uc": False}
Z = 1.959963984540054  # the 97.5 % quantile of the standard normal


def wilson_by_hand(successes: int, n: int) -> tuple[float, float]:
    """The Wilson score interval written out, independent of the toolbox."""
    p = successes / n
    centre = (p + Z**2 / (2 * n)) / (1 + Z**2 / n)
    half = Z * math.sqrt(p * (1 - p) / n + Z**2 / (4 * n**2)) / (1 + Z**2 / n)
    return centre - half, centre + half


@dataclass
class Region:
    argan: str  # MA-CHT
    couscous: str  # MA-AGD
    pottery: str  # MA-AGD


def new_initiative(node: Node, name: str, province: str) -> str:
    return node.app.register_initiative(
        name=name,
        theme="artisanat",
        province=province,
        phase="ideation",
        holder=Identity(f"Porteur {name}"),
        holder_gender="M",
        holder_birth_year=1988,
        by="amina",
        on="2026-02-15",
    )


def surveyed(node: Node, initiative: str, name: str, *waves: dict[str, Any]) -> str:
    person = node.app.register_beneficiary(
        initiative,
        identity=Identity(name),
        gender="F",
        birth_year=1990,
        consents=("enquete_impact",),
        by="amina",
    )
    for wave, answers in zip(("baseline", "follow_up"), waves, strict=False):
        on = "2026-01-05" if wave == "baseline" else "2026-09-05"
        node.app.record_survey(person, wave=wave, answers=answers, by="amina", on=on)
    return person


@pytest.fixture
def region(node: Node) -> Region:
    story = record_story(node.app)
    return Region(
        argan=story.initiative,
        couscous=new_initiative(node, "Couscous bio", "MA-AGD"),
        pottery=new_initiative(node, "Poterie d'Agadir", "MA-AGD"),
    )


def test_d4_counts_paired_beneficiaries_only(node: Node, region: Region) -> None:
    surveyed(node, region.argan, "Aicha", POOR, GOOD)  # improved, leaves poverty
    surveyed(node, region.argan, "Malika", POOR, MID)  # improved, leaves poverty
    surveyed(node, region.argan, "Rachida", POOR, POOR)  # unchanged, stays poor
    surveyed(node, region.couscous, "Hafsa", MID, POOR)  # worsened, falls into poverty
    surveyed(node, region.couscous, "Naima", GOOD, GOOD)  # unchanged, never poor
    surveyed(node, region.couscous, "Zineb", POOR)  # no follow-up yet: not paired
    erased = surveyed(node, region.argan, "Samira", POOR, GOOD)
    person = node.app.get_person(erased)
    person.erase(by="amina")
    node.app.save(person)  # her data is no longer processed, so her pair leaves D4
    node.projector.catch_up()

    d4 = q.living_conditions(node.stores.read_models)

    assert d4["paired"] == 5
    assert d4["improved"]["successes"] == 2 and d4["improved"]["n"] == 5
    assert d4["improved"]["rate"] == pytest.approx(0.4)
    assert (d4["improved"]["ci_low"], d4["improved"]["ci_high"]) == pytest.approx(
        wilson_by_hand(2, 5)
    )
    assert round(d4["improved"]["ci_low"], 4) == 0.1176
    assert round(d4["improved"]["ci_high"], 4) == 0.7693
    assert (d4["worsened"]["successes"], d4["worsened"]["n"]) == (1, 5)
    assert (d4["worsened"]["ci_low"], d4["worsened"]["ci_high"]) == pytest.approx(
        wilson_by_hand(1, 5)
    )
    # Exits are counted among the three poor at baseline (Aicha, Malika, Rachida).
    assert (d4["exits"]["successes"], d4["exits"]["n"]) == (2, 3)
    assert d4["exits"]["rate"] == pytest.approx(2 / 3)
    assert (d4["exits"]["ci_low"], d4["exits"]["ci_high"]) == pytest.approx(wilson_by_hand(2, 3))
    # Mean c_i: (3 × 0.625 + 0.25 + 0) / 5 before, (0 + 0.25 + 0.625 + 0.625 + 0) / 5 after.
    assert d4["mean_c_before"] == pytest.approx(0.425)
    assert d4["mean_c_after"] == pytest.approx(0.3)
    # McNemar on poor/not poor: 2 exits against 1 entry, 3 discordant pairs, exact test:
    # p = 2 × P(X ≤ 1 | 3, ½) = 2 × 4/8 = 1.
    assert d4["mcnemar"]["method"] == "exact_binomial"
    assert d4["mcnemar"]["discordant"] == 3
    assert d4["mcnemar"]["statistic"] == 1
    assert d4["mcnemar"]["p_value"] == pytest.approx(1.0)
    assert d4["counts"]["entries"] == 1 and d4["counts"]["poor_at_baseline"] == 3


def test_d4_by_province_adds_up_to_the_region(node: Node, region: Region) -> None:
    surveyed(node, region.argan, "Aicha", POOR, GOOD)
    surveyed(node, region.argan, "Rachida", POOR, POOR)
    surveyed(node, region.couscous, "Hafsa", MID, POOR)
    node.projector.catch_up()
    engine = node.stores.read_models

    chtouka = q.improvement_counts(engine, province="MA-CHT")
    agadir = q.improvement_counts(engine, province="MA-AGD")

    assert (chtouka.paired, chtouka.improved, chtouka.exits) == (2, 1, 1)
    assert (agadir.paired, agadir.worsened, agadir.entries) == (1, 1, 1)
    assert chtouka + agadir == q.improvement_counts(engine)
    by_initiative = q.living_conditions(engine, initiative_id=region.couscous)
    assert by_initiative["improved"]["rate"] == 0.0 and by_initiative["worsened"]["rate"] == 1.0


def test_d4_without_pairs_has_no_rate(node: Node, region: Region) -> None:
    surveyed(node, region.argan, "Zineb", POOR)
    node.projector.catch_up()
    d4 = q.living_conditions(node.stores.read_models)
    assert d4["paired"] == 0
    assert d4["improved"] == {"successes": 0, "n": 0, "rate": None, "ci_low": None, "ci_high": None}
    assert d4["mcnemar"] is None


def measure(node: Node, initiative: str) -> None:
    node.app.record_measurement(
        initiative,
        indicator_code="CORE.EMP.JOBS_CREATED",
        value=4,
        period_start="2026-01-01",
        period_end="2026-06-30",
        disaggregation={},
        by="amina",
    )


def test_b1_adoption_needs_an_indicator_in_the_theory_and_a_measurement(
    node: Node, region: Region
) -> None:
    without_indicators = {
        **THEORY,
        "outcomes": [{**THEORY["outcomes"][0], "indicators": []}],
    }
    # Argan: theory linked to CORE.D4 and a measurement: adopts.
    node.app.define_theory_of_change(region.argan, content=THEORY, by="amina")
    measure(node, region.argan)
    # Couscous: theory with an indicator, nothing measured yet: does not adopt.
    node.app.define_theory_of_change(region.couscous, content=THEORY, by="amina")
    # Pottery: measured, but its theory names no indicator: does not adopt.
    node.app.define_theory_of_change(region.pottery, content=without_indicators, by="amina")
    measure(node, region.pottery)
    node.projector.catch_up()

    assert q.toolbox_adoption(node.stores.read_models) == {
        "adopting": 1,
        "initiatives": 3,
        "with_theory_indicators": 2,
        "with_measurements": 2,
    }

    # Revising the pottery theory to link an indicator makes it adopt.
    node.app.define_theory_of_change(region.pottery, content=THEORY, by="amina")
    node.projector.catch_up()
    assert q.toolbox_adoption(node.stores.read_models)["adopting"] == 2


def publish(node: Node, code: str, criteria: list[dict[str, Any]]) -> str:
    return node.app.publish_grid(
        code=code,
        title=f"Appel {code}",
        pass_threshold=60,
        criteria=criteria,
        funder="INDH",
        by="a",
    )


def test_b2_counts_grids_whose_current_version_integrates_impact(node: Node) -> None:
    light_impact = [
        {"code": "impact", "label": "Impact", "weight": 1, "maximum": 10, "impact": True},
        {"code": "equipe", "label": "Équipe", "weight": 9, "maximum": 10},
    ]
    no_impact = [{"code": "budget", "label": "Budget", "weight": 1, "maximum": 20}]
    publish(node, "INDH-2026", CRITERIA)  # impact weighs 3 of 10: integrates
    light = publish(node, "FONDS-A", light_impact)  # 1 of 10, neither eliminatory nor determining
    publish(node, "FONDS-B", no_impact)
    node.projector.catch_up()
    engine = node.stores.read_models
    assert q.grids_integrating_impact(engine) == {"integrating": 1, "grids": 3}

    # Version 2 makes the light impact criterion eliminatory (minimum 3): it now integrates.
    eliminatory = [{**light_impact[0], "minimum": 3}, light_impact[1]]
    node.app.revise_grid(
        light, title="Appel FONDS-A v2", pass_threshold=60, criteria=eliminatory, by="a"
    )
    node.projector.catch_up()

    assert q.grids_integrating_impact(engine) == {"integrating": 2, "grids": 3}
    rows = {g["code"]: g for g in q.grids(engine)}
    assert list(rows) == ["INDH-2026", "FONDS-A", "FONDS-B"]
    assert (rows["FONDS-A"]["version"], rows["FONDS-A"]["impact_share"]) == (2, 0.1)
    assert rows["INDH-2026"]["impact_share"] == 0.3


def study(node: Node, title: str) -> str:
    return node.app.register_study(
        title=title,
        policy="INDH phase III",
        territory="MA-09",
        method="difference_in_differences",
        by="a",
    )


def test_b3_counts_completed_studies_and_every_status(node: Node) -> None:
    completed, ongoing, cancelled = study(node, "A"), study(node, "B"), study(node, "C")
    study(node, "D")  # stays planned
    for record in (completed, ongoing):
        node.app.change_study_status(record, status="ongoing", by="a")
    node.app.estimate_did(
        completed,
        outcome=[10, 11, 15, 18, 9, 10, 12, 13],
        treated=[1, 1, 1, 1, 0, 0, 0, 0],
        post=[0, 0, 1, 1, 0, 0, 1, 1],
        cluster=None,
        by="a",
    )
    node.app.change_study_status(completed, status="completed", by="a")
    node.app.change_study_status(cancelled, status="cancelled", by="a")
    node.projector.catch_up()

    assert q.policy_studies_conducted(node.stores.read_models) == {
        "completed": 1,
        "studies": 4,
        "by_status": {"planned": 1, "ongoing": 1, "completed": 1, "cancelled": 1},
    }
    assert [s["title"] for s in q.studies(node.stores.read_models, "completed")] == ["A"]


def test_the_regional_indicators_carry_their_catalogue_labels(node: Node, region: Region) -> None:
    surveyed(node, region.argan, "Aicha", POOR, GOOD)
    node.projector.catch_up()
    indicators = {i["code"]: i for i in q.regional_indicators(node.stores.read_models)}
    assert list(indicators) == ["D4", "B1", "B2", "B3"]
    assert (
        indicators["D4"]["label"] == "Taux d'amélioration des conditions de vie des bénéficiaires"
    )
    assert (indicators["D4"]["value"], indicators["D4"]["paired"]) == (1.0, 1)
    assert (indicators["B1"]["value"], indicators["B1"]["initiatives"]) == (0, 3)
    assert (indicators["B2"]["value"], indicators["B3"]["value"]) == (0, 0)
