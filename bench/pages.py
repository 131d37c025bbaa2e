"""Page render time: the main regional and national pages with the demo's data, against GET /health.

Regional nodes are filled by `node.seeding.seed_region`, as `drais demo` fills them (one region
with --quick, three otherwise); their logs reach a federation through the real path (each node's
forwarder publishes to a nats-server, the federation's consumer verifies and projects). Then the
Souss-Massa node and the federation are each served by one uvicorn worker in a subprocess, and
a client logged into the regional UI (session cookie) requests every page one after another on
one keep-alive connection, alternating with GET /health on the same server, so both see the
same conditions. The target is absolute: p95 under 100 ms for every page.

`python -m bench.pages federation --data-dir DIR --nats-url URL --port PORT` is the federation's
server child.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import sys
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import httpx
import uvicorn

from bench.core import Result, RunConfig, benchmark, median, percentile
from bench.federation import (
    Recorded,
    admit_node,
    expected_messages,
    federation_for,
    forward_together,
    nats_server,
    node_for,
)
from bench.http_latency import TOKEN, Request, paired_latencies, serving
from bench.http_server import REGION as SERVED
from bench.node_commands import clean_environment
from federation.api import create_api
from federation.indicators import CODES
from node.projections import impact_queries
from node.seeding import seed_region

TARGET_MS = 100.0
REGIONS = {"full": ("MA-09", "MA-06", "MA-01"), "quick": ("MA-09",)}
INITIATIVES = {"full": 40, "quick": 10}  # 40: `drais demo`'s default
REQUESTS = {"full": 100, "quick": 10}  # per page and repetition


@dataclass(frozen=True)
class Page:
    name: str
    path: str
    national: bool = False


@dataclass(frozen=True)
class Seeded:
    """The stores on disk, and the records whose pages are measured."""

    directory: Path
    nats_url: str
    initiative: str
    grid: str
    study: str

    def pages(self) -> list[Page]:
        one = f"/initiatives/{self.initiative}"
        return [
            Page("dashboard", "/"),
            Page("initiatives", "/initiatives"),
            Page("initiative", one),
            Page("alliance", "/alliance"),
            Page("structures", "/structures"),
            Page("coverage", "/coverage"),
            Page("trainings", "/trainings"),
            Page("impact", "/impact"),
            Page("theory_of_change", f"{one}/theory-of-change"),
            Page("beneficiaries", f"{one}/beneficiaries"),
            Page("grid", f"/impact/grids/{self.grid}"),
            Page("study", f"/impact/studies/{self.study}"),
            Page("federation_status", "/federation"),
            Page("national_dashboard", "/", national=True),
            Page("national_indicator", f"/indicators/{CODES[0]}", national=True),
        ]


def _size(config: RunConfig) -> str:
    return "quick" if config.quick else "full"


def seed(directory: Path, nats_url: str, size: str) -> Seeded:
    """Seed every region, forward their logs to the federation, and close the stores."""
    federation = federation_for(directory, nats_url)
    nodes = []
    for region in REGIONS[size]:
        node = node_for(directory, region, nats_url)
        seed_region(node.app, initiatives=INITIATIVES[size])
        node.projector.catch_up()
        admit_node(federation, node)
        nodes.append(node)
    system = Recorded(nodes, federation, [m for n in nodes for m in expected_messages(n)])
    try:
        asyncio.run(forward_together(system))
        reads = nodes[0].stores.read_models
        return Seeded(
            directory,
            nats_url,
            initiative=impact_queries.theories(reads)[0]["initiative_id"],
            grid=impact_queries.grids(reads)[0]["id"],
            study=impact_queries.studies(reads)[0]["id"],
        )
    finally:
        system.close()


def log_in(client: httpx.Client) -> None:
    """As a browser does: the login form's CSRF token, then the form (a session cookie)."""
    form = client.get("/login").text
    found = re.search(r'name="_csrf_token" value="([^"]+)"', form)
    if found is None:
        raise RuntimeError("the login page has no CSRF field")
    answer = client.post(
        "/login",
        data={"login": "admin", "password": TOKEN, "next": "/", "_csrf_token": found.group(1)},
    )
    if answer.status_code != 303:
        raise RuntimeError(f"login refused: {answer.status_code}")


@contextmanager
def servers(seeded: Seeded) -> Iterator[tuple[httpx.Client, httpx.Client]]:
    """The Souss-Massa node (logged in) and the federation, each a server of its own."""
    region = [
        "bench.http_server",
        "--data-dir",
        str(seeded.directory / SERVED),
        "--token",
        TOKEN,
    ]
    nation = ["bench.pages", "federation", "--data-dir", str(seeded.directory)]
    nation += ["--nats-url", seeded.nats_url]
    with (
        serving(region) as region_url,
        serving(nation) as nation_url,
        httpx.Client(base_url=region_url, timeout=30.0) as regional,
        httpx.Client(base_url=nation_url, timeout=30.0) as national,
    ):
        log_in(regional)
        yield regional, national


def renders_of(client: httpx.Client, path: str, n: int) -> tuple[list[float], list[float]]:
    """Milliseconds of n GET `path` and of n GET /health, interleaved."""
    page: Request = (partial(client.get, path), 200)
    health: Request = (partial(client.get, "/health"), 200)
    return paired_latencies(page, health, n)


@benchmark("pages")
def page_render(config: RunConfig) -> list[Result]:
    size = _size(config)
    n = REQUESTS[size]
    with (
        tempfile.TemporaryDirectory(prefix="drais-bench-pages-") as tmp,
        clean_environment(),
        nats_server(Path(tmp)) as nats,
    ):
        config.log(f"  pages: seeding {len(REGIONS[size])} region(s) and forwarding them")
        seeded = seed(Path(tmp), nats.url, size)
        pages = seeded.pages()
        figures: dict[str, dict[str, list[float]]] = {
            p.name: {"p50": [], "p95": [], "health": []} for p in pages
        }
        with servers(seeded) as (regional, national):
            for rep in range(config.repeats):
                for page in pages:
                    client = national if page.national else regional
                    if rep == 0:
                        renders_of(client, page.path, max(3, n // 10))  # warm-up
                    renders, healths = renders_of(client, page.path, n)
                    found = figures[page.name]
                    found["p50"].append(percentile(renders, 50))
                    found["p95"].append(percentile(renders, 95))
                    found["health"].append(percentile(healths, 95))
                worst = max(pages, key=lambda p: figures[p.name]["p95"][-1])
                config.log(
                    f"  pages {rep + 1}/{config.repeats}: worst p95 {worst.name} "
                    f"{figures[worst.name]['p95'][-1]:.1f} ms"
                )
    return [_result(page, figures[page.name], n, size) for page in pages]


def _result(page: Page, found: dict[str, list[float]], n: int, size: str) -> Result:
    p95 = median(found["p95"])
    verdict = "met" if p95 < TARGET_MS else "NOT met"
    server = "the federation" if page.national else f"the {SERVED} node, logged in"
    regions = len(REGIONS[size])
    return Result(
        f"pages_{page.name}_p95",
        p95,
        "ms",
        median(found["health"]),
        higher_is_better=False,
        description=(
            f"p95 of {n} sequential GET {page.path} ({server}; {regions} region(s) seeded as "
            f"`drais demo` seeds them, {INITIATIVES[size]} initiatives each); baseline: p95 of "
            f"{n} GET /health on the same server, interleaved. Target p95 < {TARGET_MS:g} ms "
            f"(absolute): {verdict}; p50 {median(found['p50']):.1f} ms."
        ),
    )


def serve_federation(data_dir: Path, nats_url: str, port: int) -> None:
    federation = federation_for(data_dir, nats_url)
    try:
        uvicorn.run(
            create_api(federation, consume=False),
            host="127.0.0.1",
            port=port,
            workers=1,
            log_level="warning",
        )
    finally:
        federation.engine.dispose()


def main(argv: Sequence[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("role", choices=["federation"])
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--nats-url", required=True)
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args(argv)
    serve_federation(args.data_dir, args.nats_url, args.port)


if __name__ == "__main__":
    main(sys.argv[1:])
