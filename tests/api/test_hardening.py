"""Limits at the edge: body sizes, page sizes, and secrets others could read."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from drais.body_limit import DEFAULT_LIMIT, UPLOAD_LIMIT, BodyLimit
from drais.config import ConfigError, NodeSettings
from node.bootstrap import Node, build_node
from tests.conftest import ADMIN_TOKEN


def position(node: Node) -> int:
    return node.app.recorder.max_notification_id() or 0


def test_a_body_over_the_limit_is_refused_before_any_handler(
    client: TestClient, node: Node
) -> None:
    before = position(node)
    padding = "x" * (DEFAULT_LIMIT + 1)
    member = {"name": "Fondation Atlas", "actor_type": "bailleur", "role": "membre", "p": padding}
    answer = client.post("/api/v1/members", json=member)
    assert answer.status_code == 413
    assert answer.json()["detail"][0]["loc"] == ["body"]
    assert position(node) == before


def test_a_chunked_body_is_cut_at_the_limit(client: TestClient, node: Node) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"name": "'
        for _ in range(DEFAULT_LIMIT // 10_000 + 1):
            yield b"x" * 10_000
        yield b'"}'

    before = position(node)
    answer = client.post(
        "/api/v1/members", content=chunks(), headers={"Content-Type": "application/json"}
    )
    assert answer.status_code == 413
    assert position(node) == before


def test_uploads_have_their_own_larger_limit() -> None:
    limits = BodyLimit(app=None, prefixes={"/import": UPLOAD_LIMIT})  # type: ignore[arg-type]
    assert limits.limit_for("/import") == UPLOAD_LIMIT
    assert limits.limit_for("/api/v1/members") == DEFAULT_LIMIT


def test_pages_of_records_are_capped(client: TestClient) -> None:
    answer = client.get("/api/v1/initiatives", params={"limit": 100_000})
    assert answer.status_code == 422
    assert answer.json()["detail"][0]["loc"] == ["query", "limit"]


def test_a_world_readable_secret_is_refused(tmp_path: Path) -> None:
    keys = tmp_path / "data" / "keys"
    keys.mkdir(parents=True)
    hmac_key = keys / "hmac.key"
    hmac_key.write_text("00" * 32)
    hmac_key.chmod(0o644)
    settings = NodeSettings(region="MA-09", data_dir=tmp_path / "data", api_token=ADMIN_TOKEN)
    with pytest.raises(ConfigError, match="world-readable"):
        build_node(settings)
    config = tmp_path / "node.toml"
    config.write_text('region = "MA-09"\napi_token = "secret"\n')
    config.chmod(0o644)
    with pytest.raises(ConfigError, match="world-readable"):
        NodeSettings.load(config)
