"""A person's rights through the node's JSON API: requests with their deadline, access,
rectification, opposition and erasure; what is refused is a 4xx naming the field, with
nothing recorded, and only an administrator exercises a person's rights."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient

from node.bootstrap import Node
from tests.api.test_contract import create, new_initiative
from tests.api.test_impact_api import refused

API = "/api/v1"


@pytest.fixture
def holder(client: TestClient) -> str:
    initiative = new_initiative(client)
    holder_id: str = client.get(f"{API}/initiatives/{initiative}").json()["holder_id"]
    return holder_id


def test_a_request_is_recorded_tracked_and_answered(client: TestClient, holder: str) -> None:
    received = (date.today() - timedelta(days=12)).isoformat()
    request = create(
        client, f"{API}/requests", {"person_id": holder, "kind": "access", "on": received}
    )
    listed = client.get(f"{API}/requests").json()
    assert listed["answer_days"] == 10 and listed["overdue"] == 1
    [item] = listed["items"]
    assert item["id"] == request and item["kind"] == "access" and item["person_id"] == holder
    assert item["due_on"] == (date.today() - timedelta(days=2)).isoformat()
    assert item["overdue"] is True and item["answered_on"] is None

    answered = client.post(f"{API}/requests/{request}/answer", json={"outcome": "granted"})
    assert answered.status_code == 200, answered.text

    listed = client.get(f"{API}/requests", params={"open_only": True}).json()
    assert listed == {"answer_days": 10, "overdue": 0, "items": []}
    [item] = client.get(f"{API}/requests").json()["items"]
    assert (item["outcome"], item["overdue"], item["late"]) == ("granted", False, True)


def test_access_rectification_opposition_and_erasure(client: TestClient, holder: str) -> None:
    export = client.get(f"{API}/persons/{holder}/export").json()
    assert export["identity"] == {"full_name": "Khadija Benali", "cin": "JB654321"}
    assert {e["event"] for e in export["events"]} >= {"Person.Registered", "Initiative.Registered"}
    assert all(e["recorded_at"] and e["by"] == "admin" for e in export["events"])

    rectified = client.post(
        f"{API}/persons/{holder}/rectification", json={"phone": "+212612121212", "gender": "M"}
    )
    assert rectified.status_code == 200, rectified.text
    export = client.get(f"{API}/persons/{holder}/export").json()
    assert export["identity"]["phone"] == "+212612121212" and export["gender"] == "M"

    assert client.post(f"{API}/persons/{holder}/opposition", json={"opposed": True}).is_success
    assert client.get(f"{API}/persons/{holder}/export").json()["opposed"] is True
    again = client.post(f"{API}/persons/{holder}/opposition", json={"opposed": True})
    assert again.status_code == 409
    assert client.post(f"{API}/persons/{holder}/opposition", json={"opposed": False}).is_success

    erased = client.post(f"{API}/persons/{holder}/erasure", json={"confirm": True})
    assert erased.json() == {"id": holder, "status": "erased"}
    export = client.get(f"{API}/persons/{holder}/export").json()
    assert (export["erased"], export["identity"]) == (True, None)
    assert "Khadija" not in str(export)
    assert client.post(f"{API}/persons/{holder}/erasure", json={"confirm": True}).status_code == 409


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("rectification", {}, "body"),  # nothing to correct
        ("rectification", {"nickname": "Khadi"}, "nickname"),
        ("rectification", {"cin": "123"}, "cin"),
        ("rectification", {"birth_year": 1850}, "birth_year"),
        ("opposition", {"opposed": "maybe"}, "opposed"),
        ("erasure", {}, "confirm"),
        ("erasure", {"confirm": False}, "confirm"),
    ],
)
def test_a_bad_command_on_a_person_names_the_field_and_records_nothing(
    client: TestClient, node: Node, holder: str, path: str, body: dict[str, object], field: str
) -> None:
    assert refused(client, node, "POST", f"{API}/persons/{holder}/{path}", body) == [field]
    assert node.app.identity_of(holder) is not None


@pytest.mark.parametrize(
    ("change", "field", "status"),
    [
        ({"kind": "portability"}, "kind", 422),
        ({"on": (date.today() + timedelta(days=1)).isoformat()}, "on", 422),
        ({"person_id": "00000000-0000-4000-8000-000000000000"}, "person_id", 404),
        ({"reason": "free text stays out of the log"}, "reason", 422),
    ],
)
def test_a_bad_request_names_the_field_and_records_nothing(
    client: TestClient, node: Node, holder: str, change: dict[str, str], field: str, status: int
) -> None:
    body = {"person_id": holder, "kind": "erasure", **change}
    assert refused(client, node, "POST", f"{API}/requests", body, status=status) == [field]


def test_an_answer_cannot_precede_the_request(client: TestClient, node: Node, holder: str) -> None:
    request = create(
        client, f"{API}/requests", {"person_id": holder, "kind": "access", "on": "2026-03-10"}
    )
    path = f"{API}/requests/{request}/answer"
    assert refused(client, node, "POST", path, {"outcome": "granted", "on": "2026-03-09"}) == ["on"]


def test_only_an_administrator_exercises_a_person_s_rights(
    client: TestClient, node: Node, holder: str
) -> None:
    node.accounts.create_user("nadia", "a long enough password", "operator")
    _token_id, token = node.accounts.issue_token("nadia", "tests")
    operator = {"Authorization": f"Bearer {token}"}
    assert client.get(f"{API}/persons/{holder}/export", headers=operator).status_code == 403
    erasure = client.post(
        f"{API}/persons/{holder}/erasure", json={"confirm": True}, headers=operator
    )
    assert erasure.status_code == 403
    assert node.app.identity_of(holder) is not None
