"""Publishing a batch to the stream and waiting for every acknowledgement, pipelined.

What nats-py's `publish_async` does per message, done per batch: it spends a future, a done
callback, a semaphore, a random token and a parsed `PubAck` on each message. Here a batch's
messages all name one reply subject, and one subscription's callback counts the stream's
answers: about a third of the CPU per message.

An answer is an acknowledgement (`{"stream": …, "seq": …}`, maybe `"duplicate": true`), an
error (`{"error": {…}}`: the stream full, a limit, …) or, when no stream takes the subject, a
"no responders" status without a body. Answers to a batch given up on (timed out) carry that
batch's reply subject and are ignored.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Sequence
from itertools import count

from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.aio.subscription import Subscription
from nats.js.api import Header


class PublishRefused(ConnectionError):
    """The stream answered a message with an error, or no stream took it."""


class AckedPublisher:
    def __init__(self, nc: Client) -> None:
        self.nc = nc
        self.prefix = nc.new_inbox()  # under the connection's own inbox prefix
        self._batches = count(1)
        self._batch = ""  # the reply subject of the batch being acknowledged
        self._left = 0
        self._refusal: str | None = None
        self._acknowledged = asyncio.Event()
        self._subscription: Subscription | None = None

    async def start(self) -> None:
        self._subscription = await self.nc.subscribe(f"{self.prefix}.*", cb=self._answered)

    async def stop(self) -> None:
        if self._subscription is not None:
            with contextlib.suppress(Exception):  # the connection may be gone already
                await self._subscription.unsubscribe()
            self._subscription = None

    async def publish(
        self, messages: Sequence[tuple[str, bytes, str | None]], timeout: float
    ) -> None:
        """Publish (subject, body, msg id) in order and return once the stream acknowledged
        each; PublishRefused on the first error, TimeoutError if not all came in time."""
        if not messages:
            return
        self._batch = f"{self.prefix}.{next(self._batches)}"
        self._left, self._refusal = len(messages), None
        self._acknowledged.clear()
        for subject, body, msg_id in messages:
            headers = {Header.MSG_ID.value: msg_id} if msg_id is not None else None
            await self.nc.publish(subject, body, reply=self._batch, headers=headers)
        try:
            await asyncio.wait_for(self._acknowledged.wait(), timeout)
        except TimeoutError:
            raise TimeoutError("the stream did not acknowledge in time") from None
        finally:
            self._batch = ""  # late answers are ignored
        if self._refusal is not None:
            raise PublishRefused(self._refusal)

    async def _answered(self, msg: Msg) -> None:
        if msg.subject != self._batch:
            return
        if not msg.data:  # a status: nobody (no stream) took the subject
            status = (msg.headers or {}).get(Header.STATUS, "")
            self._refusal = self._refusal or f"no stream took the message (status {status})"
        elif b'"error"' in msg.data and "error" in (answer := json.loads(msg.data)):
            self._refusal = self._refusal or f"the stream refused: {answer['error']}"
        self._left -= 1
        if self._left == 0 or self._refusal is not None:
            self._acknowledged.set()
