"""A region's secrets: the pseudonym key (HMAC-SHA256) and the signing key (Ed25519).

Both are generated on the region's own machine and never leave it; only the verify key (and
the key ids) go to the national administrator. Files are created 0600 and never overwritten.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from nacl.signing import SigningKey, VerifyKey

HMAC_KEY_BYTES = 32


def key_id(region: str, material: bytes) -> str:
    """A short, stable name for a key, safe to publish (a hash prefix, not the key)."""
    return f"{region}:{hashlib.sha256(material).hexdigest()[:12]}"


def _write_secret(path: Path, secret: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as file:
        file.write(secret.hex().encode())


def ensure_secret(path: Path, size: int = HMAC_KEY_BYTES) -> bytes:
    """The secret held in `path`, generated there first if the file does not exist."""
    if not path.exists():
        _write_secret(path, os.urandom(size))
    return bytes.fromhex(path.read_text().strip())


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


def region_keys(region: str, hmac_file: Path, signing_file: Path) -> RegionKeys:
    """Load the region's keys, generating any that do not exist yet."""
    return RegionKeys(
        region=region,
        hmac_secret=ensure_secret(hmac_file),
        signing_key=SigningKey(ensure_secret(signing_file)),
    )
