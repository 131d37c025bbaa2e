"""Regions to nation over a real nats-server, and the national rebuild, against raw baselines.

`federation_throughput`: events recorded beforehand on three nodes (member joins and
initiative registrations through `NodeApplication`); with the clock running, each node's
`Forwarder`, each node in a child process of its own as deployed, derives, seals and publishes
them and the `Federation` in this process consumes them (verify, append to the national log,
project, ack) until its counters show every one applied. Baseline: one child per region
publishing the same message bodies raw (nats-py `publish_async` into a fresh stream, in batches
of the forwarder's size) while a durable pull consumer here fetches and acks them in batches of
the consumer's.

`federation_lag_*`: twelve nodes in one child process, each recording member joins at a steady
rate through `NodeApplication` and poking its forwarder as the API does; the federation's
consumer in this process. For each event, the time from the node's commit to the commit of the
national transaction that put it in the national log and the projections. Baseline: the same
schedule published raw by a child process through the same server, fetched and acked here.

`federation_rebuild*`: `Federation.rebuild_projections()` (`projections.rebuild_from_log`)
over a national log of valid, chained, signed messages written directly into a SQLite file
(a mix of event types from four regions), in a fresh process so its peak memory is its own.
Baseline: reading the same rows in the same pages and JSON-decoding each body.

Each repetition starts from a fresh nats-server (on a free port) and fresh stores; the node
side and its baseline alternate which goes first. The children are this module:
`python -m bench.federation rebuild|decode|throughput-node|throughput-raw|lag-nodes|lag-raw …`
(see `main`).
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import inspect
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from asyncio.subprocess import PIPE
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import nats
from nacl.signing import SigningKey
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.js.errors import FetchTimeoutError
from sqlalchemy import Engine, func, insert, select

from bench.core import Result, RunConfig, benchmark, median, percentile
from bench.node_commands import clean_environment
from drais import territory
from drais.config import FederationSettings, NodeSettings
from drais.keys import RegionKeys
from drais.nats_server import NatsServer
from drais.vocabulary import (
    AccompanimentOutcome,
    ActorType,
    FundingInstrument,
    Gender,
    Phase,
    Role,
    ServiceType,
    StructureKind,
    Theme,
)
from federation import contract, projections
from federation.admission import RegionCard, admit
from federation.consumer import FETCH_SECONDS, Consumer, Verdict, durable_config
from federation.service import Federation, open_federation
from federation.store import national_log
from federation.stream import StreamSettings, ensure_stream
from node.application import Identity, NodeApplication
from node.bootstrap import Node, build_node
from node.forwarder.outbox import Chain, Message, Outbox, derive
from node.forwarder.privacy import Shared
from node.forwarder.publisher import Forwarder

ROOT = Path(__file__).resolve().parent.parent

THROUGHPUT_REGIONS = ("MA-09", "MA-06", "MA-01")
THROUGHPUT_EVENTS = {"full": 6000, "quick": 300}
THROUGHPUT_TARGET = 0.5

LAG_RATE = 50.0  # events per second and region
LAG_SECONDS = {"full": 10.0, "quick": 2.0}
LAG_WARMUP_SECONDS = {"full": 1.0, "quick": 0.5}  # recorded first, not counted
LAG_TARGET_MS = 1000.0  # p99, absolute

REBUILD_EVENTS = {"full": 1_000_000, "quick": 20_000}
REBUILD_REGIONS = ("MA-06", "MA-09", "MA-01", "MA-11")
REBUILD_TARGET = 20_000.0  # events per second, absolute
REBUILD_PAGE = projections.PAGE

# The product's own batch sizes, read from its defaults so the baselines follow them.
PUBLISH_BATCH: int = inspect.signature(Forwarder).parameters["batch"].default
OUTBOX_BATCH: int = inspect.signature(Outbox).parameters["batch"].default
FETCH_BATCH: int = inspect.signature(Consumer).parameters["batch"].default
WAIT_SECONDS = 300.0  # give up on a round that does not finish


def _size(config: RunConfig) -> str:
    return "quick" if config.quick else "full"


# -- shared set-up --------------------------------------------------------------------------


@contextlib.contextmanager
def nats_server(directory: Path) -> Iterator[NatsServer]:
    """A fresh nats-server with JetStream on a free port (never 4222), stopped afterwards."""
    with NatsServer(directory / "nats") as server:
        yield server


def node_for(directory: Path, region: str, url: str) -> Node:
    return build_node(
        NodeSettings(region=region, data_dir=directory / region, api_token="x", nats_url=url)
    )


def federation_for(directory: Path, url: str) -> Federation:
    return open_federation(FederationSettings(data_dir=directory / "national", nats_url=url))


def card_of(node: Node) -> RegionCard:
    """The region's public card, as `drais region init` prints it."""
    return RegionCard(
        region=node.settings.region,
        name=node.settings.region_name,
        verify_key=node.outbox.keys.public_hex(),
    )


def admit_node(federation: Federation, node: Node) -> None:
    admit(federation.engine, card_of(node))


def raw_subject(subject: str, round_no: int) -> str:
    """`drais.v1.…` as `rawNN.v1.…`: same length, in a stream of the baseline's own."""
    return f"raw{round_no:02d}{subject.removeprefix(contract.SUBJECT_PREFIX.split('.')[0])}"


async def raw_subscription(nc: Client, round_no: int) -> Any:
    """A fresh stream configured like the national one, and a durable pull consumer on it."""
    js = nc.jetstream()
    prefix = f"raw{round_no:02d}"
    settings = StreamSettings(name=f"RAW{round_no:02d}", subjects=(f"{prefix}.>",))
    await ensure_stream(js, settings)
    return await js.pull_subscribe(
        f"{prefix}.>",
        durable="raw",
        stream=settings.name,
        config=durable_config("raw", f"{prefix}.>"),
    )


async def fetch(subscription: Any) -> list[Msg]:
    """One nats-py fetch of the consumer's batch; none when the expiry passed empty."""
    try:
        messages: list[Msg] = await subscription.fetch(FETCH_BATCH, timeout=FETCH_SECONDS)
    except (FetchTimeoutError, TimeoutError):
        return []
    return messages


async def wait_until(condition: Callable[[], bool], what: str, interval: float = 0.001) -> None:
    deadline = time.perf_counter() + WAIT_SECONDS
    while not condition():
        if time.perf_counter() > deadline:
            raise RuntimeError(f"{what} did not happen within {WAIT_SECONDS:.0f} s")
        await asyncio.sleep(interval)


async def stop_tasks(stop: asyncio.Event, tasks: Sequence[asyncio.Task[None]]) -> None:
    stop.set()
    for task in tasks:
        await asyncio.wait_for(task, 30)


def national_count(federation: Federation) -> int:
    with federation.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(national_log)).scalar_one())


class Sender:
    """A sending child: started, its cards read, told to go, its record read back."""

    def __init__(self, *argv: str, log: Path) -> None:
        self.argv = [sys.executable, "-m", "bench.federation", *argv]
        self.log = log
        self.process: asyncio.subprocess.Process | None = None

    async def start(self) -> list[dict[str, Any]]:
        """Start the child; its first line: what it is ready with (JSON)."""
        with self.log.open("wb") as log:
            self.process = await asyncio.create_subprocess_exec(
                *self.argv, cwd=ROOT, stdin=PIPE, stdout=PIPE, stderr=log, limit=2**26
            )
        cards: list[dict[str, Any]] = json.loads(await self._line())
        return cards

    async def signal(self) -> None:
        """Tell the child to go."""
        assert self.process is not None and self.process.stdin is not None
        self.process.stdin.write(b"go\n")
        await self.process.stdin.drain()

    async def result(self) -> str:
        """The child's last line, once it exited."""
        line = await self._line()
        assert self.process is not None
        await self.process.wait()
        return line

    async def go(self) -> Sent:
        await self.signal()
        return Sent.loads(await self.result())

    async def _line(self) -> str:
        assert self.process is not None and self.process.stdout is not None
        line = await asyncio.wait_for(self.process.stdout.readline(), WAIT_SECONDS)
        if not line:
            await self.process.wait()
            raise RuntimeError(
                f"{' '.join(self.argv[2:])} exited with {self.process.returncode}:\n"
                + self.log.read_text(errors="replace")[-3000:]
            )
        return line.decode()

    async def stop(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.kill()
            await self.process.wait()


# -- 1. end-to-end throughput ---------------------------------------------------------------


def record_events(app: NodeApplication, n: int, batch: int = 100) -> None:
    """n commands, alternately a member join and an initiative registration (one shared
    message each), in atomic batches."""
    provinces = [p.code for p in territory.provinces_of(app.region)]
    for start in range(0, n, batch):
        with app.batch():
            for i in range(start, min(start + batch, n)):
                if i % 2 == 0:
                    app.join_member(
                        name=f"Association Tamount {i:06d}",
                        actor_type=ActorType.STRUCTURE_ASSOCIATIVE.value,
                        role=Role.MEMBRE.value,
                        by="bench",
                    )
                else:
                    app.register_initiative(
                        name=f"Coopérative {i:06d}",
                        theme=Theme.AGRICULTURE_SOLIDAIRE.value,
                        province=provinces[i % len(provinces)],
                        phase=Phase.IDEATION.value,
                        holder=Identity(f"Porteur {i:06d}", cin=f"JB{i:06d}", phone=""),
                        holder_gender=Gender.F.value if i % 4 == 1 else Gender.M.value,
                        holder_birth_year=1970 + i % 40,
                        by="bench",
                    )


def expected_messages(node: Node) -> list[Message]:
    """What the node's outbox will send, derived from scratch (byte-identical by design)."""
    app = node.app
    events = (
        app.mapper.to_domain_event(notification)
        for notification in app.recorder.select_notifications(start=1, limit=10**9)
    )
    return list(derive(events, node.outbox.keys, node.outbox.k))


@dataclass
class Recorded:
    """Nodes with their events recorded, and a federation that admitted them, not running."""

    nodes: list[Node]
    federation: Federation
    messages: list[Message]

    def close(self) -> None:
        for node in self.nodes:
            node.close()
        self.federation.engine.dispose()


def recorded(directory: Path, url: str, n: int) -> Recorded:
    federation = federation_for(directory, url)
    nodes: list[Node] = []
    messages: list[Message] = []
    share = [n // len(THROUGHPUT_REGIONS)] * len(THROUGHPUT_REGIONS)
    share[0] += n - sum(share)
    for region, count in zip(THROUGHPUT_REGIONS, share, strict=True):
        node = node_for(directory, region, url)
        record_events(node.app, count)
        found = expected_messages(node)
        if len(found) != count:
            raise RuntimeError(f"{region}: {count} commands gave {len(found)} messages")
        messages += found
        admit_node(federation, node)
        nodes.append(node)
    return Recorded(nodes, federation, messages)


async def forward_together(system: Recorded) -> None:
    """Every recorded message forwarded and applied, the forwarders and the federation in
    this process (for benchmarks that need the national side filled, not timed)."""
    federation, total = system.federation, len(system.messages)
    stop = asyncio.Event()
    tasks = [await consuming(federation, stop)]
    tasks += [asyncio.create_task(node.forwarder.run(stop)) for node in system.nodes]
    await wait_until(lambda: federation.counters.applied >= total, "the national log filling")
    await stop_tasks(stop, tasks)
    check_national_log(system)


async def consuming(federation: Federation, stop: asyncio.Event) -> asyncio.Task[None]:
    """The federation consuming (until `stop`), once it is connected."""
    task = asyncio.create_task(federation.consume(stop))
    await wait_until(lambda: federation.connected, "the federation's connection")
    return task


def check_national_log(system: Recorded) -> None:
    federation = system.federation
    if national_count(federation) != len(system.messages) or federation.counters.dead_letter:
        raise RuntimeError("the national log does not hold exactly the recorded events")


def by_region(messages: Sequence[Message]) -> dict[str, list[Message]]:
    found: dict[str, list[Message]] = {}
    for message in messages:
        found.setdefault(message.subject.split(".")[2], []).append(message)
    return found


@dataclass
class Spent:
    """A timed side: its seconds, and the CPU seconds each process spent meanwhile."""

    seconds: float
    senders: float  # the sending children together, from "go" until each was done
    receiver: float  # this process (the consumer), from "go" until `done()`
    server: float = 0.0  # the nats-server


def process_cpu(pid: int | None = None) -> float:
    """CPU seconds (user and system) a process spent so far; this one without `pid`."""
    if pid is None:
        return time.process_time()
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def timed(senders: Sequence[Sender], done: Callable[[], bool], what: str) -> Spent:
    """Start the sending children, wait until each is ready, tell them all to go at once;
    the time from "go" until `done()`, once every child reported (its CPU seconds, the
    `cpu` of its last line)."""
    try:
        for sender in senders:
            await sender.start()
        gc.collect()
        start, cpu = time.perf_counter(), process_cpu()
        for sender in senders:
            await sender.signal()
        await wait_until(done, what, 0.005)
        elapsed, cpu = time.perf_counter() - start, process_cpu() - cpu
        children = [json.loads(await sender.result())["cpu"] for sender in senders]
    finally:
        for sender in senders:
            await sender.stop()
    return Spent(elapsed, sum(children), cpu)


async def on_server(server: NatsServer, side: Awaitable[Spent]) -> Spent:
    """`side`, with the CPU seconds the nats-server spent meanwhile."""
    before = process_cpu(server.pid)
    spent = await side
    spent.server = process_cpu(server.pid) - before
    return spent


async def node_throughput(system: Recorded, directory: Path, url: str) -> Spent:
    """The time, and the CPU spent, from telling each region's node (its own process) to
    forward until the federation (this process) applied every message."""
    federation, total = system.federation, len(system.messages)
    stop = asyncio.Event()
    consumer = await consuming(federation, stop)
    senders = [
        Sender(
            "throughput-node",
            url,
            str(directory),
            region,
            str(len(messages)),
            log=directory / f"{region}.log",
        )
        for region, messages in by_region(system.messages).items()
    ]
    spent = await timed(
        senders, lambda: federation.counters.applied >= total, "the national log filling"
    )
    await stop_tasks(stop, [consumer])
    check_national_log(system)
    return spent


def forward_node(url: str, directory: Path, region: str, expected: int) -> None:
    """Child: a region's node, its forwarder started on "go" and run until the stream
    acknowledged its `expected` messages."""
    with clean_environment():
        node = node_for(directory, region, url)
        try:
            print("[]", flush=True)
            sys.stdin.readline()
            gc.collect()
            gc.freeze()
            cpu = process_cpu()
            asyncio.run(forward_until(node, expected))
            print(json.dumps({"forwarded": expected, "cpu": process_cpu() - cpu}), flush=True)
        finally:
            node.close()


async def forward_until(node: Node, expected: int) -> None:
    stop = asyncio.Event()
    forwarding = asyncio.create_task(node.forwarder.run(stop))
    await wait_until(lambda: node.forwarder.forwarded_seq >= expected, "the node forwarding", 0.02)
    await stop_tasks(stop, [forwarding])


async def raw_throughput(
    directory: Path, url: str, messages: Sequence[Message], round_no: int
) -> Spent:
    """The time, and the CPU spent, from telling a raw publisher per region (each its own
    process) to publish its messages until a raw pull consumer here fetched and acked them
    all."""
    listener = await nats.connect(url)
    received = 0
    stop = asyncio.Event()
    try:
        subscription = await raw_subscription(listener, round_no)

        async def consume() -> None:
            nonlocal received
            while not stop.is_set():
                batch = await fetch(subscription)
                for message in batch:
                    await message.ack()
                received += len(batch)

        senders = []
        for region, sent in by_region(messages).items():
            bodies = directory / f"raw-{region}.jsonl"
            bodies.write_text(
                "".join(
                    json.dumps([raw_subject(m.subject, round_no), m.body.decode(), m.msg_id]) + "\n"
                    for m in sent
                )
            )
            senders.append(
                Sender("throughput-raw", url, str(bodies), log=directory / f"raw-{region}.log")
            )
        consuming = asyncio.create_task(consume())
        spent = await timed(
            senders, lambda: received >= len(messages), "the raw consumer receiving"
        )
        await stop_tasks(stop, [consuming])
    finally:
        await listener.close()
    return spent


def publish_raw(url: str, bodies: Path) -> None:
    """Child: on "go", publish the file's messages raw, then say how many."""
    outgoing = [tuple(json.loads(line)) for line in bodies.read_text().splitlines()]
    print("[]", flush=True)
    sys.stdin.readline()
    gc.collect()
    gc.freeze()
    cpu = process_cpu()
    asyncio.run(publish_batches(url, outgoing))
    print(json.dumps({"published": len(outgoing), "cpu": process_cpu() - cpu}), flush=True)


async def publish_batches(url: str, outgoing: Sequence[tuple[str, str, str]]) -> None:
    """`publish_async` in batches of the forwarder's size, each batch's acks awaited."""
    nc = await nats.connect(url)
    try:
        js = nc.jetstream()
        for first in range(0, len(outgoing), PUBLISH_BATCH):
            futures = [
                await js.publish_async(subject, body.encode(), headers={"Nats-Msg-Id": msg_id})
                for subject, body, msg_id in outgoing[first : first + PUBLISH_BATCH]
            ]
            await asyncio.gather(*futures)
    finally:
        await nc.close()


def throughput_round(n: int, node_first: bool, round_no: int) -> tuple[Spent, Spent]:
    """The node side and its baseline, on one fresh server, in the order given."""
    with tempfile.TemporaryDirectory(prefix="drais-bench-fed-") as tmp, clean_environment():
        directory = Path(tmp)
        with nats_server(directory) as server:
            system = recorded(directory, server.url, n)
            for node in system.nodes:  # each is opened again by its own process
                node.close()
            try:

                async def both() -> tuple[Spent, Spent]:
                    spent: dict[str, Spent] = {}
                    sides: list[tuple[str, Callable[[], Awaitable[Spent]]]] = [
                        ("node", lambda: node_throughput(system, directory, server.url)),
                        (
                            "raw",
                            lambda: raw_throughput(
                                directory, server.url, system.messages, round_no
                            ),
                        ),
                    ]
                    for label, run in sides if node_first else reversed(sides):
                        spent[label] = await on_server(server, run())
                    return spent["node"], spent["raw"]

                return asyncio.run(both())
            finally:
                system.federation.engine.dispose()


def cpu_split(n: int, rounds: Sequence[Spent]) -> str:
    """Median CPU milliseconds per 1,000 events, by process."""
    per_k = 1000 / n * 1000

    def ms(part: Callable[[Spent], float]) -> str:
        return f"{median([part(spent) for spent in rounds]) * per_k:,.0f}"

    return (
        f"senders {ms(lambda s: s.senders)}, receiver {ms(lambda s: s.receiver)}, "
        f"nats-server {ms(lambda s: s.server)}"
    )


@benchmark("federation_throughput")
def throughput(config: RunConfig) -> Result:
    n = THROUGHPUT_EVENTS[_size(config)]
    repeats = 2 * config.repeats - 1  # odd: one repetition holds the median ratio
    throughput_round(max(30, n // 10), True, 0)  # warm-up, not counted
    rounds: list[tuple[Spent, Spent]] = []
    for rep in range(repeats):
        node, raw = throughput_round(n, rep % 2 == 0, rep + 1)
        rounds.append((node, raw))
        config.log(
            f"  throughput {rep + 1}/{repeats}: node→nation {n / node.seconds:,.0f} "
            f"events/s (CPU s: nodes {node.senders:.2f}, federation {node.receiver:.2f}, "
            f"server {node.server:.2f}), raw publish+consume {n / raw.seconds:,.0f} msg/s "
            f"(CPU s: publishers {raw.senders:.2f}, consumer {raw.receiver:.2f}, "
            f"server {raw.server:.2f}), ratio {raw.seconds / node.seconds:.2f}"
        )
    ratios = [raw.seconds / node.seconds for node, raw in rounds]
    node, raw = sorted(rounds, key=lambda pair: pair[1].seconds / pair[0].seconds)[repeats // 2]
    return Result(
        "federation_throughput",
        n / node.seconds,
        "events/s",
        n / raw.seconds,
        target=THROUGHPUT_TARGET,
        description=(
            f"{n} events recorded beforehand on {len(THROUGHPUT_REGIONS)} nodes (half member "
            "joins, half initiative registrations, one message each). Each node runs in its "
            "own process and the federation in the benchmark's, as deployed; the clock runs "
            "from telling the ready nodes to go until the federation applied every event. "
            f"Each node's forwarder connects, then in turn derives and seals {OUTBOX_BATCH} log "
            f"notifications and publishes what is sealed, pipelined (at most {PUBLISH_BATCH} "
            "at once, every ack awaited, counted by one subscription); the `Federation` "
            f"consumer pulls {FETCH_BATCH} at a time through a subscription of its own, on an "
            "event loop of its own, verifies them "
            "(one signature per region and batch, the chain for the rest), appends them to "
            "the national log, projects them and advances the regions in one transaction per "
            "batch, then acks. Baseline: the same message bodies published raw by one process "
            f"per region (connect, nats-py's `publish_async` in batches of {PUBLISH_BATCH}, acks "
            "awaited, same `Nats-Msg-Id` headers) into a fresh stream configured like the "
            f"national one, fetched (nats-py's `fetch`, {FETCH_BATCH}) and acked by a durable "
            "pull consumer in the benchmark's "
            f"process, the clock from go until the last ack. {repeats} repetitions, each on a "
            "fresh nats-server with its two sides back to back (in alternating order), so "
            "that a slow spell of this shared machine weighs on both; the figures are those "
            "of the repetition with the median ratio (ratios per repetition: "
            f"{', '.join(f'{ratio:.2f}' for ratio in ratios)}). With two cores shared by "
            "every process, the rate follows the CPU the whole system spends; median CPU ms "
            f"per 1,000 events, node side: {cpu_split(n, [pair[0] for pair in rounds])}; "
            f"baseline: {cpu_split(n, [pair[1] for pair in rounds])}."
        ),
    )


# -- 2. lag ---------------------------------------------------------------------------------


def stamp() -> float:
    """Seconds on the system-wide monotonic clock: comparable between this machine's
    processes, which is what the lag's two ends are."""
    return time.clock_gettime(time.CLOCK_MONOTONIC)


class StampingConsumer(Consumer):
    """The federation's consumer, noting when each applied message's transaction committed."""

    def __init__(self, *args: Any, arrived: dict[tuple[str, int], float], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.arrived = arrived

    def _judge_all(self, messages: list[Msg]) -> list[Verdict]:
        verdicts = super()._judge_all(messages)
        now = stamp()  # the batch's transaction has just committed
        for message, verdict in zip(messages, verdicts, strict=True):
            if verdict.outcome == "applied":
                self.arrived.setdefault(message_key(message), now)
        return verdicts


def message_key(message: Msg) -> tuple[str, int]:
    region, seq = str((message.headers or {})["Nats-Msg-Id"]).rsplit(":", 1)
    return region, int(seq)


@dataclass(frozen=True)
class Schedule:
    """Events at a steady rate per region, the regions staggered evenly."""

    regions: tuple[str, ...]
    rate: float
    seconds: float
    warmup: float

    @property
    def total(self) -> int:
        return round((self.warmup + self.seconds) * self.rate) * len(self.regions)

    @property
    def interval(self) -> float:
        return 1.0 / (self.rate * len(self.regions))

    def counted(self, i: int) -> bool:
        return i * self.interval >= self.warmup

    async def pace(self, start: float, i: int) -> str:
        """Wait for event i's moment; returns its region."""
        delay = start + i * self.interval - stamp()
        if delay > 0:
            await asyncio.sleep(delay)
        return self.regions[i % len(self.regions)]

    def argv(self) -> list[str]:
        return [",".join(self.regions), str(self.rate), str(self.seconds), str(self.warmup)]

    @classmethod
    def parse(cls, argv: Sequence[str]) -> Schedule:
        regions, rate, seconds, warmup = argv
        return cls(tuple(regions.split(",")), float(rate), float(seconds), float(warmup))


@dataclass
class Sent:
    """The sending side's record: when each (region, seq) was committed or published."""

    at: dict[tuple[str, int], float] = field(default_factory=dict)
    counted: set[tuple[str, int]] = field(default_factory=set)
    rate: float = 0.0

    def note(self, schedule: Schedule, i: int, key: tuple[str, int]) -> None:
        self.at[key] = stamp()
        if schedule.counted(i):
            self.counted.add(key)

    def dumps(self) -> str:
        at = [[region, seq, moment] for (region, seq), moment in self.at.items()]
        counted = [[region, seq] for region, seq in self.counted]
        return json.dumps({"at": at, "counted": counted, "rate": self.rate})

    @classmethod
    def loads(cls, text: str) -> Sent:
        data = json.loads(text)
        return cls(
            {(region, seq): moment for region, seq, moment in data["at"]},
            {(region, seq) for region, seq in data["counted"]},
            data["rate"],
        )


@dataclass
class Lags:
    sent: Sent
    arrived: dict[tuple[str, int], float]

    def milliseconds(self) -> list[float]:
        return [(self.arrived[key] - self.sent.at[key]) * 1000 for key in self.sent.counted]


# The sending sides run in a child process (`python -m bench.federation lag-nodes|lag-raw`),
# the receiving sides here: a region's node and the federation never share an interpreter in
# production, and with one GIL between them 600 events/s starve both.


async def record_steadily(nodes: dict[str, Node], schedule: Schedule) -> Sent:
    """The regions' users: member joins at the schedule's pace, each committed then poked
    (as the API does after a command); returns once every node forwarded everything."""
    sent = Sent()
    seqs = dict.fromkeys(schedule.regions, 0)
    stop = asyncio.Event()
    tasks = [asyncio.create_task(node.forwarder.run(stop)) for node in nodes.values()]
    await wait_until(lambda: all(n.forwarder.connected for n in nodes.values()), "connecting")
    gc.collect()
    start = stamp()
    for i in range(schedule.total):
        region = await schedule.pace(start, i)
        node = nodes[region]
        node.app.join_member(
            name=f"Association {region} {i:06d}",
            actor_type=ActorType.STRUCTURE_ASSOCIATIVE.value,
            role=Role.MEMBRE.value,
            by="bench",
        )
        seqs[region] += 1
        sent.note(schedule, i, (region, seqs[region]))
        node.forwarder.poke()
    sent.rate = schedule.total / (stamp() - start)

    def forwarded() -> bool:
        return all(nodes[r].forwarder.forwarded_seq == seqs[r] for r in nodes)

    await wait_until(forwarded, "the nodes forwarding", 0.02)
    await stop_tasks(stop, tasks)
    return sent


def lag_nodes(url: str, directory: Path, schedule: Schedule) -> None:
    """Child: build the nodes, print their cards, record on "go", print what was sent."""
    with clean_environment():
        nodes = {region: node_for(directory, region, url) for region in schedule.regions}
        try:
            cards = [card_of(node).model_dump(mode="json") for node in nodes.values()]
            print(json.dumps(cards), flush=True)
            sys.stdin.readline()
            gc.collect()
            gc.freeze()
            sent = asyncio.run(record_steadily(nodes, schedule))
            print(sent.dumps(), flush=True)
        finally:
            for node in nodes.values():
                node.close()


def sample_bodies(regions: Sequence[str]) -> dict[str, list[Message]]:
    """Member-join messages as a node seals them, a few per region, for the raw side."""
    bodies: dict[str, list[Message]] = {}
    for region in regions:
        keys = RegionKeys(region, random.randbytes(32), SigningKey.generate())
        chain = Chain(keys)
        bodies[region] = [
            chain.seal(
                Shared(
                    "member.joined",
                    datetime.now(UTC).strftime("%Y-%m"),
                    f"{random.getrandbits(128):032x}",
                    {
                        "name": f"Association {region} {i:06d}",
                        "actor_type": ActorType.STRUCTURE_ASSOCIATIVE.value,
                        "role": Role.MEMBRE.value,
                    },
                )
            )
            for i in range(16)
        ]
    return bodies


async def publish_steadily(url: str, schedule: Schedule, round_no: int) -> Sent:
    """The baseline's sender: raw `publish_async` at the schedule's pace, acks gathered."""
    bodies = sample_bodies(schedule.regions)
    sent = Sent()
    seqs = dict.fromkeys(schedule.regions, 0)
    nc = await nats.connect(url)
    try:
        js = nc.jetstream()
        futures = []
        gc.collect()
        start = stamp()
        for i in range(schedule.total):
            region = await schedule.pace(start, i)
            seqs[region] += 1
            sample = bodies[region][seqs[region] % len(bodies[region])]
            sent.note(schedule, i, (region, seqs[region]))
            futures.append(
                await js.publish_async(
                    raw_subject(sample.subject, round_no),
                    sample.body,
                    headers={"Nats-Msg-Id": contract.msg_id(region, seqs[region])},
                )
            )
        sent.rate = schedule.total / (stamp() - start)
        await asyncio.gather(*futures)
    finally:
        await nc.close()
    return sent


def lag_raw(url: str, schedule: Schedule, round_no: int) -> None:
    """Child: on "go", publish raw at the schedule's pace, then print what was sent."""
    print("[]", flush=True)
    sys.stdin.readline()
    gc.collect()
    gc.freeze()
    print(asyncio.run(publish_steadily(url, schedule, round_no)).dumps(), flush=True)


async def node_lag(directory: Path, url: str, schedule: Schedule) -> Lags:
    """The federation here, twelve nodes in a child: lag from node commit to national commit."""
    federation = federation_for(directory, url)
    sender = Sender(
        "lag-nodes", url, str(directory / "nodes"), *schedule.argv(), log=directory / "nodes.log"
    )
    arrived: dict[tuple[str, int], float] = {}
    stop = asyncio.Event()
    nc = await nats.connect(url)
    try:
        for card in await sender.start():
            admit(federation.engine, RegionCard.model_validate(card))
        await ensure_stream(nc.jetstream())
        consumer = StampingConsumer(federation.engine, nc, arrived=arrived)
        consuming = asyncio.create_task(consumer.run(stop))
        gc.collect()
        sent = await sender.go()
        await wait_until(lambda: len(arrived) >= len(sent.at), "the national log filling")
        await stop_tasks(stop, [consuming])
        if national_count(federation) != schedule.total or len(sent.at) != schedule.total:
            raise RuntimeError("the national log does not hold exactly the recorded events")
    finally:
        await sender.stop()
        await nc.close()
        federation.engine.dispose()
    return Lags(sent, arrived)


async def raw_lag(directory: Path, url: str, schedule: Schedule, round_no: int) -> Lags:
    """The same rate through the same server: published raw by a child, fetched and acked
    here, stamped once the batch's acks are sent."""
    sender = Sender("lag-raw", url, str(round_no), *schedule.argv(), log=directory / "raw.log")
    arrived: dict[tuple[str, int], float] = {}
    stop = asyncio.Event()
    listener = await nats.connect(url)
    try:
        subscription = await raw_subscription(listener, round_no)

        async def consume() -> None:
            while not stop.is_set():
                batch = await fetch(subscription)
                for message in batch:
                    await message.ack()
                now = stamp()
                for message in batch:
                    arrived.setdefault(message_key(message), now)

        await sender.start()
        consuming = asyncio.create_task(consume())
        gc.collect()
        sent = await sender.go()
        await wait_until(lambda: len(arrived) >= len(sent.at), "the raw consumer receiving")
        await stop_tasks(stop, [consuming])
    finally:
        await sender.stop()
        await listener.close()
    return Lags(sent, arrived)


def lag_round(schedule: Schedule, node_first: bool, round_no: int) -> tuple[Lags, Lags]:
    with tempfile.TemporaryDirectory(prefix="drais-bench-lag-") as tmp, clean_environment():
        directory = Path(tmp)
        with nats_server(directory) as server:

            async def both() -> tuple[Lags, Lags]:
                found: dict[str, Lags] = {}
                sides: list[tuple[str, Callable[[], Awaitable[Lags]]]] = [
                    ("node", lambda: node_lag(directory, server.url, schedule)),
                    ("raw", lambda: raw_lag(directory, server.url, schedule, round_no)),
                ]
                for label, run in sides if node_first else reversed(sides):
                    found[label] = await run()
                return found["node"], found["raw"]

            return asyncio.run(both())


@benchmark("federation_lag")
def lag(config: RunConfig) -> list[Result]:
    regions = tuple(territory.regions())
    size = _size(config)
    schedule = Schedule(regions, LAG_RATE, LAG_SECONDS[size], LAG_WARMUP_SECONDS[size])
    figures: dict[str, dict[str, list[float]]] = {
        "p50": {"node": [], "raw": []},
        "p99": {"node": [], "raw": []},
    }
    rates: list[float] = []
    for rep in range(config.repeats):
        node, raw = lag_round(schedule, rep % 2 == 0, rep + 1)
        rates.append(node.sent.rate)
        for label, lags in (("node", node), ("raw", raw)):
            samples = lags.milliseconds()
            figures["p50"][label].append(percentile(samples, 50))
            figures["p99"][label].append(percentile(samples, 99))
        config.log(
            f"  lag {rep + 1}/{config.repeats}: node→nation p50 {figures['p50']['node'][-1]:.1f} "
            f"ms p99 {figures['p99']['node'][-1]:.1f} ms (recorded at {node.sent.rate:,.0f}"
            f"/s); raw p50 {figures['p50']['raw'][-1]:.1f} ms p99 "
            f"{figures['p99']['raw'][-1]:.1f} ms"
        )
    p99 = median(figures["p99"]["node"])
    verdict = "met" if p99 < LAG_TARGET_MS else "**not met**"
    each = ", ".join(f"{value:,.0f}" for value in figures["p99"]["node"])
    what = (
        f"{len(regions)} nodes in one child process, each recording {LAG_RATE:g} member "
        f"joins/s ({LAG_RATE * len(regions):g}/s in all, staggered; achieved "
        f"{min(rates):,.0f}/s or more) for {schedule.seconds:g} s after {schedule.warmup:g} s "
        "not counted, through `NodeApplication.join_member` then `forwarder.poke()` as the API "
        "does, forwarders at their defaults (the twelve share one interpreter here, where "
        "in production each node has its own); the federation's `Consumer` in the benchmark "
        "process. Lag: from the node's commit returning to the commit of the national "
        "transaction holding the event (stamped when `Consumer._judge_all` returns), both "
        "read on the system-wide monotonic clock (µs resolution, no polling). Baseline: the "
        "same schedule of raw `publish_async` of member-join messages from a child process "
        f"through the same server, fetched ({FETCH_BATCH}, timeout {FETCH_SECONDS} s) and "
        "acked here, from just before the publish to the batch's acks sent. "
        f"Target p99 < {LAG_TARGET_MS:g} ms (absolute): {verdict} (median of the "
        f"repetitions' p99: {each} ms)."
    )
    return [
        Result(
            f"federation_lag_{name}",
            median(figures[name]["node"]),
            "ms",
            median(figures[name]["raw"]),
            higher_is_better=False,
            description=f"{name} of {what}",
        )
        for name in ("p50", "p99")
    ]


# -- 3. rebuild -----------------------------------------------------------------------------

MONTHS = [f"{year}-{month:02d}" for year in (2024, 2025, 2026) for month in range(1, 13)]

# How often each event type occurs in the generated log (a busy region's mix: sessions most).
MIX: dict[str, int] = {
    "member.joined": 2,
    "governance.meeting_held": 1,
    "structure.registered": 1,
    "structure.offer_published": 2,
    "structure.quality_assessed": 1,
    "initiative.registered": 10,
    "initiative.phase_changed": 7,
    "initiative.accompaniment_started": 9,
    "initiative.session_held": 30,
    "initiative.accompaniment_ended": 6,
    "initiative.funding_received": 5,
    "training.held": 4,
    "training.competence_rolled_up": 2,
    "beneficiaries.rolled_up": 6,
    "impact.theory_defined": 4,
    "impact.measurement_recorded": 10,
}
ACTIVE = 400  # initiatives a region works with at a time
QUALITY = ("pertinence", "accessibilite", "competences", "suivi", "mesure_impact")
INDICATORS = ("EMP.emplois_crees", "REV.revenu_mensuel", "INC.femmes_cheffes", "EDU.scolarisation")
AGE_BANDS = ("18-24", "25-34", "35-44", "45-59", "60+")
PHASES = [Phase.IDEATION, Phase.AMORCAGE, Phase.VALIDATION, Phase.CROISSANCE]


class RegionStory:
    """One region's plausible stream of anonymized facts, sealed by the node's own `Chain`."""

    def __init__(self, region: str, rng: random.Random) -> None:
        self.region = region
        self.rng = rng
        self.provinces = [p.code for p in territory.provinces_of(region)]
        keys = RegionKeys(region, rng.randbytes(32), SigningKey(rng.randbytes(32)))
        self.chain = Chain(keys)
        self.structures: list[str] = []
        self.offers: list[tuple[str, str]] = []  # (offer, structure)
        self.initiatives: list[str] = []
        self.phase: dict[str, int] = {}
        self.open: list[tuple[str, str]] = []  # (initiative, structure)
        self.types = list(MIX)
        self.weights = list(MIX.values())

    def _pseudonym(self) -> str:
        return f"{self.rng.getrandbits(128):032x}"

    def next(self, month: str) -> Message:
        kind = self.rng.choices(self.types, self.weights)[0]
        if not self.offers:
            kind = "structure.registered" if not self.structures else "structure.offer_published"
        elif not self.initiatives and kind.startswith(("initiative.", "impact.")):
            kind = "initiative.registered"
        elif not self.open and kind in (
            "initiative.session_held",
            "initiative.accompaniment_ended",
        ):
            kind = "initiative.accompaniment_started"
        subject, data = getattr(self, "_" + kind.replace(".", "_"))()
        return self.chain.seal(Shared(kind, month, subject, data))

    def _member_joined(self) -> tuple[str | None, dict[str, Any]]:
        actor = self.rng.choice(list(ActorType)).value
        role = Role.PILOTAGE.value if self.rng.random() < 0.2 else Role.MEMBRE.value
        name = f"Membre {self.region} {self.rng.randrange(10**6):06d}"
        return self._pseudonym(), {"name": name, "actor_type": actor, "role": role}

    def _governance_meeting_held(self) -> tuple[str | None, dict[str, Any]]:
        return self._pseudonym(), {"members_present": self.rng.randrange(3, 30)}

    def _structure_registered(self) -> tuple[str | None, dict[str, Any]]:
        structure = self._pseudonym()
        self.structures.append(structure)
        provinces = self.rng.sample(self.provinces, min(2, len(self.provinces)))
        kind = self.rng.choice(list(StructureKind)).value
        name = f"Structure {self.region} {len(self.structures):04d}"
        return structure, {"name": name, "kind": kind, "provinces": provinces}

    def _structure_offer_published(self) -> tuple[str | None, dict[str, Any]]:
        structure, offer = self.rng.choice(self.structures), self._pseudonym()
        self.offers.append((offer, structure))
        data = {
            "offer": offer,
            "service_type": self.rng.choice(list(ServiceType)).value,
            "phases": [p.value for p in self.rng.sample(PHASES, 2)],
            "provinces": self.rng.sample(self.provinces, 1),
            "capacity_per_year": self.rng.randrange(5, 60),
            "free": self.rng.random() < 0.7,
        }
        return structure, data

    def _structure_quality_assessed(self) -> tuple[str | None, dict[str, Any]]:
        scores = {criterion: self.rng.randrange(1, 6) for criterion in QUALITY}
        return self.rng.choice(self.structures), {"scores": scores}

    def _initiative_registered(self) -> tuple[str | None, dict[str, Any]]:
        initiative = self._pseudonym()
        self.initiatives.append(initiative)
        if len(self.initiatives) > ACTIVE:
            gone = self.initiatives.pop(0)
            self.phase.pop(gone, None)
            self.open = [(i, s) for i, s in self.open if i != gone]
        phase = self.rng.choice(PHASES[:2])
        self.phase[initiative] = PHASES.index(phase)
        data = {
            "theme": self.rng.choice(list(Theme)).value,
            "province": self.rng.choice(self.provinces),
            "phase": phase.value,
            "holder_sex": self.rng.choice(list(Gender)).value,
            "holder_age_band": self.rng.choice(AGE_BANDS),
        }
        return initiative, data

    def _any_initiative(self) -> str:
        return self.rng.choice(self.initiatives)

    def _initiative_phase_changed(self) -> tuple[str | None, dict[str, Any]]:
        initiative = self._any_initiative()
        current = self.phase.get(initiative, 0)
        regression = current > 0 and self.rng.random() < 0.1
        target = current - 1 if regression else min(current + 1, len(PHASES) - 1)
        self.phase[initiative] = target
        data = {
            "from_phase": PHASES[current].value,
            "to_phase": PHASES[target].value,
            "regression": regression,
        }
        return initiative, data

    def _initiative_accompaniment_started(self) -> tuple[str | None, dict[str, Any]]:
        initiative = self._any_initiative()
        offer, structure = self.rng.choice(self.offers)
        self.open.append((initiative, structure))
        if len(self.open) > ACTIVE // 2:
            self.open.pop(0)
        data = {
            "structure": structure,
            "offer": offer,
            "service_type": self.rng.choice(list(ServiceType)).value,
            "phase": PHASES[self.phase.get(initiative, 0)].value,
        }
        return initiative, data

    def _initiative_session_held(self) -> tuple[str | None, dict[str, Any]]:
        initiative, structure = self.rng.choice(self.open)
        return initiative, {"structure": structure, "hours": self.rng.choice((1.0, 1.5, 2.0, 3.0))}

    def _initiative_accompaniment_ended(self) -> tuple[str | None, dict[str, Any]]:
        initiative, structure = self.open.pop(self.rng.randrange(len(self.open)))
        data = {
            "structure": structure,
            "outcome": self.rng.choice(list(AccompanimentOutcome)).value,
            "satisfaction": self.rng.randrange(1, 6),
        }
        return initiative, data

    def _initiative_funding_received(self) -> tuple[str | None, dict[str, Any]]:
        data = {
            "instrument": self.rng.choice(list(FundingInstrument)).value,
            "amount_band": self.rng.choice([band for _, band in contract.AMOUNT_BANDS]),
        }
        return self._any_initiative(), data

    def _training_held(self) -> tuple[str | None, dict[str, Any]]:
        participants = self.rng.randrange(5, 30)
        data = {
            "hours": float(self.rng.choice((3, 6, 12, 21))),
            "participants": participants,
            "new_participants": self.rng.randrange(0, participants + 1),
        }
        return self._pseudonym(), data

    def _training_competence_rolled_up(self) -> tuple[str | None, dict[str, Any]]:
        assessed = self.rng.randrange(5, 20)
        before = assessed * self.rng.uniform(1.5, 3.0)
        data = {
            "assessed": assessed,
            "sum_before": round(before, 2),
            "sum_after": round(before + assessed * self.rng.uniform(0, 1.5), 2),
        }
        return None, data

    def _beneficiaries_rolled_up(self) -> tuple[str | None, dict[str, Any]]:
        persons = self.rng.randrange(5, 15)
        paired = self.rng.randrange(0, persons + 1)
        improved = self.rng.randrange(0, paired + 1)
        poor = self.rng.randrange(0, persons + 1)
        before = round(persons * self.rng.uniform(0.2, 0.6), 3)
        data = {
            "province": self.rng.choice(self.provinces),
            "sex": self.rng.choice(list(Gender)).value,
            "age_band": self.rng.choice(AGE_BANDS),
            "persons": persons,
            "paired": paired,
            "improved": improved,
            "worsened": self.rng.randrange(0, paired - improved + 1),
            "exits": self.rng.randrange(0, poor + 1),
            "entries": self.rng.randrange(0, 2),
            "poor_before": poor,
            "poor_after": self.rng.randrange(0, poor + 1),
            "sum_c_before": before,
            "sum_c_after": round(before * self.rng.uniform(0.7, 1.0), 3),
        }
        return None, data

    def _impact_theory_defined(self) -> tuple[str | None, dict[str, Any]]:
        codes = self.rng.sample(INDICATORS, self.rng.randrange(0, 3))
        revision = self.rng.randrange(1, 4)
        return self._any_initiative(), {"revision": revision, "indicator_codes": codes}

    def _impact_measurement_recorded(self) -> tuple[str | None, dict[str, Any]]:
        return self._any_initiative(), {"indicator_code": self.rng.choice(INDICATORS)}


def write_log(engine: Engine, n: int, seed: int = 9, chunk: int = 20_000) -> dict[str, int]:
    """n messages from a few regions, interleaved as they would arrive, appended directly
    to the national log; returns the count per event type."""
    rng = random.Random(seed)
    stories = [RegionStory(region, rng) for region in REBUILD_REGIONS]
    shares = [4, 3, 2, 1][: len(stories)]  # a big region, a few smaller ones
    received = datetime.now(UTC)
    types: dict[str, int] = {}
    rows: list[dict[str, Any]] = []
    with engine.begin() as conn:
        for i in range(n):
            month = MONTHS[i * len(MONTHS) // n]
            story = rng.choices(stories, shares)[0]
            message = story.next(month)
            kind = message.subject.split(".", 3)[3]
            types[kind] = types.get(kind, 0) + 1
            rows.append(
                {
                    "region": story.region,
                    "seq": message.seq,
                    "type": kind,
                    "month": month,
                    "body": message.body,
                    "hash": contract.digest(message.body),
                    "received_at": received,
                }
            )
            if len(rows) == chunk:
                conn.execute(insert(national_log), rows)
                rows = []
        if rows:
            conn.execute(insert(national_log), rows)
    return types


@dataclass(frozen=True)
class Pass:
    """One child's pass over the log: how many events, how long, and its memory peak."""

    events: int
    seconds: float
    rss_before_kib: int
    rss_peak_kib: int
    peak_method: str

    @property
    def rate(self) -> float:
        return self.events / self.seconds

    @property
    def peak_growth_mib(self) -> float:
        return (self.rss_peak_kib - self.rss_before_kib) / 1024


def run_pass(kind: str, database: Path) -> Pass:
    """`rebuild` or `decode` the log in a fresh Python process."""
    completed = subprocess.run(
        [sys.executable, "-m", "bench.federation", kind, str(database)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if completed.returncode != 0:
        raise RuntimeError(f"the {kind} pass failed:\n{completed.stderr[-3000:]}")
    return Pass(**json.loads(completed.stdout.strip().splitlines()[-1]))


PEAK_METHODS = {
    "vmhwm": "`VmHWM` from `/proc/self/status` after the pass minus `VmRSS` before it, the "
    "kernel's high-water mark reset first through `/proc/self/clear_refs`",
    "ru_maxrss": "`resource.getrusage().ru_maxrss` after the pass minus before it",
}


def _status_kib(name: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{name}:"):
            return int(line.split()[1])
    raise OSError(f"no {name} in /proc/self/status")


def _peak_start() -> tuple[int, str]:
    """The resident size the pass starts from, with the peak tracker reset to it if possible."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return _status_kib("VmRSS"), "vmhwm"
    except OSError:
        return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss), "ru_maxrss"


def _peak_end(method: str) -> int:
    if method == "vmhwm":
        return _status_kib("VmHWM")
    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)  # KiB on Linux


def child(kind: str, database: Path) -> Pass:
    """The child's side of `run_pass`: time one pass with GC frozen, as the harness does."""
    settings = FederationSettings(data_dir=database.parent, database_url=f"sqlite:///{database}")
    federation = open_federation(settings)
    gc.collect()
    gc.freeze()
    before, method = _peak_start()
    start = time.perf_counter()
    events = federation.rebuild_projections() if kind == "rebuild" else decode_log(federation)
    seconds = time.perf_counter() - start
    return Pass(events, seconds, before, _peak_end(method), method)


def decode_log(federation: Federation) -> int:
    """The baseline: the log's rows in the rebuild's pages, each body JSON-decoded."""
    events, after = 0, 0
    with federation.engine.connect() as conn:
        while True:
            rows = conn.execute(
                select(national_log.c.id, national_log.c.body)
                .where(national_log.c.id > after)
                .order_by(national_log.c.id)
                .limit(REBUILD_PAGE)
            ).all()
            if not rows:
                return events
            for row in rows:
                json.loads(row.body)
                events += 1
            after = rows[-1].id


@benchmark("federation_rebuild")
def rebuild(config: RunConfig) -> list[Result]:
    n = REBUILD_EVENTS[_size(config)]
    with tempfile.TemporaryDirectory(prefix="drais-bench-rebuild-") as tmp:
        database = Path(tmp) / "national.sqlite3"
        federation = open_federation(
            FederationSettings(data_dir=Path(tmp), database_url=f"sqlite:///{database}")
        )
        start = time.perf_counter()
        types = write_log(federation.engine, n)
        federation.engine.dispose()
        config.log(
            f"  rebuild: wrote a {n:,}-event national log in {time.perf_counter() - start:.1f} s"
        )
        run_pass("decode", database)  # warm-up: the file in the page cache
        passes: dict[str, list[Pass]] = {"rebuild": [], "decode": []}
        for rep in range(config.repeats):
            order = ("rebuild", "decode") if rep % 2 == 0 else ("decode", "rebuild")
            for kind in order:
                found = run_pass(kind, database)
                if found.events != n:
                    raise RuntimeError(f"{kind} saw {found.events} events, not {n}")
                passes[kind].append(found)
            config.log(
                f"  rebuild {rep + 1}/{config.repeats}: rebuild_from_log "
                f"{passes['rebuild'][-1].rate:,.0f} events/s (peak +"
                f"{passes['rebuild'][-1].peak_growth_mib:.1f} MiB), read+decode "
                f"{passes['decode'][-1].rate:,.0f} events/s (peak +"
                f"{passes['decode'][-1].peak_growth_mib:.1f} MiB)"
            )
    rate = median([p.rate for p in passes["rebuild"]])
    verdict = "met" if rate >= REBUILD_TARGET else "**not met**"
    each = ", ".join(f"{p.rate:,.0f}" for p in passes["rebuild"])
    mix = ", ".join(
        f"{kind} {count / n:.0%}"
        for kind, count in sorted(types.items(), key=lambda kv: -kv[1])[:6]
    )
    log_what = (
        f"a {n:,}-event national log in SQLite (rows written directly: valid, chained "
        f"messages sealed and signed by the node's `Chain`, from {len(REBUILD_REGIONS)} regions, "
        f"{len(MIX)} event types over {len(MONTHS)} months; most frequent: {mix})"
    )
    return [
        Result(
            "federation_rebuild",
            rate,
            "events/s",
            median([p.rate for p in passes["decode"]]),
            description=(
                "`Federation.rebuild_projections()` (`projections.rebuild_from_log`: drop and "
                "create the projection tables, then parse and apply every message in pages of "
                f"{REBUILD_PAGE}, each page's rows read with a few queries, changed in memory "
                "and written with one executemany per table, all in one transaction) over "
                f"{log_what}, in a fresh process with GC frozen after its "
                "imports. Baseline: reading the same rows in pages of "
                f"{REBUILD_PAGE} and `json.loads` of each body, no projecting. Target "
                f"≥ {REBUILD_TARGET:,.0f} events/s (absolute): {verdict} (repetitions: "
                f"{each} events/s)."
            ),
        ),
        Result(
            "federation_rebuild_memory",
            median([p.peak_growth_mib for p in passes["rebuild"]]),
            "MiB",
            median([p.peak_growth_mib for p in passes["decode"]]),
            higher_is_better=False,
            description=(
                f"peak memory of the same {n:,}-event rebuild against the same read+decode "
                "pass: how far "
                "the child process's resident size rose above where the pass started ("
                f"{PEAK_METHODS[passes['rebuild'][0].peak_method]}; it counts SQLite's page "
                "cache and Python objects alike, not the interpreter and imports)."
            ),
        ),
    ]


# -- child processes ------------------------------------------------------------------------

USAGE = """usage: python -m bench.federation COMMAND …
  rebuild DATABASE | decode DATABASE
  throughput-node URL DIRECTORY REGION EXPECTED
  throughput-raw URL BODIES
  lag-nodes URL DIRECTORY REGIONS RATE SECONDS WARMUP
  lag-raw URL ROUND REGIONS RATE SECONDS WARMUP"""


def main(argv: Sequence[str]) -> None:
    """The children's entry point: each prints one JSON line per answer on stdout."""
    match list(argv):
        case ["rebuild" | "decode" as kind, database]:
            print(json.dumps(asdict(child(kind, Path(database)))), flush=True)
        case ["throughput-node", url, directory, region, expected]:
            forward_node(url, Path(directory), region, int(expected))
        case ["throughput-raw", url, bodies]:
            publish_raw(url, Path(bodies))
        case ["lag-nodes", url, directory, *schedule]:
            lag_nodes(url, Path(directory), Schedule.parse(schedule))
        case ["lag-raw", url, round_no, *schedule]:
            lag_raw(url, Schedule.parse(schedule), int(round_no))
        case _:
            raise SystemExit(USAGE)


if __name__ == "__main__":
    main(sys.argv[1:])
