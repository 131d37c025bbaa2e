"""Pulling the durable consumer in batches, on a real nats-server."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from itertools import count

import pytest
import pytest_asyncio
from nats.aio.client import Client
from nats.js import JetStreamContext

from drais.nats_server import NatsServer
from federation import contract
from federation.consumer import durable_config
from federation.pull import Puller, PullRefused
from federation.replay import stream_messages
from federation.stream import STREAM_NAME, StreamSettings, ensure_stream
from tests.nats_fixtures import connect, nats_server

__all__ = ["nats_server"]

_streams = count(1)


class Pulled:
    """A fresh stream with a durable consumer, a puller on it, and a way to publish into it."""

    def __init__(self, nc: Client, stream: str) -> None:
        self.nc = nc
        self.js: JetStreamContext = nc.jetstream()
        self.stream = stream
        self.subject = f"{stream.lower()}.events"
        self.puller = Puller(nc, stream, "pulled")

    async def publish(self, *bodies: bytes, headers: dict[str, str] | None = None) -> None:
        for body in bodies:
            await self.js.publish(self.subject, body, headers=headers)

    async def fetch_all(self, expected: int, batch: int) -> list[list[bytes]]:
        """Batches fetched (and acked) until `expected` messages came."""
        batches: list[list[bytes]] = []
        while sum(map(len, batches)) < expected:
            messages = await self.puller.fetch(batch, timeout=1.0)
            assert messages, "a fetch came back empty while messages were waiting"
            for message in messages:
                await message.ack()
            batches.append([message.data for message in messages])
        return batches


@pytest_asyncio.fixture(loop_scope="function")
async def pulled(nats_server: NatsServer) -> AsyncIterator[Pulled]:
    nc = await connect(nats_server)
    stream = f"PULL{next(_streams)}"
    system = Pulled(nc, stream)
    await ensure_stream(system.js, StreamSettings(name=stream, subjects=(f"{stream.lower()}.>",)))
    await system.js.add_consumer(stream, durable_config("pulled", f"{stream.lower()}.>"))
    await system.puller.start()
    try:
        yield system
    finally:
        await system.puller.stop()
        await nc.close()


def bodies(n: int) -> list[bytes]:
    return [f"message {i}".encode() for i in range(n)]


async def test_queued_messages_come_in_full_batches_in_order(pulled: Pulled) -> None:
    await pulled.publish(*bodies(25))
    batches = await pulled.fetch_all(25, batch=10)
    assert [len(batch) for batch in batches] == [10, 10, 5]
    assert [body for batch in batches for body in batch] == bodies(25)


async def test_a_fetch_with_nothing_queued_brings_the_first_message_to_come(
    pulled: Pulled,
) -> None:
    assert await pulled.puller.fetch(10, timeout=0.2) == []  # nothing came: empty, no error
    fetching = asyncio.ensure_future(pulled.puller.fetch(10, timeout=5.0))
    await asyncio.sleep(0.1)
    assert not fetching.done()
    await pulled.publish(b"late")
    messages = await asyncio.wait_for(fetching, 5.0)  # not held until the batch is full
    assert [message.data for message in messages] == [b"late"]
    await messages[0].ack()
    # the request that brought it is still open: what comes next is delivered through it
    await pulled.publish(*bodies(3))
    assert sum(map(len, await pulled.fetch_all(3, batch=10))) == 3


async def test_a_stored_message_with_a_status_header_is_a_message(pulled: Pulled) -> None:
    """A region chooses its messages' headers: one saying `Status: 409` must not pass for the
    server ending the request (nats-py's own fetch skips it, unjudged and unacknowledged)."""
    forged = {"Status": "409", "Description": "Consumer Deleted"}
    await pulled.publish(b"forged status", headers=forged)
    await pulled.publish(b"after it")
    batches = await pulled.fetch_all(2, batch=10)
    assert [body for batch in batches for body in batch] == [b"forged status", b"after it"]


async def test_what_an_open_request_still_brings_is_drained_before_leaving(
    pulled: Pulled,
) -> None:
    fetching = asyncio.ensure_future(pulled.puller.fetch(10, timeout=1.0))
    await asyncio.sleep(0.1)
    await pulled.publish(b"first")
    assert [message.data for message in await fetching] == [b"first"]
    await pulled.publish(*bodies(2))  # delivered through the request, open for nine more
    drained = await pulled.puller.drain(timeout=3.0)  # it expires within a second
    assert [message.data for message in drained] == bodies(2)
    assert await pulled.puller.fetch(10, timeout=0.2) == []


async def test_a_deleted_consumer_ends_the_pull_with_a_refusal(pulled: Pulled) -> None:
    fetching = asyncio.ensure_future(pulled.puller.fetch(10, timeout=5.0))
    await asyncio.sleep(0.2)  # the long poll is open
    await pulled.js.delete_consumer(pulled.stream, "pulled")
    with pytest.raises(PullRefused, match="409"):
        await asyncio.wait_for(fetching, 5.0)


async def test_a_replay_reads_every_stored_message_whatever_its_headers(
    nats_server: NatsServer,
) -> None:
    nc = await connect(nats_server)
    try:
        js = nc.jetstream()
        await ensure_stream(js)
        subject = f"{contract.SUBJECT_PREFIX}.MA-01.member.joined"
        await js.publish(subject, b"forged status", headers={"Status": "404"})
        await js.publish(subject, b"plain")
        stored = await stream_messages(nc, batch=1)
        assert [(subject_, body) for subject_, body, _ in stored] == [
            (subject, b"forged status"),
            (subject, b"plain"),
        ]
        assert (await js.stream_info(STREAM_NAME)).state.consumer_count == 0  # no trace left
    finally:
        await nc.close()
