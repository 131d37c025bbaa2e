"""What every route needs: the node, and for writes an authenticated user."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from node.application import NodeApplication
from node.bootstrap import Node

T = TypeVar("T")

bearer = HTTPBearer(auto_error=False, description="The node's API token")


def get_node(request: Request) -> Node:
    node: Node = request.app.state.node
    return node


def authenticated(
    node: Annotated[Node, Depends(get_node)],
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> str:
    """The user behind the bearer token (the configured admin token for now)."""
    if credentials is None or not secrets.compare_digest(
        credentials.credentials.encode(), node.api_token.encode()
    ):
        raise HTTPException(
            status_code=401,
            detail=[
                {
                    "loc": ["header", "Authorization"],
                    "msg": "a valid bearer token is required",
                    "type": "unauthorized",
                }
            ],
            headers={"WWW-Authenticate": "Bearer"},
        )
    return "admin"


@dataclass
class Commands:
    """Runs a use case as the authenticated user, then brings the read models up to date."""

    node: Node
    user: str

    @property
    def app(self) -> NodeApplication:
        return self.node.app

    def __call__(self, use_case: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        result = use_case(*args, by=self.user, **kwargs)
        self.node.projector.catch_up()
        self.node.forwarder.poke()
        return result


def commands(
    node: Annotated[Node, Depends(get_node)], user: Annotated[str, Depends(authenticated)]
) -> Commands:
    return Commands(node, user)


NodeDep = Annotated[Node, Depends(get_node)]
Reader = Annotated[str, Depends(authenticated)]
Do = Annotated[Commands, Depends(commands)]
