"""The node's side of the federation: the forwarder's status, and running it with the API."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

from fastapi import APIRouter

from node.api.deps import NodeDep
from node.bootstrap import Node

router = APIRouter(tags=["federation"])


@router.get("/federation/status")
def status(node: NodeDep) -> dict[str, Any]:
    """Forwarded seq, pending count, last ack time, connection (DESIGN §10)."""
    return {
        "region": node.settings.region,
        "enabled": node.settings.forward,
        "nats_url": node.settings.nats_url,
        **node.forwarder.status(),
    }


@contextlib.asynccontextmanager
async def forwarding(node: Node) -> AsyncIterator[None]:
    """Run the forwarder beside the API when the node is configured to forward."""
    if not node.settings.forward:
        yield
        return
    stop = asyncio.Event()
    task = asyncio.create_task(node.forwarder.run(stop))
    try:
        yield
    finally:
        stop.set()
        with contextlib.suppress(asyncio.CancelledError, TimeoutError):
            await asyncio.wait_for(task, 10)
