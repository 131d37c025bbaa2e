"""The toolbox's use cases on the node's log: grids, applications, studies, surveys."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from node.application import Identity
from node.bootstrap import Node
from node.domain.errors import InvalidValue, RuleViolation
from node.projections import tables as t
from node.toolbox.improvement import ImprovementCounts, PairedScores
from tests.scenario import record_story

CRITERIA: list[dict[str, Any]] = [
    {
        "code": "impact",
        "label": "Théorie du changement",
        "weight": 3,
        "maximum": 10,
        "impact": True,
        "determining": True,
    },
    {"code": "equipe", "label": "Équipe", "weight": 4, "maximum": 10, "minimum": 4},
    {"code": "budget", "label": "Budget", "weight": 3, "maximum": 10},
]

GOOD = {
    "edu_annees_scolarite": 9,
    "edu_scolarisation_enfants": True,
    "sante_couverture_amo": True,
    "sante_acces_centre": True,
    "vie_eau_potable": True,
    "vie_assainissement": True,
    "vie_electricite": True,
    "vie_surpeuplement": True,
    "emploi_adulte_remunere": True,
    "revenu_par_uc": True,
}
POOR = {
    **GOOD,
    "edu_annees_scolarite": 2,
    "sante_couverture_amo": False,
    "vie_eau_potable": False,
    "vie_assainissement": False,
    "emploi_adulte_remunere": False,
    "revenu_par_uc": False,
}


def test_a_grid_scores_an_application_with_every_reason(node: Node) -> None:
    grid = node.app.publish_grid(
        code="INDH-2026",
        title="Appel à projets",
        pass_threshold=60,
        criteria=CRITERIA,
        funder="INDH",
        by="a",
    )
    application = node.app.submit_application(
        grid, applicant="Coopérative Tifawt", scores={"impact": 4, "equipe": 3, "budget": 9}, by="a"
    )
    result = node.app.get_application(application).result
    assert not result["passed"]
    assert {r["kind"] for r in result["reasons"]} == {"eliminatory", "determining", "threshold"}
    assert node.app.get_grid(grid).grid.integrates_impact


def test_inconsistent_grids_are_refused(node: Node) -> None:
    bad = [{**CRITERIA[1], "minimum": 12}]
    with pytest.raises(InvalidValue):
        node.app.publish_grid(
            code="X", title="X", pass_threshold=50, criteria=bad, funder="F", by="a"
        )
    with pytest.raises(InvalidValue):
        node.app.publish_grid(
            code="X",
            title="X",
            pass_threshold=50,
            criteria=[{**CRITERIA[2], "weight": 0}],
            funder="F",
            by="a",
        )


def test_a_new_grid_version_rescores_past_applications(node: Node) -> None:
    grid = node.app.publish_grid(
        code="G", title="G", pass_threshold=60, criteria=CRITERIA, funder="F", by="a"
    )
    application = node.app.submit_application(
        grid, applicant="A", scores={"impact": 6, "equipe": 5, "budget": 5}, by="a"
    )
    assert node.app.get_application(application).result["total"] == pytest.approx(53)
    node.app.revise_grid(grid, title="G v2", pass_threshold=50, criteria=CRITERIA, by="a")
    assert node.app.rescore_applications(grid, by="a") == 1
    rescored = node.app.get_application(application)
    assert (rescored.grid_version, rescored.result["passed"]) == (2, True)
    assert node.app.rescore_applications(grid, by="a") == 0


def test_a_did_study_records_its_estimate_then_completes(node: Node) -> None:
    study = node.app.register_study(
        title="Évaluation INDH",
        policy="INDH phase III",
        territory="MA-AGD",
        method="difference_in_differences",
        by="a",
    )
    with pytest.raises(RuleViolation):
        node.app.change_study_status(study, status="completed", by="a")
    node.app.change_study_status(study, status="ongoing", by="a")
    result = node.app.estimate_did(
        study,
        outcome=[10, 11, 15, 18, 9, 10, 12, 13],
        treated=[1, 1, 1, 1, 0, 0, 0, 0],
        post=[0, 0, 1, 1, 0, 0, 1, 1],
        cluster=None,
        by="a",
    )
    assert round(result["effect"], 4) == 3.0 and round(result["se"], 4) == 1.7321
    node.app.change_study_status(study, status="completed", by="a")
    with pytest.raises(InvalidValue):
        node.app.register_study(
            title="x", policy="y", territory="MA-CAS", method="randomised", by="a"
        )


def test_surveys_need_consent_a_baseline_and_valid_answers(node: Node) -> None:
    story = record_story(node.app)
    no_consent = node.app.register_beneficiary(
        story.initiative,
        identity=Identity("Hassan"),
        gender="M",
        birth_year=1975,
        consents=(),
        by="a",
    )
    with pytest.raises(RuleViolation):
        node.app.record_survey(no_consent, wave="baseline", answers=GOOD, by="a")
    person = node.app.register_beneficiary(
        story.initiative,
        identity=Identity("Aicha"),
        gender="F",
        birth_year=1990,
        consents=("enquete_impact",),
        by="a",
    )
    with pytest.raises(RuleViolation):
        node.app.record_survey(person, wave="follow_up", answers=GOOD, by="a")
    with pytest.raises(InvalidValue) as refused:
        node.app.record_survey(person, wave="baseline", answers={**GOOD, "vie_eau": 1}, by="a")
    assert str(refused.value.field).startswith("answers.")
    before = node.app.record_survey(person, wave="baseline", answers=POOR, by="a", on="2026-01-05")
    after = node.app.record_survey(person, wave="follow_up", answers=GOOD, by="a")
    assert before["poor"] and not after["poor"] and after["score"] == 0


def test_survey_pairs_in_the_read_model_give_the_improvement_counts(node: Node) -> None:
    story = record_story(node.app)
    for i, follow_up in enumerate([GOOD, GOOD, POOR]):
        person = node.app.register_beneficiary(
            story.initiative,
            identity=Identity(f"B{i}"),
            gender="F",
            birth_year=1990,
            consents=("enquete_impact",),
            by="a",
        )
        node.app.record_survey(person, wave="baseline", answers=POOR, by="a", on="2026-01-05")
        node.app.record_survey(person, wave="follow_up", answers=follow_up, by="a")
    node.projector.catch_up()
    with node.stores.read_models.connect() as conn:
        rows = conn.execute(select(t.surveys)).all()
    counts = ImprovementCounts.from_pairs(
        PairedScores(r.c_before, r.c_after, r.poor_before, r.poor_after) for r in rows
    )
    assert (counts.paired, counts.improved, counts.exits) == (3, 2, 2)
    assert all(r.province == "MA-CHT" for r in rows)


THEORY: dict[str, Any] = {
    "problem": "Faible revenu des femmes rurales de Chtouka",
    "target_population": "Femmes de 18 à 45 ans des douars de Biougra",
    "inputs": ["Subvention INDH"],
    "activities": ["Formation à la transformation"],
    "outputs": ["30 femmes formées"],
    "outcomes": [
        {
            "statement": "Revenus accrus",
            "horizon": "medium",
            "indicators": [
                {"code": "CORE.D4", "baseline": 0.0, "target": 0.5, "target_date": "2028-12-31"}
            ],
        }
    ],
    "impact": "Conditions de vie améliorées",
    "assumptions": ["Marché local stable"],
}


def test_a_theory_of_change_is_versioned_and_checked_against_the_catalogue(node: Node) -> None:
    story = record_story(node.app)
    assert node.app.define_theory_of_change(story.initiative, content=THEORY, by="a") == 1
    revised = {**THEORY, "impact": "Autonomie économique des femmes"}
    assert node.app.define_theory_of_change(story.initiative, content=revised, by="a") == 2
    theory = node.app.theory_of_change(story.initiative)
    assert theory.indicator_codes == ["CORE.D4"]
    assert [type(e).__name__ for e in node.app.history(str(theory.id))] == ["Drafted", "Revised"]
    unknown = {
        **THEORY,
        "outcomes": [{**THEORY["outcomes"][0], "indicators": [{"code": "CORE.NOPE"}]}],
    }
    with pytest.raises(InvalidValue) as refused:
        node.app.define_theory_of_change(story.initiative, content=unknown, by="a")
    assert refused.value.field == "outcomes.0.indicators.0.code"


def test_measurements_name_a_catalogue_indicator(node: Node) -> None:
    story = record_story(node.app)
    with pytest.raises(InvalidValue):
        node.app.record_measurement(
            story.initiative,
            indicator_code="CORE.NOPE",
            value=1,
            period_start="2026-01-01",
            period_end="2026-06-30",
            disaggregation={},
            by="a",
        )
    node.app.record_measurement(
        story.initiative,
        indicator_code="CORE.D4",
        value=0.4,
        period_start="2026-01-01",
        period_end="2026-06-30",
        disaggregation={"sex": "F"},
        by="a",
    )
    node.projector.catch_up()
    with node.stores.read_models.connect() as conn:
        assert conn.execute(select(t.measurements.c.value)).scalars().all() == [0.4]
