"""The node HTTP API v1 of DESIGN §10, answered as specified."""

from __future__ import annotations

from fastapi.testclient import TestClient

HOLDER = {"full_name": "Khadija Benali", "gender": "F", "birth_year": 1994, "cin": "JB654321"}


def create(client: TestClient, path: str, body: dict) -> str:
    response = client.post(path, json=body)
    assert response.status_code == 201, response.text
    return response.json()["id"]


def structure_with_offer(client: TestClient) -> tuple[str, str]:
    structure = create(
        client,
        "/api/v1/structures",
        {"name": "Incubateur", "kind": "associative", "provinces": ["MA-AGD"]},
    )
    offer = create(
        client,
        f"/api/v1/structures/{structure}/offers",
        {
            "service_type": "mentorat",
            "phases": ["ideation", "amorcage"],
            "provinces": ["MA-AGD"],
            "capacity_per_year": 8,
        },
    )
    return structure, offer


def new_initiative(client: TestClient, phase: str = "ideation") -> str:
    return create(
        client,
        "/api/v1/initiatives",
        {
            "name": "Tissage solidaire",
            "theme": "artisanat",
            "province": "MA-AGD",
            "phase": phase,
            "holder": HOLDER,
        },
    )


def test_health_names_the_region(client: TestClient) -> None:
    body = client.get("/health").json()
    assert body["status"] == "ok" and body["region"] == "MA-09"


def test_members_join_list_and_leave(client: TestClient) -> None:
    member = create(
        client, "/api/v1/members", {"name": "CRDH Souss", "actor_type": "crdh", "role": "membre"}
    )
    assert [m["id"] for m in client.get("/api/v1/members").json()] == [member]
    assert client.post(f"/api/v1/members/{member}/leave").status_code == 200
    assert client.get("/api/v1/members").json()[0]["left_on"] is not None
    assert client.get("/api/v1/members?include_left=false").json() == []


def test_initiative_lifecycle_through_the_api(client: TestClient) -> None:
    structure, offer = structure_with_offer(client)
    initiative = new_initiative(client)
    assert client.get(f"/api/v1/initiatives/{initiative}").json()["phase"] == "ideation"
    assert (
        client.post(
            f"/api/v1/initiatives/{initiative}/phase", json={"phase": "amorcage"}
        ).status_code
        == 200
    )
    accompaniment = create(
        client,
        f"/api/v1/initiatives/{initiative}/accompaniments",
        {"structure_id": structure, "offer_id": offer},
    )
    base = f"/api/v1/initiatives/{initiative}/accompaniments/{accompaniment}"
    assert client.post(f"{base}/sessions", json={"hours": 2, "topic": "Prix"}).status_code == 201
    assert (
        client.post(f"{base}/end", json={"outcome": "completed", "satisfaction": 5}).status_code
        == 200
    )
    detail = client.get(f"/api/v1/initiatives/{initiative}").json()
    assert detail["phase"] == "amorcage"
    assert detail["holder"]["full_name"] == "Khadija Benali"
    assert detail["accompaniments"][0]["satisfaction"] == 5
    history = client.get(f"/api/v1/initiatives/{initiative}/history").json()
    assert [h["event"] for h in history] == [
        "Initiative.Registered",
        "Initiative.PhaseChanged",
        "Initiative.AccompanimentStarted",
        "Initiative.SessionHeld",
        "Initiative.AccompanimentEnded",
    ]
    assert all(h["recorded_by"] == "admin" for h in history)


def test_coverage_is_a_province_phase_service_matrix(client: TestClient) -> None:
    structure_with_offer(client)
    new_initiative(client, "croissance")
    matrix = client.get("/api/v1/coverage").json()
    assert matrix["region"] == "MA-09"
    cells = {(c["province"], c["phase"], c["service_type"]): c for c in matrix["cells"]}
    assert cells[("MA-AGD", "ideation", "mentorat")]["capacity"] == 8
    assert cells[("MA-AGD", "croissance", "mentorat")]["gap"] is True


def test_lists_of_every_read_model(client: TestClient) -> None:
    structure_with_offer(client)
    new_initiative(client)
    person = create(
        client,
        "/api/v1/professionals",
        {"full_name": "Omar Idrissi", "gender": "M", "birth_year": 1988},
    )
    training = create(
        client,
        "/api/v1/trainings",
        {"topic": "Théorie du changement", "hours": 7, "participant_ids": [person]},
    )
    assert (
        client.post(
            f"/api/v1/trainings/{training}/assessments",
            json={"participant_id": person, "before": 30, "after": 60},
        ).status_code
        == 201
    )
    assert client.get("/api/v1/trainings").json()["mean_competence_gain"] == 30
    assert client.get("/api/v1/initiatives").json()["total"] == 1
    assert len(client.get("/api/v1/structures").json()[0]["offers"]) == 1
    assert sum(r["count"] for r in client.get("/api/v1/funnel").json()) == 1
    assert client.get("/api/v1/members/over-time").json() == []


def test_openapi_is_published(client: TestClient) -> None:
    assert client.get("/docs").status_code == 200
    paths = client.get("/openapi.json").json()["paths"]
    assert "/api/v1/initiatives/{initiative_id}/phase" in paths
