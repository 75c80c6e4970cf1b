"""ASGI factory for uvicorn workers: each worker builds its app from the environment."""

from __future__ import annotations

from fastapi import FastAPI

from trustdesk.bootstrap import build_container
from trustdesk.db.migrate import require_current_schema
from trustdesk.logging import configure_logging
from trustdesk.settings import Settings
from trustdesk.web.app import create_app


def build() -> FastAPI:
    settings = Settings()
    configure_logging(settings.log_json)
    container = build_container(settings)
    require_current_schema(container.engine)
    return create_app(container)
