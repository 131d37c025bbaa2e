"""The `drais` command as an operator runs it."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
from typer.testing import CliRunner

from drais.cli import app
from drais.config import NodeSettings
from node.bootstrap import build_node
from tests.scenario import record_story

runner = CliRunner()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_rebuild_projections_from_a_config_file(tmp_path: Path) -> None:
    config = tmp_path / "node.toml"
    config.write_text('region = "MA-09"\ndata_dir = "data"\n')
    node = build_node(NodeSettings.load(config))
    record_story(node.app)
    count = node.app.recorder.max_notification_id()
    node.close()
    result = runner.invoke(app, ["node", "rebuild-projections", "--config", str(config)])
    assert result.exit_code == 0, result.output
    assert f"from {count} events" in result.output


def test_a_bad_config_is_reported_not_a_traceback(tmp_path: Path) -> None:
    config = tmp_path / "node.toml"
    config.write_text('region = "MA-99"\n')
    result = runner.invoke(app, ["node", "rebuild-projections", "--config", str(config)])
    assert result.exit_code == 2
    assert "MA-99" in result.output and "Traceback" not in result.output


def test_a_world_readable_config_holding_a_secret_is_refused(tmp_path: Path) -> None:
    config = tmp_path / "node.toml"
    config.write_text('api_token = "s3cret"\n')
    config.chmod(0o644)
    result = runner.invoke(app, ["node", "rebuild-projections", "--config", str(config)])
    assert result.exit_code == 2 and "world-readable" in result.output


def test_node_serve_runs_on_defaults_and_environment(tmp_path: Path) -> None:
    port = free_port()
    env = {
        **os.environ,
        "DRAIS_REGION": "MA-06",
        "DRAIS_PORT": str(port),
        "DRAIS_DATA_DIR": str(tmp_path / "data"),
        "DRAIS_FORWARD": "false",
    }
    env.pop("DRAIS_API_TOKEN", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "drais.cli", "node", "serve"],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                health = httpx.get(f"http://127.0.0.1:{port}/health").json()
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "node did not answer in 30 s"
                time.sleep(0.2)
        assert health["region"] == "MA-06"
        token = (tmp_path / "data" / "api_token").read_text().strip()
        assert (tmp_path / "data" / "api_token").stat().st_mode & 0o077 == 0
        created = httpx.post(
            f"http://127.0.0.1:{port}/api/v1/members",
            json={"name": "CRDH", "actor_type": "crdh", "role": "membre"},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert created.status_code == 201
    finally:
        process.send_signal(signal.SIGINT)
        output = process.communicate(timeout=20)[0].decode()
    assert process.returncode == 0, output
    assert token not in output
