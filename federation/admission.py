"""Admitting a region: its public signing key, so its messages are accepted (and D5 counts it).

The region's public file (printed by `drais region init`) is JSON with `region`, `name`,
`verify_key` (Ed25519, hex) and, when NATS runs with authentication, `nats_user` (its NKey
public key). Nothing secret is in it.

When the federation's settings name a NATS server configuration file (`nats_server_config`),
admitting a region also regenerates that file, with one NKey user per admitted region plus the
federation's, and reloads the server (SIGHUP to the pid in `nats_server_pid_file`), so the
region may publish under `drais.v1.<REGION>.>` at once.
"""

from __future__ import annotations

import json
import os
import signal
import stat
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit

import nkeys
from pydantic import BaseModel, ConfigDict, StringConstraints, ValidationError, field_validator
from sqlalchemy import Engine, insert, select, update

from drais.config import FederationSettings
from drais.keys import key_id
from federation import contract
from federation.nats_config import (
    FEDERATION,
    NatsIdentity,
    check_user_public_key,
    render_server_config,
)
from federation.store import regions


class AdmissionError(ValueError):
    pass


class RegionCard(BaseModel):
    """What a region hands to the national administrator."""

    model_config = ConfigDict(extra="forbid")

    region: contract.Region
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    verify_key: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]
    nats_user: Annotated[str, StringConstraints(pattern=r"^U[A-Z2-7]{55}$")] | None = None

    @field_validator("nats_user")
    @classmethod
    def _nkey(cls, value: str | None) -> str | None:
        return None if value is None else check_user_public_key(value)

    @property
    def kid(self) -> str:
        return key_id(self.region, bytes.fromhex(self.verify_key))


def read_card(path: Path) -> RegionCard:
    try:
        return RegionCard.model_validate(json.loads(path.read_text(encoding="utf-8")))
    except OSError as error:
        raise AdmissionError(f"cannot read {path}: {error.strerror}") from error
    except ValueError as error:
        detail = error.errors()[0] if isinstance(error, ValidationError) else None
        reason = f"{'.'.join(map(str, detail['loc']))}: {detail['msg']}" if detail else str(error)
        raise AdmissionError(f"{path} is not a region's public file ({reason})") from error


def admit(engine: Engine, card: RegionCard, now: datetime | None = None) -> bool:
    """Register or re-key a region; returns True when it was not admitted before. A new key
    keeps the region's chain position: key rotation does not restart its seq."""
    now = now or datetime.now(UTC)
    with engine.begin() as conn:
        if card.nats_user is not None:
            holder = conn.execute(
                select(regions.c.region).where(
                    regions.c.nats_user == card.nats_user, regions.c.region != card.region
                )
            ).scalar()
            if holder is not None:
                raise AdmissionError(f"NATS user {card.nats_user} is already {holder}'s")
        known = conn.execute(select(regions.c.region).where(regions.c.region == card.region))
        if known.first() is not None:
            # A card without a NATS user keeps the one admitted before.
            nats = {"nats_user": card.nats_user} if card.nats_user is not None else {}
            conn.execute(
                update(regions)
                .where(regions.c.region == card.region)
                .values(name=card.name, public_key=card.verify_key, kid=card.kid, **nats)
            )
            return False
        conn.execute(
            insert(regions).values(
                region=card.region,
                name=card.name,
                public_key=card.verify_key,
                kid=card.kid,
                nats_user=card.nats_user,
                admitted_at=now,
                last_seq=0,
                head=contract.GENESIS,
                announced_seq=0,
                chain_ok=True,
            )
        )
        return True


# -- the NATS server configuration -------------------------------------------------------------

#: The first line of a configuration `render_server_config` wrote; any other file is not ours.
_GENERATED = "# DRAIS national NATS server. Generated"


class ReloadError(RuntimeError):
    """No nats-server could be told to reload; the message says why."""


@dataclass(frozen=True)
class NatsUpdate:
    """What admitting did to the NATS server: the file written, who is in it, the reload."""

    config: Path
    regions: tuple[str, ...]
    reloaded_pid: int | None
    problem: str | None  # why no server was reloaded (None when one was)


def federation_nats_user(settings: FederationSettings) -> str:
    """The federation's NATS user (public NKey): as configured, else from its seed file."""
    if settings.nats_federation_user:
        return check_user_public_key(settings.nats_federation_user)
    if settings.nats_credentials is not None:
        try:
            seed = Path(settings.nats_credentials).read_text(encoding="utf-8").strip()
            return check_user_public_key(_public_of(seed))
        except (OSError, ValueError) as error:
            raise AdmissionError(
                f"cannot read the federation's NKey seed {settings.nats_credentials}: {error}"
            ) from error
    raise AdmissionError(
        "nats_server_config is set but the federation's NATS user is unknown: set "
        "nats_federation_user (its public NKey, U…) or nats_credentials (its seed file)"
    )


def _public_of(seed: str) -> str:
    try:
        pair = nkeys.from_seed(bytearray(seed.encode()))
    except Exception as error:  # nkeys' own errors, binascii's, ValueError
        raise ValueError("not an NKey seed") from error
    public = bytes(pair.public_key).decode()
    pair.wipe()
    return public


def nats_users(engine: Engine) -> list[NatsIdentity]:
    """Every admitted region's NATS user, by region code."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(regions.c.region, regions.c.nats_user)
            .where(regions.c.nats_user.is_not(None))
            .order_by(regions.c.region)
        ).all()
    return [NatsIdentity(row.region, row.nats_user) for row in rows]


def write_nats_config(
    path: Path, users: list[NatsIdentity], federation_user: str, nats_url: str
) -> None:
    """Regenerate the server configuration at `path` for these users and the federation.

    The server settings of the file written before (name, listen address, monitoring port,
    JetStream options) are kept; a new file listens where `nats_url` points. A file drais did
    not write is refused rather than replaced: `include` the generated file from it instead.
    """
    options = _server_options(path, nats_url)
    try:
        text = render_server_config(
            regions=users, federation=NatsIdentity(FEDERATION, federation_user), **options
        )
    except ValueError as error:
        raise AdmissionError(f"cannot write the NATS configuration: {error}") from error
    mode = stat.S_IMODE(path.stat().st_mode) if path.exists() else 0o640
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "w", encoding="utf-8") as file:
        file.write(text)
    os.replace(temporary, path)


def _server_options(path: Path, nats_url: str) -> dict[str, Any]:
    if not path.exists():
        url = urlsplit(nats_url)
        return {"host": url.hostname or "127.0.0.1", "port": url.port or 4222}
    text = path.read_text(encoding="utf-8")
    if not text.startswith(_GENERATED):
        raise AdmissionError(
            f"{path} was not generated by drais: refusing to overwrite it. Point "
            "nats_server_config to a file of its own and `include` it from your configuration"
        )
    entries: dict[str, str] = {}
    key: str | None = None
    for line in text.splitlines()[1:]:
        head, colon, rest = line.partition(": ")
        if colon and not line[:1].isspace() and head.isidentifier():
            key = head
            entries[key] = rest
        elif key is not None:
            entries[key] += "\n" + line
    try:
        values = {name: json.loads(value) for name, value in entries.items()}
    except ValueError as error:
        raise AdmissionError(f"{path} was edited and cannot be read back: {error}") from error
    options: dict[str, Any] = {}
    if "server_name" in values:
        options["server_name"] = str(values["server_name"])
    if "listen" in values:
        host, _, port = str(values["listen"]).rpartition(":")
        options.update(host=host, port=int(port))
    if "http" in values:
        options["monitor_port"] = int(str(values["http"]).rpartition(":")[2])
    jetstream = values.get("jetstream") or {}
    if "store_dir" in jetstream:
        options["store_dir"] = Path(jetstream["store_dir"])
    for name in ("sync_interval", "max_file_store"):
        if name in jetstream:
            options[name] = str(jetstream[name])
    return options


def read_pid_file(path: Path) -> int:
    try:
        text = path.read_text(encoding="utf-8").strip()
    except OSError as error:
        raise ReloadError(f"cannot read the pid file {path}: {error.strerror}") from error
    if not text.isdigit() or int(text) <= 1:
        raise ReloadError(f"the pid file {path} does not hold a process id: {text[:20]!r}")
    return int(text)


def reload_nats_server(pid: int) -> None:
    """Make the nats-server `pid` re-read its configuration (SIGHUP).

    Where /proc shows process names, a process that is not a nats-server (a stale pid file,
    the pid reused) is refused: SIGHUP would end most other programs.
    """
    comm = Path(f"/proc/{pid}/comm")
    if Path("/proc/self/comm").exists():
        try:
            name = comm.read_text().strip()
        except OSError:
            raise ReloadError(f"no process {pid} is running") from None
        if "nats-server" not in name:
            raise ReloadError(f"process {pid} is {name!r}, not a nats-server")
    try:
        os.kill(pid, signal.SIGHUP)
    except ProcessLookupError:
        raise ReloadError(f"no process {pid} is running") from None
    except PermissionError:
        raise ReloadError(f"not allowed to signal process {pid}") from None


def update_nats_server(settings: FederationSettings, engine: Engine) -> NatsUpdate | None:
    """Regenerate the NATS server configuration from the admitted regions and reload the
    server; None when the settings name no configuration file."""
    if settings.nats_server_config is None:
        return None
    path = Path(settings.nats_server_config)
    users = nats_users(engine)
    write_nats_config(path, users, federation_nats_user(settings), settings.nats_url)
    codes = tuple(user.name for user in users)
    if settings.nats_server_pid_file is None:
        return NatsUpdate(path, codes, None, "nats_server_pid_file is not set")
    try:
        pid = read_pid_file(Path(settings.nats_server_pid_file))
        reload_nats_server(pid)
    except ReloadError as error:
        return NatsUpdate(path, codes, None, str(error))
    return NatsUpdate(path, codes, pid, None)
