"""The bot tier of the desk with a real trained model, on SQLite and PostgreSQL: answers from the
chain (anvil), from the knowledge base, hand-offs with their notes, idempotence, the sweep."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.integration.bot_diag.conftest import ADDR_1, KEY_0, Anvil
from tests.integration.bot_reply.helpers import ACCEPTANCE, ZH_CONFIRMATIONS, bot_container
from tests.integration.support.helpers import audit, count, inbound, read, write
from trustdesk.bootstrap import Container
from trustdesk.bot.desk_bot import BotRun, NotACustomerMessage
from trustdesk.bot.intents import IntentModel
from trustdesk.support.model import IntakeResult, Status, Tier
from trustdesk.support.service import CustomerRef, IdentityIn, TicketIn, TicketView

L1_EN = (
    "Thank you for your message. We have passed your request to our support team, and an "
    "agent will reply here as soon as possible."
)
L1_ZH = "感谢您的留言。我们已将您的问题转交客服团队，客服人员会尽快在这里回复您。"
L2_EN = (
    "We have passed your case to our senior support team, who handle account security and "
    "stolen funds. A specialist will contact you here; in the meantime, do not send funds to "
    "anyone who offers to recover them."
)
BENEFICIARY = (
    "With the whitelist turned on, withdrawals can only go to addresses you saved in advance. "
    "If someone gets into your account, they still cannot send your funds to their own "
    "address.\n\n"
    "More in our help article “Withdrawal address whitelist: how and why” (address-whitelist)."
)


@pytest.fixture
def desk(database_url: str, tmp_path: Path, bot_model: Path) -> Iterator[Container]:
    container = bot_container(database_url, tmp_path, bot_model)
    try:
        yield container
    finally:
        container.close()


def chat(container: Container, text: str, n: int = 1, account: str = "acct-1") -> IntakeResult:
    msg = inbound(
        channel="inapp",
        external_id=f"{account}:{n}",
        sender_kind="account",
        sender=account,
        sender_name=None,
        subject=None,
        body=text,
        language=None,
    )
    return container.support_intake(msg)


def view(container: Container, ticket_id: str) -> TicketView:
    return read(container, lambda d: d.ticket(ticket_id))


def bot_messages(container: Container, ticket_id: str) -> list[tuple[str, str]]:
    """(visibility, body) of every message the bot wrote, in order."""
    return [
        (m.visibility.value, m.body)
        for m in view(container, ticket_id).messages
        if m.author_kind.value == "bot"
    ]


def bot_audit(container: Container) -> list[tuple[str, str, dict[str, Any]]]:
    return [e for e in audit(container) if e[0].startswith("bot.")]


def note_facts(body: str) -> dict[str, Any]:
    found = re.search(r"```json\n(.*)\n```", body, re.DOTALL)
    assert found is not None, body
    facts: dict[str, Any] = json.loads(found.group(1))
    return facts


def test_the_acceptance_case_is_answered_from_the_chain(
    database_url: str, tmp_path: Path, bot_model: Path, anvil: Anvil
) -> None:
    tx = anvil.send(KEY_0, nonce=0, to=ADDR_1, value=1)
    anvil.mine()
    anvil.mine(2)
    container = bot_container(database_url, tmp_path, bot_model, rpc=anvil.url)
    try:
        taken = chat(container, ACCEPTANCE.format(tx=tx))
        run = container.run_bot(taken.ticket_id, taken.message_id)
        assert run is not None
        assert (run.outcome, run.language, run.answer, run.handoff_queue) == (
            "replied",
            "zh",
            ZH_CONFIRMATIONS,
            None,
        )
        ticket = view(container, taken.ticket_id).ticket
        assert (ticket.tier, ticket.status, ticket.language) == (
            Tier.BOT,
            Status.WAITING_CUSTOMER,
            "zh",
        )
        assert bot_messages(container, taken.ticket_id) == [("public", ZH_CONFIRMATIONS)]
        [(action, subject, payload)] = bot_audit(container)
        prediction = IntentModel.load(bot_model).predict(ACCEPTANCE.format(tx=tx))
        assert (action, subject) == ("bot.replied", f"ticket:{taken.ticket_id}")
        assert payload == {
            "ticket_id": taken.ticket_id,
            "message_id": taken.message_id,
            "reply_message_id": run.reply_message_id,
            "language": "zh",
            "intent": prediction.intent,
            "model_intent": prediction.intent,
            "confidence": round(prediction.confidence, 4),
            "queue": None,
            "reason": None,
            "findings": ["awaiting_confirmations"],
            "articles": [],
            "warnings": [],
            "phishing": [],
        }
    finally:
        container.close()


def test_the_same_message_twice_gets_one_reply(desk: Container) -> None:
    taken = chat(desk, "Why can't I transfer to a beneficiary?")
    first = desk.run_bot(taken.ticket_id, taken.message_id)
    second = desk.run_bot(taken.ticket_id, taken.message_id)
    assert first is not None and second is not None
    assert (first.answer, first.duplicate) == (BENEFICIARY, False)
    assert second == BotRun(**(first.__dict__ | {"duplicate": True}))
    assert bot_messages(desk, taken.ticket_id) == [("public", BENEFICIARY)]
    assert count(desk, "bot_runs") == 1
    assert [a for a, _, _ in bot_audit(desk)] == ["bot.replied"]


def test_concurrent_runs_of_one_message_post_once(desk: Container) -> None:
    taken = chat(desk, "Why can't I transfer to a beneficiary?")
    desk.bot_desk().runtime.model()  # loaded before the race, so both start together
    runs: list[BotRun | None] = []
    start = threading.Barrier(3)

    def go() -> None:
        start.wait()
        runs.append(desk.run_bot(taken.ticket_id, taken.message_id))

    workers = [threading.Thread(target=go) for _ in range(3)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert sorted(r.duplicate for r in runs if r is not None) == [False, True, True]
    assert bot_messages(desk, taken.ticket_id) == [("public", BENEFICIARY)]


def test_a_hand_off_leaves_a_note_with_the_facts_and_the_ticket_on_l2(desk: Container) -> None:
    text = "My phone was stolen so I no longer have access to the app."
    taken = chat(desk, text)
    run = desk.run_bot(taken.ticket_id, taken.message_id)
    assert run is not None
    assert (run.outcome, run.handoff_queue, run.handoff_reason, run.intent, run.answer) == (
        "handed_off",
        "l2",
        "theft",
        "suspected_theft",
        L2_EN,
    )
    ticket = view(desk, taken.ticket_id).ticket
    assert (ticket.tier, ticket.status) == (Tier.L2, Status.WAITING_AGENT)
    [(public, ack), (internal, note)] = bot_messages(desk, taken.ticket_id)
    assert (public, ack, internal) == ("public", L2_EN, "internal")
    prediction = IntentModel.load(desk.settings.bot_model_dir).predict(text)
    assert note.startswith(
        f"Bot hand-off to l2 (theft). Language en, intent suspected_theft (model: "
        f"{prediction.intent}, confidence {prediction.confidence:.4f}"
    )
    facts = note_facts(note)
    assert {k: facts[k] for k in ("language", "intent", "model_intent", "handoff_queue")} == {
        "language": "en",
        "intent": "suspected_theft",
        "model_intent": prediction.intent,
        "handoff_queue": "l2",
    }
    assert (facts["confidence"], facts["handoff_reason"]) == (
        round(prediction.confidence, 6),
        "theft",
    )
    assert (facts["diagnosis"], facts["phishing"], facts["warnings"]) == (None, [], [])
    [(action, _, payload)] = bot_audit(desk)
    assert (action, payload["queue"], payload["reason"]) == ("bot.handed_off", "l2", "theft")
    assert text not in json.dumps(payload)


def test_a_kyc_dispute_goes_to_compliance_with_the_article(desk: Container) -> None:
    taken = chat(desk, "KYC 又被拒了，已经是第三次了")
    run = desk.run_bot(taken.ticket_id, taken.message_id)
    assert run is not None and run.handoff_queue == "compliance"
    assert run.answer.endswith(
        "在此期间，您可以参考帮助文章《身份认证（KYC）被拒：需要重新提交什么》（kyc-rejected），"
        "了解需要重新提交的材料。"
    )
    ticket = view(desk, taken.ticket_id).ticket
    assert (ticket.tier, ticket.status) == (Tier.COMPLIANCE, Status.WAITING_AGENT)
    facts = note_facts(bot_messages(desk, taken.ticket_id)[1][1])
    assert facts["article"]["slug"] == "kyc-rejected"


def test_asking_for_a_person_in_chinese_goes_to_l1(desk: Container) -> None:
    taken = chat(desk, "转人工，谢谢")
    run = desk.run_bot(taken.ticket_id, taken.message_id)
    assert run is not None
    assert (run.handoff_queue, run.handoff_reason, run.language, run.answer) == (
        "l1",
        "asked_for_human",
        "zh",
        L1_ZH,
    )
    assert view(desk, taken.ticket_id).ticket.tier is Tier.L1


def test_after_two_answers_the_next_message_goes_to_l1(desk: Container) -> None:
    questions = [
        "Why can't I transfer to a beneficiary?",
        "Explain why I can't do a transfer to a beneficiary.",
        "My beneficiary is not allowed, please may I have answer as to why this is?",
    ]
    outcomes = []
    for n, question in enumerate(questions, 1):
        taken = chat(desk, question, n)
        run = desk.run_bot(taken.ticket_id, taken.message_id)
        assert run is not None
        outcomes.append((run.outcome, run.handoff_reason))
    assert outcomes == [("replied", None), ("replied", None), ("handed_off", "conversation_loop")]
    ticket = view(desk, taken.ticket_id).ticket
    assert (ticket.tier, ticket.status) == (Tier.L1, Status.WAITING_AGENT)


def test_a_customer_repeating_themselves_goes_to_l1(desk: Container) -> None:
    first = chat(desk, "Why can't I transfer to a beneficiary?", 1)
    desk.run_bot(first.ticket_id, first.message_id)
    again = chat(desk, "why cant I transfer to a beneficiary??", 2)
    run = desk.run_bot(again.ticket_id, again.message_id)
    assert run is not None and run.handoff_reason == "conversation_loop"


def test_messages_since_the_last_reply_are_answered_together(desk: Container) -> None:
    first = chat(desk, "Hello", 1)
    second = chat(desk, "Why can't I transfer to a beneficiary?", 2)
    assert desk.run_bot(first.ticket_id, first.message_id) is None  # a later one came
    run = desk.run_bot(second.ticket_id, second.message_id)
    assert run is not None and run.outcome == "replied"
    assert bot_messages(desk, second.ticket_id) == [("public", BENEFICIARY)]


def test_tickets_off_the_bot_tier_are_left_alone(desk: Container) -> None:
    opened = write(
        desk,
        lambda d: d.open_ticket(
            CustomerRef(identity=IdentityIn(kind="account", value="acct-9")),
            TicketIn(subject="Help", tier="l1"),
            body="Why can't I transfer?",
        ),
    )
    message = opened.messages[0]
    assert desk.run_bot(opened.ticket.id, message.id) is None
    assert bot_messages(desk, opened.ticket.id) == []
    with pytest.raises(NotACustomerMessage):
        desk.run_bot(opened.ticket.id, "msg_nope")


def test_the_sweep_answers_what_came_while_the_bot_was_down(desk: Container) -> None:
    a = chat(desk, "Why can't I transfer to a beneficiary?", 1, account="acct-a")
    b = chat(desk, "转人工", 1, account="acct-b")
    report = desk.bot_sweep()
    assert report.to_json() == {
        "replied": [a.ticket_id],
        "handed_off": [b.ticket_id],
        "failed": [],
    }
    assert desk.bot_sweep().to_json() == {"replied": [], "handed_off": [], "failed": []}
    assert bot_messages(desk, a.ticket_id) == [("public", BENEFICIARY)]
