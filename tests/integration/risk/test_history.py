from __future__ import annotations

from trustdesk.bootstrap import Container
from trustdesk.core.clock import FixedClock
from trustdesk.lists.model import ListType, SubjectKind
from trustdesk.lists.service import add_manual_entry, remove_manual_entry
from trustdesk.risk.model import Decision, Strength

from ._support import OTHER_PAYEE, THIRD_PAYEE, assess, codes
from .conftest import T0

NEW_PLACE = {"ip": "203.0.113.9", "device_id": "device-new", "country": "SG"}


def test_a_second_payment_from_the_same_place_is_not_new(container: Container) -> None:
    first = assess(container)
    assert (first.verdict.decision, first.verdict.score) == (Decision.ALLOW, 25)
    assert codes(first) == {"NEW_ACCOUNT", "FIRST_TIME_DESTINATION"}
    second = assess(container, amount="2")
    assert (second.verdict.decision, second.verdict.score, codes(second)) == (
        Decision.ALLOW,
        0,
        set(),
    )


def test_a_challenged_payment_makes_nothing_known(container: Container) -> None:
    assess(container)
    # New device 20 + new IP 5 + first-time payee 15 = 40: a challenge.
    for _ in range(2):
        a = assess(container, destination=OTHER_PAYEE, context=NEW_PLACE)
        assert (a.verdict.decision, a.verdict.score) == (Decision.CHALLENGE, 40)
        assert codes(a) == {"NEW_DEVICE", "NEW_IP", "FIRST_TIME_DESTINATION"}


def test_a_blocked_payment_makes_nothing_known(container: Container) -> None:
    assess(container)
    with container.session() as session:
        add_manual_entry(
            container.list_store(session),
            list_type=ListType.BLOCK,
            kind=SubjectKind.ADDRESS,
            value=THIRD_PAYEE,
            category="scam",
            reason="drainer",
            now=T0,
            family="evm",
        )
    blocked = assess(container, destination=THIRD_PAYEE, context=NEW_PLACE)
    assert blocked.verdict.decision is Decision.BLOCK
    with container.session() as session:
        remove_manual_entry(
            container.list_store(session),
            list_type=ListType.BLOCK,
            kind=SubjectKind.ADDRESS,
            value=THIRD_PAYEE,
            family="evm",
        )
    after = assess(container, destination=THIRD_PAYEE, context=NEW_PLACE)
    assert codes(after) == {"NEW_DEVICE", "NEW_IP", "FIRST_TIME_DESTINATION"}


def test_history_is_per_account(container: Container) -> None:
    assess(container, account_id="acct-a")
    other = assess(container, account_id="acct-b")
    assert codes(other) == {"NEW_ACCOUNT", "FIRST_TIME_DESTINATION"}


def test_a_new_country_after_an_allowed_payment(container: Container, clock: FixedClock) -> None:
    assess(container)
    clock.advance(minutes=10)
    a = assess(
        container, context={"ip": "198.51.100.7", "device_id": "device-7f3a", "country": "BR"}
    )
    assert codes(a) == {"NEW_COUNTRY", "IMPOSSIBLE_TRAVEL"}
    # NEW_COUNTRY 15 + IMPOSSIBLE_TRAVEL 45 = 60: a strong challenge.
    assert (a.verdict.decision, a.verdict.score, a.verdict.strength) == (
        Decision.CHALLENGE,
        60,
        Strength.STRONG,
    )
    travel = [s.details for s in a.signals if s.code == "IMPOSSIBLE_TRAVEL"][0]
    assert (travel["from"], travel["to"], travel["minutes"]) == ("SG", "BR", 10.0)
