"""Bad input of every kind: a 4xx naming the field and the reason, and nothing recorded."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from node.bootstrap import Node
from tests.api.test_contract import HOLDER, create, new_initiative, structure_with_offer

VALID_INITIATIVE = {
    "name": "Tissage",
    "theme": "artisanat",
    "province": "MA-AGD",
    "phase": "ideation",
    "holder": HOLDER,
}


def fields(response: object) -> list[str]:
    return [".".join(map(str, d["loc"][1:])) for d in response.json()["detail"]]  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"theme": "politique"}, "theme"),
        ({"phase": "launch"}, "phase"),
        ({"province": "MA-CAS"}, "province"),  # another region's province
        ({"province": "Agadir"}, "province"),
        ({"name": "x" * 201}, "name"),
        ({"name": "   "}, "name"),
        ({"holder": {**HOLDER, "gender": "X"}}, "holder.gender"),
        ({"holder": {**HOLDER, "cin": "not a cin"}}, "holder.cin"),
        ({"holder": {**HOLDER, "email": "nope"}}, "holder.email"),
        ({"holder": {**HOLDER, "birth_year": 2024}}, "holder.birth_year"),
        ({"unexpected": 1}, "unexpected"),
        ({"on": "2999-01-01"}, "on"),
    ],
)
def test_bad_initiatives_are_refused_with_the_field(
    client: TestClient, node: Node, change: dict, field: str
) -> None:
    before = node.app.recorder.max_notification_id()
    response = client.post("/api/v1/initiatives", json={**VALID_INITIATIVE, **change})
    assert response.status_code == 422, response.text
    assert field in fields(response)
    assert all(d["msg"] for d in response.json()["detail"])
    assert node.app.recorder.max_notification_id() == before


@pytest.mark.parametrize("missing", ["name", "theme", "province", "phase", "holder"])
def test_missing_fields_are_named(client: TestClient, missing: str) -> None:
    body = {k: v for k, v in VALID_INITIATIVE.items() if k != missing}
    response = client.post("/api/v1/initiatives", json=body)
    assert response.status_code == 422 and missing in fields(response)


def test_malformed_json_is_a_422(client: TestClient) -> None:
    response = client.post(
        "/api/v1/members", content=b'{"name": ', headers={"content-type": "application/json"}
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["type"] == "json_invalid"


def test_writes_need_the_token(client: TestClient, node: Node) -> None:
    body = {"name": "CRDH", "actor_type": "crdh", "role": "membre"}
    for headers in ({"Authorization": ""}, {"Authorization": "Bearer wrong"}):
        response = client.post("/api/v1/members", json=body, headers=headers)
        assert response.status_code == 401
        assert response.headers["www-authenticate"] == "Bearer"
    assert node.app.recorder.max_notification_id() is None


def test_personal_data_reads_need_the_token(client: TestClient) -> None:
    initiative = new_initiative(client)
    response = client.get(f"/api/v1/initiatives/{initiative}", headers={"Authorization": ""})
    assert response.status_code == 401


def test_unknown_ids_are_404_with_the_field(client: TestClient) -> None:
    response = client.post("/api/v1/initiatives/0000/phase", json={"phase": "validation"})
    assert response.status_code == 404 and fields(response) == ["id"]
    assert client.get("/api/v1/initiatives/00000000-0000-0000-0000-000000000000").status_code == 404
    initiative = new_initiative(client)
    response = client.post(
        f"/api/v1/initiatives/{initiative}/accompaniments",
        json={"structure_id": "nope", "offer_id": "nope"},
    )
    assert response.status_code == 404 and fields(response) == ["structure_id"]


def test_broken_domain_rules_are_409_with_the_reason(client: TestClient) -> None:
    initiative = new_initiative(client)
    response = client.post(f"/api/v1/initiatives/{initiative}/phase", json={"phase": "ideation"})
    assert response.status_code == 409
    assert response.json()["detail"][0]["msg"] == "the initiative is already in phase ideation"
    structure, offer = structure_with_offer(client)
    accompaniment = create(
        client,
        f"/api/v1/initiatives/{initiative}/accompaniments",
        {"structure_id": structure, "offer_id": offer},
    )
    base = f"/api/v1/initiatives/{initiative}/accompaniments/{accompaniment}"
    client.post(f"{base}/end", json={"outcome": "completed", "satisfaction": 4})
    response = client.post(f"{base}/sessions", json={"hours": 1, "topic": "x"})
    assert response.status_code == 409 and fields(response) == ["accompaniment_id"]


def test_offer_outside_the_structure_provinces_is_refused(client: TestClient) -> None:
    structure, _ = structure_with_offer(client)
    response = client.post(
        f"/api/v1/structures/{structure}/offers",
        json={
            "service_type": "mentorat",
            "phases": ["validation"],
            "provinces": ["MA-TIZ"],
            "capacity_per_year": 3,
        },
    )
    assert response.status_code == 422 and fields(response) == ["provinces"]


def test_page_size_is_capped(client: TestClient) -> None:
    assert client.get("/api/v1/initiatives?limit=100000").status_code == 422
