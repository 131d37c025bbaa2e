"""The federation's HTTP API (DESIGN §10) over national data that really came through NATS."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from drais.accounts import VIEWER
from federation.api import create_api
from node.api.app import create_api as create_node_api
from tests.federation.harness import federated
from tests.nats_fixtures import SecuredNats, secured_config, start_nats_server
from tests.scenario import record_story


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def nats(tmp_path: Path) -> Iterator[SecuredNats]:
    config, region_ids, federation = secured_config()
    with start_nats_server(tmp_path / "nats", config=config) as server:
        yield SecuredNats(server, region_ids, federation)


async def test_the_federation_api_serves_indicators_regions_and_coverage(
    nats: SecuredNats, tmp_path: Path
) -> None:
    async with federated(
        nats.server, tmp_path, {**nats.regions, "federation": nats.federation}
    ) as system:
        federation = system.start_federation()
        souss, casa = system.add_node("MA-09"), system.add_node("MA-06")
        record_story(souss.app)
        record_story(casa.app)
        await system.settle()
        await system.halt("federation")

        client = TestClient(create_api(federation, consume=False))
        health = client.get("/health").json()
        assert (health["status"], health["regions_admitted"]) == ("ok", 2)
        assert health["national_log"] == sum(system.logged().values())

        listed = client.get("/api/v1/indicators").json()
        codes = [entry["code"] for entry in listed]
        assert codes == ["D1", "D2", "D3", "D4", "D5", "B1", "B2", "B3", "T1", "T2", "T3"]
        for entry in listed:
            assert {"code", "label", "unit", "national", "by_region"} <= set(entry)
        d1 = client.get("/api/v1/indicators/d1").json()
        assert d1["by_region"]["MA-09"]["value"] == 2 and d1["by_region"]["MA-06"]["value"] == 2
        missing = client.get("/api/v1/indicators/Z9")
        assert missing.status_code == 404 and missing.json()["detail"][0]["loc"] == ["path", "code"]

        regions = {r["region"]: r for r in client.get("/api/v1/regions").json()}
        assert set(regions) == {"MA-06", "MA-09"}
        souss_row = regions["MA-09"]
        assert souss_row["last_seq"] == souss.outbox.status()["head_seq"]
        assert souss_row["chain_ok"] is True and souss_row["dead_letters"] == 0
        letters = "/api/v1/regions/MA-09/dead-letters"
        assert client.get(letters).status_code == 401  # dead letters are for administrators
        viewer = federation.accounts.create_user("nadia", "a long viewer passphrase", VIEWER)
        _id, viewer_token = federation.accounts.issue_token(viewer.login, "tests")
        assert client.get(letters, headers=bearer(viewer_token)).status_code == 403
        admin = bearer(federation.api_token)
        assert client.get(letters, headers=admin).json() == []
        assert client.get("/api/v1/regions/MA-99/dead-letters", headers=admin).status_code == 422

        coverage = client.get("/api/v1/coverage").json()
        assert coverage  # offers of both regions' provinces are in the national matrix

        # The node reports what it forwarded.
        node_client = TestClient(create_node_api(souss, poll=False))
        status = node_client.get("/api/v1/federation/status").json()
        assert status["region"] == "MA-09"
        assert status["forwarded_seq"] == souss_row["last_seq"] and status["pending"] == 0
        assert status["last_ack"] is not None
