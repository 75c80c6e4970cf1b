"""Amount far above the account's own history in the same asset."""

from __future__ import annotations

from trustdesk.risk.checks.config import CheckConfig
from trustdesk.risk.facts import Facts
from trustdesk.risk.model import Signal, TransactionRequest

CODES = frozenset({"AMOUNT_ABOVE_HISTORY"})


def check(req: TransactionRequest, facts: Facts, cfg: CheckConfig) -> list[Signal]:
    past = facts.history.amounts
    if past is None or past.count < cfg.amount_min_history or past.median <= 0:
        return []
    if req.amount > past.maximum and req.amount > past.median * cfg.amount_factor:
        return [
            Signal(
                "AMOUNT_ABOVE_HISTORY",
                {
                    "amount": str(req.amount),
                    "median": str(past.median),
                    "times_median": str(round(req.amount / past.median, 1)),
                    "asset": req.asset,
                },
            )
        ]
    return []
