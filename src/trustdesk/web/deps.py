"""Request-scoped dependencies: the container, the authenticated API key."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Header, Request

from trustdesk.auth.apikeys import ApiPrincipal, authenticate
from trustdesk.bootstrap import Container


def get_container(request: Request) -> Container:
    container: Container = request.app.state.container
    return container


ContainerDep = Annotated[Container, Depends(get_container)]


def get_principal(
    container: ContainerDep,
    authorization: Annotated[str | None, Header()] = None,
) -> ApiPrincipal:
    cached = container.key_cache.get(authorization)
    if cached is not None:
        return cached
    # Key checks read one row by primary key; a short transaction of its own.
    with container.reading() as session:
        principal = authenticate(session, authorization)
    container.key_cache.put(authorization, principal)
    return principal


PrincipalDep = Annotated[ApiPrincipal, Depends(get_principal)]


def require_scope(scope: str) -> Callable[[ApiPrincipal], ApiPrincipal]:
    """A dependency that checks the key's scope before the body is even validated."""

    def _check(principal: PrincipalDep) -> ApiPrincipal:
        principal.require(scope)
        return principal

    return _check
