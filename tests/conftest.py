"""Shared fixtures: nodes on real SQLite files and on a real PostgreSQL (DESIGN §9)."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from drais.config import NodeSettings
from node.bootstrap import Node, build_node

ADMIN_TOKEN = "test-admin-token"


def _docker_available() -> bool:
    if shutil.which("docker") is None:
        return False
    try:
        import docker

        docker.from_env().ping()
    except Exception:
        return False
    return True


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """DRAIS_TEST_POSTGRES_URL, else a testcontainers PostgreSQL, else skip with the reason."""
    url = os.environ.get("DRAIS_TEST_POSTGRES_URL")
    if url:
        yield url
        return
    if not _docker_available():
        pytest.skip("PostgreSQL tests need DRAIS_TEST_POSTGRES_URL or a Docker engine")
    from testcontainers.postgres import PostgresContainer

    with PostgresContainer("postgres:16-alpine", driver=None) as container:
        yield container.get_connection_url()


def _drop_schema(url: str, schema: str) -> None:
    from sqlalchemy.engine import make_url

    u = make_url(url)
    with psycopg.connect(
        host=u.host or "127.0.0.1",
        port=u.port or 5432,
        dbname=u.database,
        user=u.username or "postgres",
        password=u.password or "",
        autocommit=True,
    ) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh database of each kind: a SQLite file, or a PostgreSQL schema of its own."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'events.sqlite3'}"
        return
    base = request.getfixturevalue("postgres_url")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    separator = "&" if "?" in base else "?"
    yield f"{base}{separator}schema={schema}"
    _drop_schema(base, schema)


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> NodeSettings:
    return NodeSettings(
        region="MA-09",
        data_dir=tmp_path / "node",
        database_url=database_url,
        api_token=ADMIN_TOKEN,
        forward=False,  # federation tests start their own nats-server and forwarder
    )


@pytest.fixture
def node(settings: NodeSettings) -> Iterator[Node]:
    built = build_node(settings)
    yield built
    built.close()
