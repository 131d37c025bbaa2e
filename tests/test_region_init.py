"""`drais region init`: a region's folder from the template, its secrets made here and kept."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import nkeys
import pytest
from typer.testing import CliRunner

import drais
from drais.cli import app
from drais.config import NodeSettings
from drais.keys import region_keys
from drais.regions import TEMPLATE, RegionFolder, RegionInitError, init_region
from federation.admission import RegionCard

runner = CliRunner()
SECRETS = ("secrets/hmac.key", "secrets/signing.key", "secrets/nats.nk")


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def files_under(folder: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(folder)): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def template_files() -> set[str]:
    return {str(path.relative_to(TEMPLATE)) for path in TEMPLATE.rglob("*") if path.is_file()}


def nats_public_key(seed_file: Path) -> str:
    pair = nkeys.from_seed(bytearray(seed_file.read_bytes().strip()))
    return bytes(pair.public_key).decode()


def test_the_template_is_found_next_to_the_package() -> None:
    expected = Path(drais.__file__).resolve().parents[1] / "deploy" / "regions" / "_template"
    assert expected == TEMPLATE
    assert template_files() == {
        ".gitignore",
        "README.md",
        "compose.yaml",
        "drais-node.service",
        "node.toml",
    }
    assert (TEMPLATE / ".gitignore").read_text().split("\n")[1:3] == ["secrets/", "data/"]


def test_init_makes_the_folder_with_private_secrets_and_a_valid_config(tmp_path: Path) -> None:
    region = init_region(tmp_path, "souss-massa", "MA-09")

    folder = tmp_path / "deploy" / "regions" / "souss-massa"
    assert (region.path, region.config, region.card) == (
        folder,
        folder / "node.toml",
        folder / "region.public.json",
    )
    assert (region.created, region.code, region.name) == (True, "MA-09", "Souss-Massa")
    assert {str(p) for p in region.added} == template_files() | {
        *SECRETS,
        "data",
        "region.public.json",
    }
    assert region.kept == ()
    assert mode(folder / "secrets") == 0o700
    assert [mode(folder / name) for name in SECRETS] == [0o600, 0o600, 0o600]
    assert mode(folder / "data") == 0o700

    settings = NodeSettings.load(region.config)
    assert (settings.region, settings.region_name) == ("MA-09", "Souss-Massa")
    assert settings.data_dir == folder / "data"
    assert settings.hmac_key_file == folder / "secrets" / "hmac.key"
    assert settings.signing_key_file == folder / "secrets" / "signing.key"
    assert settings.nats_credentials == folder / "secrets" / "nats.nk"
    assert (settings.nats_url, settings.host, settings.port) == (
        "nats://127.0.0.1:4222",
        "127.0.0.1",
        8009,
    )
    assert settings.database_url == f"sqlite:///{(folder / 'data' / 'events.sqlite3').resolve()}"
    for name, text in files_under(folder).items():
        assert b"{{" not in text, f"{name} keeps a placeholder"

    keys = region_keys("MA-09", folder / "secrets/hmac.key", folder / "secrets/signing.key")
    card = json.loads(region.card.read_text(encoding="utf-8"))
    assert card == {
        "region": "MA-09",
        "name": "Souss-Massa",
        "verify_key": keys.public_hex(),
        "nats_user": nats_public_key(folder / "secrets/nats.nk"),
    }
    assert card == region.public_card()
    assert card["nats_user"].startswith("U") and len(card["nats_user"]) == 56
    assert RegionCard.model_validate(card).kid == keys.kid
    config_text = region.config.read_text(encoding="utf-8")
    for secret in SECRETS:
        assert (folder / secret).read_text().strip() not in config_text
    assert keys.hmac_secret.hex() not in region.card.read_text()


def test_the_service_and_compose_files_are_filled_for_this_folder(tmp_path: Path) -> None:
    region = init_region(tmp_path, "oriental", "MA-02", port=8702)

    unit = (region.path / "drais-node.service").read_text(encoding="utf-8")
    assert f"WorkingDirectory={region.path.resolve()}\n" in unit
    assert f'ExecStart="{sys.executable}" -m drais.cli node serve --config node.toml' in unit
    assert f'ReadWritePaths="{region.path.resolve()}/data"' in unit
    compose = (region.path / "compose.yaml").read_text(encoding="utf-8")
    assert '"127.0.0.1:8702:8702"' in compose
    assert "./secrets:/region/secrets:ro" in compose
    readme = (region.path / "README.md").read_text(encoding="utf-8")
    assert readme.startswith("# Nœud DRAIS — L'Oriental (MA-02)\n")
    assert "drais node serve --config deploy/regions/oriental/node.toml" in readme
    assert NodeSettings.load(region.config).port == 8702
    yaml = pytest.importorskip("yaml")
    service = yaml.safe_load(compose)["services"]["node"]
    assert service["volumes"] == [
        "./node.toml:/region/node.toml:ro",
        "./secrets:/region/secrets:ro",
        "./data:/region/data",
    ]


def test_init_twice_keeps_every_secret_and_the_edited_config(tmp_path: Path) -> None:
    first = init_region(tmp_path, "souss-massa", "MA-09")
    edited = first.config.read_text(encoding="utf-8").replace("port = 8009", "port = 8450")
    first.config.write_text(edited + "rollup_k = 7\n", encoding="utf-8")
    (first.path / "README.md").unlink()
    before = files_under(first.path)

    again = init_region(tmp_path, "souss-massa", "MA-09", name="Autre nom")

    after = files_under(first.path)
    for name in (*SECRETS, "node.toml", "region.public.json", "compose.yaml"):
        assert after[name] == before[name], f"{name} changed"
    assert "README.md" in after
    assert again.created is False
    assert [str(p) for p in again.added] == ["README.md"]
    assert {str(p) for p in again.kept} >= {*SECRETS, "node.toml", "region.public.json"}
    assert again.notes == ("node.toml keeps region_name 'Souss-Massa'; edit it to rename",)
    assert (again.verify_key, again.nats_user) == (first.verify_key, first.nats_user)
    settings = NodeSettings.load(again.config)
    assert (settings.port, settings.rollup_k) == (8450, 7)


def test_a_missing_key_alone_is_generated_and_the_card_follows(tmp_path: Path) -> None:
    first = init_region(tmp_path, "souss-massa", "MA-09")
    hmac_before = (first.path / "secrets/hmac.key").read_bytes()
    nats_before = (first.path / "secrets/nats.nk").read_bytes()
    (first.path / "secrets/signing.key").rename(tmp_path / "retired-signing.key")

    rotated = init_region(tmp_path, "souss-massa", "MA-09")

    assert rotated.verify_key != first.verify_key
    assert [str(p) for p in rotated.added] == ["secrets/signing.key"]
    assert (first.path / "secrets/hmac.key").read_bytes() == hmac_before
    assert (first.path / "secrets/nats.nk").read_bytes() == nats_before
    assert mode(first.path / "secrets/signing.key") == 0o600
    card = json.loads(rotated.card.read_text(encoding="utf-8"))
    assert (card["verify_key"], card["nats_user"]) == (rotated.verify_key, first.nats_user)
    assert rotated.notes == (
        "region.public.json updated to the current keys and name",
        "new keys generated: send region.public.json to the national administrator again",
    )


def test_secrets_left_readable_are_tightened_and_broken_ones_refused(tmp_path: Path) -> None:
    region = init_region(tmp_path, "souss-massa", "MA-09")
    (region.path / "secrets/hmac.key").chmod(0o644)
    (region.path / "secrets").chmod(0o755)

    again = init_region(tmp_path, "souss-massa", "MA-09")

    assert mode(region.path / "secrets") == 0o700
    assert mode(region.path / "secrets/hmac.key") == 0o600
    assert again.notes == (
        "secrets was readable by others: now 700",
        "secrets/hmac.key was readable by others: now 600",
    )
    signing = region.path / "secrets/signing.key"
    signing.write_text("not a key")
    with pytest.raises(RegionInitError, match="is not an Ed25519 signing key"):
        init_region(tmp_path, "souss-massa", "MA-09")
    assert signing.read_text() == "not a key"


@pytest.mark.parametrize(
    ("slug", "code", "message"),
    [
        ("souss-massa", "MA-13", "'MA-13' is not a region code: use MA-01 … MA-12"),
        ("souss-massa", "ma-09", "'ma-09' is not a region code"),
        ("souss-massa", "MA-9", "'MA-9' is not a region code"),
        ("Souss-Massa", "MA-09", "invalid slug 'Souss-Massa': use 2 to 40 lowercase ASCII"),
        ("souss_massa", "MA-09", "invalid slug 'souss_massa'"),
        ("s", "MA-09", "invalid slug 's'"),
        ("s" * 41, "MA-09", "invalid slug"),
        ("-souss", "MA-09", "invalid slug '-souss'"),
        ("souss/../x", "MA-09", "invalid slug"),
        ("sous-massâ", "MA-09", "invalid slug"),
        ("_template", "MA-01", "the slug _template is reserved for the template itself"),
    ],
)
def test_bad_codes_and_slugs_are_refused_before_anything_is_written(
    tmp_path: Path, slug: str, code: str, message: str
) -> None:
    with pytest.raises(RegionInitError) as refused:
        init_region(tmp_path, slug, code)
    assert str(refused.value).startswith(message)
    assert list(tmp_path.iterdir()) == []


def test_a_bad_name_is_refused(tmp_path: Path) -> None:
    with pytest.raises(RegionInitError, match="invalid region name 'Souss\"Massa'"):
        init_region(tmp_path, "souss-massa", "MA-09", name='Souss"Massa')
    assert list(tmp_path.iterdir()) == []
    region = init_region(tmp_path, "souss-massa", "MA-09", name="Région Souss-Massa")
    assert NodeSettings.load(region.config).region_name == "Région Souss-Massa"
    assert json.loads(region.card.read_text(encoding="utf-8"))["name"] == "Région Souss-Massa"


def test_a_slug_or_a_code_already_taken_is_refused(tmp_path: Path) -> None:
    first = init_region(tmp_path, "souss-massa", "MA-09")
    before = files_under(first.path)

    with pytest.raises(RegionInitError) as taken:
        init_region(tmp_path, "souss-massa", "MA-06")
    assert str(taken.value) == (
        f"the slug 'souss-massa' is already used by region MA-09 ({first.path}): "
        "choose another slug"
    )
    with pytest.raises(RegionInitError, match=r"region MA-09 is already set up in .*souss-massa"):
        init_region(tmp_path, "agadir", "MA-09")

    assert files_under(first.path) == before
    assert sorted(p.name for p in (tmp_path / "deploy" / "regions").iterdir()) == ["souss-massa"]


def test_the_command_prints_the_card_and_what_to_send(tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["region", "init", "oriental", "--code", "MA-02", "--root", str(tmp_path)]
    )

    assert result.exit_code == 0, result.output
    folder = tmp_path / "deploy" / "regions" / "oriental"
    card = json.loads((folder / "region.public.json").read_text(encoding="utf-8"))
    assert card["name"] == "L'Oriental"
    printed = result.output[result.output.index("{") : result.output.index("}") + 1]
    assert json.loads(printed) == card
    assert result.output.startswith(f"created {folder} for MA-02 (L'Oriental)\n")
    assert "  + secrets/signing.key\n" in result.output
    assert "drais federation admit region.public.json" in result.output
    assert f"Never send nor commit {folder / 'secrets'}/" in result.output

    again = runner.invoke(
        app, ["region", "init", "oriental", "--code", "MA-02", "--root", str(tmp_path)]
    )
    assert again.exit_code == 0, again.output
    assert again.output.startswith(f"checked {folder} for MA-02 (L'Oriental)\n")
    assert "  = secrets/signing.key (kept)\n" in again.output

    refused = runner.invoke(
        app, ["region", "init", "oriental", "--code", "MA-13", "--root", str(tmp_path)]
    )
    assert refused.exit_code == 2
    assert "'MA-13' is not a region code: use MA-01 … MA-12" in refused.output


def test_the_command_defaults_to_the_current_folder(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "drais.cli", "region", "init", "fes-meknes", "--code", "MA-03"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("created deploy/regions/fes-meknes for MA-03 (Fès-Meknès)\n")
    card = json.loads((tmp_path / "deploy/regions/fes-meknes/region.public.json").read_text())
    assert card["region"] == "MA-03"


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_the_secrets_and_data_are_ignored_by_git(tmp_path: Path) -> None:
    def git(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["git", *args], cwd=tmp_path, capture_output=True, text=True, check=False
        )

    assert git("init", "-q").returncode == 0
    region = init_region(tmp_path, "souss-massa", "MA-09")
    (region.path / "data" / "api_token").write_text("token")
    prefix = "deploy/regions/souss-massa"

    for name in (*SECRETS, "data/api_token"):
        checked = git("check-ignore", "-v", f"{prefix}/{name}")
        assert checked.returncode == 0, f"{name} is not ignored"
        rule = "secrets/" if name.startswith("secrets") else "data/"
        assert checked.stdout.startswith(f"{prefix}/.gitignore:")
        assert f":{rule}\t" in checked.stdout
    listed = git("status", "--porcelain", "--untracked-files=all").stdout.split("\n")
    assert sorted(line for line in listed if line) == sorted(
        f"?? {prefix}/{name}"
        for name in (
            ".gitignore",
            "README.md",
            "compose.yaml",
            "drais-node.service",
            "node.toml",
            "region.public.json",
        )
    )


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_the_repository_ignores_region_secrets_too() -> None:
    root = Path(drais.__file__).resolve().parents[1]
    if not (root / ".git").exists():
        pytest.skip("not a git checkout")
    checked = subprocess.run(
        ["git", "check-ignore", "--no-index", "deploy/regions/any-region/secrets/signing.key"],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )
    assert checked.returncode == 0
    assert checked.stdout.strip() == "deploy/regions/any-region/secrets/signing.key"


def test_region_setup_needs_none_of_node_federation_or_ui() -> None:
    code = (
        "import sys, drais.regions, drais.cli; "
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'node', 'federation', 'ui'}))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=os.environ
    )
    assert done.stdout.strip() == "[]"


def test_the_folder_dataclass_carries_the_public_card(tmp_path: Path) -> None:
    region = init_region(tmp_path, "dakhla", "MA-12")
    assert isinstance(region, RegionFolder)
    assert region.public_card() == {
        "region": "MA-12",
        "name": "Dakhla-Oued Ed-Dahab",
        "verify_key": region.verify_key,
        "nats_user": region.nats_user,
    }
    assert region.secrets == tuple(region.path / name for name in SECRETS)
