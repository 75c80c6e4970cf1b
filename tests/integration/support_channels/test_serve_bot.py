"""The bot inside `trustdesk serve`: a Chinese mail about a withdrawal, with a transaction
hash, is answered from a real chain node (anvil) and the answer is mailed back on the
thread; a request for a person is handed to L1 with an acknowledgement. SQLite and
PostgreSQL, one server each."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import need
from tests.integration.bot_diag.conftest import ADDR_1, KEY_0, Anvil, _start, _stop, anvil_binary
from tests.integration.bot_reply.helpers import ACCEPTANCE, ZH_CONFIRMATIONS, trained_model
from tests.integration.support_channels.serving import (
    Served,
    eventually,
    gbk_mail,
    run_serve,
    schema_database,
    send,
)


@pytest.fixture(scope="module")
def node() -> Iterator[tuple[Anvil, str]]:
    """anvil with one transfer mined in block 1 and two blocks on top: 3 confirmations."""
    binary = anvil_binary()
    need(binary is not None, "anvil is not installed (run: npm ci --prefix tests/peers)")
    assert binary is not None
    chain = _start(binary)
    try:
        tx = chain.send(KEY_0, nonce=0, to=ADDR_1, value=1)
        chain.mine()
        chain.mine(2)
        yield chain, tx
    finally:
        _stop(chain.process)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def served(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    node: tuple[Anvil, str],
) -> Iterator[Served]:
    model = trained_model(tmp_path_factory)
    with schema_database(request.param, tmp_path_factory, request) as url:
        tmp = tmp_path_factory.mktemp("served-bot")
        env = {"TRUSTDESK_BOT_MODEL_DIR": str(model), "TRUSTDESK_ETH_RPC_URL": node[0].url}
        with run_serve(url, tmp, **env) as server:
            yield server


def mail_from(who: str, message_id: str, subject: str, body: str) -> bytes:
    return gbk_mail(message_id, subject, body).replace(b"wang.fang@example.cn", who.encode())


def customer(served: Served, email: str) -> str:
    identity = {"kind": "email", "value": email}
    made = served.api("POST", "/v1/customers", json={"identities": [identity]})
    assert made.status_code == 201, made.text
    return str(made.json()["id"])


def ticket_of(served: Served, customer_id: str) -> dict[str, Any]:
    [ticket] = served.api("GET", "/v1/tickets", params={"customer": customer_id}).json()
    return dict(served.api("GET", f"/v1/tickets/{ticket['id']}").json())


def test_a_withdrawal_mail_is_answered_from_the_chain(
    served: Served, node: tuple[Anvil, str]
) -> None:
    sender = "zhou.min@example.cn"
    who = customer(served, sender)
    text = ACCEPTANCE.format(tx=node[1])
    assert send(served.smtp_port, mail_from(sender, "<z1@example.cn>", "提现没到账", text)) == 250
    got = eventually(lambda: [r for r in served.sink.received if sender in r.recipients], 60)
    [mail] = [r.mail for r in got]
    ticket = ticket_of(served, who)
    assert (mail["Subject"], mail["In-Reply-To"]) == (
        f"Re: 提现没到账 [#{ticket['id']}]",
        "<z1@example.cn>",
    )
    body = mail.get_body(("plain",))
    assert body is not None and body.get_content().strip() == ZH_CONFIRMATIONS
    assert [(m["author_kind"], m["body"]) for m in ticket["messages"]] == [
        ("customer", text),
        ("bot", ZH_CONFIRMATIONS),
    ]
    assert (ticket["tier"], ticket["status"], ticket["language"]) == (
        "bot",
        "waiting_customer",
        "zh",
    )


def test_asking_for_a_person_by_mail_reaches_l1(served: Served) -> None:
    sender = "he.jun@example.cn"
    who = customer(served, sender)
    raw = mail_from(sender, "<h1@example.cn>", "帮忙", "转人工，谢谢")
    assert send(served.smtp_port, raw) == 250
    got = eventually(lambda: [r for r in served.sink.received if sender in r.recipients], 60)
    [mail] = [r.mail for r in got]
    ticket = ticket_of(served, who)
    assert (ticket["tier"], ticket["status"]) == ("l1", "waiting_agent")
    messages = ticket["messages"]
    public = [(m["author_kind"], m["body"]) for m in messages if m["visibility"] == "public"]
    assert public[0] == ("customer", "转人工，谢谢")
    [(kind, acknowledgement)] = public[1:]
    body = mail.get_body(("plain",))
    assert kind == "bot" and body is not None
    assert body.get_content().strip() == acknowledgement
