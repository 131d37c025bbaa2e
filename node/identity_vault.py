"""Per-person keys for sealed identities (crypto-shredding).

Each person's identity is encrypted with a key of its own, kept in a small mutable table beside
the log. Destroying the key makes every copy of the identity in the immutable log unreadable,
so the key's own bytes must not outlive the deletion in the database files: on SQLite,
`secure_delete` zeroes the deleted row and a truncating WAL checkpoint empties the WAL; on
PostgreSQL, where a deleted row stays in its page until vacuumed, `VACUUM FULL` rewrites the
table into a new file and the old one is dropped. What the database's write-ahead log or backups
still hold is beyond this module (docs/data-protection.md).
"""

from __future__ import annotations

import base64
import json
import time

import nacl.secret
import nacl.utils
from nacl.exceptions import CryptoError
from sqlalchemy import Column, LargeBinary, MetaData, String, Table, delete, event, select
from sqlalchemy.engine import Connection, Engine

from node.domain.errors import RuleViolation

_CHECKPOINT_TRIES = 50
metadata = MetaData()
person_keys = Table(
    "person_keys",
    metadata,
    Column("person_id", String(36), primary_key=True),
    Column("key", LargeBinary(32), nullable=False),
)


def _secure_delete(dbapi_connection: object, _record: object) -> None:
    cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.close()


class SqlIdentityVault:
    """The IdentityVault port over a SQL table (SQLite file or PostgreSQL)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        if engine.dialect.name == "sqlite":
            event.listen(engine, "connect", _secure_delete)
        metadata.create_all(engine)

    def _key(self, person_id: str) -> bytes | None:
        with self.engine.connect() as conn:
            return conn.execute(
                select(person_keys.c.key).where(person_keys.c.person_id == person_id)
            ).scalar_one_or_none()

    def seal(self, person_id: str, identity: dict[str, str]) -> str:
        key = self._key(person_id)
        if key is None:
            key = nacl.utils.random(nacl.secret.SecretBox.KEY_SIZE)
            with self.engine.begin() as conn:
                conn.execute(person_keys.insert().values(person_id=person_id, key=key))
        plain = json.dumps(identity, sort_keys=True, ensure_ascii=False).encode()
        return base64.b64encode(nacl.secret.SecretBox(key).encrypt(plain)).decode()

    def unseal(self, person_id: str, sealed: str) -> dict[str, str] | None:
        key = self._key(person_id)
        if key is None:
            return None
        try:
            plain = nacl.secret.SecretBox(key).decrypt(base64.b64decode(sealed))
        except CryptoError:
            return None
        identity: dict[str, str] = json.loads(plain)
        return identity

    def destroy(self, person_id: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(delete(person_keys).where(person_keys.c.person_id == person_id))
        autocommit = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        with autocommit as conn:
            if self.engine.dialect.name == "sqlite":
                self._empty_wal(conn)
            else:
                conn.exec_driver_sql(f"VACUUM FULL {person_keys.name}")

    @staticmethod
    def _empty_wal(conn: Connection) -> None:
        """A reader in the middle of a transaction keeps the WAL from being emptied: wait for
        it a little, then refuse, so the erasure is not recorded while the key's bytes remain."""
        for _ in range(_CHECKPOINT_TRIES):
            if not conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").scalar():
                return
            time.sleep(0.1)
        raise RuleViolation("the identity keys are in use; try the erasure again", "person_id")
