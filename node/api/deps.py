"""What every route needs: the node, and for reads of personal data and writes, a user.

A bearer token is the bootstrap token (admin) or one issued to a user (drais/accounts.py);
repeated failures from one address are throttled. Writes go through `Commands`, which checks
the user's role (node/authorization.py) before the use case runs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials

from drais.accounts import User
from drais.http_auth import bearer, bearer_user
from node.application import NodeApplication
from node.authorization import Forbidden, authorize, may_see_initiative
from node.bootstrap import Node

T = TypeVar("T")


def get_node(request: Request) -> Node:
    node: Node = request.app.state.node
    return node


def authenticated(
    request: Request,
    node: Annotated[Node, Depends(get_node)],
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> User:
    return bearer_user(request, credentials, node.accounts, node.api_token, node.throttle)


@dataclass
class Commands:
    """Runs a use case as `user` once its role allows it, then updates the read models."""

    node: Node
    user: User

    @property
    def app(self) -> NodeApplication:
        return self.node.app

    def __call__(self, use_case: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        result = self.run(use_case, *args, **kwargs)
        self.node.projector.catch_up()
        self.node.forwarder.poke()
        return result

    def run(self, use_case: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """The use case alone, as the user, once their role allows it."""
        authorize(self.node.stores.read_models, self.user, use_case, args, kwargs)
        return use_case(*args, by=self.user.login, **kwargs)


def commands(
    node: Annotated[Node, Depends(get_node)], user: Annotated[User, Depends(authenticated)]
) -> Commands:
    return Commands(node, user)


NodeDep = Annotated[Node, Depends(get_node)]
Reader = Annotated[User, Depends(authenticated)]
Do = Annotated[Commands, Depends(commands)]


def initiative_reader(
    initiative_id: str,
    node: Annotated[Node, Depends(get_node)],
    user: Annotated[User, Depends(authenticated)],
) -> User:
    """A reader of one initiative's personal data (not a structure outside it)."""
    if not may_see_initiative(node.stores.read_models, user, initiative_id):
        raise Forbidden("this initiative is not accompanied by your structure", "role")
    return user


InitiativeReader = Annotated[User, Depends(initiative_reader)]
