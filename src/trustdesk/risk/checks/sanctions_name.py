"""The beneficiary's name (travel-rule data) against the sanctions lists.

The service screens the name once, through a port, and puts the candidates in the facts;
this check only grades the best one. Details name the listed entry (public data), never
the name the customer typed.
"""

from __future__ import annotations

from trustdesk.risk.checks.config import CheckConfig
from trustdesk.risk.facts import Facts
from trustdesk.risk.model import Signal, TransactionRequest

CODES = frozenset({"SANCTIONS_NAME_HIT", "SANCTIONS_NAME_POSSIBLE"})


def check(req: TransactionRequest, facts: Facts, cfg: CheckConfig) -> list[Signal]:
    matches = facts.beneficiary_matches
    if not matches:  # not screened, or nothing at or above the screening threshold
        return []
    best = max(matches, key=lambda m: m.score)
    code = "SANCTIONS_NAME_HIT" if best.score >= cfg.name_block_at else "SANCTIONS_NAME_POSSIBLE"
    return [
        Signal(
            code,
            {
                "list": best.list,
                "entry_id": best.entry_id,
                "listed_name": best.name,
                "primary_name": best.primary_name,
                "score": round(best.score, 4),
                "candidates": len(matches),
            },
        )
    ]
