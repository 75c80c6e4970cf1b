from __future__ import annotations

from trustdesk.risk.checks import lists
from trustdesk.risk.checks.config import CheckConfig
from trustdesk.risk.facts import ListHit
from trustdesk.risk.model import Signal

from ._build import facts, request

CFG = CheckConfig()


def hit(
    list_type: str, category: str, source: str, reason: str = "r", kind: str = "address"
) -> ListHit:
    return ListHit(list_type=list_type, kind=kind, category=category, source=source, reason=reason)


def test_no_hits_no_signals() -> None:
    assert lists.check(request(), facts(), CFG) == []


def test_destination_hits_split_by_list_and_category_in_fixed_order() -> None:
    hits = (
        hit("allow", "user_allowlist", "user", "my cold wallet"),
        hit("grey", "mixer", "feed-g", "watch"),
        hit("block", "scam", "scamsniffer", "drainer"),
        hit("block", "phishing", "darklist:mew", "fake site"),
        hit("allow", "internal", "ops", "exchange hot wallet"),
        hit("block", "sanctions", "ofac-addresses", "OFAC SDN digital currency address (ETH)"),
    )
    signals = lists.check(request(), facts(destination_hits=hits), CFG)
    assert signals == [
        Signal(
            "SANCTIONED_DESTINATION",
            {
                "sources": "ofac-addresses",
                "categories": "sanctions",
                "list_reason": "OFAC SDN digital currency address (ETH)",
            },
        ),
        Signal(
            "BLOCKLISTED_DESTINATION",
            {
                "sources": "darklist:mew, scamsniffer",
                "categories": "phishing, scam",
                "list_reason": "drainer",  # the first matching hit's reason
            },
        ),
        Signal(
            "GREYLISTED_DESTINATION",
            {"sources": "feed-g", "categories": "mixer", "list_reason": "watch"},
        ),
        Signal(
            "DESTINATION_ALLOWLISTED_BY_USER",
            {"sources": "user", "categories": "user_allowlist", "list_reason": "my cold wallet"},
        ),
        Signal(
            "DESTINATION_ALLOWLISTED",
            {"sources": "ops", "categories": "internal", "list_reason": "exchange hot wallet"},
        ),
    ]


def test_same_source_twice_is_named_once() -> None:
    hits = (hit("block", "scam", "feed", "one"), hit("block", "scam", "feed", "two"))
    [signal] = lists.check(request(), facts(destination_hits=hits), CFG)
    assert signal.details == {"sources": "feed", "categories": "scam", "list_reason": "one"}


def test_device_ip_and_account_hits() -> None:
    signals = lists.check(
        request(),
        facts(
            device_hits=(
                hit("grey", "internal", "ops", "shared emulator", "device"),
                hit("block", "fraud", "ops", "stolen phone", "device"),
                hit("allow", "internal", "ops", "test rig", "device"),
            ),
            ip_hits=(hit("block", "abuse", "spamhaus", "botnet", "cidr"),),
            account_hits=(hit("grey", "internal", "ops", "chargeback", "account"),),
        ),
        CFG,
    )
    assert signals == [
        Signal(
            "BLOCKLISTED_DEVICE",
            {"sources": "ops", "categories": "fraud", "list_reason": "stolen phone"},
        ),
        Signal(
            "GREYLISTED_DEVICE",
            {"sources": "ops", "categories": "internal", "list_reason": "shared emulator"},
        ),
        Signal(
            "BLOCKLISTED_IP",
            {"sources": "spamhaus", "categories": "abuse", "list_reason": "botnet"},
        ),
        Signal(
            "GREYLISTED_ACCOUNT",
            {"sources": "ops", "categories": "internal", "list_reason": "chargeback"},
        ),
    ]


def test_allow_hits_on_device_ip_or_account_emit_nothing() -> None:
    allow = (hit("allow", "internal", "ops", "x", "device"),)
    assert (
        lists.check(request(), facts(device_hits=allow, ip_hits=allow, account_hits=allow), CFG)
        == []
    )
