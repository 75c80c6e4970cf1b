"""The destination against the account's past: first-time payee and address poisoning.

Address poisoning: an attacker sends dust from an address that shares the first and
last characters of a real counterparty, hoping the victim copies it from history.
Wallets show shortened addresses (0x1234…abcd), so a look-alike is one whose visible
ends match a past counterparty while the middle differs.
"""

from __future__ import annotations

from trustdesk.risk.checks.config import CheckConfig
from trustdesk.risk.facts import Facts
from trustdesk.risk.model import Signal, TransactionRequest

CODES = frozenset({"FIRST_TIME_DESTINATION", "ADDRESS_POISONING"})


def check(req: TransactionRequest, facts: Facts, cfg: CheckConfig) -> list[Signal]:
    history = facts.history
    if history.destination_seen:
        return []
    signals = [Signal("FIRST_TIME_DESTINATION")]
    lookalike = find_lookalike(req.destination, history.counterparties, cfg)
    if lookalike is not None:
        signals.append(
            Signal(
                "ADDRESS_POISONING",
                {"lookalike_of": shorten(lookalike), "destination": shorten(req.destination)},
            )
        )
    return signals


def find_lookalike(dest: str, counterparties: frozenset[str], cfg: CheckConfig) -> str | None:
    body = _body(dest)
    best: tuple[int, str] | None = None
    # Sorted so that equal scores resolve to the same address whatever the set order.
    for past in sorted(counterparties):
        if past == dest:
            continue
        other = _body(past)
        pre = _common_prefix(body, other)
        suf = _common_prefix(body[::-1], other[::-1])
        if (
            pre >= cfg.poisoning_min_prefix
            and suf >= cfg.poisoning_min_suffix
            and pre + suf >= cfg.poisoning_min_total
            and (best is None or pre + suf > best[0])
        ):
            best = (pre + suf, past)
    return best[1] if best else None


def shorten(address: str) -> str:
    return f"{address[:6]}…{address[-4:]}" if len(address) > 12 else address


def _body(address: str) -> str:
    # The fixed "0x" of EVM addresses carries no information; compare what follows.
    return address[2:] if address.startswith("0x") else address


def _common_prefix(a: str, b: str) -> int:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n
