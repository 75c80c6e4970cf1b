"""The demo's support-desk section on SQLite and PostgreSQL: a GBK-encoded Chinese e-mail
through the real SMTP listener and an in-app chat message through the API end up on one
customer timeline with the account's assessments; routed and timed by the shipped desk
rules. And the whole `trustdesk demo` with that section."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.conftest import SHARED_DATA, shared_data
from tests.integration.bot_reply.helpers import bot_container, trained_model
from tests.integration.cli.helpers import EVM_A
from tests.integration.support.helpers import T0, clock_of, count, make_container, read
from trustdesk.bootstrap import Container
from trustdesk.cli.demo_data import DemoPlan
from trustdesk.cli.demo_support import MAIL_BODY, pick_account, run_support_demo
from trustdesk.cli.main import app
from trustdesk.risk.schemas import AssessmentIn
from trustdesk.support.model import Ticket

ACCOUNT = "user-04"
# 我的提现还没到账 in GBK is CE D2 B5 C4 CC E1 CF D6 BB B9 C3 BB B5 BD D5 CB; in base64:
GBK_SUBJECT = "=?gbk?b?ztK1xMzhz9a7ucO7tb3Vyw==?="


@pytest.fixture
def container(database_url: str, tmp_path: Path) -> Iterator[Container]:
    built = make_container(database_url, tmp_path)  # its clock stands at T0, a Sunday
    try:
        yield built
    finally:
        built.close()


def assess_twice(c: Container) -> list[str]:
    """Two payments of the account, two hours and one hour before T0; the clock then at T0."""
    clock, ids = clock_of(c), []
    for hours, amount in ((2, "120.00"), (1, "80.00")):
        clock.set(T0 - timedelta(hours=hours))
        body = {
            "account_id": ACCOUNT,
            "chain": "ethereum",
            "asset": "USDT",
            "amount": amount,
            "destination": EVM_A,
        }
        ids.append(c.assess(AssessmentIn.model_validate(body), "wallet-backend").id)
    clock.set(T0)
    return ids


def by_channel(c: Container) -> dict[str, Ticket]:
    return {t.channel.value: t for t in read(c, lambda d: d.tickets())}


def utc(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def test_mail_and_chat_on_one_timeline(
    container: Container, capsys: pytest.CaptureFixture[str]
) -> None:
    assessed = assess_twice(container)

    assert run_support_demo(container, ACCOUNT) is True

    tickets = by_channel(container)
    assert sorted(tickets) == ["email", "inapp"]
    mail, chat = tickets["email"], tickets["inapp"]
    assert mail.customer_id == chat.customer_id
    customer = read(container, lambda d: d.customer(mail.customer_id)).customer
    assert customer.account_id == ACCOUNT
    assert sorted((i.kind.value, i.value, i.verified) for i in customer.identities) == [
        ("account", ACCOUNT, True),
        ("email", "li.wei@example.com", True),
    ]
    assert mail.subject == "我的提现还没到账"
    messages = read(container, lambda d: d.ticket(mail.id)).messages
    assert [m.body for m in messages] == [MAIL_BODY]  # the GBK body, decoded
    # The e-mail names no category: the default rule puts it with the bot, on the 24x7
    # calendar (normal: 4h first response, 3bd = 27h resolution, wall-clock time).
    assert (mail.category.value, mail.language, mail.tier.value, mail.team) == (
        "other",
        "zh",
        "bot",
        None,
    )
    assert (mail.priority.value, mail.status.value) == ("normal", "new")
    assert (mail.first_response_due_at, mail.resolution_due_at) == (
        utc(2026, 3, 1, 13, 0),
        utc(2026, 3, 2, 12, 0),
    )
    # The chat names a withdrawal problem in Chinese: the blockchain desk, measured on the
    # emea calendar (Mon-Fri 09:00-18:00 Berlin, UTC+1 in March). Sunday, so the clock starts
    # Monday 08:00 UTC: first response 12:00 Monday; 27h = Mon, Tue, Wed -> Wed 17:00 UTC.
    assert (chat.category.value, chat.language, chat.tier.value, chat.team) == (
        "deposit_withdrawal_failure",
        "zh",
        "blockchain",
        None,
    )
    assert (chat.first_response_due_at, chat.resolution_due_at) == (
        utc(2026, 3, 2, 12, 0),
        utc(2026, 3, 4, 17, 0),
    )

    timeline = read(container, lambda d: d.timeline(mail.customer_id))
    kinds = [i.kind.value for i in timeline.items]
    assert kinds == ["assessment"] * 2 + ["ticket_opened"] * 2 + ["message"] * 2
    assert [i.ref for i in timeline.items[:2]] == assessed
    assert sorted((i.fields["channel"], i.fields["author_kind"]) for i in timeline.items[4:]) == [
        ("email", "customer"),
        ("inapp", "customer"),
    ]

    printed = capsys.readouterr().out
    assert f"Subject: {GBK_SUBJECT}" in printed
    assert "the bot is off until a model is trained: trustdesk bot train" in printed
    assert f"ticket {mail.id} via email: 我的提现还没到账\n" in printed
    assert "  due: first response 2026-03-02 12:00, resolution 2026-03-04 17:00 (UTC)\n" in printed
    assert (
        f"one timeline: 2 customer messages (email, inapp) + 2 assessments of account "
        f"{ACCOUNT} for customer {mail.customer_id}\n"
    ) in printed
    # Quiet: the services' own log lines (listener start, requests, "no bot model") stay out.
    for noise in ("mail.smtp_listening", "bot.unavailable", "[info", "[warning"):
        assert noise not in printed


def test_no_assessment_fails_the_check(
    container: Container, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_support_demo(container, ACCOUNT) is False
    assert "one timeline: FAILED: no assessment on the timeline" in capsys.readouterr().err
    assert count(container, "support_messages") == 2  # the messages themselves came in


def test_the_bot_answers_the_mail(
    database_url: str,
    tmp_path: Path,
    tmp_path_factory: pytest.TempPathFactory,
    capsys: pytest.CaptureFixture[str],
) -> None:
    c = bot_container(database_url, tmp_path, trained_model(tmp_path_factory))
    try:
        assess_twice(c)
        assert run_support_demo(c, ACCOUNT) is True
        mail = by_channel(c)["email"]
        messages = read(c, lambda d: d.ticket(mail.id, notes=False)).messages
        shown = [(m.author_kind.value, m.direction.value, m.channel.value) for m in messages]
        assert shown == [("customer", "inbound", "email"), ("bot", "outbound", "email")]
        assert count(c, "bot_runs") == 1
    finally:
        c.close()
    printed = capsys.readouterr().out
    assert f"the bot on the e-mail ({mail.id}): [zh, " in printed
    assert "the bot is off" not in printed


def test_pick_account_prefers_the_user_held_for_review() -> None:
    plan = DemoPlan()
    for account in ("user-01", "user-01", "user-01", "user-04"):
        plan.add("normal", {"account_id": account})
    plan.add("new-device-and-country", {"account_id": "user-04"})
    assert pick_account(plan) == "user-04"
    alone = DemoPlan()
    alone.add("new-device-and-country", {"account_id": "user-09"})  # one request only
    alone.add("normal", {"account_id": "user-02"})
    alone.add("normal", {"account_id": "user-02"})
    assert pick_account(alone) == "user-02"


def test_the_demo_command_with_its_support_section(tmp_path: Path) -> None:
    shared_data("ofac_crypto_addresses")
    result = CliRunner().invoke(
        app,
        ["demo", "--workdir", str(tmp_path / "demo")],
        env={"TRUSTDESK_SHARED_DATA": str(SHARED_DATA)},
    )
    assert result.exit_code == 0, result.output
    text = result.output
    sections = re.findall(r"─ (\d\. [a-z -]+?) ─", text)
    assert sections == ["1. lists", "2. assess", "3. step-up", "4. support desk", "5. audit"]
    # user-04: six usual payments, the one from a new device in Brazil, three darklisted.
    assert re.search(
        r"one timeline: 2 customer messages \(email, inapp\) \+ 10 assessments of account "
        r"user-04 for customer cus_[0-9a-z]{26}\n",
        text,
    ), text
    assert f"Subject: {GBK_SUBJECT}" in text
