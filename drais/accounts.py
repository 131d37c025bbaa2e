"""User accounts of one process (a node or the federation): roles, passwords and API tokens.

Accounts are not facts of the region's story, so they live in a small mutable table beside the
log, never in it: a password hash or a token digest must be replaceable and deletable. Passwords
are hashed with argon2id; an API token is shown once and only its SHA-256 digest is kept (a
random 256-bit token needs no slow hash), so a stolen database yields no usable token. Who did
what stays in the log, where every event names its author.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from functools import cached_property
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    Engine,
    ForeignKey,
    MetaData,
    Select,
    String,
    Table,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError


class UserRole(StrEnum):
    ADMIN = "admin"
    OPERATOR = "operator"
    STRUCTURE = "structure"
    VIEWER = "viewer"


ADMIN, OPERATOR, STRUCTURE, VIEWER = UserRole
NODE_ROLES = (ADMIN, OPERATOR, STRUCTURE, VIEWER)
FEDERATION_ROLES = (ADMIN, VIEWER)
BOOTSTRAP = "admin"  # the login of the bootstrap token (DRAIS_API_TOKEN), with admin rights
MIN_PASSWORD = 12
TOKEN_PREFIX = "drais_"  # noqa: S105 (marks our tokens, not a secret)
_LOGIN = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")

metadata = MetaData()
users = Table(
    "users",
    metadata,
    Column("login", String(64), primary_key=True),
    Column("password_hash", String(200), nullable=False),
    Column("role", String(16), nullable=False),
    Column("structure_id", String(36)),
    Column("active", Boolean, nullable=False, default=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
)
api_tokens = Table(
    "api_tokens",
    metadata,
    Column("token_id", String(16), primary_key=True),
    Column("login", String(64), ForeignKey("users.login"), nullable=False),
    Column("digest", String(64), nullable=False, unique=True),
    Column("label", String(100), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("revoked_at", DateTime(timezone=True)),
)


class AccountError(ValueError):
    """A refused account change, naming the field at fault."""

    def __init__(self, reason: str, field: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.field = field


@dataclass(frozen=True)
class User:
    login: str
    role: str
    structure_id: str | None = None

    def has(self, *roles: str) -> bool:
        return self.role in roles


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Accounts:
    """The users of one process and their tokens, with the roles that process knows."""

    def __init__(
        self, engine: Engine, roles: tuple[str, ...], hasher: PasswordHasher | None = None
    ) -> None:
        """`hasher` defaults to argon2id with argon2-cffi's parameters (RFC 9106's low-memory
        profile); only the tests pass a cheaper one."""
        self.engine = engine
        self.roles = roles
        self.hasher = hasher or PasswordHasher()
        metadata.create_all(engine)

    @cached_property
    def _decoy(self) -> str:
        """Verified against when the login is unknown, so timing does not tell who exists;
        hashed at the first check of a password, not whenever a process opens its accounts."""
        return self.hasher.hash(secrets.token_urlsafe(16))

    def create_user(
        self, login: str, password: str, role: str, structure_id: str | None = None
    ) -> User:
        login = login.strip().lower()
        if not _LOGIN.match(login):
            raise AccountError(
                "2 to 64 characters: lower-case letters, digits, '.', '_' or '-'", "login"
            )
        if login == BOOTSTRAP:
            raise AccountError(f"'{BOOTSTRAP}' is the bootstrap token's login", "login")
        if role not in self.roles:
            raise AccountError(f"must be one of {', '.join(self.roles)}", "role")
        if (role == STRUCTURE) != (structure_id is not None):
            raise AccountError("a structure user, and only one, names its structure", "structure")
        self._check_password(password)
        try:
            with self.engine.begin() as conn:
                conn.execute(
                    users.insert().values(
                        login=login,
                        password_hash=self.hasher.hash(password),
                        role=role,
                        structure_id=structure_id,
                        active=True,
                        created_at=datetime.now(UTC),
                    )
                )
        except IntegrityError:
            raise AccountError(f"{login} already exists", "login") from None
        return User(login, role, structure_id)

    def _check_password(self, password: str) -> None:
        if len(password) < MIN_PASSWORD:
            raise AccountError(f"at least {MIN_PASSWORD} characters", "password")

    def set_password(self, login: str, password: str) -> None:
        self._check_password(password)
        self._update(login, password_hash=self.hasher.hash(password))

    def set_active(self, login: str, active: bool) -> None:
        """A deactivated user can no longer log in, and none of their tokens works."""
        self._update(login, active=active)

    def _update(self, login: str, **values: object) -> None:
        with self.engine.begin() as conn:
            changed = conn.execute(update(users).where(users.c.login == login).values(**values))
        if changed.rowcount == 0:
            raise AccountError(f"no user {login}", "login")

    def check_password(self, login: str, password: str) -> User | None:
        """The active user these credentials identify, or None (same work either way)."""
        decoy = self._decoy  # even when the login exists: the first check is slow for all
        with self.engine.connect() as conn:
            row = conn.execute(select(users).where(users.c.login == login.strip().lower())).first()
        try:
            self.hasher.verify(row.password_hash if row else decoy, password)
        except (VerificationError, InvalidHashError):
            return None
        if row is None or not row.active:
            return None
        if self.hasher.check_needs_rehash(row.password_hash):
            self._update(row.login, password_hash=self.hasher.hash(password))
        return User(row.login, row.role, row.structure_id)

    def issue_token(self, login: str, label: str) -> tuple[str, str]:
        """A new token for `login`: its id (to revoke it) and the token, shown only now."""
        if self.user(login) is None:
            raise AccountError(f"no user {login}", "login")
        token_id = secrets.token_hex(4)
        token = f"{TOKEN_PREFIX}{token_id}_{secrets.token_urlsafe(32)}"
        with self.engine.begin() as conn:
            conn.execute(
                api_tokens.insert().values(
                    token_id=token_id,
                    login=login,
                    digest=_digest(token),
                    label=label[:100],
                    created_at=datetime.now(UTC),
                )
            )
        return token_id, token

    def revoke_token(self, token_id: str) -> None:
        with self.engine.begin() as conn:
            changed = conn.execute(
                update(api_tokens)
                .where(api_tokens.c.token_id == token_id, api_tokens.c.revoked_at.is_(None))
                .values(revoked_at=datetime.now(UTC))
            )
        if changed.rowcount == 0:
            raise AccountError(f"no live token {token_id}", "token_id")

    def user_for_token(self, token: str) -> User | None:
        if not token.startswith(TOKEN_PREFIX):
            return None
        query = (
            select(users.c.login, users.c.role, users.c.structure_id)
            .join(api_tokens, api_tokens.c.login == users.c.login)
            .where(
                api_tokens.c.digest == _digest(token),
                api_tokens.c.revoked_at.is_(None),
                users.c.active.is_(True),
            )
        )
        with self.engine.connect() as conn:
            row = conn.execute(query).first()
        return None if row is None else User(row.login, row.role, row.structure_id)

    def user(self, login: str) -> User | None:
        """The active user with this login."""
        query = select(users).where(users.c.login == login, users.c.active.is_(True))
        with self.engine.connect() as conn:
            row = conn.execute(query).first()
        return None if row is None else User(row.login, row.role, row.structure_id)

    def users(self) -> list[dict[str, object]]:
        u = users.c
        return self._rows(
            select(u.login, u.role, u.structure_id, u.active, u.created_at).order_by(u.login)
        )

    def tokens(self) -> list[dict[str, object]]:
        """Every token issued, never the token itself (only its digest is kept)."""
        t = api_tokens.c
        return self._rows(
            select(t.token_id, t.login, t.label, t.created_at, t.revoked_at).order_by(t.created_at)
        )

    def _rows(self, query: Select[Any]) -> list[dict[str, object]]:
        with self.engine.connect() as conn:
            return [dict(row._mapping) for row in conn.execute(query)]


def bootstrap_user(token: str, configured: str | None) -> User | None:
    """The bootstrap token (DESIGN §10) acts as an admin; compared in constant time."""
    if configured and secrets.compare_digest(token.encode(), configured.encode()):
        return User(BOOTSTRAP, ADMIN)
    return None
