"""A fourth region joins a running federation with the documented steps, and D5 goes 3 → 4.

Everything is a process of its own except the nats-server's owner (the test): `drais region
init`, `drais federation admit` (which rewrites the NATS users and reloads the server), `drais
federation serve`, and one `drais node serve` per region.
"""

from __future__ import annotations

import os
import subprocess
import sys
from contextlib import ExitStack
from pathlib import Path

import httpx
import pytest

from drais.nats_server import free_port
from federation.nats_config import generate_federation_identity, render_server_config
from tests.federation.harness import seed_file
from tests.federation.test_admission import federation_toml
from tests.federation.test_processes import drais, running, wait_until
from tests.nats_fixtures import start_nats_server

REGIONS = {"souss-massa": "MA-09", "casablanca-settat": "MA-06", "oriental": "MA-02"}
NEWCOMER = ("draa-tafilalet", "MA-08")


def cli(*args: str, cwd: Path) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "drais.cli", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ},
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def regions_running(url: str) -> int:
    d5 = httpx.get(f"{url}/api/v1/indicators/D5", timeout=5).json()
    return int(d5["national"]["value"])


@pytest.mark.slow
def test_a_fourth_region_joins_while_three_run(tmp_path: Path) -> None:
    federation_id = generate_federation_identity()
    users = tmp_path / "nats" / "drais-users.conf"
    start = render_server_config(regions=[], federation=federation_id.public())
    with (
        start_nats_server(tmp_path / "nats", config=start, config_path=users) as server,
        ExitStack() as stack,
    ):
        (tmp_path / "nats.pid").write_text(f"{server.pid}\n")
        port = free_port()
        config = federation_toml(
            tmp_path / "federation.toml",
            data_dir="national",
            nats_url=server.url,
            nats_credentials=seed_file(tmp_path / "fed-secrets", federation_id),
            nats_server_config="nats/drais-users.conf",
            nats_server_pid_file="nats.pid",
            port=port,
        )
        os.chmod(config, 0o600)
        national = f"http://127.0.0.1:{port}"

        def join(slug: str, code: str) -> None:
            cli("region", "init", slug, "--code", code, "--root", str(tmp_path), cwd=tmp_path)
            folder = tmp_path / "deploy" / "regions" / slug
            admitted = cli(
                "federation",
                "admit",
                str(folder / "region.public.json"),
                "--config",
                str(config),
                cwd=tmp_path,
            )
            assert f"admitted {code}" in admitted and "reloaded nats-server" in admitted
            env = {
                "DRAIS_NATS_URL": server.url,
                "DRAIS_PORT": str(free_port()),
                "DRAIS_HEARTBEAT_SECONDS": "0.5",
            }
            stack.enter_context(
                running(
                    drais(
                        "node",
                        "serve",
                        "--config",
                        str(folder / "node.toml"),
                        env=env,
                        log=tmp_path / f"{code}.log",
                    )
                )
            )

        for slug, code in REGIONS.items():
            join(slug, code)
        stack.enter_context(
            running(
                drais(
                    "federation",
                    "serve",
                    "--config",
                    str(config),
                    env={},
                    log=tmp_path / "national.log",
                )
            )
        )
        wait_until(lambda: regions_running(national) == 3, timeout=40)

        join(*NEWCOMER)
        wait_until(lambda: regions_running(national) == 4, timeout=40)
        listed = {r["region"] for r in httpx.get(f"{national}/api/v1/regions").json()}
        assert listed == {*REGIONS.values(), NEWCOMER[1]}
