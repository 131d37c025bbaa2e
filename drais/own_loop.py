"""Work that holds its event loop for long stretches, run on a loop of its own.

The federation's consumer judges each batch on its loop: handing the batch to a worker thread
instead made that thread and the loop, which meanwhile parsed the next batch, contend for the
GIL, and the consumer spent about a fifth more CPU. Its own loop, in its own thread, keeps the
API's loop free to answer while a batch is judged.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from collections.abc import Awaitable, Callable
from typing import Any

Work = Callable[[asyncio.Event], Awaitable[None]]


async def on_own_loop(name: str, work: Work, stop: asyncio.Event) -> None:
    """Run `work(own_stop)` on a new event loop in a thread named `name`, until it returns.

    `stop` being set, or this coroutine being cancelled, sets `own_stop` on that loop; either
    way this returns only once `work` has ended, and raises what `work` raised."""
    started: concurrent.futures.Future[tuple[asyncio.AbstractEventLoop, asyncio.Event]]
    started = concurrent.futures.Future()
    ended: concurrent.futures.Future[None] = concurrent.futures.Future()

    async def main() -> None:
        own_stop = asyncio.Event()
        started.set_result((asyncio.get_running_loop(), own_stop))
        await work(own_stop)

    def run() -> None:
        try:
            asyncio.run(main())
        except BaseException as error:  # handed to the awaiting side, which raises it
            ended.set_exception(error)
        else:
            ended.set_result(None)

    threading.Thread(target=run, name=name, daemon=True).start()
    loop, own_stop = await asyncio.wrap_future(started)
    finished = asyncio.wrap_future(ended)
    stopping = asyncio.ensure_future(stop.wait())
    either: list[asyncio.Future[Any]] = [finished, stopping]
    try:
        await asyncio.wait(either, return_when=asyncio.FIRST_COMPLETED)
    finally:
        stopping.cancel()
        if not finished.done():
            loop.call_soon_threadsafe(own_stop.set)
            await asyncio.shield(finished)  # cancelled again, this gives up waiting
    finished.result()
