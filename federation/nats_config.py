"""NATS identities and the server configuration that confines each of them (DESIGN §5, §7).

Every region connects as its own NATS user, authenticated by an NKey: the server keeps only
the public key and checks a signature of its nonce, so no password is stored nationally.
Permissions are the server-side half of "a region cannot publish as another" (the Ed25519
signature on each message is the other half):

* a region may publish only under `drais.v1.<REGION>.>` and listen only to its own control
  subjects `drais.ctl.<REGION>.>` and its own reply inbox;
* the federation may not publish under `drais.v1.>`; it may run the stream (create, inspect,
  update: no delete, no purge), keep durable pull consumers on it, ack, and send control
  messages on `drais.ctl.>`.

Each identity has a private reply inbox `_INBOX.<name>` (clients pass it as `inbox_prefix`,
see `NatsIdentity.connect_options`): with a shared `_INBOX.>` any region could subscribe to
the federation's inbox and read every message it fetches from the stream.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nkeys

from federation.contract import SUBJECT_PREFIX
from federation.stream import CONTROL_PREFIX, STREAM_NAME, check_region, control_subjects
from federation.stream import region_subjects as region_publish_subjects

#: The NATS user name of the national federation (regions are named by their code).
FEDERATION = "federation"

#: JetStream API prefix (no JetStream domain is configured).
JS_API = "$JS.API"

_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_SYNC_INTERVAL = re.compile(r"^(always|\d+(ms|s|m|h))$")


@dataclass(frozen=True, slots=True)
class NatsIdentity:
    """A NATS user: its name (a region code or `federation`) and NKey pair.

    The national side knows regions by `public_key` only (`seed=None`); the seed is the
    secret a process signs in with, kept out of `repr`.
    """

    name: str
    public_key: str
    seed: str | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if not _NAME.match(self.name):
            raise ValueError(f"invalid NATS user name: {self.name!r}")
        check_user_public_key(self.public_key)
        if self.seed is not None:
            derived = _public_key_of(self.seed)
            if derived != self.public_key:
                raise ValueError(f"seed does not match public key {self.public_key}")

    @property
    def inbox_prefix(self) -> str:
        """The user's private reply-subject prefix; the only `_INBOX` it may subscribe to."""
        return f"_INBOX.{self.name}"

    def public(self) -> NatsIdentity:
        """The same identity without its secret, as handed to the national administrator."""
        return NatsIdentity(self.name, self.public_key)

    def connect_options(self) -> dict[str, Any]:
        """Keyword arguments for `nats.connect(url, **options)`: NKey sign-in, private inbox."""
        if self.seed is None:
            raise ValueError(f"the seed of NATS user {self.name} is not known here")
        return {"nkeys_seed_str": self.seed, "inbox_prefix": self.inbox_prefix}


def generate_identity(name: str) -> NatsIdentity:
    """A fresh NKey user pair (seed `SU…`, public key `U…`) named `name`."""
    seed = nkeys.encode_seed(secrets.token_bytes(32), nkeys.PREFIX_BYTE_USER).decode()
    return NatsIdentity(name, _public_key_of(seed), seed)


def generate_region_identity(region: str) -> NatsIdentity:
    """A region's NATS user, named by its code (`MA-01` … `MA-12`)."""
    return generate_identity(check_region(region))


def generate_federation_identity() -> NatsIdentity:
    """The national federation's NATS user."""
    return generate_identity(FEDERATION)


def _public_key_of(seed: str) -> str:
    try:
        pair = nkeys.from_seed(bytearray(seed.strip().encode()))
    except (nkeys.NkeysError, ValueError, binascii.Error) as error:
        raise ValueError("invalid NKey seed") from error
    public = bytes(pair.public_key).decode()
    pair.wipe()
    return public


def check_user_public_key(key: str) -> str:
    """The key, refused unless it is a well-formed NKey user public key (`U…`, checksum ok).

    It ends up in the server configuration, so nothing else may pass.
    """
    if not re.fullmatch(r"U[A-Z2-7]{55}", key):
        raise ValueError(f"not an NKey user public key: {key!r}")
    raw = base64.b32decode(key)
    body, checksum = raw[:-2], int.from_bytes(raw[-2:], "little")
    if body[0] != nkeys.PREFIX_BYTE_USER or nkeys.crc16(bytearray(body)) != checksum:
        raise ValueError(f"not an NKey user public key (bad checksum): {key!r}")
    return key


# -- permissions -----------------------------------------------------------------------------


def region_permissions(region: NatsIdentity) -> dict[str, Any]:
    """Publish its own events (JetStream acks come back to its inbox), hear its control
    subjects, and answer a control request once (`allow_responses`)."""
    code = check_region(region.name)
    return {
        "publish": {"allow": [region_publish_subjects(code)]},
        "subscribe": {"allow": [f"{region.inbox_prefix}.>", control_subjects(code)]},
        "allow_responses": True,
    }


def federation_permissions(federation: NatsIdentity, stream: str = STREAM_NAME) -> dict[str, Any]:
    """Run the stream and its pull consumers, ack, send control messages; never publish
    events (explicitly denied, which wins over any allow)."""
    api = JS_API
    return {
        "publish": {
            "allow": [
                f"{api}.INFO",
                f"{api}.STREAM.NAMES",
                f"{api}.STREAM.INFO.{stream}",
                f"{api}.STREAM.CREATE.{stream}",
                f"{api}.STREAM.UPDATE.{stream}",
                f"{api}.STREAM.MSG.GET.{stream}",
                f"{api}.CONSUMER.CREATE.{stream}",
                f"{api}.CONSUMER.CREATE.{stream}.>",
                f"{api}.CONSUMER.DURABLE.CREATE.{stream}.>",
                f"{api}.CONSUMER.INFO.{stream}.>",
                f"{api}.CONSUMER.NAMES.{stream}",
                f"{api}.CONSUMER.LIST.{stream}",
                f"{api}.CONSUMER.DELETE.{stream}.>",
                f"{api}.CONSUMER.MSG.NEXT.{stream}.>",
                f"$JS.ACK.{stream}.>",
                f"{CONTROL_PREFIX}.>",
            ],
            "deny": [f"{SUBJECT_PREFIX}.>"],
        },
        "subscribe": {
            "allow": [f"{federation.inbox_prefix}.>", f"{SUBJECT_PREFIX}.>"],
        },
    }


# -- rendering -------------------------------------------------------------------------------


def render_server_config(
    *,
    regions: Iterable[NatsIdentity],
    federation: NatsIdentity,
    port: int = 4222,
    host: str = "127.0.0.1",
    store_dir: Path | None = None,
    monitor_port: int | None = None,
    server_name: str = "drais-federation",
    sync_interval: str | None = None,
    max_file_store: str | None = None,
    stream: str = STREAM_NAME,
) -> str:
    """The nats-server configuration text: JetStream on files, and one NKey user per region
    plus the federation's, each with its permissions.

    `store_dir=None` leaves the store dir to the command line (`drais.nats_server.NatsServer`
    passes it there). `sync_interval`: JetStream acknowledges a message once written, and
    fsyncs every 2 minutes by default; a power loss on a single server may thus lose
    acknowledged messages. `"always"` fsyncs each message before the ack: nothing
    acknowledged is lost, at the cost of write throughput. A replicated cluster
    (acknowledged by a quorum) is the other answer. Accepts `always` or a duration (`10s`).
    """
    users: list[dict[str, Any]] = []
    seen: set[str] = set()
    for region in regions:
        if region.name in seen or region.public_key == federation.public_key:
            raise ValueError(f"NATS user {region.name} given twice or reusing a key")
        seen.add(region.name)
        users.append({"nkey": region.public_key, "permissions": region_permissions(region)})
    if federation.name in seen:
        raise ValueError(f"a region may not be named {federation.name}")
    users.append(
        {"nkey": federation.public_key, "permissions": federation_permissions(federation, stream)}
    )
    if len({user["nkey"] for user in users}) != len(users):
        raise ValueError("two NATS users share a public key")

    jetstream: dict[str, Any] = {}
    if store_dir is not None:
        jetstream["store_dir"] = str(store_dir)
    if sync_interval is not None:
        if not _SYNC_INTERVAL.match(sync_interval):
            raise ValueError(f"sync_interval must be 'always' or a duration: {sync_interval!r}")
        jetstream["sync_interval"] = sync_interval
    if max_file_store is not None:
        jetstream["max_file_store"] = max_file_store

    lines = [
        "# DRAIS national NATS server. Generated: edit the inputs, not this file.",
        f"server_name: {_value(server_name)}",
        f"listen: {_value(f'{host}:{port}')}",
    ]
    if monitor_port is not None:
        lines.append(f"http: {_value(f'{host}:{monitor_port}')}")
    lines.append(f"jetstream: {_value(jetstream)}")
    lines.append(f"authorization: {_value({'users': users})}")
    return "\n".join(lines) + "\n"


def _value(value: object) -> str:
    """A value in nats-server's configuration syntax, which accepts JSON.

    JSON quoting also keeps `$JS...` subjects from being read as variable references.
    """
    return json.dumps(value, indent=2)
