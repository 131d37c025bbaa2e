"""`drais demo` as a newcomer runs it: one command, everything answers, Ctrl-C stops it all."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from drais.nats_server import free_port


def processes_mentioning(text: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            if text.encode() in (entry / "cmdline").read_bytes():
                state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
                if state not in ("Z", "X"):
                    found.append(int(entry.name))
        except OSError:
            continue
    return found


@pytest.mark.slow
@pytest.mark.parametrize("stop_with", [signal.SIGINT, signal.SIGTERM])
def test_the_demo_answers_on_its_urls_and_stops_cleanly(
    tmp_path: Path, stop_with: signal.Signals
) -> None:
    port = free_port()
    data_dir = tmp_path / "demo"
    log = (tmp_path / "demo.out").open("wb")
    demo = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "drais.cli",
            "demo",
            "--regions",
            "2",
            "--port",
            str(port),
            "--data-dir",
            str(data_dir),
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        manifest_file = data_dir / "demo.json"
        deadline = time.monotonic() + 90
        while not manifest_file.exists():
            assert demo.poll() is None, (tmp_path / "demo.out").read_text()
            assert time.monotonic() < deadline, "the demo did not start in time"
            time.sleep(0.3)
        manifest = json.loads(manifest_file.read_text())
        assert oct(manifest_file.stat().st_mode & 0o777) == "0o600"  # it holds tokens
        national = manifest["federation"]["url"]
        assert national == f"http://127.0.0.1:{port}"
        assert [r["code"] for r in manifest["regions"]] == ["MA-09", "MA-06"]
        for region in manifest["regions"]:
            assert httpx.get(f"{region['url']}/health").json()["region"] == region["code"]
            written = httpx.post(
                f"{region['url']}/api/v1/members",
                json={"name": "Réseau test", "actor_type": "autre", "role": "membre"},
                headers={"Authorization": f"Bearer {region['token']}"},
            )
            assert written.status_code == 201
        while True:  # both regions send: D5 counts them, D1 has the two new members
            d5 = httpx.get(f"{national}/api/v1/indicators/D5").json()["national"]["value"]
            d1 = httpx.get(f"{national}/api/v1/indicators/D1").json()["national"]["value"]
            if (d5, d1) == (2, 22):
                break
            assert time.monotonic() < deadline, (d5, d1)
            time.sleep(0.3)
        assert processes_mentioning(str(data_dir))  # the children run under the data dir
    finally:
        demo.send_signal(stop_with)
        code = demo.wait(30)
        log.close()
    assert code == 0, (tmp_path / "demo.out").read_text()
    assert "demo stopped" in (tmp_path / "demo.out").read_text()
    deadline = time.monotonic() + 10
    while processes_mentioning(str(data_dir)) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert processes_mentioning(str(data_dir)) == []  # no orphan: nodes, federation, nats
