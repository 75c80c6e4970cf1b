"""Shared CLI plumbing: the container, error printing, exit codes."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.text import Text
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError

from trustdesk.bootstrap import Container, build_container
from trustdesk.core.errors import DomainError
from trustdesk.db.migrate import require_current_schema
from trustdesk.settings import Settings

# Wide enough for the summary tables when the output goes to a file or a pipe.
# Markup off: messages carry user input ("[/x]" as a chain name must print, not crash).
console = Console(stderr=True, markup=False, width=None if sys.stderr.isatty() else 150)
out = Console(markup=False, width=None if sys.stdout.isatty() else 150)


@contextmanager
def container(*, schema_check: bool = True) -> Iterator[Container]:
    """Build the container from the environment; turn known errors into messages + exit 2."""
    try:
        settings = Settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "settings"
        fail(f"configuration error: {where}: {str(first['msg']).removeprefix('Value error, ')}")
    try:
        c = build_container(settings)
    except DomainError as exc:
        fail(exc.message)
    except (ArgumentError, NoSuchModuleError, ValueError) as exc:
        fail(f"TRUSTDESK_DATABASE_URL is not a usable database URL: {exc}")
    try:
        if schema_check:
            require_current_schema(c.engine)
    except DomainError as exc:
        c.close()  # an open pool would leak its connections
        fail(exc.message)
    try:
        yield c
    except DomainError as exc:
        fail(f"{exc.message} [{exc.code}]")
    except OperationalError as exc:
        fail(f"the database cannot be reached or used: {exc.orig}")
    except OSError as exc:
        fail(f"{exc.strerror or exc}: {exc.filename or ''}".rstrip(": "))
    finally:
        c.close()


def fail(message: str, code: int = 2) -> typer.Exit:
    console.print(
        Text.assemble(("error:", "bold red"), " ", message), highlight=False, soft_wrap=True
    )
    sys.stderr.flush()
    raise typer.Exit(code)
