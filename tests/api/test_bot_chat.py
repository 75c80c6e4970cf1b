"""The in-app chat answered by the bot through the app, on SQLite and PostgreSQL, with a real
trained model (and anvil for the transaction case)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.integration.bot_diag.conftest import ADDR_1, KEY_0, Anvil, anvil
from tests.integration.bot_reply.helpers import (
    ACCEPTANCE,
    ZH_CONFIRMATIONS,
    bot_container,
    bot_model,
)
from tests.integration.support.helpers import MAX_BODY_BYTES, SupportApi
from trustdesk.auth.apikeys import create_api_key
from trustdesk.web.app import create_app

__all__ = ["anvil", "bot_model"]  # fixtures

BENEFICIARY = (
    "With the whitelist turned on, withdrawals can only go to addresses you saved in advance. "
    "If someone gets into your account, they still cannot send your funds to their own "
    "address.\n\n"
    "More in our help article “Withdrawal address whitelist: how and why” (address-whitelist)."
)
L1_ZH = "感谢您的留言。我们已将您的问题转交客服团队，客服人员会尽快在这里回复您。"


@contextmanager
def chat_api(
    database_url: str, tmp_path: Path, model: Path, rpc: str | None = None
) -> Iterator[SupportApi]:
    from tests.api.conftest import TestClient

    container = bot_container(database_url, tmp_path, model, rpc, max_request_bytes=MAX_BODY_BYTES)
    now = container.clock.now()
    with container.session() as session:
        keys = {
            scope: create_api_key(session, scope, frozenset({scope}), now)
            for scope in ("support:read", "support:chat")
        }
    try:
        with TestClient(create_app(container)) as client:
            yield SupportApi(client, container, keys)
    finally:
        container.close()


@pytest.fixture
def api(database_url: str, tmp_path: Path, bot_model: Path) -> Iterator[SupportApi]:
    with chat_api(database_url, tmp_path, bot_model) as built:
        yield built


def say(api: SupportApi, text: str, client_id: str, **more: Any) -> Any:
    body = {"account_id": "acct-1", "text": text, "client_message_id": client_id} | more
    return api.post("/v1/chat/messages", body, scope="support:chat")


def bot_messages(api: SupportApi, ticket_id: str) -> list[tuple[str, str]]:
    shown = api.get(f"/v1/tickets/{ticket_id}")
    assert shown.status_code == 200, shown.text
    return [
        (m["visibility"], m["body"]) for m in shown.json()["messages"] if m["author_kind"] == "bot"
    ]


def test_the_chat_answer_comes_back_once_however_often_it_is_sent(api: SupportApi) -> None:
    first = say(api, "Why can't I transfer to a beneficiary?", "c1")
    assert first.status_code == 201, first.text
    expected = {
        "answer": BENEFICIARY,
        "handoff_queue": None,
        "language": "en",
        "intent": "beneficiary_not_allowed",
    }
    assert first.json()["bot"] == expected
    again = say(api, "Why can't I transfer to a beneficiary?", "c1")
    assert again.status_code == 200, again.text
    assert (again.json()["duplicate"], again.json()["bot"]) == (True, expected)
    ticket_id = first.json()["ticket_id"]
    assert bot_messages(api, ticket_id) == [("public", BENEFICIARY)]
    assert api.get(f"/v1/tickets/{ticket_id}").json()["status"] == "waiting_customer"


def test_a_hand_off_notice_and_then_the_agents_turn(api: SupportApi) -> None:
    asked = say(api, "转人工", "c1")
    assert asked.status_code == 201, asked.text
    assert asked.json()["bot"] == {
        "answer": L1_ZH,
        "handoff_queue": "l1",
        "language": "zh",
        "intent": "ask_for_human",
    }
    ticket_id = asked.json()["ticket_id"]
    ticket = api.get(f"/v1/tickets/{ticket_id}").json()
    assert (ticket["tier"], ticket["status"]) == ("l1", "waiting_agent")
    assert [v for v, _ in bot_messages(api, ticket_id)] == ["public", "internal"]
    # The ticket is the agents' now: the next message gets no bot answer.
    later = say(api, "还在吗？", "c2")
    assert (later.status_code, later.json()["ticket_id"], later.json()["bot"]) == (
        201,
        ticket_id,
        None,
    )
    assert len(bot_messages(api, ticket_id)) == 2


def test_the_acceptance_case_through_the_chat(
    database_url: str, tmp_path: Path, bot_model: Path, anvil: Anvil
) -> None:
    tx = anvil.send(KEY_0, nonce=0, to=ADDR_1, value=1)
    anvil.mine()
    anvil.mine(2)
    with chat_api(database_url, tmp_path, bot_model, anvil.url) as api:
        answered = say(api, ACCEPTANCE.format(tx=tx), "c1")
    assert answered.status_code == 201, answered.text
    bot = answered.json()["bot"]
    assert (bot["answer"], bot["language"], bot["handoff_queue"]) == (ZH_CONFIRMATIONS, "zh", None)


def test_without_a_model_the_message_is_kept_and_the_bot_is_silent(
    database_url: str, tmp_path: Path
) -> None:
    with chat_api(database_url, tmp_path, tmp_path / "no-model") as api:
        sent = say(api, "Why can't I transfer to a beneficiary?", "c1")
        assert sent.status_code == 201, sent.text
        assert sent.json()["bot"] is None
        shown = api.get(f"/v1/tickets/{sent.json()['ticket_id']}").json()
    assert [m["author_kind"] for m in shown["messages"]] == ["customer"]
