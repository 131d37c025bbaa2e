"""HTTP command latency: POST /api/v1/members against GET /health on the same server.

The node's API runs under one uvicorn worker in a subprocess (its own core, no GIL shared with
the client); the client sends requests one after another on one keep-alive connection,
alternating a command and a health check so both see the same conditions. The baseline route
also answers from the node (it reads the log and projection positions), so the ratio is what
validating, recording a command and bringing the read models up to date adds.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import httpx

from bench.core import Result, RunConfig, benchmark, median, percentile

TOKEN = "bench-token"
ROOT = Path(__file__).resolve().parent.parent
STARTUP_SECONDS = 60.0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def serving(module: Sequence[str]) -> Iterator[str]:
    """`python -m <module…> --port PORT` in a subprocess with no DRAIS_* variables; yields its
    base URL once GET /health answers, and stops it afterwards."""
    with tempfile.TemporaryDirectory(prefix="drais-bench-http-") as tmp:
        port = free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("DRAIS_")}
        log_path = Path(tmp) / "server.log"
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", *module, "--port", str(port)],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
            try:
                url = f"http://127.0.0.1:{port}"
                _wait_ready(url, process, log_path)
                yield url
            finally:
                process.terminate()
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()


@contextmanager
def node_server() -> Iterator[str]:
    """Start a fresh node's API in a subprocess; yields its base URL."""
    with tempfile.TemporaryDirectory(prefix="drais-bench-node-") as tmp:
        data_dir = str(Path(tmp) / "node")
        with serving(["bench.http_server", "--data-dir", data_dir, "--token", TOKEN]) as url:
            yield url


def _wait_ready(url: str, process: subprocess.Popen[bytes], log_path: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the node server exited:\n{log_path.read_text(errors='replace')}")
        try:
            if httpx.get(f"{url}/health", timeout=1.0).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.05)
    raise RuntimeError(f"the node server did not answer within {STARTUP_SECONDS:.0f} s")


Request = tuple[Callable[[], httpx.Response], int]


def latency(send: Callable[[], httpx.Response], status: int) -> float:
    """Milliseconds of one request, which must answer `status`."""
    start = time.perf_counter()
    response = send()
    elapsed = (time.perf_counter() - start) * 1000
    if response.status_code != status:
        raise RuntimeError(f"{response.status_code} {response.text[:500]}")
    return elapsed


def paired_latencies(first: Request, second: Request, n: int) -> tuple[list[float], list[float]]:
    """n requests of each kind, alternating (and alternating which goes first in each pair)."""
    samples: tuple[list[float], list[float]] = ([], [])
    for i in range(n):
        order = (0, 1) if i % 2 == 0 else (1, 0)
        for k in order:
            send, status = (first, second)[k]
            samples[k].append(latency(send, status))
    return samples


@benchmark("http_command_latency")
def command_latency(config: RunConfig) -> list[Result]:
    counter = iter(range(10**9))

    with (
        node_server() as url,
        httpx.Client(
            base_url=url, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=30.0
        ) as client,
    ):

        def health() -> httpx.Response:
            return client.get("/health")

        def command() -> httpx.Response:
            body = {
                "name": f"Association Tamount {next(counter):06d}",
                "actor_type": "structure_associative",
                "role": "membre",
            }
            return client.post("/api/v1/members", json=body)

        pair: tuple[Request, Request] = ((command, 201), (health, 200))
        paired_latencies(*pair, config.request_warmup)
        p50: dict[str, list[float]] = {"health": [], "command": []}
        p99: dict[str, list[float]] = {"health": [], "command": []}
        for rep in range(config.repeats):
            commands, healths = paired_latencies(*pair, config.requests)
            for label, samples in (("command", commands), ("health", healths)):
                p50[label].append(percentile(samples, 50))
                p99[label].append(percentile(samples, 99))
            config.log(
                f"  http {rep + 1}/{config.repeats}: POST /api/v1/members p50 "
                f"{p50['command'][-1]:.2f} ms p99 {p99['command'][-1]:.2f} ms; GET /health p50 "
                f"{p50['health'][-1]:.2f} ms p99 {p99['health'][-1]:.2f} ms"
            )

    what = (
        f"{config.requests} sequential POST /api/v1/members (one uvicorn worker, keep-alive); "
        f"baseline: {config.requests} GET /health on the same server."
    )
    return [
        Result(
            f"http_command_latency_{name}",
            median(figures["command"]),
            "ms",
            median(figures["health"]),
            higher_is_better=False,
            description=f"{name} of {what}",
        )
        for name, figures in (("p50", p50), ("p99", p99))
    ]
