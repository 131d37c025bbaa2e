"""Work on a loop of its own: it runs beside the caller's loop, and ends when told to."""

from __future__ import annotations

import asyncio
import threading

import pytest

from drais.own_loop import on_own_loop


async def test_the_work_runs_on_another_loop_in_its_thread_until_stopped() -> None:
    seen: dict[str, object] = {}
    ended = threading.Event()

    async def work(own_stop: asyncio.Event) -> None:
        seen["loop"] = asyncio.get_running_loop()
        seen["thread"] = threading.current_thread().name
        await own_stop.wait()
        ended.set()

    stop = asyncio.Event()
    running = asyncio.create_task(on_own_loop("the worker", work, stop))
    await asyncio.sleep(0.05)
    assert not running.done() and not ended.is_set()
    stop.set()
    await asyncio.wait_for(running, 5)
    assert ended.is_set()
    assert seen["loop"] is not asyncio.get_running_loop()
    assert seen["thread"] == "the worker"


async def test_work_holding_its_loop_leaves_the_callers_loop_free() -> None:
    released = threading.Event()

    async def work(own_stop: asyncio.Event) -> None:
        # Blocks its loop until the caller's loop releases it: on one loop, this would hang.
        if not released.wait(5):
            raise AssertionError("the caller's loop was held")

    running = asyncio.create_task(on_own_loop("the worker", work, asyncio.Event()))
    await asyncio.sleep(0.05)
    released.set()
    await asyncio.wait_for(running, 5)


async def test_cancelling_stops_the_work_and_returns_once_it_ended() -> None:
    ended = threading.Event()

    async def work(own_stop: asyncio.Event) -> None:
        await own_stop.wait()
        await asyncio.sleep(0.1)  # winding down takes a while
        ended.set()

    running = asyncio.create_task(on_own_loop("the worker", work, asyncio.Event()))
    await asyncio.sleep(0.05)
    running.cancel()
    with pytest.raises(asyncio.CancelledError):
        await running
    assert ended.is_set()


async def test_what_the_work_raises_is_raised_to_the_caller() -> None:
    async def work(own_stop: asyncio.Event) -> None:
        raise RuntimeError("the stream is gone")

    with pytest.raises(RuntimeError, match="the stream is gone"):
        await on_own_loop("the worker", work, asyncio.Event())
