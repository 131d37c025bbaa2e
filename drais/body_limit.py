"""Refuses request bodies larger than a limit before any handler reads them (HTTP 413).

An ASGI middleware in front of the whole app (API and pages): a declared Content-Length over
the limit is refused at once; a body sent without one (chunked) is read up to the limit and
refused as soon as it goes over, so no handler ever holds more than the limit in memory.
Uploads (the spreadsheet import) get their own, larger limit.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from starlette.types import ASGIApp, Message, Receive, Scope, Send

DEFAULT_LIMIT = 1_000_000  # JSON commands and forms are a few kilobytes
UPLOAD_LIMIT = 20_000_000


class BodyLimit:
    def __init__(
        self, app: ASGIApp, limit: int = DEFAULT_LIMIT, prefixes: Mapping[str, int] | None = None
    ) -> None:
        self.app = app
        self.limit = limit
        self.prefixes = dict(prefixes or {})

    def limit_for(self, path: str) -> int:
        return next(
            (size for prefix, size in self.prefixes.items() if path.startswith(prefix)),
            self.limit,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope["path"])
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            await _too_large(send, limit)
            return
        if declared is not None:
            await self.app(scope, _counting(receive, limit), send)
            return
        body = bytearray()
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away
            body += message.get("body", b"")
            if len(body) > limit:
                await _too_large(send, limit)
                return
            more = message.get("more_body", False)
        await self.app(scope, _replay(bytes(body), receive), send)


def _counting(receive: Receive, limit: int) -> Receive:
    """A receive that stops a client sending more than it declared (and than the limit)."""
    seen = 0

    async def counted() -> Message:
        nonlocal seen
        message = await receive()
        if message["type"] == "http.request":
            seen += len(message.get("body", b""))
            if seen > limit:
                return {"type": "http.disconnect"}
        return message

    return counted


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replayed() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replayed


async def _too_large(send: Send, limit: int) -> None:
    reason = f"the request body is larger than {limit} bytes"
    content = json.dumps(
        {"detail": [{"loc": ["body"], "msg": reason, "type": "too_large"}]}
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(content)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": content})
