"""Shared fixtures: nodes on real SQLite files and on a real PostgreSQL (DESIGN §9)."""

from __future__ import annotations

import fcntl
import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from psycopg import sql
from sqlalchemy.engine import make_url

from drais.config import NodeSettings
from drais.database import postgres_connect
from node.bootstrap import Node, build_node

ADMIN_TOKEN = "test-admin-token"
# argon2id at its lowest cost for the tests' nodes, as Django's test settings swap in a fast
# hasher: passwords are hashed and checked the same way, in microseconds instead of a tenth of a
# second. tests/test_accounts.py checks the production default.
PASSWORD_HASHER = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The slow tests first (`@pytest.mark.slow`, tens of seconds each): pytest-xdist hands out
    the test files in this order, so the workers share the slow ones out at the start and finish
    together, instead of one worker starting a long test while the others have nothing left."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


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
    with postgres_connect(make_url(url)) as conn:
        conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))


@contextmanager
def _postgres_turn(request: pytest.FixtureRequest) -> Iterator[None]:
    """Under pytest-xdist, a test uses PostgreSQL alongside the other workers' tests, or alone if
    it is marked `postgres_alone`: VACUUM FULL keeps a deleted row while any transaction of the
    server that began before the deletion still runs, so the erasure test, which looks for an
    erased key in the database files, must not share the server. File locks, shared or
    exclusive, in the workers' common temporary directory; a test waiting to be alone lets no
    new test in meanwhile (the turnstile)."""
    if "PYTEST_XDIST_WORKER" not in os.environ:
        yield
        return
    shared = request.getfixturevalue("tmp_path_factory").getbasetemp().parent
    alone = request.node.get_closest_marker("postgres_alone") is not None
    with (
        (shared / "postgres.turnstile").open("a") as turnstile,
        (shared / "postgres.lock").open("a") as lock,
    ):
        fcntl.flock(turnstile, fcntl.LOCK_EX)
        fcntl.flock(lock, fcntl.LOCK_EX if alone else fcntl.LOCK_SH)
        fcntl.flock(turnstile, fcntl.LOCK_UN)
        yield  # closing the file releases the lock


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh database of each kind: a SQLite file, or a PostgreSQL schema of its own."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'events.sqlite3'}"
        return
    base = request.getfixturevalue("postgres_url")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    separator = "&" if "?" in base else "?"
    with _postgres_turn(request):
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
    built = build_node(settings, password_hasher=PASSWORD_HASHER)
    yield built
    built.close()
