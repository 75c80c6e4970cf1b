"""The jurisdiction pack's rules for one transfer: the KYC level the amount needs, and the
travel-rule data about the beneficiary.

Amounts are in the asset and no price feed is consulted, so a pack's fiat thresholds are
compared only when the asset is the pack's currency or a stablecoin pegged to it (USDT and
USDC count as USD). Other assets are skipped: no signal, whatever the amount (even the EU's
travel-rule threshold of 0 and a pack's lowest KYC band are not enforced for them).

Of the travel-rule fields, only those a request can carry are judged: the beneficiary's
``name``, ``country`` and ``date_of_birth`` (``dob``), and what the transfer itself gives
(``distributed_ledger_address``, ``account_number`` (a wallet's address, as FATF's guidance
reads it), ``amount``, ``execution_date``). Other fields (``institution``, ``address``, …)
and the packs' ``one_of`` alternatives are left to the operator's travel-rule messaging.
Only transfers at or over the threshold are judged, not the packs' below-threshold data.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Final

from trustdesk.compliance.kyc import KycLevel
from trustdesk.compliance.packs import Pack
from trustdesk.risk.checks.config import CheckConfig
from trustdesk.risk.facts import Facts
from trustdesk.risk.model import Party, Signal, TransactionRequest

CODES = frozenset({"KYC_LEVEL_INSUFFICIENT", "TRAVEL_RULE_DATA_MISSING"})

# Stablecoins taken at par with the fiat currency they track.
PEGGED: Final = {"USDT": "USD", "USDC": "USD"}
FROM_TRANSFER: Final = frozenset(
    {"distributed_ledger_address", "account_number", "amount", "execution_date"}
)
FROM_PARTY: Final = frozenset({"name", "country", "date_of_birth"})


def check(req: TransactionRequest, facts: Facts, cfg: CheckConfig) -> list[Signal]:
    found = facts.jurisdiction
    if found is None:
        return []
    pack = found.pack
    signals: list[Signal] = []
    required = _kyc_required(pack, req)
    if required is not None and not found.kyc_level.covers(required):
        signals.append(
            Signal(
                "KYC_LEVEL_INSUFFICIENT",
                {
                    "jurisdiction": pack.code,
                    "required": required.value,
                    "verified": found.kyc_level.value,
                },
            )
        )
    missing = _travel_rule_missing(pack, req)
    if missing:
        tr = pack.travel_rule
        signals.append(
            Signal(
                "TRAVEL_RULE_DATA_MISSING",
                {
                    "jurisdiction": pack.code,
                    "missing": ", ".join(missing),
                    "threshold": f"{tr.threshold} {tr.currency}",
                },
            )
        )
    return signals


def amount_in(req: TransactionRequest, currency: str) -> Decimal | None:
    """The amount in ``currency``, or None when it cannot be told without a price."""
    if req.asset == currency or PEGGED.get(req.asset) == currency:
        return req.amount
    return None


def _kyc_required(pack: Pack, req: TransactionRequest) -> KycLevel | None:
    amount = amount_in(req, pack.kyc.currency)
    return None if amount is None else pack.kyc.level_for(amount)


def _travel_rule_missing(pack: Pack, req: TransactionRequest) -> list[str]:
    tr = pack.travel_rule
    amount = amount_in(req, tr.currency)
    if amount is None:
        return []
    over = amount >= tr.threshold if tr.inclusive else amount > tr.threshold
    if not over:
        return []
    given = FROM_TRANSFER | _party_fields(req.beneficiary)
    return [f for f in tr.above.beneficiary if f in FROM_TRANSFER | FROM_PARTY and f not in given]


def _party_fields(party: Party | None) -> frozenset[str]:
    if party is None:
        return frozenset()
    fields = {"name"}
    if party.country:
        fields.add("country")
    if party.dob:
        fields.add("date_of_birth")
    return frozenset(fields)
