"""Logging in as a real user: roles in the pages, throttled guessing, cookie flags."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from drais.accounts import OPERATOR, STRUCTURE, VIEWER
from node.api.app import create_api
from node.bootstrap import Node, build_node
from tests.scenario import Story, register_unaccompanied_initiative
from tests.ui.conftest import csrf, log_position, sqlite_settings

PASSWORD = "correct horse battery staple"


def log_in_as(client: TestClient, login: str, password: str = PASSWORD) -> int:
    answer = client.post(
        "/login",
        data={"login": login, "password": password, "next": "/", "_csrf_token": csrf(client)},
        follow_redirects=False,
    )
    return answer.status_code


@pytest.fixture
def staff(node: Node, story: Story) -> Node:
    node.accounts.create_user("omar", PASSWORD, OPERATOR)
    node.accounts.create_user("salma", PASSWORD, STRUCTURE, story.structure)
    node.accounts.create_user("victor", PASSWORD, VIEWER)
    return node


def test_an_operator_logs_in_with_a_password_and_records(client: TestClient, staff: Node) -> None:
    assert log_in_as(client, "omar") == 303
    page = client.get("/")
    assert "Connecté·e en tant que omar (opérateur)" in page.text


def test_a_viewer_sees_but_the_command_is_refused_in_french(
    client: TestClient, staff: Node, story: Story
) -> None:
    assert log_in_as(client, "victor") == 303
    assert client.get(f"/initiatives/{story.initiative}").status_code == 200
    before = log_position(staff)
    answer = client.post(
        f"/initiatives/{story.initiative}/phase",
        data={"_csrf_token": csrf(client), "phase": "croissance"},
    )
    assert answer.status_code == 422
    assert "Votre rôle ne permet que la consultation." in answer.text
    assert log_position(staff) == before


def test_a_structure_opens_only_the_initiatives_it_accompanies(
    client: TestClient, staff: Node, story: Story
) -> None:
    other = register_unaccompanied_initiative(staff.app)
    staff.projector.catch_up()
    assert log_in_as(client, "salma") == 303
    assert client.get(f"/initiatives/{story.initiative}").status_code == 200
    refused = client.get(f"/initiatives/{other}")
    assert refused.status_code == 403
    assert "Youssef Amrani" not in refused.text


def test_a_disabled_user_is_logged_out_at_once(client: TestClient, staff: Node) -> None:
    assert log_in_as(client, "omar") == 303
    assert client.get("/trainings", follow_redirects=False).status_code == 200
    staff.accounts.set_active("omar", False)
    assert client.get("/trainings", follow_redirects=False).status_code == 303
    assert log_in_as(client, "omar") == 401


def test_guessing_passwords_is_throttled(client: TestClient, staff: Node) -> None:
    assert [log_in_as(client, "omar", "wrong guess") for _ in range(5)] == [401] * 5
    blocked = client.post(
        "/login",
        data={"login": "omar", "password": PASSWORD, "next": "/", "_csrf_token": csrf(client)},
    )
    assert blocked.status_code == 429
    assert "Trop de tentatives échouées" in blocked.text


def test_session_cookies_are_http_only_same_site_and_secure_off_loopback(
    client: TestClient, staff: Node, tmp_path_factory: pytest.TempPathFactory
) -> None:
    client.get("/login")
    answer = client.post(
        "/login",
        data={"login": "omar", "password": PASSWORD, "next": "/", "_csrf_token": csrf(client)},
        follow_redirects=False,
    )
    session = next(c for c in answer.headers.get_list("set-cookie") if "drais_session=" in c)
    assert "HttpOnly" in session and "SameSite=lax" in session and "Secure" not in session
    settings = sqlite_settings(tmp_path_factory.mktemp("public")).model_copy(
        update={"host": "0.0.0.0"}
    )
    public = build_node(settings)
    try:
        with TestClient(create_api(public, poll=False), base_url="https://testserver") as https:
            page = https.get("/login")
            csrf_cookie = next(c for c in page.headers.get_list("set-cookie") if "csrf" in c)
            assert "Secure" in csrf_cookie
    finally:
        public.close()
