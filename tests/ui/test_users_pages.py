"""Administrators manage accounts from the pages: add, disable, issue and revoke tokens."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from drais.accounts import OPERATOR
from node.bootstrap import Node
from tests.scenario import Story
from tests.ui.conftest import csrf, log_in

PASSWORD = "correct horse battery staple"


def test_an_admin_adds_a_structure_user_and_issues_then_revokes_a_token(
    client: TestClient, node: Node, story: Story
) -> None:
    log_in(client)
    page = client.get("/users")
    assert page.status_code == 200 and "Incubateur Souss" in page.text  # structures offered
    added = client.post(
        "/users",
        data={
            "login": "salma",
            "password": PASSWORD,
            "role": "structure",
            "structure_id": story.structure,
            "_csrf_token": csrf(client),
        },
        follow_redirects=False,
    )
    assert added.status_code == 303
    salma = node.accounts.user("salma")
    assert salma is not None and salma.structure_id == story.structure
    issued = client.post(
        "/users/salma/token", data={"label": "tableur", "_csrf_token": csrf(client)}
    )
    token = re.search(r"<code>(drais_[^<]+)</code>", issued.text)
    assert token is not None and "ne sera plus affiché" in issued.text
    assert node.accounts.user_for_token(token.group(1)) == salma
    token_id = token.group(1).split("_")[1]
    client.post(
        "/users/salma/revoke",
        data={"token_id": token_id, "_csrf_token": csrf(client)},
    )
    assert node.accounts.user_for_token(token.group(1)) is None
    assert token.group(1) not in client.get("/users").text  # shown once only


def test_a_bad_account_gets_its_french_error_next_to_the_field(
    client: TestClient, node: Node, story: Story
) -> None:
    log_in(client)
    refused = client.post(
        "/users",
        data={
            "login": "omar",
            "password": "short",
            "role": "operator",
            "_csrf_token": csrf(client),
        },
    )
    assert refused.status_code == 422
    assert 'id="user-password-error">Au moins 12 caractères.' in refused.text
    assert 'value="omar"' in refused.text
    assert node.accounts.users() == []


def test_only_an_admin_manages_accounts(client: TestClient, node: Node, story: Story) -> None:
    node.accounts.create_user("omar", PASSWORD, OPERATOR)
    client.post("/login", data={"login": "omar", "password": PASSWORD, "_csrf_token": csrf(client)})
    assert client.get("/users").status_code == 403
    taken = client.post(
        "/users/omar/disable", data={"_csrf_token": csrf(client)}, follow_redirects=False
    )
    assert taken.status_code == 403
    assert node.accounts.user("omar") is not None
