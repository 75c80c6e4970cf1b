"""Request-scoped dependencies: the container, the authenticated API key."""

from __future__ import annotations

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
    # Key checks read one row by primary key; a short transaction of its own.
    with container.reading() as session:
        return authenticate(session, authorization)


PrincipalDep = Annotated[ApiPrincipal, Depends(get_principal)]
