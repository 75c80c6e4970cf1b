"""Fixtures of the bot-reply integration tests: the trained model and anvil."""

from __future__ import annotations

from tests.integration.bot_diag.conftest import anvil
from tests.integration.bot_reply.helpers import bot_model

__all__ = ["anvil", "bot_model"]
