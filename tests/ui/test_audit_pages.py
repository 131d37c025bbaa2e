"""The audit trail shows who recorded what and when, from the log, to administrators only."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from drais.accounts import OPERATOR
from node.bootstrap import Node
from tests.scenario import Story
from tests.ui.conftest import csrf, log_in


def test_the_audit_trail_names_the_author_of_every_fact(
    client: TestClient, node: Node, story: Story
) -> None:
    log_in(client)
    client.post(
        f"/initiatives/{story.initiative}/phase",
        data={"_csrf_token": csrf(client), "phase": "croissance"},
    )
    trail = client.get("/audit")
    assert trail.status_code == 200
    last = node.app.recorder.max_notification_id()
    assert f"<td>{last}</td>" in trail.text
    assert "Changement de phase" in trail.text and "<td>admin</td>" in trail.text
    assert "<td>amina</td>" in trail.text  # the story's author, further down
    record = client.get(f"/audit/{story.initiative}")
    assert record.status_code == 200
    assert record.text.count("<tr>") == len(node.app.history(story.initiative)) + 1
    assert "sealed" not in record.text
    assert client.get("/audit/not-a-record").status_code == 404


def positions(page: str) -> list[int]:
    return [int(p) for p in re.findall(r"<tr>\s*<td>(\d+)</td>", page)]


def test_the_audit_trail_pages_back_through_the_log(
    client: TestClient, node: Node, story: Story
) -> None:
    log_in(client)
    for n in range(40):
        node.app.join_member(name=f"Membre {n}", actor_type="autre", role="membre", by="omar")
    last = node.app.recorder.max_notification_id() or 0
    assert last > 50
    newest = client.get("/audit").text
    assert positions(newest) == list(range(last, last - 50, -1))
    assert f'href="/audit?before={last - 49}"' in newest
    oldest = client.get("/audit?before=3").text
    assert positions(oldest) == [2, 1] and 'rel="next"' not in oldest


def test_an_operator_cannot_read_the_audit_trail(
    client: TestClient, node: Node, story: Story
) -> None:
    node.accounts.create_user("omar", "correct horse battery staple", OPERATOR)
    client.post(
        "/login",
        data={
            "login": "omar",
            "password": "correct horse battery staple",
            "_csrf_token": csrf(client),
        },
    )
    assert client.get("/audit").status_code == 403
