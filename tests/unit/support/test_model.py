"""The ticket status machine, ticket ids and subject tokens, tags, languages, regions."""

from __future__ import annotations

import hashlib
import itertools
import re

import pytest

from trustdesk.core.errors import InvalidInput
from trustdesk.support.model import (
    TRANSITIONS,
    BadTransition,
    Status,
    Tier,
    after_customer_message,
    after_public_reply,
    allowed_next,
    check_body,
    check_language,
    check_region,
    check_transition,
    clean_text,
    find_ticket_ref,
    new_ticket_id,
    normalize_tags,
    storage_key,
    subject_token,
)

# Written out from the spec, independently of the table in the model.
ALLOWED = {
    ("new", "bot"),
    ("new", "waiting_agent"),
    ("new", "waiting_customer"),
    ("new", "resolved"),
    ("bot", "waiting_agent"),
    ("bot", "waiting_customer"),
    ("bot", "resolved"),
    ("waiting_agent", "waiting_customer"),
    ("waiting_agent", "resolved"),
    ("waiting_customer", "waiting_agent"),
    ("waiting_customer", "bot"),
    ("waiting_customer", "resolved"),
    ("resolved", "closed"),
    ("resolved", "waiting_agent"),
    ("closed", "waiting_agent"),
}


def test_the_table_holds_exactly_the_allowed_moves() -> None:
    assert {(a.value, b.value) for a, b in TRANSITIONS} == ALLOWED


@pytest.mark.parametrize(("start", "target"), sorted(ALLOWED))
def test_every_allowed_move_is_named(start: str, target: str) -> None:
    assert (
        check_transition(Status(start), Status(target))
        == TRANSITIONS[(Status(start), Status(target))]
    )


REFUSED = sorted(
    (a.value, b.value)
    for a, b in itertools.product(Status, Status)
    if (a.value, b.value) not in ALLOWED
)


def test_every_other_pair_is_refused() -> None:
    assert len(REFUSED) == 36 - 15
    for start, target in REFUSED:
        with pytest.raises(BadTransition) as caught:
            check_transition(Status(start), Status(target))
        assert caught.value.code == "support.bad_transition"
        assert caught.value.status == 409
        assert f"from {start} to {target}" in caught.value.message


def test_a_refusal_says_where_the_ticket_may_go() -> None:
    with pytest.raises(BadTransition) as caught:
        check_transition(Status.CLOSED, Status.RESOLVED)
    assert caught.value.message == (
        "a ticket cannot go from closed to resolved; from closed it may go to: waiting_agent"
    )
    assert caught.value.field == "status"
    with pytest.raises(BadTransition) as caught:
        check_transition(Status.NEW, Status.NEW)
    assert caught.value.message == (
        "a ticket cannot go from new to new; from new it may go to: "
        "bot, waiting_agent, waiting_customer, resolved"
    )


def test_allowed_next() -> None:
    assert allowed_next(Status.RESOLVED) == [Status.CLOSED, Status.WAITING_AGENT]
    assert allowed_next(Status.CLOSED) == [Status.WAITING_AGENT]


@pytest.mark.parametrize(
    ("status", "tier", "expected"),
    [
        (Status.NEW, Tier.BOT, None),
        (Status.BOT, Tier.BOT, None),
        (Status.WAITING_AGENT, Tier.L1, None),
        (Status.WAITING_CUSTOMER, Tier.BOT, Status.BOT),
        (Status.WAITING_CUSTOMER, Tier.L1, Status.WAITING_AGENT),
        (Status.WAITING_CUSTOMER, Tier.COMPLIANCE, Status.WAITING_AGENT),
        (Status.RESOLVED, Tier.BOT, Status.WAITING_AGENT),
        (Status.CLOSED, Tier.L2, Status.WAITING_AGENT),
    ],
)
def test_a_customer_message(status: Status, tier: Tier, expected: Status | None) -> None:
    assert after_customer_message(status, tier) is expected
    if expected is not None:
        assert (status, expected) in TRANSITIONS


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (Status.NEW, Status.WAITING_CUSTOMER),
        (Status.BOT, Status.WAITING_CUSTOMER),
        (Status.WAITING_AGENT, Status.WAITING_CUSTOMER),
        (Status.WAITING_CUSTOMER, None),
        (Status.RESOLVED, None),
        (Status.CLOSED, None),
    ],
)
def test_a_public_reply(status: Status, expected: Status | None) -> None:
    assert after_public_reply(status) is expected


def test_ticket_ids_and_tokens() -> None:
    ids = {new_ticket_id() for _ in range(200)}
    assert len(ids) == 200
    for ticket_id in ids:
        assert re.fullmatch(r"TD-[0-9A-HJKMNP-TV-Z]{6}", ticket_id)
    assert subject_token("TD-7K3QX9") == "[#TD-7K3QX9]"
    assert find_ticket_ref("Re: Withdrawal stuck [#TD-7K3QX9]") == "TD-7K3QX9"
    assert find_ticket_ref("re: [#td-7k3qx9] again") == "TD-7K3QX9"
    assert find_ticket_ref("[# TD-7K3QX9 ]") == "TD-7K3QX9"
    # I, L, O and U are not in the alphabet: such a token is not ours.
    assert find_ticket_ref("[#TD-7K3QXI] then [#TD-ABCDEF]") == "TD-ABCDEF"
    assert find_ticket_ref("TD-7K3QX9 without brackets") is None
    assert find_ticket_ref(None) is None


def test_tags_are_normalized() -> None:
    assert normalize_tags(["  VIP ", "vip", "Withdrawal Delay", "chain:TRON", ""]) == (
        "chain:tron",
        "vip",
        "withdrawal-delay",
    )
    assert normalize_tags([]) == ()
    with pytest.raises(InvalidInput, match="at most 20 tags") as caught:
        normalize_tags([f"t{i}" for i in range(21)])
    assert caught.value.field == "tags"
    assert len(normalize_tags([f"t{i}" for i in range(20)] + ["t0"])) == 20
    assert normalize_tags(["x" * 40]) == ("x" * 40,)
    with pytest.raises(InvalidInput, match="1-40 letters"):
        normalize_tags(["x" * 41])
    with pytest.raises(InvalidInput):
        normalize_tags(["<script>"])


def test_languages_and_regions() -> None:
    assert check_language("EN") == "en"
    assert check_language("zh-hant") == "zh-Hant"
    assert check_language("pt-br") == "pt-BR"
    assert check_language(" id ") == "id"
    for bad in ("english", "e", "en_US", "", "en-"):
        with pytest.raises(InvalidInput) as caught:
            check_language(bad)
        assert caught.value.field == "language"
    assert check_region("id") == "ID"
    assert check_region("eu-west") == "EU-WEST"
    with pytest.raises(InvalidInput):
        check_region("x")


def test_bodies_and_storage_keys() -> None:
    assert check_body("hello") == "hello"
    assert check_body("a\x00b") == "a\ufffdb"
    assert clean_text("x\ud800y") == "x\ufffdy"
    assert check_body("", required=False) == ""
    with pytest.raises(InvalidInput, match="empty"):
        check_body("  \n")
    assert len(check_body("x" * 20_000)) == 20_000
    with pytest.raises(InvalidInput, match="at most 20000"):
        check_body("x" * 20_001)
    assert storage_key("  <a@b>  ") == "<a@b>"
    long_id = "<" + "x" * 300 + "@example.com>"
    # The SHA-256 of the trimmed text, computed apart with hashlib.
    assert storage_key(long_id) == "sha256:" + hashlib.sha256(long_id.encode()).hexdigest()
    assert storage_key("y" * 255) == "y" * 255
