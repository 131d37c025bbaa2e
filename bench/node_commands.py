"""Commands per second through the node's application against raw eventsourcing.

Both sides append to an `eventsourcing.sqlite` file of their own in a fresh temporary directory;
each repetition starts from an empty store. The node side is `NodeApplication.join_member`
(domain checks, one `Joined` event, one save); the baseline is a minimal `Application` saving a
trivial aggregate whose one created event carries the same strings.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from functools import partial
from pathlib import Path
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event

from bench.core import Result, RunConfig, benchmark, median, timed
from drais.config import NodeSettings
from node.application import NodeApplication
from node.bootstrap import build_node

REGION = "MA-09"
ACTOR_TYPE = "structure_associative"
ROLE = "membre"
BY = "bench"


class RawMember(Aggregate):
    @event("Joined")
    def __init__(self, *, name: str, actor_type: str, role: str, on: str, by: str) -> None:
        self.name = name
        self.actor_type = actor_type
        self.role = role
        self.joined_on = on
        self.by = by


class RawApplication(Application[UUID]):
    name = "BenchRaw"


def member_name(i: int) -> str:
    return f"Association Tamount {i:06d}"


@contextmanager
def clean_environment() -> Iterator[None]:
    """Hide DRAIS_* variables so the node is configured by the benchmark alone."""
    saved = {k: os.environ.pop(k) for k in list(os.environ) if k.startswith("DRAIS_")}
    try:
        yield
    finally:
        os.environ.update(saved)


@contextmanager
def node_app() -> Iterator[NodeApplication]:
    """A fresh node on SQLite files in a temporary directory."""
    with tempfile.TemporaryDirectory(prefix="drais-bench-") as tmp, clean_environment():
        node = build_node(NodeSettings(region=REGION, data_dir=Path(tmp), api_token="x"))
        try:
            yield node.app
        finally:
            node.close()


@contextmanager
def raw_app() -> Iterator[RawApplication]:
    """A minimal eventsourcing application on a SQLite file of its own."""
    with tempfile.TemporaryDirectory(prefix="drais-bench-raw-") as tmp:
        app = RawApplication(
            env={
                "PERSISTENCE_MODULE": "eventsourcing.sqlite",
                "SQLITE_DBNAME": str(Path(tmp) / "events.sqlite3"),
                "SQLITE_LOCK_TIMEOUT": "10",
            }
        )
        try:
            yield app
        finally:
            app.close()


# -- one round of n commands on each side ---------------------------------------------------


def node_single(app: NodeApplication, first: int, n: int) -> None:
    for i in range(first, first + n):
        app.join_member(name=member_name(i), actor_type=ACTOR_TYPE, role=ROLE, by=BY)


def raw_single(app: RawApplication, first: int, n: int) -> None:
    today = date.today().isoformat()
    for i in range(first, first + n):
        app.save(RawMember(name=member_name(i), actor_type=ACTOR_TYPE, role=ROLE, on=today, by=BY))


def node_batched(app: NodeApplication, first: int, n: int, size: int) -> None:
    for start in range(first, first + n, size):
        with app.batch():
            for i in range(start, min(start + size, first + n)):
                app.join_member(name=member_name(i), actor_type=ACTOR_TYPE, role=ROLE, by=BY)


def raw_batched(app: RawApplication, first: int, n: int, size: int) -> None:
    today = date.today().isoformat()
    for start in range(first, first + n, size):
        app.save(
            *(
                RawMember(name=member_name(i), actor_type=ACTOR_TYPE, role=ROLE, on=today, by=BY)
                for i in range(start, min(start + size, first + n))
            )
        )


# -- measurement ----------------------------------------------------------------------------

Round = Callable[[int, int], None]


def paired_seconds(node: Round, raw: Round, first: int, n: int, chunk: int) -> tuple[float, float]:
    """Seconds each side spends on commands first…first+n, run in alternating chunks.

    Interleaving makes both sides share whatever else the machine is doing meanwhile, so the
    ratio holds even when the absolute rates drift.
    """
    spent = {"node": 0.0, "raw": 0.0}
    sides = [("node", node), ("raw", raw)]
    done = 0
    while done < n:
        size = min(chunk, n - done)
        for label, run in sides:
            spent[label] += timed(run, first + done, size)
        sides.reverse()
        done += size
    return spent["node"], spent["raw"]


def compare(config: RunConfig, label: str, batch_size: int | None) -> tuple[float, float]:
    """Median node and baseline rates over the repetitions, each on fresh stores."""
    n = config.commands
    if batch_size is None:
        warmup, chunk = config.command_warmup, max(1, min(100, n // 10))
    else:
        warmup, chunk = batch_size, batch_size
    node_rates: list[float] = []
    raw_rates: list[float] = []
    for rep in range(config.repeats):
        with node_app() as node, raw_app() as raw:
            if batch_size is None:
                node_run: Round = partial(node_single, node)
                raw_run: Round = partial(raw_single, raw)
            else:
                node_run = partial(node_batched, node, size=batch_size)
                raw_run = partial(raw_batched, raw, size=batch_size)
            node_run(0, warmup)
            raw_run(0, warmup)
            node_seconds, raw_seconds = paired_seconds(node_run, raw_run, warmup, n, chunk)
        node_rates.append(n / node_seconds)
        raw_rates.append(n / raw_seconds)
        config.log(
            f"  {label} {rep + 1}/{config.repeats}: node {node_rates[-1]:,.0f} cmd/s, "
            f"baseline {raw_rates[-1]:,.0f} cmd/s"
        )
    return median(node_rates), median(raw_rates)


@benchmark("node_commands_single")
def commands_single(config: RunConfig) -> Result:
    node, raw = compare(config, "single", None)
    return Result(
        "node_commands_single",
        node,
        "commands/s",
        raw,
        target=0.8,
        description=(
            f"{config.commands} `join_member` calls, one save each, on a fresh SQLite node; "
            "baseline: raw eventsourcing `app.save(aggregate)` of a one-event aggregate."
        ),
    )


@benchmark("node_commands_batched")
def commands_batched(config: RunConfig) -> Result:
    node, raw = compare(config, f"batched×{config.batch_size}", config.batch_size)
    return Result(
        "node_commands_batched",
        node,
        "commands/s",
        raw,
        target=0.7,
        description=(
            f"{config.commands} `join_member` calls in `app.batch()` blocks of "
            f"{config.batch_size}; baseline: raw eventsourcing `app.save(*aggregates)` of "
            f"{config.batch_size} aggregates."
        ),
    )
