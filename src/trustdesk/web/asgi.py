"""ASGI factory for uvicorn workers: each worker builds its app from the environment."""

from __future__ import annotations

import gc
import threading

import structlog
from fastapi import FastAPI
from pydantic import ValidationError

from trustdesk.bootstrap import Container, build_container
from trustdesk.db.migrate import require_current_schema
from trustdesk.logging import configure_logging
from trustdesk.settings import Settings
from trustdesk.web.app import create_app


def build() -> FastAPI:
    try:
        settings = Settings()
    except ValidationError as exc:
        first = exc.errors()[0]  # its message only: the input value may be a secret
        where = ".".join(str(p) for p in first["loc"]) or "settings"
        raise SystemExit(f"configuration error: {where}: {first['msg']}") from None
    configure_logging(settings.log_json)
    log = structlog.get_logger("trustdesk")
    if settings.uses_dev_pepper:
        log.warning(
            "dev_hash_pepper",
            message="IP and device hashes use the built-in development pepper and can be "
            "reversed; set TRUSTDESK_HASH_PEPPER to 32+ random characters",
        )
    if settings.uses_dev_keys:
        log.warning(
            "dev_keys",
            message="factor secrets and step-up tokens use the public development keys; "
            "set TRUSTDESK_SECRET_KEYS and TRUSTDESK_STEPUP_SIGNING_KEY (trustdesk factors keygen)",
        )
    container = build_container(settings)
    require_current_schema(container.engine)
    # The first chat message should not wait seconds for the bot's models to load.
    threading.Thread(target=_warm_up, args=(container,), name="bot-warm-up", daemon=True).start()
    app = create_app(container)
    _freeze_startup_objects()
    return app


def _freeze_startup_objects() -> None:
    """Keep what start-up made (modules, the app, compiled statements: ~220,000 objects)
    out of the garbage collector's full passes. Each would walk all of them (~120 ms here)
    with the GIL held, stalling every request in the worker: a latency tail for nothing,
    since those objects live as long as the process."""
    gc.collect()
    gc.freeze()


def _warm_up(container: Container) -> None:
    log = structlog.get_logger("trustdesk")
    try:
        if not container.warm_up_bot():
            log.warning("bot.no_model", message="run `trustdesk bot train` to let the bot answer")
    except Exception:  # noqa: BLE001 - the bot loads on first use instead
        log.exception("bot.warm_up_failed")
        return
    gc.freeze()  # the model's objects, too, live as long as the worker
