from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from node.api.app import create_api
from node.bootstrap import Node
from tests.conftest import ADMIN_TOKEN

AUTH = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


@pytest.fixture
def client(node: Node) -> Iterator[TestClient]:
    with TestClient(create_api(node, poll=False), headers=AUTH) as test_client:
        yield test_client
