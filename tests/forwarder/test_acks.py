"""Publishing a batch and waiting for the stream's acknowledgements, on a real nats-server."""

from __future__ import annotations

from collections.abc import AsyncIterator
from itertools import count

import pytest
import pytest_asyncio
from nats.aio.client import Client

from drais.nats_server import NatsServer
from federation.stream import StreamSettings, ensure_stream
from node.forwarder.acks import AckedPublisher, PublishRefused
from tests.nats_fixtures import connect, nats_server

__all__ = ["nats_server"]

_streams = count(1)


class Publishing:
    def __init__(self, nc: Client, stream: str) -> None:
        self.nc = nc
        self.stream = stream
        self.subject = f"{stream.lower()}.events"
        self.publisher = AckedPublisher(nc)

    def batch(self, first: int, n: int) -> list[tuple[str, bytes, str | None]]:
        return [(self.subject, f"body {i}".encode(), f"id-{i}") for i in range(first, first + n)]

    async def stored(self) -> int:
        return (await self.nc.jetstream().stream_info(self.stream)).state.messages


@pytest_asyncio.fixture(loop_scope="function")
async def publishing(nats_server: NatsServer) -> AsyncIterator[Publishing]:
    nc = await connect(nats_server)
    stream = f"ACKS{next(_streams)}"
    await ensure_stream(
        nc.jetstream(),
        StreamSettings(name=stream, subjects=(f"{stream.lower()}.>",), max_msgs=50),
    )
    system = Publishing(nc, stream)
    await system.publisher.start()
    try:
        yield system
    finally:
        await system.publisher.stop()
        await nc.close()


async def test_a_batch_returns_once_the_stream_stored_every_message(
    publishing: Publishing,
) -> None:
    await publishing.publisher.publish([], timeout=0)  # nothing to wait for
    await publishing.publisher.publish(publishing.batch(0, 30), timeout=5)
    assert await publishing.stored() == 30
    await publishing.publisher.publish(publishing.batch(20, 15), timeout=5)  # ten repeats
    assert await publishing.stored() == 35  # dropped by their Nats-Msg-Id


async def test_a_message_the_stream_refuses_fails_the_batch(publishing: Publishing) -> None:
    await publishing.publisher.publish(publishing.batch(0, 50), timeout=5)
    with pytest.raises(PublishRefused, match="the stream refused"):  # full, discarding new
        await publishing.publisher.publish(publishing.batch(50, 3), timeout=5)
    assert await publishing.stored() == 50


async def test_a_subject_no_stream_takes_fails_the_batch(publishing: Publishing) -> None:
    with pytest.raises(PublishRefused, match="no stream took the message"):
        await publishing.publisher.publish([("nowhere.events", b"x", "id")], timeout=5)


async def test_answers_to_a_batch_given_up_on_are_not_counted_for_the_next(
    publishing: Publishing,
) -> None:
    nowhere = [("nowhere.events", b"x", f"n-{i}") for i in range(5)]
    with pytest.raises(TimeoutError):  # given up before any answer could come
        await publishing.publisher.publish(nowhere, timeout=0)
    # Its five refusals come first (the server answers them at once, the stream stores the
    # next batch before acknowledging it); counted for the next batch, they would fail it.
    await publishing.publisher.publish(publishing.batch(0, 5), timeout=5)
    assert await publishing.stored() == 5
