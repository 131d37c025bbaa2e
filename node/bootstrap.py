"""The node's composition root: the one place where settings become wired components."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path

from drais.config import NodeSettings
from node.application import NodeApplication
from node.identity_vault import SqlIdentityVault
from node.persistence import Stores, open_stores
from node.projections.runner import Projector


@dataclass
class Node:
    settings: NodeSettings
    app: NodeApplication
    projector: Projector
    stores: Stores
    api_token: str

    def close(self) -> None:
        self.projector.stop()
        self.app.close()
        self.stores.read_models.dispose()
        self.stores.identity_keys.dispose()


def api_token(settings: NodeSettings) -> str:
    """The configured bootstrap token, or one generated once and kept in the data directory."""
    if settings.api_token is not None:
        return settings.api_token.get_secret_value()
    assert settings.data_dir is not None
    path = Path(settings.data_dir) / "api_token"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600)
        path.write_text(secrets.token_urlsafe(32))
    return path.read_text().strip()


def build_node(settings: NodeSettings) -> Node:
    assert settings.data_dir is not None
    Path(settings.data_dir).mkdir(parents=True, exist_ok=True)
    stores = open_stores(settings.database_url)
    app = NodeApplication(
        settings.region, SqlIdentityVault(stores.identity_keys), env=stores.event_store_env
    )
    projector = Projector(app, stores.read_models)
    projector.catch_up()
    return Node(settings, app, projector, stores, api_token(settings))
