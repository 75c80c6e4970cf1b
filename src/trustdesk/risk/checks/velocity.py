"""Velocity and rate limits: counts per account, device and IP, amounts per account."""

from __future__ import annotations

from trustdesk.risk.checks.config import CheckConfig
from trustdesk.risk.facts import Facts
from trustdesk.risk.model import Signal, TransactionRequest

CODES = frozenset({"VELOCITY_COUNT_EXCEEDED", "VELOCITY_AMOUNT_EXCEEDED"})


def check(req: TransactionRequest, facts: Facts, cfg: CheckConfig) -> list[Signal]:
    signals: list[Signal] = []
    amount_limits = cfg.velocity.amounts.get(req.asset, {})
    for totals in facts.velocity:
        count_limit = cfg.velocity.counts.get(totals.key_kind, {}).get(totals.window_s)
        if count_limit is not None and totals.count > count_limit:
            signals.append(
                Signal(
                    "VELOCITY_COUNT_EXCEEDED",
                    {
                        "key": totals.key_kind,
                        "window": _window(totals.window_s),
                        "count": totals.count,
                        "limit": count_limit,
                    },
                )
            )
        amount_limit = amount_limits.get(totals.window_s)
        if (
            totals.key_kind == "account"
            and amount_limit is not None
            and totals.amount > amount_limit
        ):
            signals.append(
                Signal(
                    "VELOCITY_AMOUNT_EXCEEDED",
                    {
                        "window": _window(totals.window_s),
                        "amount": str(totals.amount),
                        "limit": str(amount_limit),
                        "asset": req.asset,
                    },
                )
            )
    return signals


def _window(seconds: int) -> str:
    if seconds % 86400 == 0:
        return f"{seconds // 86400}d"
    if seconds % 3600 == 0:
        return f"{seconds // 3600}h"
    if seconds % 60 == 0:
        return f"{seconds // 60}m"
    return f"{seconds}s"
