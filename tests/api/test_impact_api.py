"""The impact toolbox through the node's JSON API: what is recorded can be read back, and what
the toolbox refuses is a 4xx naming the field, with nothing recorded."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from node.bootstrap import Node
from tests.api.test_bad_input import fields
from tests.api.test_contract import create, new_initiative
from tests.test_impact_cases import CRITERIA, GOOD, POOR, THEORY

API = "/api/v1"
POOR_DEPRIVATIONS = {
    "edu_annees_scolarite",
    "sante_couverture_amo",
    "vie_eau_potable",
    "vie_assainissement",
    "emploi_adulte_remunere",
    "revenu_par_uc",
}


def grid_body(**change: Any) -> dict[str, Any]:
    return {
        "code": "INDH-2026",
        "title": "Appel à projets INDH 2026",
        "funder": "INDH Agadir",
        "pass_threshold": 60,
        "criteria": CRITERIA,
        **change,
    }


def beneficiary(client: TestClient, initiative: str, name: str = "Aicha Ouhammou") -> str:
    return create(
        client,
        f"{API}/initiatives/{initiative}/beneficiaries",
        {"full_name": name, "gender": "F", "birth_year": 1990, "consents": ["enquete_impact"]},
    )


# -- what is recorded can be read back ---------------------------------------------------


def test_a_theory_of_change_is_drafted_revised_and_read_with_its_history(
    client: TestClient,
) -> None:
    initiative = new_initiative(client)
    path = f"{API}/initiatives/{initiative}/theory-of-change"
    assert client.get(path).status_code == 404

    drafted = client.put(path, json=THEORY)
    assert drafted.status_code == 201, drafted.text
    assert drafted.json() == {"initiative_id": initiative, "revision": 1}
    revised = client.put(path, json={**THEORY, "impact": "Autonomie économique des femmes"})
    assert revised.status_code == 200 and revised.json()["revision"] == 2

    theory = client.get(path).json()
    assert theory["revision"] == 2
    assert theory["indicator_codes"] == ["CORE.D4"]
    assert theory["content"]["impact"] == "Autonomie économique des femmes"
    assert theory["content"]["outcomes"][0]["indicators"][0]["target_date"] == "2028-12-31"
    assert [(h["revision"], h["event"]) for h in theory["history"]] == [
        (1, "drafted"),
        (2, "revised"),
    ]
    assert theory["history"][0]["content"]["impact"] == "Conditions de vie améliorées"


def test_a_survey_pair_is_scored_and_listed_with_the_beneficiary(client: TestClient) -> None:
    initiative = new_initiative(client)
    person = beneficiary(client, initiative)
    surveys = f"{API}/beneficiaries/{person}/surveys"

    baseline = client.post(surveys, json={"wave": "baseline", "answers": POOR, "on": "2026-01-05"})
    assert baseline.status_code == 201, baseline.text
    body = baseline.json()
    # Four deprivations weighing 1/8 and two weighing 1/16: c = 0.625, poor (k = 1/3).
    assert (body["score"], body["poor"], body["scheme_id"]) == (0.625, True, "DRAIS-MPI-v1")
    assert set(body["deprived"]) == POOR_DEPRIVATIONS
    follow_up = client.post(surveys, json={"wave": "follow_up", "answers": GOOD}).json()
    assert (follow_up["score"], follow_up["poor"], follow_up["deprived"]) == (0, False, [])

    listed = client.get(f"{API}/initiatives/{initiative}/beneficiaries").json()
    assert listed["total"] == 1
    (row,) = listed["items"]
    assert (row["person_id"], row["survey"]) == (person, "paired")
    assert (row["c_before"], row["poor_before"], row["c_after"], row["poor_after"]) == (
        0.625,
        True,
        0,
        False,
    )
    assert row["identity"] == {"full_name": "Aicha Ouhammou"}
    assert row["consents"] == {"enquete_impact": True}

    indicators = {i["code"]: i for i in client.get(f"{API}/impact/indicators").json()}
    assert indicators["D4"]["paired"] == 1
    assert indicators["D4"]["improved"]["rate"] == 1.0
    assert indicators["D4"]["exits"]["successes"] == 1


def test_beneficiaries_and_their_scores_need_the_token(client: TestClient) -> None:
    initiative = new_initiative(client)
    beneficiary(client, initiative)
    anonymous = {"Authorization": ""}
    for path in (f"{API}/initiatives/{initiative}/beneficiaries", f"{API}/impact/indicators"):
        assert client.get(path, headers=anonymous).status_code == 401


def test_a_scored_application_is_read_back_and_rescored_after_a_revision(
    client: TestClient,
) -> None:
    initiative = new_initiative(client)
    grid = create(client, f"{API}/grids", grid_body())
    terms = client.get(f"{API}/grids/{grid}").json()
    assert (terms["version"], terms["impact_share"], terms["integrates_impact"]) == (1, 0.3, True)

    submitted = client.post(
        f"{API}/grids/{grid}/applications",
        json={
            "applicant": "Coopérative Tifawt",
            "scores": {"impact": 6, "equipe": 5, "budget": 5},
            "initiative_id": initiative,
        },
    )
    assert submitted.status_code == 201, submitted.text
    application = submitted.json()["id"]
    # (3 × 6/10 + 4 × 5/10 + 3 × 5/10) / 10 × 100 = 53, below the threshold of 60.
    scored = client.get(f"{API}/applications/{application}").json()
    assert (scored["grid_version"], scored["total"], scored["passed"]) == (1, 53, False)
    assert [r["kind"] for r in scored["reasons"]] == ["threshold"]
    assert scored["initiative_id"] == initiative

    revised = client.put(
        f"{API}/grids/{grid}",
        json={"title": "Appel INDH 2026, v2", "pass_threshold": 50, "criteria": CRITERIA},
    )
    assert revised.json() == {"id": grid, "version": 2}
    assert client.post(f"{API}/grids/{grid}/rescore").json()["rescored"] == 1
    rescored = client.get(f"{API}/applications/{application}").json()
    assert (rescored["grid_version"], rescored["total"], rescored["passed"]) == (2, 53, True)
    (listed,) = client.get(f"{API}/grids").json()
    assert (listed["code"], listed["version"], listed["title"]) == (
        "INDH-2026",
        2,
        "Appel INDH 2026, v2",
    )


def test_measurements_and_studies_feed_the_regional_indicators(client: TestClient) -> None:
    initiative = new_initiative(client)
    client.put(f"{API}/initiatives/{initiative}/theory-of-change", json=THEORY)
    create(
        client,
        f"{API}/initiatives/{initiative}/measurements",
        {
            "indicator_code": "CORE.EMP.JOBS_CREATED",
            "value": 4,
            "period_start": "2026-01-01",
            "period_end": "2026-06-30",
            "disaggregation": {"sex": "F"},
        },
    )
    (measured,) = client.get(f"{API}/initiatives/{initiative}/measurements").json()
    assert (measured["indicator_code"], measured["value"]) == ("CORE.EMP.JOBS_CREATED", 4)

    study = create(
        client,
        f"{API}/studies",
        {
            "title": "Évaluation INDH Souss-Massa",
            "policy": "INDH phase III",
            "territory": "MA-AGD",
            "method": "difference_in_differences",
        },
    )
    assert client.post(f"{API}/studies/{study}/status", json={"status": "ongoing"}).is_success
    estimate = client.post(
        f"{API}/studies/{study}/did",
        json={
            "outcome": [10, 11, 15, 18, 9, 10, 12, 13],
            "treated": [1, 1, 1, 1, 0, 0, 0, 0],
            "post": [0, 0, 1, 1, 0, 0, 1, 1],
        },
    )
    assert estimate.status_code == 200, estimate.text
    results = estimate.json()["results"]
    assert round(results["effect"], 4) == 3.0 and round(results["se"], 4) == 1.7321
    assert round(results["ci_low"], 3) == -1.809 and round(results["ci_high"], 3) == 7.809
    assert client.post(f"{API}/studies/{study}/status", json={"status": "completed"}).is_success
    (listed,) = client.get(f"{API}/studies?status=completed").json()
    assert listed["id"] == study and listed["results"]["df"] == 4

    indicators = {i["code"]: i for i in client.get(f"{API}/impact/indicators").json()}
    assert (indicators["B1"]["adopting"], indicators["B1"]["initiatives"]) == (1, 1)
    assert (indicators["B3"]["completed"], indicators["B3"]["studies"]) == (1, 1)
    assert indicators["B2"] == {
        **indicators["B2"],
        "integrating": 0,
        "grids": 0,
        "value": 0,
    }


def test_the_catalogue_can_be_browsed_searched_and_read(client: TestClient) -> None:
    employment = client.get(f"{API}/catalogue?domain=emp").json()
    assert employment["total"] > 0
    assert all(i["code"].startswith("CORE.EMP.") for i in employment["items"])
    found = client.get(f"{API}/catalogue", params={"q": "conditions de vie amelioration"}).json()
    assert "CORE.D4" in [i["code"] for i in found["items"]]
    bo = client.get(f"{API}/catalogue?source=BO").json()
    assert {i["code"] for i in bo["items"]} >= {"CORE.B1", "CORE.B2", "CORE.B3"}

    d4 = client.get(f"{API}/catalogue/CORE.D4").json()
    assert (d4["unit"], d4["direction"], d4["source"]) == ("percent", "higher_is_better", "DRAIS")
    missing = client.get(f"{API}/catalogue/CORE.NOPE")
    assert missing.status_code == 404 and missing.json()["detail"][0]["loc"] == ["path", "code"]


# -- what is refused changes nothing -----------------------------------------------------


def refused(
    client: TestClient, node: Node, method: str, path: str, body: dict[str, Any], status: int = 422
) -> list[str]:
    """Send a bad request; check the answer is a 4xx and the log did not move."""
    before = node.app.recorder.max_notification_id()
    response = client.request(method, path, json=body)
    assert response.status_code == status, response.text
    assert all(d["msg"] for d in response.json()["detail"])
    assert node.app.recorder.max_notification_id() == before
    return fields(response)


@pytest.mark.parametrize(
    ("answers", "field"),
    [
        ({**POOR, "vie_eau": True}, "answers.vie_eau"),  # not a question of the scheme
        ({**POOR, "edu_annees_scolarite": 40}, "answers.edu_annees_scolarite"),  # out of range
        ({**POOR, "edu_annees_scolarite": 6.5}, "answers.edu_annees_scolarite"),  # not whole
        ({k: v for k, v in POOR.items() if k != "revenu_par_uc"}, "answers.revenu_par_uc"),
    ],
)
def test_bad_survey_answers_are_refused(
    client: TestClient, node: Node, answers: dict[str, Any], field: str
) -> None:
    person = beneficiary(client, new_initiative(client))
    path = f"{API}/beneficiaries/{person}/surveys"
    assert refused(client, node, "POST", path, {"wave": "baseline", "answers": answers}) == [field]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"wave": "midline"}, "wave"),
        ({"scheme_id": "MPI-inconnu"}, "scheme_id"),
        ({"on": "2999-01-01"}, "on"),
        ({"extra": 1}, "extra"),
    ],
)
def test_bad_survey_waves_are_refused(
    client: TestClient, node: Node, change: dict[str, Any], field: str
) -> None:
    person = beneficiary(client, new_initiative(client))
    body = {"wave": "baseline", "answers": POOR, **change}
    assert field in refused(client, node, "POST", f"{API}/beneficiaries/{person}/surveys", body)


def test_a_survey_without_consent_is_a_broken_rule(client: TestClient, node: Node) -> None:
    initiative = new_initiative(client)
    person = create(
        client,
        f"{API}/initiatives/{initiative}/beneficiaries",
        {"full_name": "Hassan Idrissi", "gender": "M", "birth_year": 1975},
    )
    body = {"wave": "baseline", "answers": POOR}
    path = f"{API}/beneficiaries/{person}/surveys"
    assert refused(client, node, "POST", path, body, status=409) == ["consent"]


def criteria_with(index: int, **change: Any) -> list[dict[str, Any]]:
    return [{**c, **change} if i == index else c for i, c in enumerate(CRITERIA)]


INCONSISTENT_GRIDS = [
    (criteria_with(2, weight=0), "criteria.2.weight"),
    (criteria_with(0, weight=-3), "criteria.0.weight"),
    (criteria_with(1, minimum=12), "criteria.1.minimum"),  # above its maximum of 10
    (criteria_with(1, maximum=0), "criteria.1.maximum"),
    (criteria_with(2, multiplier=0), "criteria.2.multiplier"),
    ([*CRITERIA, CRITERIA[0]], "criteria"),  # the same criterion code twice
    ([], "criteria"),
]


@pytest.mark.parametrize(("criteria", "field"), INCONSISTENT_GRIDS)
def test_inconsistent_grids_are_not_published(
    client: TestClient, node: Node, criteria: list[dict[str, Any]], field: str
) -> None:
    assert refused(client, node, "POST", f"{API}/grids", grid_body(criteria=criteria)) == [field]
    assert client.get(f"{API}/grids").json() == []


@pytest.mark.parametrize(("criteria", "field"), INCONSISTENT_GRIDS)
def test_inconsistent_revisions_leave_the_grid_as_it_was(
    client: TestClient, node: Node, criteria: list[dict[str, Any]], field: str
) -> None:
    grid = create(client, f"{API}/grids", grid_body())
    body = {"title": "Révision", "pass_threshold": 60, "criteria": criteria}
    assert refused(client, node, "PUT", f"{API}/grids/{grid}", body) == [field]
    assert client.get(f"{API}/grids/{grid}").json()["version"] == 1


def test_a_threshold_off_the_scale_is_refused(client: TestClient, node: Node) -> None:
    body = grid_body(pass_threshold=120)
    assert refused(client, node, "POST", f"{API}/grids", body) == ["pass_threshold"]


def test_scores_outside_the_grid_are_refused(client: TestClient, node: Node) -> None:
    grid = create(client, f"{API}/grids", grid_body())
    path = f"{API}/grids/{grid}/applications"
    too_high = {"applicant": "Tifawt", "scores": {"impact": 11, "equipe": 5, "budget": 5}}
    assert refused(client, node, "POST", path, too_high) == ["scores.impact"]
    unknown = {"applicant": "Tifawt", "scores": {"impact": 5, "equipe": 5, "budget": 5, "x": 1}}
    assert refused(client, node, "POST", path, unknown) == ["scores.x"]


def test_unknown_indicators_are_refused(client: TestClient, node: Node) -> None:
    initiative = new_initiative(client)
    unknown_link = {**THEORY["outcomes"][0], "indicators": [{"code": "CORE.NOPE"}]}
    theory = {**THEORY, "outcomes": [unknown_link]}
    path = f"{API}/initiatives/{initiative}/theory-of-change"
    assert refused(client, node, "PUT", path, theory) == ["outcomes.0.indicators.0.code"]
    assert client.get(path).status_code == 404

    measurement = {
        "indicator_code": "CORE.NOPE",
        "value": 1,
        "period_start": "2026-01-01",
        "period_end": "2026-06-30",
    }
    path = f"{API}/initiatives/{initiative}/measurements"
    assert refused(client, node, "POST", path, measurement) == ["indicator_code"]
    assert client.get(path).json() == []


def test_an_unchanged_theory_is_not_a_revision(client: TestClient, node: Node) -> None:
    initiative = new_initiative(client)
    path = f"{API}/initiatives/{initiative}/theory-of-change"
    client.put(path, json=THEORY)
    assert refused(client, node, "PUT", path, THEORY) == ["content"]
    assert client.get(path).json()["revision"] == 1


def test_a_study_outside_the_region_and_a_short_panel_are_refused(
    client: TestClient, node: Node
) -> None:
    outside = {
        "title": "Évaluation",
        "policy": "INDH",
        "territory": "MA-CAS",
        "method": "randomised",
    }
    assert refused(client, node, "POST", f"{API}/studies", outside) == ["territory"]
    study = create(client, f"{API}/studies", {**outside, "territory": "MA-09"})
    short = {"outcome": [1, 2, 3, 4], "treated": [1, 1, 0, 0], "post": [0, 1, 0, 1]}
    assert refused(client, node, "POST", f"{API}/studies/{study}/did", short) == ["outcome"]
    early = {"status": "completed"}
    assert refused(client, node, "POST", f"{API}/studies/{study}/status", early, 409) == ["status"]


def test_unknown_records_are_404(client: TestClient, node: Node) -> None:
    nobody = "00000000-0000-0000-0000-000000000000"
    body = {"wave": "baseline", "answers": POOR}
    assert refused(client, node, "POST", f"{API}/beneficiaries/{nobody}/surveys", body, 404)
    assert client.get(f"{API}/applications/{nobody}").status_code == 404
    assert client.get(f"{API}/grids/{nobody}").status_code == 404
    assert client.get(f"{API}/studies/{nobody}").status_code == 404
    assert client.get(f"{API}/initiatives/{nobody}/theory-of-change").status_code == 404
