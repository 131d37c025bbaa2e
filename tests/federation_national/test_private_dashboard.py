"""A federation may keep its dashboard private: then viewers log in, and the API wants a token."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from drais.accounts import VIEWER
from drais.config import FederationSettings
from federation.api import create_api
from federation.service import Federation, open_federation

PASSWORD = "correct horse battery staple"


@pytest.fixture
def private(tmp_path: Path) -> Iterator[Federation]:
    federation = open_federation(
        FederationSettings(data_dir=tmp_path / "national", public_dashboard=False)
    )
    federation.accounts.create_user("nadia", PASSWORD, VIEWER)
    yield federation
    federation.engine.dispose()


def test_a_private_dashboard_asks_for_a_login_then_shows_the_indicators(
    private: Federation,
) -> None:
    client = TestClient(create_api(private, consume=False))
    assert client.get("/api/v1/indicators").status_code == 401
    page = client.get("/", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"].startswith("/login")
    form = client.get("/login").text
    token = re.search(r'name="_csrf_token" value="([0-9a-f]+)"', form)
    assert token is not None
    logged = client.post(
        "/login",
        data={"login": "nadia", "password": PASSWORD, "next": "/", "_csrf_token": token.group(1)},
        follow_redirects=False,
    )
    assert logged.status_code == 303
    dashboard = client.get("/")
    assert dashboard.status_code == 200 and "nadia" in dashboard.text
    _id, api_token = private.accounts.issue_token("nadia", "tableur")
    answer = client.get("/api/v1/indicators", headers={"Authorization": f"Bearer {api_token}"})
    assert answer.status_code == 200 and len(answer.json()) == 11


def test_a_public_dashboard_needs_no_login(tmp_path: Path) -> None:
    federation = open_federation(FederationSettings(data_dir=tmp_path / "national"))
    try:
        client = TestClient(create_api(federation, consume=False))
        assert client.get("/", follow_redirects=False).status_code == 200
        assert client.get("/api/v1/indicators").status_code == 200
    finally:
        federation.engine.dispose()
