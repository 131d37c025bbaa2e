"""The benchmark entry point runs end to end and writes well-formed results (no timing checks)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from bench import cli, core, federation, pages
from bench.cli import main

pytestmark = pytest.mark.slow

NODE = {
    "node_commands_single",
    "node_commands_batched",
    "http_command_latency_p50",
    "http_command_latency_p99",
}
FEDERATION = {
    "federation_throughput",
    "federation_lag_p50",
    "federation_lag_p99",
    "federation_rebuild",
    "federation_rebuild_memory",
}
PAGES = {
    f"pages_{page.name}_p95"
    for page in pages.Seeded(Path(), "", "initiative", "grid", "study").pages()
}
FIELDS = {"value", "unit", "baseline", "ratio", "target"}


def suite(name: str) -> str:
    """Which test runs a registered benchmark: the node's, the federation's, or the pages'."""
    return name.split("_")[0] if name.startswith(("federation_", "pages")) else "node"


def only(monkeypatch: pytest.MonkeyPatch, wanted: str) -> None:
    """Run one suite of benchmarks, not all (each test stays short)."""

    def chosen() -> dict[str, core.BenchmarkFn]:
        return {name: fn for name, fn in core.registered().items() if suite(name) == wanted}

    monkeypatch.setattr(cli, "registered", chosen)


def well_formed(output: Path, expected: set[str], command: str) -> dict[str, dict[str, Any]]:
    results: dict[str, dict[str, Any]] = json.loads((output / "bench" / "results.json").read_text())
    assert set(results) == expected
    for name, figures in results.items():
        assert set(figures) == FIELDS, name
        assert isinstance(figures["unit"], str) and figures["unit"], name
        for key in ("value", "baseline", "ratio"):
            assert figures[key] > 0, (name, key)
        assert figures["target"] is None or figures["target"] > 0, name

    report = (output / "docs" / "benchmarks.md").read_text()
    assert command in report
    for name in expected:
        assert f"| {name} |" in report
    return results


def test_quick_run_writes_every_result(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    only(monkeypatch, "node")
    argv = ["--quick", "--commands", "20", "--batch-size", "5", "--requests", "10"]
    assert main([*argv, "--output-dir", str(tmp_path)]) == 0
    well_formed(tmp_path, NODE, "python -m bench --quick --commands 20")


def test_quick_federation_run_gives_every_ratio(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    only(monkeypatch, "federation")
    # Smaller than --quick's own sizes, so the test stays short; the code paths are the same.
    monkeypatch.setitem(federation.THROUGHPUT_EVENTS, "quick", 60)
    monkeypatch.setitem(federation.LAG_SECONDS, "quick", 0.6)
    monkeypatch.setitem(federation.LAG_WARMUP_SECONDS, "quick", 0.2)
    monkeypatch.setitem(federation.REBUILD_EVENTS, "quick", 600)
    assert main(["--quick", "--repeats", "1", "--output-dir", str(tmp_path)]) == 0

    results = well_formed(tmp_path, FEDERATION, "python -m bench --quick --repeats 1")
    assert results["federation_throughput"]["target"] == federation.THROUGHPUT_TARGET
    assert results["federation_throughput"]["unit"] == "events/s"
    assert results["federation_lag_p99"]["unit"] == "ms"
    assert results["federation_rebuild_memory"]["unit"] == "MiB"


def test_quick_pages_run_measures_every_page(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    only(monkeypatch, "pages")
    monkeypatch.setitem(pages.INITIATIVES, "quick", 4)
    monkeypatch.setitem(pages.REQUESTS, "quick", 3)
    assert main(["--quick", "--repeats", "1", "--output-dir", str(tmp_path)]) == 0

    results = well_formed(tmp_path, PAGES, "python -m bench --quick --repeats 1")
    assert {figures["unit"] for figures in results.values()} == {"ms"}
    report = (tmp_path / "docs" / "benchmarks.md").read_text()
    assert "Target p95 < 100 ms (absolute)" in report
