"""A process's secrets: a region's pseudonym key (HMAC-SHA256) and signing key (Ed25519), and
any process's bootstrap API token.

They are generated on the machine that uses them and never leave it; only the verify key (and
the key ids) go to the national administrator. Files are created 0600 and never overwritten,
and one that others may read is refused rather than used.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import stat
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from nacl.bindings import crypto_sign, crypto_sign_BYTES, crypto_sign_seed_keypair
from nacl.signing import SigningKey, VerifyKey

from drais.config import ConfigError

HMAC_KEY_BYTES = 32


def key_id(region: str, material: bytes) -> str:
    """A short, stable name for a key, safe to publish (a hash prefix, not the key)."""
    return f"{region}:{hashlib.sha256(material).hexdigest()[:12]}"


def _write_secret(path: Path, secret: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as file:
        file.write(secret.hex().encode())


def read_secret_file(path: Path) -> str:
    """A secret file's text, refused if anyone but its owner's group may read it."""
    if os.name == "posix" and path.stat().st_mode & stat.S_IROTH:
        raise ConfigError(f"{path} holds a secret and is world-readable; chmod 600 it")
    return path.read_text().strip()


def ensure_secret(path: Path, size: int = HMAC_KEY_BYTES) -> bytes:
    """The secret held in `path`, generated there first if the file does not exist."""
    if not path.exists():
        _write_secret(path, os.urandom(size))
    return bytes.fromhex(read_secret_file(path))


def bootstrap_token(configured: str | None, data_dir: Path) -> str:
    """The configured bootstrap token, or one generated once and kept in the data directory."""
    if configured is not None:
        return configured
    path = data_dir / "api_token"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as file:
            file.write(secrets.token_urlsafe(32))
    return read_secret_file(path)


@dataclass(frozen=True)
class RegionKeys:
    region: str
    hmac_secret: bytes
    signing_key: SigningKey

    @property
    def verify_key(self) -> VerifyKey:
        return self.signing_key.verify_key

    @property
    def kid(self) -> str:
        return key_id(self.region, bytes(self.verify_key))

    @property
    def pkid(self) -> str:
        return key_id(self.region, self.hmac_secret)

    def public_hex(self) -> str:
        return bytes(self.verify_key).hex()

    @cached_property
    def _expanded_secret(self) -> bytes:
        """libsodium's 64-byte form of the signing key, derived once."""
        return crypto_sign_seed_keypair(bytes(self.signing_key))[1]

    def sign(self, message: bytes) -> bytes:
        """The Ed25519 signature of `message` (64 bytes, without the message), straight from
        libsodium: `SigningKey.sign` wraps it in a `SignedMessage` that costs a fifth as much
        again, once per federated event."""
        return crypto_sign(message, self._expanded_secret)[:crypto_sign_BYTES]


def region_keys(region: str, hmac_file: Path, signing_file: Path) -> RegionKeys:
    """Load the region's keys, generating any that do not exist yet."""
    return RegionKeys(
        region=region,
        hmac_secret=ensure_secret(hmac_file),
        signing_key=SigningKey(ensure_secret(signing_file)),
    )
