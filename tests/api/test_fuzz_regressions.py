"""What fuzzing the OpenAPI schemas turned up (tests/test_fuzz.py), each pinned by a test."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from drais.config import FederationSettings
from federation.api import create_api as create_federation_api
from federation.service import open_federation
from node.bootstrap import Node
from tests.api.test_bad_input import fields
from tests.api.test_contract import new_initiative
from tests.api.test_impact_api import refused
from tests.test_impact_cases import CRITERIA, THEORY

API = "/api/v1"
ERROR_BODY = "#/components/schemas/ErrorBody"


def operations(schema: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method.upper(), path, operation)
        for path, item in schema["paths"].items()
        for method, operation in item.items()
    ]


def error_body(operation: dict[str, Any], status: str) -> str:
    return operation["responses"][status]["content"]["application/json"]["schema"]["$ref"]


# -- undocumented statuses: 401 on every route behind the token, 404 and 409 on writes ---------


def test_the_node_schema_documents_the_errors_each_route_answers(client: TestClient) -> None:
    everything = operations(client.get("/openapi.json").json())
    assert everything
    for method, path, operation in everything:
        label = f"{method} {path}"
        responses = operation["responses"]
        if operation.get("security"):
            assert "401" in responses, label
            assert error_body(operation, "401") == ERROR_BODY, label
        else:
            assert "401" not in responses, label
        if "{" in path:
            assert "404" in responses, label
        if method in {"POST", "PUT"} and operation.get("security"):
            assert {"404", "409", "422"} <= set(responses), label
            assert error_body(operation, "409") == ERROR_BODY, label


def test_a_missing_token_answers_the_documented_401(client: TestClient) -> None:
    anonymous = TestClient(client.app)
    response = anonymous.post(f"{API}/members", json={})
    assert response.status_code == 401
    assert response.json()["detail"][0]["loc"] == ["header", "Authorization"]
    schema = anonymous.get("/openapi.json").json()
    assert "401" in schema["paths"][f"{API}/members"]["post"]["responses"]


def test_drafting_a_theory_of_change_answers_the_documented_201(client: TestClient) -> None:
    path = f"{API}/initiatives/{{initiative_id}}/theory-of-change"
    schema = client.get("/openapi.json").json()["paths"][path]
    assert {"200", "201"} <= set(schema["put"]["responses"]) & set(schema["post"]["responses"])
    initiative = new_initiative(client)
    url = path.format(initiative_id=initiative)
    assert client.put(url, json=THEORY).status_code == 201
    revised = {**THEORY, "impact": "Autonomie économique des femmes"}
    assert client.post(url, json=revised).status_code == 200


def test_the_federation_documents_an_unknown_indicator(tmp_path: Path) -> None:
    federation = open_federation(FederationSettings(data_dir=tmp_path / "national"))
    try:
        client = TestClient(create_federation_api(federation, consume=False))
        missing = client.get(f"{API}/indicators/Z9")
        assert missing.status_code == 404
        assert missing.json()["detail"][0]["loc"] == ["path", "code"]
        operation = client.get("/openapi.json").json()["paths"][f"{API}/indicators/{{code}}"]
        assert error_body(operation["get"], "404") == ERROR_BODY
    finally:
        federation.engine.dispose()


# -- a body that is not UTF-8 was a bare 400 with a text detail --------------------------------


@pytest.mark.parametrize("raw", [b"\x80", b'{"name": "\xe9"}'])  # Latin-1, not UTF-8
def test_a_body_that_is_not_utf8_is_a_422_naming_the_body(
    client: TestClient, node: Node, raw: bytes
) -> None:
    before = node.app.recorder.max_notification_id()
    response = client.post(
        f"{API}/members", content=raw, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 422, response.text
    (error,) = response.json()["detail"]
    assert (error["loc"], error["type"]) == (["body"], "json_invalid") and error["msg"]
    assert node.app.recorder.max_notification_id() == before


# -- a page offset past what the database counts was a 500 -------------------------------------


def test_a_page_offset_past_the_database_range_is_a_422(client: TestClient) -> None:
    initiative = new_initiative(client)
    huge = 10**19  # past SQLite's and PostgreSQL's 64-bit integers
    for path in (f"{API}/initiatives", f"{API}/initiatives/{initiative}/beneficiaries"):
        response = client.get(path, params={"offset": huge})
        assert response.status_code == 422, response.text
        assert response.json()["detail"][0]["loc"] == ["query", "offset"]
        assert client.get(path, params={"offset": 10**9}).json()["items"] == []


# -- a grid whose weights overflowed was recorded, then stopped the read models ----------------


def grid(**criterion_change: float) -> dict[str, Any]:
    criteria = [{**c, **criterion_change} for c in CRITERIA]
    return {"code": "X", "title": "T", "funder": "F", "pass_threshold": 50, "criteria": criteria}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"weight": 1e308, "multiplier": 1e308}, "criteria.0.weight"),  # inf / inf: not a number
        ({"weight": 1e-200, "multiplier": 1e-200}, "criteria.0.weight"),  # 0 / 0
        ({"multiplier": 1e308}, "criteria.0.multiplier"),
    ],
)
def test_a_grid_whose_weights_overflow_is_refused_and_the_node_keeps_working(
    client: TestClient, node: Node, change: dict[str, float], field: str
) -> None:
    assert field in refused(client, node, "POST", f"{API}/grids", grid(**change))
    created = client.post(f"{API}/grids", json=grid())
    assert created.status_code == 201, created.text
    assert [g["id"] for g in client.get(f"{API}/grids").json()] == [created.json()["id"]]
    assert node.projector.position() == node.app.recorder.max_notification_id()


# -- the toolbox: counts past floats were a 500, overflowing value maps answered nulls ---------


def toolbox(client: TestClient, path: str, body: dict[str, Any]) -> list[str]:
    """The fields a 422 names, as dotted paths into the body."""
    response = client.post(f"{API}/toolbox{path}", json=body)
    assert response.status_code == 422, response.text
    assert all(error["msg"] for error in response.json()["detail"])
    return fields(response)


def test_improvement_counts_past_floats_are_a_422(client: TestClient) -> None:
    body = {"improved": 10**400, "paired": 10**400}
    assert toolbox(client, "/improvement", body) == ["improved", "paired"]


OUTCOME = {
    "quantity": 10,
    "proxy": 1000,
    "deadweight": 0,
    "displacement": 0,
    "attribution": 0,
    "drop_off": 0,
    "duration_years": 2,
}


@pytest.mark.parametrize(
    ("change", "named"),
    [
        (
            {"outcomes": [OUTCOME | {"quantity": 1e200, "proxy": 1e200}]},
            ["outcomes.0.quantity", "outcomes.0.proxy"],
        ),
        ({"outcomes": [OUTCOME | {"proxy": -1e308}]}, ["outcomes.0.proxy"]),  # 10 × -1e308
        ({"inputs": 1e-320}, ["inputs"]),  # a ratio of infinity
    ],
)
def test_a_value_map_that_overflows_is_a_422_not_nulls(
    client: TestClient, change: dict[str, Any], named: list[str]
) -> None:
    sound = {"outcomes": [OUTCOME], "discount_rate": 0.05, "inputs": 10_000}
    assert toolbox(client, "/sroi", sound | change) == named
    answer = client.post(f"{API}/toolbox/sroi", json=sound).json()
    assert None not in (answer["present_value"], answer["ratio"], *answer["yearly"])
