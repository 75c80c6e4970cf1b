"""Block, grey and allow lists: destination, device, IP and account."""

from __future__ import annotations

from trustdesk.risk.checks.config import CheckConfig
from trustdesk.risk.facts import Facts, ListHit
from trustdesk.risk.model import Signal, TransactionRequest

CODES = frozenset(
    {
        "SANCTIONED_DESTINATION",
        "BLOCKLISTED_DESTINATION",
        "GREYLISTED_DESTINATION",
        "DESTINATION_ALLOWLISTED",
        "DESTINATION_ALLOWLISTED_BY_USER",
        "BLOCKLISTED_DEVICE",
        "GREYLISTED_DEVICE",
        "BLOCKLISTED_IP",
        "GREYLISTED_IP",
        "BLOCKLISTED_ACCOUNT",
        "GREYLISTED_ACCOUNT",
    }
)


def check(req: TransactionRequest, facts: Facts, cfg: CheckConfig) -> list[Signal]:
    signals = _destination(facts.destination_hits)
    for subject, hits in (
        ("DEVICE", facts.device_hits),
        ("IP", facts.ip_hits),
        ("ACCOUNT", facts.account_hits),
    ):
        for list_type in ("block", "grey"):
            matching = [h for h in hits if h.list_type == list_type]
            if matching:
                code = f"{'BLOCKLISTED' if list_type == 'block' else 'GREYLISTED'}_{subject}"
                signals.append(Signal(code, _describe(matching)))
    return signals


def _destination(hits: tuple[ListHit, ...]) -> list[Signal]:
    signals: list[Signal] = []
    sanctions = [h for h in hits if h.list_type == "block" and h.category == "sanctions"]
    other_blocks = [h for h in hits if h.list_type == "block" and h.category != "sanctions"]
    greys = [h for h in hits if h.list_type == "grey"]
    user_allows = [h for h in hits if h.list_type == "allow" and h.category == "user_allowlist"]
    allows = [h for h in hits if h.list_type == "allow" and h.category != "user_allowlist"]
    for code, matching in (
        ("SANCTIONED_DESTINATION", sanctions),
        ("BLOCKLISTED_DESTINATION", other_blocks),
        ("GREYLISTED_DESTINATION", greys),
        ("DESTINATION_ALLOWLISTED_BY_USER", user_allows),
        ("DESTINATION_ALLOWLISTED", allows),
    ):
        if matching:
            signals.append(Signal(code, _describe(matching)))
    return signals


def _describe(hits: list[ListHit]) -> dict[str, object]:
    return {
        "sources": ", ".join(sorted({h.source for h in hits})),
        "categories": ", ".join(sorted({h.category for h in hits})),
        "list_reason": hits[0].reason,
    }
