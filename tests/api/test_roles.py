"""Every write checks the user's role: each role against the actions that matter, on one node.

Admins and operators run the region's commands; a support structure's staff act only on the
initiatives their structure accompanies; viewers read; revoked tokens and disabled users stop
working at once. A refused command records nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient

from drais.accounts import ADMIN, OPERATOR, STRUCTURE, VIEWER
from node.api.app import create_api
from node.bootstrap import Node
from tests.scenario import Story, record_story, register_unaccompanied_initiative

PASSWORD = "correct horse battery staple"
NEW_MEMBER = {"name": "Fondation Atlas", "actor_type": "bailleur", "role": "membre"}
NEW_INITIATIVE = {
    "name": "Coopérative Tifawin",
    "theme": "artisanat",
    "province": "MA-AGD",
    "phase": "ideation",
    "holder": {"full_name": "Fatima Ait Lahcen", "gender": "F", "birth_year": 1990},
    "consents": ["accompagnement"],
}


@dataclass
class Team:
    node: Node
    story: Story
    other_initiative: str
    tokens: dict[str, str]

    def headers(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}"}


@pytest.fixture
def team(node: Node) -> Team:
    story = record_story(node.app)
    other = register_unaccompanied_initiative(node.app)
    node.projector.catch_up()
    accounts = node.accounts
    accounts.create_user("admin2", PASSWORD, ADMIN)
    accounts.create_user("omar", PASSWORD, OPERATOR)
    accounts.create_user("salma", PASSWORD, STRUCTURE, story.structure)
    accounts.create_user("victor", PASSWORD, VIEWER)
    tokens = {login: accounts.issue_token(login, "tests")[1] for login in ("admin2", "omar")}
    tokens |= {"structure": accounts.issue_token("salma", "tests")[1]}
    tokens |= {"viewer": accounts.issue_token("victor", "tests")[1]}
    return Team(node, story, str(other), tokens)


@pytest.fixture
def api(team: Team) -> Iterator[TestClient]:
    with TestClient(create_api(team.node, poll=False)) as client:
        yield client


def position(node: Node) -> int:
    return node.app.recorder.max_notification_id() or 0


def _refused(api: TestClient, team: Team, who: str, path: str, body: dict[str, Any]) -> None:
    before = position(team.node)
    answer = api.post(path, json=body, headers=team.headers(who))
    assert answer.status_code == 403, answer.text
    assert answer.json()["detail"][0]["loc"] == ["header", "Authorization"]
    assert position(team.node) == before


@pytest.mark.parametrize("who", ["admin2", "omar"])
def test_admins_and_operators_run_the_regions_commands(
    api: TestClient, team: Team, who: str
) -> None:
    assert (
        api.post("/api/v1/members", json=NEW_MEMBER, headers=team.headers(who)).status_code == 201
    )
    phase = {"phase": "amorcage"}
    path = f"/api/v1/initiatives/{team.other_initiative}/phase"
    assert api.post(path, json=phase, headers=team.headers(who)).status_code == 200
    # the log names who did it
    assert team.node.app.history(team.other_initiative)[-1].by == who


def test_a_viewer_reads_but_never_writes(api: TestClient, team: Team) -> None:
    path = f"/api/v1/initiatives/{team.story.initiative}"
    assert api.get(path, headers=team.headers("viewer")).status_code == 200
    _refused(api, team, "viewer", "/api/v1/members", NEW_MEMBER)
    _refused(api, team, "viewer", "/api/v1/initiatives", NEW_INITIATIVE)
    _refused(api, team, "viewer", f"{path}/phase", {"phase": "amorcage"})


def test_a_structure_acts_only_on_the_initiatives_it_accompanies(
    api: TestClient, team: Team
) -> None:
    ours = f"/api/v1/initiatives/{team.story.initiative}"
    theirs = f"/api/v1/initiatives/{team.other_initiative}"
    headers = team.headers("structure")
    assert api.post(f"{ours}/funding", json=_funding(), headers=headers).status_code == 201
    assert api.get(ours, headers=headers).json()["holder"] is not None
    _refused(api, team, "structure", f"{theirs}/funding", _funding())
    _refused(api, team, "structure", f"{theirs}/phase", {"phase": "amorcage"})
    assert api.get(theirs, headers=headers).status_code == 403
    assert api.get(f"{theirs}/history", headers=headers).status_code == 403
    # nor the region's alliance
    _refused(api, team, "structure", "/api/v1/members", NEW_MEMBER)


def test_a_structure_may_register_an_initiative_and_start_accompanying_it(
    api: TestClient, team: Team
) -> None:
    headers = team.headers("structure")
    created = api.post("/api/v1/initiatives", json=NEW_INITIATIVE, headers=headers)
    assert created.status_code == 201, created.text
    path = f"/api/v1/initiatives/{created.json()['id']}"
    assert api.get(path, headers=headers).status_code == 403  # not accompanied yet
    start = {"structure_id": team.story.structure, "offer_id": team.story.offer}
    assert api.post(f"{path}/accompaniments", json=start, headers=headers).status_code == 201
    assert api.get(path, headers=headers).status_code == 200
    # but never in the name of another structure
    other = team.node.app.register_structure(
        name="Incubateur Sud", kind="associative", provinces=["MA-AGD"], by="amina"
    )
    team.node.projector.catch_up()
    stranger = {"structure_id": str(other), "offer_id": team.story.offer}
    _refused(api, team, "structure", f"{path}/accompaniments", stranger)


def test_a_revoked_token_and_a_disabled_user_stop_working(api: TestClient, team: Team) -> None:
    accounts = team.node.accounts
    token_id, token = accounts.issue_token("omar", "script")
    headers = {"Authorization": f"Bearer {token}"}
    assert api.post("/api/v1/members", json=NEW_MEMBER, headers=headers).status_code == 201
    accounts.revoke_token(token_id)
    assert api.post("/api/v1/members", json=NEW_MEMBER, headers=headers).status_code == 401
    accounts.set_active("victor", False)
    path = f"/api/v1/initiatives/{team.story.initiative}"
    assert api.get(path, headers=team.headers("viewer")).status_code == 401


def test_guessing_tokens_is_throttled(api: TestClient, team: Team) -> None:
    path = f"/api/v1/initiatives/{team.story.initiative}"
    wrong = {"Authorization": "Bearer drais_00000000_guess"}
    statuses = [api.get(path, headers=wrong).status_code for _ in range(6)]
    assert statuses == [401] * 5 + [429]
    throttled = api.get(path, headers=team.headers("admin2"))
    assert throttled.status_code == 429 and int(throttled.headers["Retry-After"]) > 0


def _funding() -> dict[str, Any]:
    return {"funder": "INDH", "amount": 50000, "instrument": "subvention"}
