"""The embedded nats-server, the stream and the generated permissions, on a real server."""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.errors import Error as NatsError
from nats.errors import NoRespondersError
from nats.errors import TimeoutError as NatsTimeoutError
from nats.js.errors import NotFoundError

from drais.nats_server import NatsServer, NatsServerError, find_binary, free_port
from federation.nats_config import (
    NatsIdentity,
    generate_federation_identity,
    generate_region_identity,
    render_server_config,
)
from federation.stream import STREAM_NAME, StreamSettings, differences, ensure_stream
from tests.nats_fixtures import (
    Errors,
    SecuredNats,
    connect,
    nats_server,
    process_gone,
    secured_config,
    secured_nats,
    start_nats_server,
    wait_gone,
)

__all__ = ["nats_server", "secured_nats"]  # the imported fixtures, used by name below

REFUSED = "permissions violation"
SHORT = 0.5  # seconds to wait for an answer that must not come


# -- locating the binary --------------------------------------------------------------------


def test_the_binary_beside_python_comes_first() -> None:
    beside = Path(sys.executable).parent / "nats-server"
    if not beside.exists():
        pytest.skip("no nats-server next to this Python")
    assert find_binary() == beside


def test_an_override_that_is_not_a_binary_is_a_clear_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("DRAIS_NATS_SERVER", str(tmp_path / "missing"))
    with pytest.raises(NatsServerError, match="not an executable"):
        find_binary()


def test_a_busy_port_is_refused_before_starting(nats_server: NatsServer, tmp_path: Path) -> None:
    with pytest.raises(NatsServerError, match="already in use"):
        NatsServer(tmp_path / "store", port=nats_server.port).start()


def test_a_config_setting_the_store_dir_is_refused(tmp_path: Path) -> None:
    config, _, _ = secured_config(store_dir=tmp_path / "elsewhere")
    with pytest.raises(NatsServerError, match="store_dir"):
        NatsServer(tmp_path / "store", config=config)


# -- the stream -----------------------------------------------------------------------------


@pytest_asyncio.fixture(loop_scope="function")
async def open_client(nats_server: NatsServer) -> AsyncIterator[Client]:
    """A client of the open server, on which the stream starts absent."""
    client = await connect(nats_server)
    js = client.jetstream()
    with contextlib.suppress(NotFoundError):
        await js.delete_stream(STREAM_NAME)
    yield client
    await client.close()


async def test_ensure_stream_creates_then_leaves_an_equal_stream_alone(
    open_client: Client,
) -> None:
    js = open_client.jetstream()
    advisories: list[str] = []

    async def record(msg: Msg) -> None:
        advisories.append(msg.subject.split(".")[4])  # CREATED / UPDATED

    await open_client.subscribe(f"$JS.EVENT.ADVISORY.STREAM.*.{STREAM_NAME}", cb=record)

    created = await ensure_stream(js)
    again = await ensure_stream(js)
    await open_client.flush()
    await asyncio.sleep(0.1)

    assert advisories == ["CREATED"]
    assert again.created == created.created
    config = again.config
    assert config.subjects == ["drais.v1.>"]
    assert config.storage == "file"
    assert config.retention == "limits"
    assert config.duplicate_window == 120.0
    assert differences(config, StreamSettings()) == {}


async def test_ensure_stream_updates_a_changed_setting(open_client: Client) -> None:
    js = open_client.jetstream()
    await ensure_stream(js)

    info = await ensure_stream(js, StreamSettings(duplicate_window=30.0))

    assert info.config.duplicate_window == 30.0
    assert info.config.deny_delete and info.config.deny_purge
    assert (await js.stream_info(STREAM_NAME)).config.duplicate_window == 30.0


async def test_the_same_msg_id_is_stored_once(open_client: Client) -> None:
    js = open_client.jetstream()
    await ensure_stream(js)
    headers = {"Nats-Msg-Id": "MA-09:1"}

    first = await js.publish("drais.v1.MA-09.initiative.registered", b"{}", headers=headers)
    second = await js.publish("drais.v1.MA-09.initiative.registered", b"{}", headers=headers)

    assert not first.duplicate
    assert second.duplicate and second.seq == first.seq
    assert (await js.stream_info(STREAM_NAME)).state.messages == 1


# -- the generated configuration ------------------------------------------------------------


async def sign_in(secured: SecuredNats, name: str, errors: Errors | None = None) -> Client:
    return await connect(secured.server, secured.identity(name), errors)


@pytest_asyncio.fixture(loop_scope="function")
async def federation(secured_nats: SecuredNats) -> AsyncIterator[Client]:
    """The federation's connection, with the stream in place."""
    client = await sign_in(secured_nats, "federation")
    await ensure_stream(client.jetstream())
    yield client
    await client.close()


async def stored_on(federation: Client, subject: str) -> bool:
    try:
        await federation.jetstream().get_last_msg(STREAM_NAME, subject)
    except NotFoundError:
        return False
    return True


async def test_a_region_publishes_its_own_events_and_gets_an_ack(
    secured_nats: SecuredNats, federation: Client
) -> None:
    region = await sign_in(secured_nats, "MA-01")
    ack = await region.jetstream().publish(
        "drais.v1.MA-01.initiative.registered", b"{}", headers={"Nats-Msg-Id": "MA-01:1"}
    )
    await region.close()

    assert ack.stream == STREAM_NAME
    assert await stored_on(federation, "drais.v1.MA-01.initiative.registered")


async def test_a_region_cannot_publish_as_another(
    secured_nats: SecuredNats, federation: Client
) -> None:
    errors = Errors()
    region = await sign_in(secured_nats, "MA-01", errors)

    with pytest.raises(NatsTimeoutError):
        await region.jetstream().publish(
            "drais.v1.MA-02.initiative.registered", b"{}", timeout=SHORT
        )
    await errors.wait_for(f'{REFUSED} for publish to "drais.v1.ma-02')
    assert region.is_connected
    await region.close()

    assert not await stored_on(federation, "drais.v1.MA-02.initiative.registered")


async def test_a_region_cannot_read_the_stream_nor_others_inboxes(
    secured_nats: SecuredNats,
) -> None:
    errors = Errors()
    region = await sign_in(secured_nats, "MA-02", errors)

    with pytest.raises(NatsTimeoutError):
        await region.jetstream(timeout=SHORT).stream_info(STREAM_NAME)
    await errors.wait_for(f'{REFUSED} for publish to "$js.api.stream.info')
    await region.subscribe("_INBOX.federation.>")
    await errors.wait_for(f'{REFUSED} for subscription to "_inbox.federation.>"')
    await region.subscribe("drais.ctl.MA-01.>")
    await errors.wait_for(f'{REFUSED} for subscription to "drais.ctl.ma-01.>"')
    await region.close()


async def test_the_federation_cannot_publish_events_but_consumes_them(
    secured_nats: SecuredNats, federation: Client
) -> None:
    region = await sign_in(secured_nats, "MA-03")
    region_js = region.jetstream()
    for seq in (1, 2, 3):
        await region_js.publish(
            f"drais.v1.MA-03.initiative.phase_changed.{seq}",
            json.dumps({"seq": seq}).encode(),
            headers={"Nats-Msg-Id": f"MA-03:{seq}"},
        )
    await region.close()

    errors = Errors()
    forger = await sign_in(secured_nats, "federation", errors)
    with pytest.raises(NatsTimeoutError):
        await forger.jetstream().publish(
            "drais.v1.MA-04.initiative.registered", b"{}", timeout=SHORT
        )
    await errors.wait_for(f'{REFUSED} for publish to "drais.v1.ma-04')
    await forger.close()
    assert not await stored_on(federation, "drais.v1.MA-04.initiative.registered")

    js = federation.jetstream()
    sub = await js.pull_subscribe("drais.v1.MA-03.>", durable="national-ma03", stream=STREAM_NAME)
    messages = await sub.fetch(10, timeout=2)
    for message in messages:
        await message.ack_sync()

    assert [json.loads(m.data)["seq"] for m in messages] == [1, 2, 3]
    info = await js.consumer_info(STREAM_NAME, "national-ma03")
    assert info.num_ack_pending == 0 and info.num_pending == 0


async def test_resend_requests_reach_only_their_region(
    secured_nats: SecuredNats, federation: Client
) -> None:
    region = await sign_in(secured_nats, "MA-05")

    async def answer(msg: Msg) -> None:
        await msg.respond(b"resending " + msg.data)

    await region.subscribe("drais.ctl.MA-05.>", cb=answer)
    await region.flush()

    for _ in range(20):  # a config reload by an earlier test may still be settling
        try:
            reply = await federation.request("drais.ctl.MA-05.resend", b"from 7", timeout=2)
            break
        except NoRespondersError:
            await asyncio.sleep(0.1)
    await region.close()

    assert reply.data == b"resending from 7"


# -- durability and processes ---------------------------------------------------------------


async def test_acknowledged_messages_survive_sigkill(tmp_path: Path) -> None:
    config, regions, federation_id = secured_config(sync_interval="always")
    with start_nats_server(tmp_path, config=config) as server:
        fed = await connect(server, federation_id)
        await ensure_stream(fed.jetstream())
        await fed.close()
        region = await connect(server, regions["MA-09"])
        js = region.jetstream()
        for seq in range(1, 51):
            ack = await js.publish(
                "drais.v1.MA-09.initiative.registered",
                b"{}",
                headers={"Nats-Msg-Id": f"MA-09:{seq}"},
            )
            assert ack.seq == seq
        await region.close()
        first_pid = server.pid

        server.kill()
        assert first_pid is not None and wait_gone(first_pid)
        server.start()

        fed = await connect(server, federation_id)
        state = (await fed.jetstream().stream_info(STREAM_NAME)).state
        region = await connect(server, regions["MA-09"])
        again = await region.jetstream().publish(
            "drais.v1.MA-09.initiative.registered", b"{}", headers={"Nats-Msg-Id": "MA-09:50"}
        )
        await region.close()
        await fed.close()

    assert (state.messages, state.last_seq) == (50, 50)
    assert again.duplicate  # the duplicate window survived the crash too


async def test_a_region_admitted_later_signs_in_after_a_reload(tmp_path: Path) -> None:
    ma01, ma02 = generate_region_identity("MA-01"), generate_region_identity("MA-02")
    federation_id = generate_federation_identity()

    def config(*admitted: NatsIdentity) -> str:
        return render_server_config(
            regions=[r.public() for r in admitted], federation=federation_id.public()
        )

    with start_nats_server(tmp_path, config=config(ma01)) as server:
        with pytest.raises(NatsError, match="Authorization Violation"):
            await connect(server, ma02)
        server.reload(config(ma01, ma02))
        for _ in range(100):
            try:
                client = await connect(server, ma02)
                break
            except (NatsError, OSError):  # refused, or reset while the server reloads
                await asyncio.sleep(0.02)
        else:
            raise AssertionError("MA-02 still refused after the reload")
        assert client.is_connected
        await client.close()


def test_the_context_manager_leaves_no_process(tmp_path: Path) -> None:
    with NatsServer(tmp_path / "store", monitor_port=0) as server:
        assert server.monitor_url is not None
        pid = server.pid
        assert pid is not None and not process_gone(pid)
    assert wait_gone(pid)
    assert not server.running


SPAWN = """
import os, signal, sys
from pathlib import Path
from drais.nats_server import NatsServer
server = NatsServer(Path(sys.argv[1])).start()
print(server.pid, flush=True)
if sys.argv[2] == "sigkill":
    os.kill(os.getpid(), signal.SIGKILL)
"""


@pytest.mark.parametrize("ending", ["exit", "sigkill"])
def test_a_server_dies_with_the_process_that_started_it(tmp_path: Path, ending: str) -> None:
    """Normal exit without stop() (atexit), and the parent killed outright (Linux only)."""
    if ending == "sigkill" and not sys.platform.startswith("linux"):
        pytest.skip("parent-death signal is Linux only")
    done = subprocess.run(
        [sys.executable, "-c", SPAWN, str(tmp_path / "store"), ending],
        capture_output=True,
        text=True,
        timeout=30,
        cwd=Path(__file__).resolve().parents[2],
        check=False,
    )
    expected = -signal.SIGKILL if ending == "sigkill" else 0
    assert done.returncode == expected, done.stderr
    assert wait_gone(int(done.stdout.split()[0]))


# -- rendering ------------------------------------------------------------------------------


def test_the_renderer_refuses_what_would_corrupt_the_config() -> None:
    ma01 = generate_region_identity("MA-01")
    federation = NatsIdentity("federation", generate_region_identity("MA-02").public_key)
    with pytest.raises(ValueError, match="region code"):
        generate_region_identity("MA-13")
    with pytest.raises(ValueError, match="public key"):
        NatsIdentity("MA-01", ma01.public_key[:-1] + "A")
    with pytest.raises(ValueError, match="twice"):
        render_server_config(regions=[ma01, ma01], federation=federation)
    with pytest.raises(ValueError, match="sync_interval"):
        render_server_config(regions=[ma01], federation=federation, sync_interval="now")
    text = render_server_config(
        regions=[ma01.public()], federation=federation, port=free_port(), monitor_port=8222
    )
    assert ma01.public_key in text
    assert ma01.seed is not None and ma01.seed not in text
