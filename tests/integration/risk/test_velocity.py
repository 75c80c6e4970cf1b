from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

from trustdesk.audit.service import verify
from trustdesk.bootstrap import Container
from trustdesk.core.clock import FixedClock
from trustdesk.risk.model import Assessment, Decision, Strength
from trustdesk.risk.service import build_request
from trustdesk.risk.store import SqlVelocity

from ._support import DEVICE, assess, body, codes, rows, signal

BTC_PAYEE = "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4"


def burst(container: Container, n: int) -> list[Assessment]:
    # No device or IP: only the account's own limit (10 an hour) is in play.
    return [assess(container, account_id="acct-v", context={}) for _ in range(n)]


def test_the_eleventh_request_in_the_hour_is_flagged(container: Container) -> None:
    first_ten = burst(container, 10)
    assert all("VELOCITY_COUNT_EXCEEDED" not in codes(a) for a in first_ten)
    [eleventh] = burst(container, 1)
    assert signal(eleventh, "VELOCITY_COUNT_EXCEEDED") == {
        "key": "account",
        "window": "1h",
        "count": 11,
        "limit": 10,
    }
    assert eleventh.verdict.decision is Decision.CHALLENGE
    assert eleventh.verdict.reasons[0].message == (
        "11 requests from this account within 1h (limit 10)."
    )


def test_requests_older_than_the_window_do_not_count(
    container: Container, clock: FixedClock
) -> None:
    burst(container, 10)
    clock.advance(seconds=3599)
    [late] = burst(container, 1)
    assert signal(late, "VELOCITY_COUNT_EXCEEDED")["count"] == 11
    clock.advance(seconds=1)  # the first ten are now exactly an hour old: out of the window
    with container.reading() as session:
        totals = SqlVelocity(session, container.pepper).totals(
            build_request(body(account_id="acct-v", context={})), clock.now(), (3600, 86400)
        )
    # A request now would be the 2nd within the hour (after the late one), the 12th in the day.
    assert [(t.key_kind, t.window_s, t.count) for t in totals] == [
        ("account", 3600, 2),
        ("account", 86400, 12),
    ]
    [fresh] = burst(container, 1)
    assert "VELOCITY_COUNT_EXCEEDED" not in codes(fresh)


def test_device_and_ip_totals_span_accounts(container: Container, clock: FixedClock) -> None:
    other_ip = {"ip": "203.0.113.5", "device_id": DEVICE, "country": "SG"}
    assess(container, account_id="acct-x", amount="1")  # 160 min before "now" below
    clock.advance(minutes=120)
    assess(container, account_id="acct-x", amount="2")  # 40 min before
    assess(container, account_id="acct-y", amount="4")  # 40 min before, same device and IP
    clock.advance(minutes=30)
    assess(container, account_id="acct-y", amount="8", context=other_ip)  # 10 min before
    clock.advance(minutes=10)
    with container.reading() as session:
        totals = SqlVelocity(session, container.pepper).totals(
            build_request(body(account_id="acct-x", amount="16")), clock.now(), (3600, 86400)
        )
    # Counts include this request; amounts are the account's own, this one included.
    assert [(t.key_kind, t.window_s, t.count, t.amount) for t in totals] == [
        ("account", 3600, 2, Decimal("18")),
        ("account", 86400, 3, Decimal("19")),
        ("device", 3600, 4, Decimal("16")),
        ("device", 86400, 5, Decimal("16")),
        ("ip", 3600, 3, Decimal("16")),
        ("ip", 86400, 4, Decimal("16")),
    ]


def test_amount_limit_per_asset(container: Container) -> None:
    def btc(amount: str) -> Assessment:
        return assess(
            container,
            account_id="acct-m",
            chain="bitcoin",
            asset="BTC",
            amount=amount,
            destination=BTC_PAYEE,
        )

    assert "VELOCITY_AMOUNT_EXCEEDED" not in codes(btc("3"))
    # 100 ETH is at the ETH limit and does not count towards BTC.
    assert "VELOCITY_AMOUNT_EXCEEDED" not in codes(
        assess(container, account_id="acct-m", amount="100")
    )
    assert "VELOCITY_AMOUNT_EXCEEDED" not in codes(btc("2"))  # 5 BTC: at the limit
    over = btc("0.5")
    assert signal(over, "VELOCITY_AMOUNT_EXCEEDED") == {
        "window": "1d",
        "amount": "5.5",
        "limit": "5",
        "asset": "BTC",
    }
    assert (over.verdict.decision, over.verdict.score, over.verdict.strength) == (
        Decision.CHALLENGE,
        55,
        Strength.STRONG,
    )


def test_concurrent_requests_cannot_slip_under_the_limit(container: Container) -> None:
    start = threading.Barrier(20)

    def one(_: int) -> Assessment:
        start.wait()
        return container.assess(body(account_id="acct-c", context={}), actor="test")

    with ThreadPoolExecutor(max_workers=20) as pool:
        results = list(pool.map(one, range(20)))
    flagged = sorted(
        signal(a, "VELOCITY_COUNT_EXCEEDED")["count"]
        for a in results
        if "VELOCITY_COUNT_EXCEEDED" in codes(a)
    )
    assert flagged == list(range(11, 21))
    assert rows(container)["assessments"] == 20
    with container.reading() as session:
        result = verify(container.audit_log(session))
    assert (result.ok, result.checked) == (True, 20)
