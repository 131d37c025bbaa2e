"""The kept NATS connection: failing work is retried with growing waits, not in a tight loop."""

from __future__ import annotations

import asyncio
import contextlib
import logging

import nats
import pytest
from nats.aio.client import Client

from drais import link
from drais.link import Link
from drais.nats_server import NatsServer
from tests.nats_fixtures import nats_server

__all__ = ["nats_server"]


async def keep_for(seconds: float, server: NatsServer, use_seconds: float = 0.0) -> Link:
    """Run a link whose work fails (after `use_seconds`) like a forwarder's before the
    national stream exists, for `seconds`."""
    kept = Link("test link", logging.getLogger("tests.link"))
    stop = asyncio.Event()

    async def fail(nc: Client) -> None:
        kept.up()
        await asyncio.sleep(use_seconds)
        raise RuntimeError("nats: no response from stream")

    task = asyncio.create_task(kept.keep(lambda: nats.connect(server.url), fail, stop))
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(asyncio.shield(task), seconds)
    stop.set()
    await task
    return kept


async def test_failing_work_backs_off_and_is_logged_once(
    nats_server: NatsServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, "tests.link")
    kept = await keep_for(1.7, nats_server)
    # tries at 0, 0.2, 0.6 and 1.4 s (waits of 0.2, 0.4, 0.8): four, not hundreds
    assert 3 <= kept.attempts <= 5
    assert not kept.connected
    assert kept.last_error == "RuntimeError: nats: no response from stream"
    assert [r.getMessage() for r in caplog.records] == [
        "test link: RuntimeError: nats: no response from stream"
    ]


async def test_a_failure_after_a_healthy_spell_starts_over(
    nats_server: NatsServer, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(link, "HEALTHY_SECONDS", 0.3)
    caplog.set_level(logging.WARNING, "tests.link")
    kept = await keep_for(2.0, nats_server, use_seconds=0.4)
    # each spell lasts 0.4 s then waits the first backoff (0.2 s) again: about 3-4 spells,
    # each failure new after its healthy spell, so each logged
    assert kept.attempts >= 3
    assert len(caplog.records) >= kept.attempts - 1
