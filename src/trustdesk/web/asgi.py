"""ASGI factory for uvicorn workers: each worker builds its app from the environment."""

from __future__ import annotations

import structlog
from fastapi import FastAPI

from trustdesk.bootstrap import build_container
from trustdesk.db.migrate import require_current_schema
from trustdesk.logging import configure_logging
from trustdesk.settings import Settings
from trustdesk.web.app import create_app


def build() -> FastAPI:
    settings = Settings()
    configure_logging(settings.log_json)
    if settings.uses_dev_pepper:
        structlog.get_logger("trustdesk").warning(
            "dev_hash_pepper",
            message="IP and device hashes use the built-in development pepper and can be "
            "reversed; set TRUSTDESK_HASH_PEPPER to 32+ random characters",
        )
    container = build_container(settings)
    require_current_schema(container.engine)
    return create_app(container)
