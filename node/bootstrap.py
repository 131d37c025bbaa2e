"""The node's composition root: the one place where settings become wired components."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from argon2 import PasswordHasher

from drais.accounts import NODE_ROLES, Accounts
from drais.config import NodeSettings
from drais.keys import bootstrap_token, region_keys
from drais.throttle import Throttle
from node.application import NodeApplication
from node.forwarder.outbox import Outbox
from node.forwarder.publisher import Forwarder
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
    outbox: Outbox
    forwarder: Forwarder
    accounts: Accounts
    throttle: Throttle = field(default_factory=Throttle)

    def close(self) -> None:
        self.projector.stop()
        self.app.close()
        self.stores.read_models.dispose()
        self.stores.identity_keys.dispose()
        self.stores.accounts.dispose()


def build_node(settings: NodeSettings, *, password_hasher: PasswordHasher | None = None) -> Node:
    """The node `settings` describe; `password_hasher` replaces the accounts' default (tests)."""
    assert settings.data_dir is not None
    Path(settings.data_dir).mkdir(parents=True, exist_ok=True)
    stores = open_stores(settings.database_url)
    app = NodeApplication(
        settings.region, SqlIdentityVault(stores.identity_keys), env=stores.event_store_env
    )
    projector = Projector(app, stores.read_models)
    projector.catch_up()
    keys_dir = Path(settings.data_dir) / "keys"
    keys = region_keys(
        settings.region,
        settings.hmac_key_file or keys_dir / "hmac.key",
        settings.signing_key_file or keys_dir / "signing.key",
    )
    outbox = Outbox(app, stores.read_models, keys, k=settings.rollup_k)
    forwarder = Forwarder(
        outbox,
        settings.nats_url,
        nkey_seed_file=settings.nats_credentials,
        heartbeat_seconds=settings.heartbeat_seconds,
    )
    accounts = Accounts(stores.accounts, NODE_ROLES, password_hasher)
    token = bootstrap_token(settings.bootstrap_token, Path(settings.data_dir))
    return Node(settings, app, projector, stores, token, outbox, forwarder, accounts)
