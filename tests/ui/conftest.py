"""Fixtures for the web UI: a node holding a small regional story, in-process or served for real.

The browser tests run the node's whole ASGI app (FastAPI with the UI mounted) under uvicorn on a
free port, and drive Debian's chromium through Playwright; no browser is ever downloaded.
"""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import uvicorn
from fastapi.testclient import TestClient
from playwright.sync_api import Browser, sync_playwright

from drais.config import NodeSettings
from node.api.app import create_api
from node.bootstrap import Node, build_node
from tests.conftest import ADMIN_TOKEN
from tests.scenario import Story, record_story

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "artifacts" / "screenshots"
CHROMIUM = Path("/usr/bin/chromium")


def sqlite_settings(path: Path) -> NodeSettings:
    return NodeSettings(
        region="MA-09",
        data_dir=path,
        database_url=f"sqlite:///{path / 'events.sqlite3'}",
        api_token=ADMIN_TOKEN,
        forward=False,
    )


@pytest.fixture
def settings(tmp_path: Path) -> NodeSettings:
    """The UI is the same on every store; its tests use SQLite only."""
    return sqlite_settings(tmp_path / "node")


@pytest.fixture
def story(node: Node) -> Story:
    recorded = record_story(node.app)
    node.projector.catch_up()
    return recorded


def log_position(node: Node) -> int:
    return node.app.recorder.max_notification_id() or 0


def csrf(client: TestClient) -> str:
    """The CSRF token a page's forms carry, as a browser would post it."""
    found = re.search(r'name="_csrf_token" value="([0-9a-f]+)"', client.get("/login").text)
    assert found is not None, "the login form has no CSRF field"
    return found.group(1)


def log_in(client: TestClient) -> None:
    answer = client.post(
        "/login",
        data={"login": "admin", "password": ADMIN_TOKEN, "next": "/", "_csrf_token": csrf(client)},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text


@pytest.fixture
def client(node: Node, story: Story) -> Iterator[TestClient]:
    """An anonymous browser without JavaScript."""
    with TestClient(create_api(node, poll=False)) as test_client:
        yield test_client


@pytest.fixture
def operator(client: TestClient) -> TestClient:
    log_in(client)
    return client


@dataclass
class LiveNode:
    url: str
    node: Node
    story: Story


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveNode]:
    node = build_node(sqlite_settings(tmp_path_factory.mktemp("live-node")))
    story = record_story(node.app)
    node.projector.catch_up()
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(create_api(node, poll=False), log_level="warning", lifespan="on")
    )
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the node did not start")
        time.sleep(0.05)
    yield LiveNode(f"http://127.0.0.1:{port}", node, story)
    server.should_exit = True
    thread.join(timeout=10)
    listener.close()
    node.close()


TIMEOUT_MS = 10_000


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.skip(f"Debian's chromium is not installed at {CHROMIUM} (.ci/run installs it)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        yield launched
        launched.close()
