"""`drais federation admit`: the region's keys registered, the NATS server told, on a real one."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path

import pytest
from nats.aio.client import Client
from nats.errors import Error as NatsError
from nats.errors import TimeoutError as NatsTimeoutError
from pydantic import ValidationError
from sqlalchemy import select
from typer.testing import CliRunner

from drais.cli import app
from drais.config import FederationSettings
from drais.nats_server import NatsServer
from drais.regions import RegionFolder, init_region
from federation.admission import (
    AdmissionError,
    RegionCard,
    ReloadError,
    admit,
    federation_nats_user,
    nats_users,
    read_card,
    read_pid_file,
    reload_nats_server,
    update_nats_server,
    write_nats_config,
)
from federation.nats_config import (
    NatsIdentity,
    generate_federation_identity,
    generate_region_identity,
    render_server_config,
)
from federation.service import open_federation
from federation.store import regions
from federation.stream import STREAM_NAME, ensure_stream
from tests.federation.harness import seed_file
from tests.nats_fixtures import Errors, connect, start_nats_server, wait_gone

runner = CliRunner()


def identity_of(region: RegionFolder) -> NatsIdentity:
    """The region's NATS identity from the seed `drais region init` generated."""
    seed = (region.path / "secrets" / "nats.nk").read_text().strip()
    return NatsIdentity(region.code, region.nats_user, seed)


def federation_toml(path: Path, **values: object) -> Path:
    lines = [f"{key} = {json.dumps(str(value))}" for key, value in values.items()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


# -- the record ------------------------------------------------------------------------------


def test_admission_keeps_the_nats_user_and_refuses_it_twice(tmp_path: Path) -> None:
    souss = init_region(tmp_path, "souss-massa", "MA-09")
    casa = init_region(tmp_path, "casablanca-settat", "MA-06")
    federation = open_federation(FederationSettings(data_dir=tmp_path / "national"))
    engine = federation.engine
    try:
        assert admit(engine, read_card(souss.card)) is True
        without_user = RegionCard(region="MA-09", name="Souss-Massa", verify_key=casa.verify_key)
        assert admit(engine, without_user) is False  # re-keyed, the NATS user kept
        stolen = RegionCard.model_validate({**casa.public_card(), "nats_user": souss.nats_user})
        with pytest.raises(AdmissionError, match=f"NATS user {souss.nats_user} is already MA-09"):
            admit(engine, stolen)
        with engine.connect() as conn:
            rows = conn.execute(select(regions.c.region, regions.c.nats_user, regions.c.public_key))
            assert [tuple(row) for row in rows] == [("MA-09", souss.nats_user, casa.verify_key)]
        assert nats_users(engine) == [NatsIdentity("MA-09", souss.nats_user)]
    finally:
        engine.dispose()


def test_a_card_with_a_corrupt_nats_user_is_refused(tmp_path: Path) -> None:
    region = init_region(tmp_path, "souss-massa", "MA-09")
    corrupt = region.nats_user[:-1] + ("A" if region.nats_user[-1] != "A" else "B")
    with pytest.raises(ValidationError, match="bad checksum"):
        RegionCard.model_validate({**region.public_card(), "nats_user": corrupt})
    region.card.write_text(json.dumps({**region.public_card(), "nats_user": corrupt}))
    with pytest.raises(AdmissionError, match=r"is not a region's public file \(nats_user: "):
        read_card(region.card)


# -- the server configuration ------------------------------------------------------------------


def test_the_configuration_is_regenerated_with_the_server_settings_kept(tmp_path: Path) -> None:
    federation_user = generate_federation_identity().public_key
    path = tmp_path / "drais-users.conf"
    path.write_text(
        render_server_config(
            regions=[],
            federation=NatsIdentity("federation", federation_user),
            host="10.0.0.5",
            port=4333,
            monitor_port=8333,
            server_name="drais-nats-1",
            sync_interval="always",
            max_file_store="10GB",
        )
    )
    path.chmod(0o644)
    ma01 = generate_region_identity("MA-01").public()
    ma02 = generate_region_identity("MA-02").public()

    write_nats_config(path, [ma01, ma02], federation_user, "nats://elsewhere:4999")

    assert path.read_text() == render_server_config(
        regions=[ma01, ma02],
        federation=NatsIdentity("federation", federation_user),
        host="10.0.0.5",
        port=4333,
        monitor_port=8333,
        server_name="drais-nats-1",
        sync_interval="always",
        max_file_store="10GB",
    )
    assert path.stat().st_mode & 0o777 == 0o644

    fresh = tmp_path / "new" / "users.conf"
    write_nats_config(fresh, [ma01], federation_user, "nats://127.0.0.1:4555")
    assert 'listen: "127.0.0.1:4555"' in fresh.read_text()
    assert ma01.public_key in fresh.read_text() and ma02.public_key not in fresh.read_text()

    handwritten = tmp_path / "nats.conf"
    handwritten.write_text("listen: 0.0.0.0:4222\n")
    with pytest.raises(AdmissionError, match="was not generated by drais: refusing to overwrite"):
        write_nats_config(handwritten, [ma01], federation_user, "nats://127.0.0.1:4555")
    assert handwritten.read_text() == "listen: 0.0.0.0:4222\n"


def test_the_federation_user_comes_from_the_settings_or_its_seed(tmp_path: Path) -> None:
    identity = generate_federation_identity()
    seed = seed_file(tmp_path, identity)
    assert federation_nats_user(FederationSettings(nats_credentials=seed)) == identity.public_key
    configured = FederationSettings(nats_federation_user=identity.public_key)
    assert federation_nats_user(configured) == identity.public_key
    with pytest.raises(AdmissionError, match="the federation's NATS user is unknown"):
        federation_nats_user(FederationSettings())


def test_no_server_to_reload_is_said_and_never_a_stranger_signalled(tmp_path: Path) -> None:
    pid_file = tmp_path / "nats.pid"
    with pytest.raises(ReloadError, match="cannot read the pid file"):
        read_pid_file(pid_file)
    pid_file.write_text("abc\n")
    with pytest.raises(ReloadError, match="does not hold a process id"):
        read_pid_file(pid_file)
    if not Path("/proc/self/comm").exists():
        pytest.skip("process names are read from /proc")
    stranger = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        with pytest.raises(
            ReloadError, match=rf"process {stranger.pid} is '.*', not a nats-server"
        ):
            reload_nats_server(stranger.pid)
        assert stranger.poll() is None  # still running: SIGHUP was not sent
    finally:
        stranger.kill()
        stranger.wait()
    with pytest.raises(ReloadError, match=f"no process {stranger.pid} is running"):
        reload_nats_server(stranger.pid)

    settings = FederationSettings(
        data_dir=tmp_path / "national",
        nats_server_config=tmp_path / "users.conf",
        nats_federation_user=generate_federation_identity().public_key,
    )
    federation = open_federation(settings)
    try:
        update = update_nats_server(settings, federation.engine)
    finally:
        federation.engine.dispose()
    assert update is not None
    assert (update.config, update.regions, update.reloaded_pid) == (
        tmp_path / "users.conf",
        (),
        None,
    )
    assert update.problem == "nats_server_pid_file is not set"


# -- on a real server --------------------------------------------------------------------------


async def signs_in(server: NatsServer, identity: NatsIdentity, timeout: float = 5.0) -> Client:
    """A connection as `identity`, retried while the server applies its new configuration."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        try:
            return await connect(server, identity)
        except NatsError:
            if asyncio.get_running_loop().time() > deadline:
                raise
            await asyncio.sleep(0.05)


async def test_an_admitted_region_publishes_after_the_reload_and_others_stay_out(
    tmp_path: Path,
) -> None:
    souss = init_region(tmp_path, "souss-massa", "MA-09")
    casa = init_region(tmp_path, "casablanca-settat", "MA-06")  # never admitted
    federation_id = generate_federation_identity()
    users_conf = tmp_path / "nats" / "drais-users.conf"
    start = render_server_config(regions=[], federation=federation_id.public())

    with start_nats_server(tmp_path / "nats", config=start, config_path=users_conf) as server:
        assert server.pid is not None
        (tmp_path / "nats.pid").write_text(f"{server.pid}\n")
        config = federation_toml(
            tmp_path / "federation.toml",
            data_dir="national",
            nats_url=server.url,
            nats_credentials=seed_file(tmp_path / "fed-secrets", federation_id),
            nats_server_config="nats/drais-users.conf",
            nats_server_pid_file="nats.pid",
        )
        with pytest.raises(NatsError, match="Authorization Violation"):
            await connect(server, identity_of(souss))

        result = runner.invoke(
            app, ["federation", "admit", str(souss.card), "--config", str(config)]
        )

        assert result.exit_code == 0, result.output
        assert result.output == (
            f"admitted MA-09 (Souss-Massa), signing key {read_card(souss.card).kid}, "
            f"NATS user {souss.nats_user}\n"
            f"wrote {users_conf}: NATS users of MA-09 and the federation\n"
            f"reloaded nats-server (pid {server.pid})\n"
        )
        text = users_conf.read_text()
        assert souss.nats_user in text and federation_id.public_key in text
        assert casa.nats_user not in text

        region = await signs_in(server, identity_of(souss))
        errors = Errors()
        federation = await connect(server, federation_id)
        as_other = await connect(server, identity_of(souss), errors)
        try:
            await ensure_stream(federation.jetstream())
            ack = await region.jetstream().publish(
                "drais.v1.MA-09.initiative.registered", b"{}", headers={"Nats-Msg-Id": "MA-09:1"}
            )
            assert (ack.stream, ack.seq) == (STREAM_NAME, 1)
            with pytest.raises(NatsTimeoutError):
                await as_other.jetstream().publish(
                    "drais.v1.MA-06.initiative.registered", b"{}", timeout=0.5
                )
            await errors.wait_for('permissions violation for publish to "drais.v1.ma-06')
            stored = await federation.jetstream().stream_info(STREAM_NAME)
            assert stored.state.messages == 1
        finally:
            for client in (region, federation, as_other):
                await client.close()
        with pytest.raises(NatsError, match="Authorization Violation"):
            await connect(server, identity_of(casa))
        assert "Reloaded server configuration" in server.log_tail(200)
        pid = server.pid
    assert pid is not None and wait_gone(pid)


def test_a_pid_file_without_a_server_is_an_error_after_the_file_is_written(
    tmp_path: Path,
) -> None:
    souss = init_region(tmp_path, "souss-massa", "MA-09")
    federation_user = generate_federation_identity().public_key
    (tmp_path / "nats.pid").write_text("999999999\n")
    config = federation_toml(
        tmp_path / "federation.toml",
        data_dir="national",
        nats_url="nats://127.0.0.1:4555",
        nats_federation_user=federation_user,
        nats_server_config="users.conf",
        nats_server_pid_file="nats.pid",
    )

    result = runner.invoke(app, ["federation", "admit", str(souss.card), "--config", str(config)])

    assert result.exit_code == 1
    assert f"admitted MA-09 (Souss-Massa), signing key {read_card(souss.card).kid}" in (
        result.output
    )
    assert "no NATS server was reloaded (no process 999999999 is running)" in result.output
    assert souss.nats_user in (tmp_path / "users.conf").read_text()

    refused = runner.invoke(
        app,
        ["federation", "admit", str(tmp_path / "missing.json"), "--config", str(config)],
    )
    assert refused.exit_code == 2
    assert f"cannot read {tmp_path / 'missing.json'}" in refused.output

    casa = init_region(tmp_path, "casablanca-settat", "MA-06")
    no_user = tmp_path / "no-user.json"
    no_user.write_text(json.dumps({**casa.public_card(), "nats_user": None}))
    refused = runner.invoke(app, ["federation", "admit", str(no_user), "--config", str(config)])
    assert refused.exit_code == 2
    assert f"{no_user} has no nats_user: the region cannot connect" in refused.output
    assert casa.nats_user not in (tmp_path / "users.conf").read_text()
