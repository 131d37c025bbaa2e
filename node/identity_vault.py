"""Per-person keys for sealed identities (crypto-shredding).

Each person's identity is encrypted with a key of its own, kept in a small mutable table beside
the log. Destroying the key makes every copy of the identity in the immutable log unreadable,
so the key's own bytes must not outlive the deletion in the database files: on SQLite,
`secure_delete` zeroes the deleted row and a truncating WAL checkpoint empties the WAL; on
PostgreSQL, where a deleted row stays in its page until vacuumed, `VACUUM FULL` rewrites the
table into a new file and the old one is dropped — but it copies a deleted row that a
transaction older than the deletion might still see, so it runs only once no such transaction
is left on the server. What the database's write-ahead log or backups still hold is beyond this
module (docs/data-protection.md).
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable

import nacl.secret
import nacl.utils
from nacl.exceptions import CryptoError
from sqlalchemy import Column, LargeBinary, MetaData, String, Table, delete, event, select, text
from sqlalchemy.engine import Engine

from node.domain.errors import RuleViolation

_TRIES = 50  # a tenth of a second apart: how long erasure waits for others to finish
# Other sessions anywhere on the server whose snapshot or transaction began before the
# deleting transaction committed: they may still see the deleted row, so VACUUM keeps it.
# (Which databases count towards the horizon depends on the server version: all of them do here.)
_OLDER_TRANSACTIONS = text(
    """
    SELECT count(*) FROM pg_stat_activity
    WHERE pid <> pg_backend_pid()
      AND (age(backend_xmin) >= age(CAST(:deleted_by AS xid))
           OR age(backend_xid) >= age(CAST(:deleted_by AS xid)))
    """
)
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
        """Delete the key and make sure its bytes are gone from the database's files; refuses
        (the key deleted all the same) when others' transactions keep them there too long."""
        sqlite = self.engine.dialect.name == "sqlite"
        with self.engine.begin() as conn:
            conn.execute(delete(person_keys).where(person_keys.c.person_id == person_id))
            deleted_by = None if sqlite else conn.exec_driver_sql("SELECT txid_current()").scalar()
        autocommit = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        with autocommit as conn:
            if sqlite:
                _wait(lambda: not conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").scalar())
            else:
                xid = str(int(deleted_by or 0) % 2**32)  # the 32-bit id the activity view shows
                _wait(lambda: not conn.execute(_OLDER_TRANSACTIONS, {"deleted_by": xid}).scalar())
                conn.exec_driver_sql(f"VACUUM FULL {person_keys.name}")


def _wait(done: Callable[[], bool]) -> None:
    """A transaction in progress elsewhere (a reader keeping SQLite's WAL, a snapshot older
    than the deletion on PostgreSQL) keeps the key's bytes in the files: wait for it a little,
    then refuse, so the erasure is not recorded while they remain."""
    for _ in range(_TRIES):
        if done():
            return
        time.sleep(0.1)
    raise RuleViolation("the identity keys are in use; try the erasure again", "person_id")
