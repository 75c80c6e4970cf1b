"""The assessment request and response as they cross the boundary (API body, CLI line)."""

from __future__ import annotations

import ipaddress
import re
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator

from trustdesk.risk.model import Assessment

MAX_AMOUNT = Decimal(10) ** 15
MAX_DECIMALS = 18
_ACCOUNT_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:@-]{0,63}")
_ASSET_RE = re.compile(r"[A-Z0-9.]{1,16}")
# Used with fullmatch: "$" would also match before a trailing newline.
_PRINTABLE = re.compile(r"[^\x00-\x1f\x7f]*")


def _amount(value: Any) -> Decimal:
    # Floats are refused: 0.1 as a JSON number is already inexact before we see it.
    if isinstance(value, (bool, float)):
        raise ValueError('amount must be a decimal string such as "0.25"')
    if isinstance(value, int):
        value = str(value)
    if not isinstance(value, str):
        raise ValueError('amount must be a decimal string such as "0.25"')
    text = value.strip()
    if not re.fullmatch(r"[0-9]+(\.[0-9]+)?", text):  # \d would admit other scripts' digits
        raise ValueError('amount must be a plain positive decimal such as "0.25"')
    try:
        amount = Decimal(text)
    except InvalidOperation as exc:  # pragma: no cover - the regex admits only valid text
        raise ValueError("amount is not a number") from exc
    if amount <= 0:
        raise ValueError("amount must be greater than zero")
    if amount >= MAX_AMOUNT:
        raise ValueError("amount is absurdly large (limit 10^15)")
    exponent = amount.as_tuple().exponent
    if isinstance(exponent, int) and -exponent > MAX_DECIMALS:
        raise ValueError(f"amount has more than {MAX_DECIMALS} decimal places")
    return amount


AmountText = Annotated[Decimal, BeforeValidator(_amount)]


def _country_code(value: str | None) -> str | None:
    if value is None:
        return None
    from trustdesk.risk.countries import known_country_codes

    code = value.strip().upper()
    if code not in known_country_codes():
        raise ValueError("not an ISO 3166-1 alpha-2 country code")
    return code


class ContextIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ip: str | None = Field(default=None, max_length=64)
    device_id: str | None = Field(default=None, min_length=1, max_length=256)
    device_fingerprint: str | None = Field(default=None, min_length=1, max_length=1024)
    user_agent: str | None = Field(default=None, max_length=1024)
    country: str | None = Field(default=None, description="ISO 3166-1 alpha-2")
    session_age_s: int | None = Field(default=None, ge=0, le=10 * 365 * 86400)

    @field_validator("ip")
    @classmethod
    def _ip(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            return str(ipaddress.ip_address(value.strip()))
        except ValueError as exc:
            raise ValueError("not an IPv4 or IPv6 address") from exc

    @field_validator("country")
    @classmethod
    def _country(cls, value: str | None) -> str | None:
        return _country_code(value)

    @field_validator("device_id", "device_fingerprint", "user_agent")
    @classmethod
    def _printable(cls, value: str | None) -> str | None:
        if value is not None and not _PRINTABLE.fullmatch(value):
            raise ValueError("control characters are not allowed")
        return value


class PartyIn(BaseModel):
    """Travel-rule data about the beneficiary or the originator of a transfer."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=300, description="full name or legal name")
    type: Literal["person", "entity"] | None = None
    country: str | None = Field(default=None, description="ISO 3166-1 alpha-2")
    dob: str | None = Field(default=None, description="date of birth: YYYY, YYYY-MM or YYYY-MM-DD")

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        from trustdesk.compliance.names import normalize_name
        from trustdesk.core.errors import InvalidInput

        if not _PRINTABLE.fullmatch(value):
            raise ValueError("control characters are not allowed")
        try:
            normalize_name(value)  # the same refusal screening would give, before any work
        except InvalidInput as exc:
            raise ValueError(exc.message) from None
        return value

    @field_validator("country")
    @classmethod
    def _country(cls, value: str | None) -> str | None:
        return _country_code(value)

    @field_validator("dob")
    @classmethod
    def _dob(cls, value: str | None) -> str | None:
        if value is None:
            return None
        text = value.strip()
        if not re.fullmatch(r"[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?", text):
            raise ValueError("date of birth must be YYYY, YYYY-MM or YYYY-MM-DD")
        year, month, day = (int(p) for p in (text + "-01-01").split("-")[:3])
        try:
            date(year, month, day)  # refuses month 13, 30 February, ...
        except ValueError:
            raise ValueError("not a valid date of birth") from None
        return text


class AssessmentIn(BaseModel):
    """One transaction to decide on: the body of POST /v1/assessments and a line of a batch."""

    model_config = ConfigDict(extra="forbid")

    account_id: str = Field(description="the wallet's own id for the user or account")
    chain: str = Field(max_length=64, description="bitcoin, ethereum, bsc, arbitrum, tron, solana…")
    asset: str = Field(description="BTC, ETH, USDT…")
    amount: AmountText = Field(description="decimal string in units of the asset")
    destination: str = Field(max_length=256)
    memo: str | None = Field(default=None, max_length=512)
    context: ContextIn = Field(default_factory=ContextIn)
    idempotency_key: str | None = Field(default=None, min_length=1, max_length=128)
    locale: str = Field(default="en", pattern=r"^[a-z]{2}(-[A-Za-z]{2,4})?$")
    beneficiary: PartyIn | None = Field(default=None, description="travel-rule data; screened")
    originator: PartyIn | None = Field(default=None, description="travel-rule data")
    jurisdiction: str | None = Field(
        default=None,
        max_length=8,
        description="jurisdiction pack code (eu, us, sg, id); default: the account's KYC record",
    )

    @field_validator("account_id")
    @classmethod
    def _account(cls, value: str) -> str:
        if not _ACCOUNT_RE.fullmatch(value):
            raise ValueError(
                "1-64 characters: letters, digits and . _ : @ -, starting alphanumeric"
            )
        return value

    @field_validator("asset")
    @classmethod
    def _asset(cls, value: str) -> str:
        asset = value.strip().upper()
        if not _ASSET_RE.fullmatch(asset):
            raise ValueError("an asset ticker of 1-16 letters or digits, such as USDT")
        return asset

    @field_validator("jurisdiction")
    @classmethod
    def _jurisdiction(cls, value: str | None) -> str | None:
        if value is None:
            return None
        from trustdesk.compliance.packs import default_packs

        code = value.strip().lower()
        if code not in default_packs():
            raise ValueError(f"unknown jurisdiction; known: {', '.join(default_packs())}")
        return code

    @field_validator("memo")
    @classmethod
    def _memo(cls, value: str | None) -> str | None:
        if value is not None and not _PRINTABLE.fullmatch(value):
            raise ValueError("control characters are not allowed")
        return value


class ReasonOut(BaseModel):
    code: str
    message: str
    weight: int


class AssessmentOut(BaseModel):
    id: str
    created_at: str
    decision: str
    score: int
    strength: str | None
    reasons: list[ReasonOut]
    cooling_off_s: int
    user_prompt: str | None
    policy_version: str
    chain: str
    asset: str
    amount: str
    destination: str
    replayed: bool
    timings_ms: dict[str, float]

    @classmethod
    def from_domain(cls, a: Assessment) -> AssessmentOut:
        v = a.verdict
        return cls(
            id=a.id,
            created_at=a.created_at.isoformat(),
            decision=v.decision.value,
            score=v.score,
            strength=v.strength.value if v.strength else None,
            reasons=[ReasonOut(code=r.code, message=r.message, weight=r.weight) for r in v.reasons],
            cooling_off_s=v.cooling_off_s,
            user_prompt=v.user_prompt,
            policy_version=v.policy_version,
            chain=a.request.chain,
            asset=a.request.asset,
            amount=str(a.request.amount),
            destination=a.request.destination_display,
            replayed=a.replayed,
            timings_ms=a.timings_ms,
        )
