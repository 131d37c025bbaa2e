"""Two nodes and a federation, each its own `drais` process, against a real nats-server."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from drais.keys import region_keys
from drais.nats_server import free_port
from drais.territory import regions
from tests.federation.harness import seed_file
from tests.nats_fixtures import SecuredNats, secured_config, start_nats_server

TOKEN = "process-test-token"
REGIONS = ("MA-09", "MA-06")


@pytest.fixture
def nats(tmp_path: Path) -> Iterator[SecuredNats]:
    config, region_ids, federation = secured_config()
    with start_nats_server(tmp_path / "nats", config=config) as server:
        yield SecuredNats(server, region_ids, federation)


def drais(*args: str, env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as output:  # a file, not a pipe nobody reads: it would fill and block
        return subprocess.Popen(
            [sys.executable, "-m", "drais.cli", *args],
            env={**os.environ, **env},
            stdout=output,
            stderr=subprocess.STDOUT,
        )


def wait_until(condition: Callable[[], bool], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if condition():
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise AssertionError("timed out")


@contextmanager
def running(process: subprocess.Popen[bytes]) -> Iterator[subprocess.Popen[bytes]]:
    try:
        yield process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


class System:
    def __init__(self, nats: SecuredNats, directory: Path) -> None:
        self.nats = nats
        self.directory = directory
        self.federation_port = free_port()
        self.federation_env = {
            "DRAIS_DATA_DIR": str(directory / "national"),
            "DRAIS_NATS_URL": nats.server.url,
            "DRAIS_NATS_CREDENTIALS": str(seed_file(directory / "s", nats.federation)),
            "DRAIS_PORT": str(self.federation_port),
        }
        self.node_ports = {region: free_port() for region in REGIONS}

    def node_env(self, region: str) -> dict[str, str]:
        return {
            "DRAIS_REGION": region,
            "DRAIS_DATA_DIR": str(self.directory / region),
            "DRAIS_NATS_URL": self.nats.server.url,
            "DRAIS_NATS_CREDENTIALS": str(
                seed_file(self.directory / "s", self.nats.regions[region])
            ),
            "DRAIS_PORT": str(self.node_ports[region]),
            "DRAIS_API_TOKEN": TOKEN,
            "DRAIS_HEARTBEAT_SECONDS": "0.5",
        }

    def admit(self, region: str) -> None:
        keys_dir = self.directory / region / "keys"
        keys = region_keys(region, keys_dir / "hmac.key", keys_dir / "signing.key")
        card = self.directory / f"{region}.json"
        card.write_text(
            json.dumps(
                {"region": region, "name": regions()[region].name, "verify_key": keys.public_hex()}
            )
        )
        admitted = subprocess.run(
            [sys.executable, "-m", "drais.cli", "federation", "admit", str(card)],
            env={**os.environ, **self.federation_env},
            capture_output=True,
            check=False,
        )
        assert admitted.returncode == 0, admitted.stderr.decode()
        assert f"admitted {region}" in admitted.stdout.decode()

    def federation(self) -> subprocess.Popen[bytes]:
        return drais(
            "federation", "serve", env=self.federation_env, log=self.directory / "national.log"
        )

    def node(self, region: str) -> subprocess.Popen[bytes]:
        return drais(
            "node", "serve", env=self.node_env(region), log=self.directory / f"{region}.log"
        )

    def national(self, path: str) -> Any:
        url = f"http://127.0.0.1:{self.federation_port}{path}"
        return httpx.get(url, timeout=5).raise_for_status().json()

    def post(self, region: str, path: str, body: dict[str, Any]) -> str:
        response = httpx.post(
            f"http://127.0.0.1:{self.node_ports[region]}/api/v1{path}",
            json=body,
            headers={"Authorization": f"Bearer {TOKEN}"},
            timeout=10,
        )
        assert response.status_code == 201, response.text
        return str(response.json()["id"])

    def node_status(self, region: str) -> dict[str, Any]:
        url = f"http://127.0.0.1:{self.node_ports[region]}/api/v1/federation/status"
        return dict(httpx.get(url, timeout=5).raise_for_status().json())

    def last_seqs(self) -> dict[str, int]:
        return {r["region"]: r["last_seq"] for r in self.national("/api/v1/regions")}

    def heads(self) -> dict[str, int]:
        return {region: self.node_status(region)["head_seq"] for region in REGIONS}


def join_members(system: System, region: str, count: int) -> None:
    for i in range(count):
        system.post(
            region,
            "/members",
            {
                "name": f"Association {region} {i}",
                "actor_type": "structure_associative",
                "role": "membre",
            },
        )


@pytest.mark.slow
def test_two_nodes_and_a_federation_as_processes_survive_a_federation_sigkill(
    nats: SecuredNats, tmp_path: Path
) -> None:
    system = System(nats, tmp_path)
    for region in REGIONS:
        system.admit(region)
    with (
        running(system.node("MA-09")),
        running(system.node("MA-06")),
    ):
        federation = system.federation()
        with running(federation):
            wait_until(lambda: system.national("/health")["connected"])
            wait_until(lambda: all(system.node_status(r)["connected"] for r in REGIONS))
            join_members(system, "MA-09", 3)
            join_members(system, "MA-06", 2)
            wait_until(lambda: system.last_seqs() == {"MA-09": 3, "MA-06": 2}, timeout=10)
            federation.kill()  # SIGKILL: no chance to finish anything
            federation.wait()
        # A backlog builds while the federation is down; it dies again in the middle of it.
        join_members(system, "MA-09", 60)
        join_members(system, "MA-06", 40)
        wait_until(lambda: system.node_status("MA-09")["forwarded_seq"] == 63)
        federation = system.federation()
        with running(federation):
            wait_until(lambda: sum(system.last_seqs().values()) > 5, timeout=20)
            federation.kill()
            federation.wait()
        with running(system.federation()):
            wait_until(lambda: system.last_seqs() == system.heads(), timeout=30)
            assert system.heads() == {"MA-09": 63, "MA-06": 42}
            by_region = {r["region"]: r for r in system.national("/api/v1/regions")}
            assert all(r["dead_letters"] == 0 and r["chain_ok"] for r in by_region.values())
            d1 = system.national("/api/v1/indicators/D1")
            assert d1["by_region"]["MA-09"]["value"] == 63
            assert d1["by_region"]["MA-06"]["value"] == 42

            # A project holder's identity stays in the region: not in the stream's files.
            system.post(
                "MA-09",
                "/initiatives",
                {
                    "name": "Coopérative Tifawin",
                    "theme": "inclusion_femmes",
                    "province": "MA-TIZ",
                    "phase": "ideation",
                    "commune": "Tafraout",
                    "holder": {
                        "full_name": "Khadija Ait Ouarab",
                        "gender": "F",
                        "birth_year": 1991,
                        "cin": "JT482915",
                        "phone": "+212661234567",
                    },
                },
            )
            wait_until(lambda: system.last_seqs()["MA-09"] == 64)
            d3 = system.national("/api/v1/indicators/D3")
            assert d3["by_region"]["MA-09"]["registered"] == 1
    stored = b"".join(p.read_bytes() for p in (tmp_path / "nats").rglob("*") if p.is_file())
    assert b"initiative.registered" in stored  # the stream's files are where we look
    for secret in ("Khadija", "Ait Ouarab", "JT482915", "661234567", "Tafraout", "Tifawin"):
        assert secret.encode() not in stored, secret
