"""Secrets never reach the logs: every log record of a full run, at DEBUG, is searched for them.

The run: two regions forwarding over a real nats-server with their NKey users, the federation
consuming, users created and logging in (once with a wrong password), API calls with tokens,
a token revoked. Searched for: the bootstrap tokens, issued API tokens, passwords, the HMAC and
signing keys of each region and every NKey seed.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from drais.accounts import OPERATOR, VIEWER
from federation.api import create_api
from node.api.app import create_api as create_node_api
from tests.federation.harness import federated
from tests.nats_fixtures import SecuredNats, secured_config, start_nats_server
from tests.scenario import record_story

PASSWORD = "a passphrase nobody logs"


@pytest.fixture
def nats(tmp_path: Path) -> Iterator[SecuredNats]:
    config, region_ids, federation = secured_config()
    with start_nats_server(tmp_path / "nats", config=config) as server:
        yield SecuredNats(server, region_ids, federation)


def _csrf(client: TestClient) -> str:
    found = re.search(r'name="_csrf_token" value="([0-9a-f]+)"', client.get("/login").text)
    assert found is not None
    return found.group(1)


async def test_no_secret_is_ever_logged(
    nats: SecuredNats, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    secrets: list[str] = [PASSWORD]
    async with federated(
        nats.server, tmp_path, {**nats.regions, "federation": nats.federation}
    ) as system:
        federation = system.start_federation()
        souss, casa = system.add_node("MA-09"), system.add_node("MA-06")
        for node in (souss, casa):
            keys = node.outbox.keys
            secrets += [node.api_token, keys.hmac_secret.hex(), bytes(keys.signing_key).hex()]
        secrets += [str(identity.seed) for identity in nats.regions.values()]
        secrets += [str(nats.federation.seed), federation.api_token]

        souss.accounts.create_user("omar", PASSWORD, OPERATOR)
        token_id, token = souss.accounts.issue_token("omar", "script")
        secrets.append(token)
        # no lifespan: the harness runs the forwarders in this test's loop
        node_api = TestClient(create_node_api(souss, poll=False))
        member = {"name": "Fondation Atlas", "actor_type": "bailleur", "role": "membre"}
        headers = {"Authorization": f"Bearer {token}"}
        assert node_api.post("/api/v1/members", json=member, headers=headers).status_code == 201
        wrong = {"login": "omar", "password": PASSWORD[::-1], "_csrf_token": _csrf(node_api)}
        assert node_api.post("/login", data=wrong).status_code == 401
        right = {"login": "omar", "password": PASSWORD, "_csrf_token": _csrf(node_api)}
        assert node_api.post("/login", data=right, follow_redirects=False).status_code == 303
        souss.accounts.revoke_token(token_id)
        assert node_api.post("/api/v1/members", json=member, headers=headers).status_code == 401
        record_story(souss.app)
        record_story(casa.app)
        system.poke()
        await system.settle()

        federation.accounts.create_user("nadia", PASSWORD, VIEWER)
        _id, viewer_token = federation.accounts.issue_token("nadia", "dashboard")
        secrets.append(viewer_token)
        national = TestClient(create_api(federation, consume=False))
        bearer = {"Authorization": f"Bearer {viewer_token}"}
        assert national.get("/api/v1/indicators", headers=bearer).status_code == 200

    logged = "\n".join(
        f"{record.getMessage()} {record.args!r} {record.exc_text or ''}"
        for record in caplog.records
    )
    assert len(caplog.records) > 10 and "httpx" in {r.name for r in caplog.records}
    leaked = [secret[:6] + "…" for secret in secrets if secret in logged]
    assert leaked == []
