"""The benchmark entry point runs end to end and writes well-formed results (no timing checks)."""

from __future__ import annotations

import json
from pathlib import Path

from bench.cli import main

EXPECTED = {
    "node_commands_single",
    "node_commands_batched",
    "http_command_latency_p50",
    "http_command_latency_p99",
}
FIELDS = {"value", "unit", "baseline", "ratio", "target"}


def test_quick_run_writes_every_result(tmp_path: Path) -> None:
    argv = ["--quick", "--commands", "20", "--batch-size", "5", "--requests", "10"]
    assert main([*argv, "--output-dir", str(tmp_path)]) == 0

    results = json.loads((tmp_path / "bench" / "results.json").read_text())
    assert set(results) == EXPECTED
    for name, figures in results.items():
        assert set(figures) == FIELDS, name
        assert isinstance(figures["unit"], str) and figures["unit"], name
        for key in ("value", "baseline", "ratio"):
            assert figures[key] > 0, (name, key)
        assert figures["target"] is None or figures["target"] > 0, name

    report = (tmp_path / "docs" / "benchmarks.md").read_text()
    assert "python -m bench --quick --commands 20" in report
    for name in EXPECTED:
        assert f"| {name} |" in report
