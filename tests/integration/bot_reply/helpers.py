"""Shared by the bot-reply integration, CLI and API tests: a real intent model (the small
config, trained once per test session on Banking77 and the wallet sentences) and a support
container with the bot configured."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import shared_data
from tests.integration.support.helpers import make_container
from trustdesk.bootstrap import Container
from trustdesk.bot.intent_service import build_intent_model
from trustdesk.bot.intent_training import CONFIGS
from trustdesk.bot.intents import model_cards

# What the bot says when a transaction mined in block 1 has 3 confirmations of Ethereum's 12
# (anvil mines one block with it, then two more): see bot_diag's JSON test.
ZH_CONFIRMATIONS = "您的交易已被打包，目前有 3 个确认，还需要 9 个确认（约 2 分钟）后到账。"
ACCEPTANCE = "我的提现已经两个小时了还没到账 {tx}"


def trained_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One small model per session, however many modules ask (about a second to train)."""
    folder = tmp_path_factory.getbasetemp() / "bot-reply-model"
    if not model_cards(folder):
        build_intent_model(
            shared_data("banking77"), folder, CONFIGS["small"], datetime(2026, 3, 1, tzinfo=UTC)
        )
    return folder


@pytest.fixture(scope="session")
def bot_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return trained_model(tmp_path_factory)


def bot_container(
    database_url: str, tmp_path: Path, model: Path, rpc: str | None = None, **settings: Any
) -> Container:
    """A container whose bot loads ``model`` and reads the chain at ``rpc``."""
    return make_container(database_url, tmp_path, bot_model_dir=model, eth_rpc_url=rpc, **settings)
