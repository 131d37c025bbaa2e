"""Bearer-token authentication shared by the node's and the federation's JSON APIs.

A token is the process's bootstrap token (admin) or one issued to a user; failures from one
address are throttled, and every refusal names the Authorization header and the reason.
"""

from __future__ import annotations

from fastapi import HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from drais.accounts import Accounts, User, bootstrap_user
from drais.throttle import Throttle

bearer = HTTPBearer(auto_error=False, description="A user's API token, or the bootstrap token")


def refused(status: int, reason: str, **headers: str) -> HTTPException:
    kind = {401: "unauthorized", 403: "forbidden", 429: "throttled"}[status]
    return HTTPException(
        status_code=status,
        detail=[{"loc": ["header", "Authorization"], "msg": reason, "type": kind}],
        headers=headers or None,
    )


def bearer_user(
    request: Request,
    credentials: HTTPAuthorizationCredentials | None,
    accounts: Accounts,
    bootstrap: str | None,
    throttle: Throttle,
) -> User:
    """The user behind the request's bearer token, or a 401 / 429 refusal."""
    if credentials is None:
        raise refused(401, "a valid bearer token is required", **{"WWW-Authenticate": "Bearer"})
    address = f"token:{request.client.host if request.client else '?'}"
    wait = throttle.retry_after(address)
    if wait:
        raise refused(429, "too many failed attempts; try later", **{"Retry-After": str(wait)})
    token = credentials.credentials
    user = bootstrap_user(token, bootstrap) or accounts.user_for_token(token)
    if user is None:
        throttle.failed(address)
        raise refused(401, "a valid bearer token is required", **{"WWW-Authenticate": "Bearer"})
    return user
