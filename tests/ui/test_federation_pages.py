"""The region's federation page and its "what leaves the region" preview."""

from __future__ import annotations

import html
import json
import re

from fastapi.testclient import TestClient

from node.bootstrap import Node
from tests.scenario import Story
from tests.ui.test_pages import register_form


def previewed(page: str) -> list[dict[str, object]]:
    """The messages a preview page shows, read back from its pretty-printed JSON."""
    return [
        json.loads(html.unescape(body))
        for body in re.findall(r'<pre class="json"[^>]*><code>(.*?)</code></pre>', page, re.S)
    ]


def test_the_federation_pages_need_a_login(client: TestClient, story: Story) -> None:
    for path in ("/federation", f"/federation/preview?record={story.initiative}"):
        answer = client.get(path, follow_redirects=False)
        assert answer.status_code == 303, path
        assert answer.headers["location"].startswith("/login?next=/federation")


def test_the_federation_page_shows_the_forwarder_status(operator: TestClient) -> None:
    status = operator.get("/api/v1/federation/status").json()
    page = operator.get("/federation").text
    shown = dict(re.findall(r'<dd data-field="(\w+)">(.*?)</dd>', page, re.S))
    assert shown["forwarded_seq"] == str(status["forwarded_seq"])
    assert shown["pending"] == str(status["pending"])
    assert shown["connected"] == "non" and shown["enabled"] == "non"  # this node does not forward
    assert shown["last_ack"] == "—" and shown["last_error"] == "—"
    assert '<a href="/federation" aria-current="page">Fédération</a>' in page
    assert "Association Tamount" in page  # a member to preview, in the record picker


def test_the_preview_of_an_initiative_shows_only_anonymized_messages(
    operator: TestClient, node: Node, story: Story
) -> None:
    detail = operator.get(f"/initiatives/{story.initiative}").text
    assert f'href="/federation/preview?record={story.initiative}"' in detail
    page = operator.get(f"/federation/preview?record={story.initiative}").text
    messages = previewed(page)
    types = [m["type"] for m in messages]
    assert types[0] == "initiative.registered"
    assert "initiative.phase_changed" in types and "initiative.funding_received" in types
    registered = messages[0]["data"]
    assert registered == {
        "holder_age_band": "25-34",
        "holder_sex": "F",
        "phase": "ideation",
        "province": "MA-CHT",
        "theme": "agriculture_solidaire",
    }
    pseudonym = node.outbox.pseudonym(story.initiative)
    assert {m["subject"] for m in messages} == {pseudonym}
    assert story.initiative not in json.dumps(messages)  # the record id stays home too
    for secret in ("Fatima", "Amrani", "JB123456", "612345678", "Biougra"):
        assert secret not in page, secret
    assert "agrégats d'au moins 5 personnes" in html.unescape(page)  # beneficiaries: roll-ups


def test_the_preview_shows_a_record_recorded_a_moment_ago(operator: TestClient, node: Node) -> None:
    answer = operator.post(
        "/initiatives/new", data=register_form(operator, **{"holder.cin": "JK998877"})
    )
    assert answer.status_code == 200
    initiative = re.search(r"/initiatives/([0-9a-f-]{36})", str(answer.url))
    assert initiative is not None
    page = operator.get(f"/federation/preview?record={initiative.group(1)}").text
    assert [m["type"] for m in previewed(page)] == ["initiative.registered"]
    assert "Khadija" not in page and "JK998877" not in page
    assert "pas encore" in page  # derived, not yet forwarded


def test_the_preview_of_an_organisation_carries_its_public_name(
    operator: TestClient, story: Story
) -> None:
    messages = previewed(operator.get(f"/federation/preview?record={story.member}").text)
    assert messages[0]["type"] == "member.joined"
    assert messages[0]["data"] == {
        "actor_type": "universite",
        "name": "Université Ibn Zohr",
        "role": "pilotage",
    }


def test_the_preview_of_an_unknown_record_is_a_404(operator: TestClient) -> None:
    assert operator.get("/federation/preview?record=not-a-record").status_code == 404
    assert operator.get("/federation/preview").status_code == 404
