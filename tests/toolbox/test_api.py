"""The toolbox router on a bare FastAPI app: each calculator's oracle and 422 answers."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from node.toolbox.api import router

PREFIX = "/api/v1/toolbox"


@pytest.fixture(scope="module")
def client() -> TestClient:
    app = FastAPI()
    app.include_router(router, prefix=PREFIX)
    return TestClient(app)


def post(client: TestClient, path: str, body: dict[str, Any]) -> Any:
    return client.post(f"{PREFIX}{path}", json=body)


def only_error(response: Any) -> dict[str, Any]:
    assert response.status_code == 422, response.text
    errors = response.json()["detail"]
    assert len(errors) == 1
    error: dict[str, Any] = errors[0]
    return error


ACHIEVEMENTS: list[list[float]] = [
    [13.1, 14, 4, 1],
    [15.2, 7, 5, 0],
    [12.5, 10, 1, 0],
    [20, 11, 3, 1],
]
AF_BODY = {
    "achievements": ACHIEVEMENTS,
    "cutoffs": [13, 12, 3, 1],
    "k": 0.5,
}


def test_alkire_foster_oracle(client: TestClient) -> None:
    response = post(client, "/alkire-foster", AF_BODY)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["scores"] == [0.0, 0.5, 1.0, 0.25]
    assert body["poor"] == [False, True, True, False]
    assert (body["H"], body["A"], body["M0"]) == (0.5, 0.75, 0.375)
    assert body["censored_headcounts"] == [0.25, 0.5, 0.25, 0.5]
    assert sum(body["contributions"]) == pytest.approx(1.0)


def test_alkire_foster_bad_weights_name_the_field(client: TestClient) -> None:
    error = only_error(post(client, "/alkire-foster", AF_BODY | {"weights": [0.3, 0.3, 0.3, 0]}))
    assert error["loc"] == ["body", "weights", 3]
    assert "positive" in error["msg"]
    assert error["type"] == "value_error"

    error = only_error(post(client, "/alkire-foster", AF_BODY | {"weights": [0.2] * 4}))
    assert error["loc"] == ["body", "weights"]
    assert "sum to 1" in error["msg"]


def test_alkire_foster_missing_value_names_the_cell(client: TestClient) -> None:
    achievements: list[list[float | None]] = [list(row) for row in ACHIEVEMENTS]
    achievements[1][2] = None
    error = only_error(post(client, "/alkire-foster", AF_BODY | {"achievements": achievements}))
    assert error["loc"] == ["body", "achievements", 1, 2]
    assert "missing value" in error["msg"]


def test_unknown_fields_are_refused(client: TestClient) -> None:
    response = post(client, "/alkire-foster", AF_BODY | {"poverty_line": 2})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "poverty_line"]


SROI_OUTCOME = {
    "quantity": 100,
    "proxy": 20000,
    "deadweight": 0.25,
    "displacement": 0,
    "attribution": 0.25,
    "drop_off": 0.1,
    "duration_years": 3,
}


def test_sroi_oracle(client: TestClient) -> None:
    body = {"outcomes": [SROI_OUTCOME], "discount_rate": 0.035, "inputs": 1_000_000}
    response = post(client, "/sroi", body)
    assert response.status_code == 200, response.text
    result = response.json()
    assert [round(v, 2) for v in result["yearly"]] == [1_125_000, 1_012_500, 911_250]
    assert round(result["present_value"], 2) == 2_854_031.40
    assert round(result["ratio"], 3) == 2.854
    assert round(result["net_ratio"], 3) == 1.854


def test_sroi_percentage_instead_of_fraction_is_422(client: TestClient) -> None:
    outcome = SROI_OUTCOME | {"deadweight": 25}
    body = {"outcomes": [outcome], "discount_rate": 0.035, "inputs": 1_000_000}
    error = only_error(post(client, "/sroi", body))
    assert error["loc"] == ["body", "outcomes", 0, "deadweight"]
    assert "0.25, not 25" in error["msg"]


DID_BODY = {
    "outcome": [10, 11, 15, 18, 9, 10, 12, 13],
    "treated": [1, 1, 1, 1, 0, 0, 0, 0],
    "post": [0, 0, 1, 1, 0, 0, 1, 1],
}


def test_did_oracle(client: TestClient) -> None:
    response = post(client, "/did", DID_BODY)
    assert response.status_code == 200, response.text
    result = response.json()
    assert round(result["effect"], 4) == 3.0
    assert round(result["se"], 4) == 1.7321
    assert round(result["p_value"], 4) == 0.1583
    assert (round(result["ci_low"], 3), round(result["ci_high"], 3)) == (-1.809, 7.809)
    assert (result["n"], result["df"], result["method"]) == (8, 4, "ols_classical")


def test_did_with_clusters(client: TestClient) -> None:
    body = DID_BODY | {"cluster": ["u1", "u2", "u1", "u2", "u3", "u4", "u3", "u4"]}
    result = post(client, "/did", body).json()
    assert (result["method"], result["clusters"], result["df"]) == ("ols_cluster", 4, 3)


def test_did_unequal_lengths_is_422(client: TestClient) -> None:
    error = only_error(post(client, "/did", DID_BODY | {"post": [0, 1]}))
    assert error["loc"] == ["body", "post"]
    assert "2 values given for 8 outcomes" in error["msg"]


def test_improvement_oracle(client: TestClient) -> None:
    response = post(client, "/improvement", {"improved": 30, "paired": 50})
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["rate"] == 0.6
    assert (round(result["ci_low"], 4), round(result["ci_high"], 4)) == (0.4618, 0.7239)


def test_improvement_without_pairs_has_no_rate(client: TestClient) -> None:
    result = post(client, "/improvement", {"improved": 0, "paired": 0}).json()
    assert (result["rate"], result["ci_low"], result["ci_high"]) == (None, None, None)


@pytest.mark.parametrize(
    ("body", "field"),
    [({"improved": 51, "paired": 50}, "improved"), ({"improved": 0, "paired": -1}, "paired")],
)
def test_improvement_impossible_counts_are_422(
    client: TestClient, body: dict[str, int], field: str
) -> None:
    error = only_error(post(client, "/improvement", body))
    assert error["loc"] == ["body", field]
    assert error["msg"]


def test_schemes_are_listed_and_served(client: TestClient) -> None:
    listing = client.get(f"{PREFIX}/schemes")
    assert listing.status_code == 200
    assert {"id": "DRAIS-MPI-v1", "version": 1, "label": listing.json()[0]["label"]} in (
        listing.json()
    )

    scheme = client.get(f"{PREFIX}/schemes/DRAIS-MPI-v1").json()
    assert scheme["k"] == pytest.approx(1 / 3)
    assert len(scheme["dimensions"]) == 4
    assert sum(ind["weight"] for ind in scheme["indicators"]) == pytest.approx(1.0)
    assert all(ind["question"] for ind in scheme["indicators"])


def test_unknown_scheme_is_404(client: TestClient) -> None:
    response = client.get(f"{PREFIX}/schemes/DRAIS-MPI-v0")
    assert response.status_code == 404
    assert response.json()["detail"][0]["loc"] == ["path", "scheme_id"]
