"""A customer's timeline on SQLite and PostgreSQL: support's own records and, through the
customer's wallet accounts, assessments, step-up challenges and KYC events, in time order."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.integration.support.helpers import T0, clock_of, inbound, read, write
from trustdesk.bootstrap import Container
from trustdesk.compliance.kyc import KycLevel
from trustdesk.compliance.kyc_store import kyc_desk
from trustdesk.core.errors import InvalidInput
from trustdesk.risk.schemas import AssessmentIn
from trustdesk.support.customers import CustomerIn
from trustdesk.support.model import Visibility
from trustdesk.support.service import ReplyIn

ACCOUNT = "acct-tl"


def story(container: Container) -> tuple[str, str, str, str, str]:
    """customer id, ticket id, assessment id, challenge id, and the note's message id."""
    clock = clock_of(container)
    customer_id = write(
        container, lambda d: d.create_customer(CustomerIn(display_name="Tia", account_id=ACCOUNT))
    ).id
    clock.advance(minutes=1)  # 09:01 KYC submitted
    with container.session() as session:
        kyc_desk(
            session,
            pepper=container.pepper,
            clock=container.clock,
            audit=container.audit_log(session),
            actor="compliance-1",
        ).submit(ACCOUNT, KycLevel.BASIC, jurisdiction="id")
    clock.advance(minutes=1)  # 09:02 a withdrawal, challenged (the session is 5 s old)
    request = AssessmentIn.model_validate(
        {
            "account_id": ACCOUNT,
            "chain": "ethereum",
            "asset": "ETH",
            "amount": "0.25",
            "destination": "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
            "context": {"session_age_s": 5},
        }
    )
    assessment = container.assess(request, "wallet-backend")
    assert assessment.verdict.decision.value == "challenge"
    clock.advance(minutes=1)  # 09:03 the step-up starts
    challenge = container.run_stepup(lambda s, _: s.challenge(assessment), "wallet-backend")
    clock.advance(minutes=1)  # 09:04 the customer writes in from the app
    chat = container.support_intake(
        inbound(
            channel="inapp",
            external_id="c-1",
            sender_kind="account",
            sender=ACCOUNT,
            subject=None,
            body="Why do I need to confirm?",
            received_at=clock.now(),
        )
    )
    assert chat.customer_id == customer_id
    clock.advance(minutes=1)  # 09:05 an agent's note, then the reply
    note = ReplyIn(body="Session too fresh.", author_id="a-1", visibility=Visibility.INTERNAL)
    _, noted = write(container, lambda d: d.reply(chat.ticket_id, note))
    clock.advance(minutes=1)  # 09:06 the reply
    write(container, lambda d: d.reply(chat.ticket_id, ReplyIn(body="Safety.", author_id="a-1")))
    return customer_id, chat.ticket_id, assessment.id, challenge.id, noted.id


def test_the_whole_story_in_order(container: Container) -> None:
    customer_id, ticket_id, assessment_id, challenge_id, note_id = story(container)
    timeline = read(container, lambda d: d.timeline(customer_id))
    rows = [(i.at - T0, i.kind.value, i.ref) for i in timeline.items]
    minute = timedelta(minutes=1)
    assert rows[:5] == [
        (1 * minute, "kyc", f"kyc:{ACCOUNT}:1"),
        (2 * minute, "assessment", assessment_id),
        (3 * minute, "challenge", challenge_id),
        (4 * minute, "ticket_opened", ticket_id),
        (4 * minute, "message", rows[4][2]),
    ]
    assert rows[5] == (5 * minute, "message", note_id)
    assert [(r[0], r[1]) for r in rows[6:]] == [
        (6 * minute, "message"),
        (6 * minute, "status_changed"),
    ]
    assert timeline.truncated is False
    items = {i.kind.value: i for i in timeline.items}
    kyc = items["kyc"].to_json()
    assert kyc | {"at": ""} == {
        "at": "",
        "kind": "kyc",
        "ref": f"kyc:{ACCOUNT}:1",
        "summary": "KYC submit: none -> pending, level none",
        "account_id": ACCOUNT,
        "action": "submit",
        "from": "none",
        "status": "pending",
        "level": "none",
        "requested_level": "basic",
        "reasons": [],
    }
    decision = items["assessment"].fields
    assert (decision["decision"], decision["account_id"], decision["asset"]) == (
        "challenge",
        ACCOUNT,
        "ETH",
    )
    assert isinstance(decision["score"], int)
    assert decision["reason_codes"] and all(isinstance(c, str) for c in decision["reason_codes"])
    assert items["challenge"].fields["status"] == "pending"
    assert items["status_changed"].fields == {
        "ticket_id": ticket_id,
        "from": "new",
        "to": "waiting_customer",
        "reason": "agent_reply",
    }
    # No message text and no destination address in a summary.
    text = repr(timeline.to_json())
    for private in (
        "Why do I need",
        "Session too fresh",
        "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
    ):
        assert private not in text


def test_without_notes_window_and_limit(container: Container) -> None:
    customer_id, _, _, _, note_id = story(container)
    without = read(container, lambda d: d.timeline(customer_id, notes=False))
    assert note_id not in [i.ref for i in without.items]
    assert len(without.items) == 7
    window = read(
        container,
        lambda d: d.timeline(
            customer_id, since=T0 + timedelta(minutes=2), until=T0 + timedelta(minutes=4)
        ),
    )
    assert [i.kind.value for i in window.items] == ["assessment", "challenge"]
    limited = read(container, lambda d: d.timeline(customer_id, limit=3))
    assert ([i.kind.value for i in limited.items], limited.truncated) == (
        ["kyc", "assessment", "challenge"],
        True,
    )
    with pytest.raises(InvalidInput) as caught:
        read(container, lambda d: d.timeline(customer_id, limit=1001))
    assert caught.value.field == "limit"


def test_a_merged_customer_brings_its_accounts(container: Container) -> None:
    customer_id, *_ = story(container)
    other = write(container, lambda d: d.create_customer(CustomerIn(display_name="Tia (old)")))
    write(container, lambda d: d.merge(customer_id, other.id))
    merged = read(container, lambda d: d.timeline(customer_id))
    assert merged.customer_id == other.id
    assert [i.kind.value for i in merged.items][:3] == ["kyc", "assessment", "challenge"]
