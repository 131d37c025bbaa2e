"""User accounts: argon2 passwords, tokens kept only as digests, the first admin from the CLI."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from drais.accounts import (
    ADMIN,
    FEDERATION_ROLES,
    NODE_ROLES,
    OPERATOR,
    STRUCTURE,
    AccountError,
    Accounts,
    api_tokens,
    users,
)
from drais.cli import app as cli
from drais.database import sqlite_engine
from drais.throttle import Throttle

PASSWORD = "correct horse battery staple"


@pytest.fixture
def accounts(tmp_path: Path) -> Accounts:
    return Accounts(sqlite_engine(tmp_path / "accounts.sqlite3"), NODE_ROLES)


def test_a_password_is_kept_as_an_argon2id_hash_and_checked(accounts: Accounts) -> None:
    accounts.create_user("Amina.Bennani ", PASSWORD, OPERATOR)
    with accounts.engine.connect() as conn:
        stored = conn.execute(select(users.c.password_hash)).scalar_one()
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    assert accounts.check_password("amina.bennani", PASSWORD) == accounts.user("amina.bennani")
    assert accounts.check_password("amina.bennani", PASSWORD + "!") is None
    assert accounts.check_password("nobody", PASSWORD) is None


def test_a_token_is_shown_once_and_kept_only_as_its_digest(
    accounts: Accounts, tmp_path: Path
) -> None:
    accounts.create_user("omar", PASSWORD, OPERATOR)
    token_id, token = accounts.issue_token("omar", "import script")
    with accounts.engine.connect() as conn:
        digest = conn.execute(select(api_tokens.c.digest)).scalar_one()
    assert digest == hashlib.sha256(token.encode()).hexdigest()
    accounts.engine.dispose()
    assert token.encode() not in (tmp_path / "accounts.sqlite3").read_bytes()
    user = accounts.user_for_token(token)
    assert user is not None and (user.login, user.role) == ("omar", OPERATOR)
    accounts.revoke_token(token_id)
    assert accounts.user_for_token(token) is None
    with pytest.raises(AccountError) as again:
        accounts.revoke_token(token_id)
    assert again.value.field == "token_id"


@pytest.mark.parametrize(
    ("login", "password", "role", "structure", "field"),
    [
        ("a", PASSWORD, OPERATOR, None, "login"),
        ("amina bennani", PASSWORD, OPERATOR, None, "login"),
        ("admin", PASSWORD, ADMIN, None, "login"),  # the bootstrap token's login
        ("amina", "short", OPERATOR, None, "password"),
        ("amina", PASSWORD, "superuser", None, "role"),
        ("amina", PASSWORD, STRUCTURE, None, "structure"),
        ("amina", PASSWORD, OPERATOR, "a-structure", "structure"),
    ],
)
def test_a_bad_account_is_refused_with_its_field(
    accounts: Accounts, login: str, password: str, role: str, structure: str | None, field: str
) -> None:
    with pytest.raises(AccountError) as refused:
        accounts.create_user(login, password, role, structure)
    assert refused.value.field == field
    assert accounts.users() == []


def test_a_login_is_taken_once_and_a_disabled_user_cannot_log_in(accounts: Accounts) -> None:
    accounts.create_user("omar", PASSWORD, OPERATOR)
    with pytest.raises(AccountError, match="already exists"):
        accounts.create_user("omar", PASSWORD, ADMIN)
    accounts.set_active("omar", False)
    assert accounts.check_password("omar", PASSWORD) is None


def test_the_federation_knows_only_admins_and_viewers(tmp_path: Path) -> None:
    federation = Accounts(sqlite_engine(tmp_path / "national.sqlite3"), FEDERATION_ROLES)
    with pytest.raises(AccountError) as refused:
        federation.create_user("omar", PASSWORD, OPERATOR)
    assert refused.value.field == "role"


def test_the_throttle_pauses_a_guesser_then_forgets() -> None:
    now = [0.0]
    throttle = Throttle(max_failures=3, window_seconds=60, clock=lambda: now[0])
    for _ in range(3):
        assert throttle.retry_after("1.2.3.4") == 0
        throttle.failed("1.2.3.4")
    assert throttle.retry_after("1.2.3.4") == 61
    assert throttle.retry_after("5.6.7.8") == 0
    now[0] = 61.0
    assert throttle.retry_after("1.2.3.4") == 0


def test_the_first_admin_and_tokens_come_from_the_command_line(tmp_path: Path) -> None:
    config = tmp_path / "node.toml"
    config.write_text(f'region = "MA-09"\ndata_dir = "{tmp_path / "data"}"\n')
    runner = CliRunner()
    typed = f"{PASSWORD}\n{PASSWORD}\n"
    made = runner.invoke(
        cli, ["users", "add", "amina", "--role", "admin", "-c", str(config)], input=typed
    )
    assert made.exit_code == 0, made.output
    assert PASSWORD not in made.output
    issued = runner.invoke(cli, ["users", "token", "amina", "--label", "cron", "-c", str(config)])
    assert issued.exit_code == 0, issued.output
    token = issued.stdout.strip().splitlines()[-1]
    assert token.startswith("drais_")
    listed = runner.invoke(cli, ["users", "list", "-c", str(config)])
    assert "amina\tadmin\tactive" in listed.stdout and token not in listed.stdout
    token_id = token.split("_")[1]
    assert runner.invoke(cli, ["users", "revoke", token_id, "-c", str(config)]).exit_code == 0
    assert "revoked" in runner.invoke(cli, ["users", "list", "-c", str(config)]).stdout
    refused = runner.invoke(
        cli, ["users", "add", "omar", "--role", "boss", "-c", str(config)], input=typed
    )
    assert refused.exit_code == 2 and "role:" in refused.output
    unknown = runner.invoke(
        cli,
        ["users", "add", "salma", "--role", "structure", "--structure", "nope", "-c", str(config)],
        input=typed,
    )
    assert unknown.exit_code == 2 and "no support structure" in unknown.output
    federation = runner.invoke(
        cli,
        ["users", "add", "nadia", "--role", "viewer", "--federation", "-c", str(config)],
        input=typed,
    )
    assert federation.exit_code == 2  # a node's file is not a federation configuration
