"""The versioned, declarative risk policy: signals in, one verdict out.

A policy file (TOML) gives each signal code a weight, an optional minimum decision
(``at_least``), an optional challenge strength and cooling-off, and localized reason
and prompt texts. Score = sum of weights clamped to 0..100; the score thresholds
give a decision, and no signal's ``at_least`` may be undercut. The version string is
stored on every assessment.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from trustdesk.core.errors import InvalidInput
from trustdesk.risk.checks.config import CheckConfig, VelocityLimits
from trustdesk.risk.geo import CountryAtlas
from trustdesk.risk.model import Decision, Reason, Signal, Strength, Verdict

DEFAULT_LOCALE = "en"


class PolicyError(InvalidInput):
    code = "policy.invalid"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SignalRule(_Strict):
    weight: int = Field(ge=-100, le=100)
    at_least: Decision | None = None
    strength: Strength | None = None
    cooling_off_s: int = Field(default=0, ge=0, le=30 * 86400)
    message: dict[str, str]
    prompt: dict[str, str] = Field(default_factory=dict)

    @field_validator("message")
    @classmethod
    def _has_default_locale(cls, value: dict[str, str]) -> dict[str, str]:
        if DEFAULT_LOCALE not in value:
            raise ValueError(f"needs a '{DEFAULT_LOCALE}' text")
        return value

    @field_validator("prompt")
    @classmethod
    def _prompt_falls_back(cls, value: dict[str, str]) -> dict[str, str]:
        # Optional, but a prompt without the fallback text would fail other locales.
        if value and DEFAULT_LOCALE not in value:
            raise ValueError(f"needs a '{DEFAULT_LOCALE}' text")
        return value


class Thresholds(_Strict):
    challenge_at: int = Field(ge=1, le=100)
    strong_challenge_at: int = Field(ge=1, le=100)
    review_at: int = Field(ge=1, le=100)


class Poisoning(_Strict):
    min_prefix: int = Field(default=3, ge=1)
    min_suffix: int = Field(default=4, ge=1)
    min_total: int = Field(default=7, ge=2)


class AmountRule(_Strict):
    min_history: int = Field(default=5, ge=1)
    factor: Decimal = Field(default=Decimal(5), gt=1)


class NameScreeningRule(_Strict):
    review_at: float = Field(default=0.77, ge=0.5, le=1.0)
    block_at: float = Field(default=0.95, ge=0.5, le=1.0)

    @model_validator(mode="after")
    def _ordered(self) -> NameScreeningRule:
        if self.review_at > self.block_at:
            raise ValueError("review_at must not exceed block_at")
        return self


class VelocityRules(_Strict):
    counts: dict[str, dict[str, int]] = Field(default_factory=dict)
    amounts: dict[str, dict[str, Decimal]] = Field(default_factory=dict)


class ChecksSection(_Strict):
    fresh_session_s: int = Field(default=60, ge=0)
    max_travel_kmh: float = Field(default=900, gt=0)
    min_travel_km: float = Field(default=500, ge=0)
    poisoning: Poisoning = Field(default_factory=Poisoning)
    amount: AmountRule = Field(default_factory=AmountRule)
    velocity: VelocityRules = Field(default_factory=VelocityRules)
    sanctions_name: NameScreeningRule = Field(default_factory=NameScreeningRule)


FACTOR_TYPES = ("totp", "hotp", "sms", "email", "push", "webauthn", "wallet", "cvv")
PHISHING_RESISTANT = ("push", "webauthn", "wallet")


class StepUpRules(_Strict):
    """How a challenge decision is answered: which factors, how long, how many tries."""

    standard_factors: tuple[str, ...] = FACTOR_TYPES
    # Only factors that bind the origin or the payee in a signature resist a phishing proxy.
    strong_factors: tuple[str, ...] = PHISHING_RESISTANT
    challenge_ttl_s: int = Field(default=300, ge=30, le=1800)
    token_ttl_s: int = Field(default=300, ge=10, le=300)
    code_ttl_s: int = Field(default=300, ge=30, le=600)
    code_digits: int = Field(default=6, ge=6, le=8)
    resend_cooldown_s: int = Field(default=30, ge=0, le=600)
    max_failures: int = Field(default=5, ge=1, le=10)
    lock_base_s: int = Field(default=60, ge=1, le=86400)
    lock_max_s: int = Field(default=86400, ge=1, le=30 * 86400)
    # SIM-swap guard: SMS is refused for a number set or changed this recently...
    sim_swap_days: int = Field(default=7, ge=0, le=365)
    # ...and for amounts above these (per asset, in units of the asset).
    sms_max_amount: dict[str, Decimal] = Field(default_factory=dict)
    verify_per_minute_account: int = Field(default=10, ge=1)
    verify_per_minute_ip: int = Field(default=30, ge=1)
    send_per_hour_account: int = Field(default=10, ge=1)

    @field_validator("standard_factors", "strong_factors")
    @classmethod
    def _known_factors(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        unknown = sorted(set(value) - set(FACTOR_TYPES))
        if unknown:
            raise ValueError(f"unknown factor types {unknown}; known: {list(FACTOR_TYPES)}")
        if not value:
            raise ValueError("at least one factor type")
        return value

    @field_validator("strong_factors")
    @classmethod
    def _strong_resist_phishing(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        weak = sorted(set(value) - set(PHISHING_RESISTANT))
        if weak:
            raise ValueError(f"{weak} do not resist phishing and cannot answer a strong challenge")
        return value

    @field_validator("sms_max_amount")
    @classmethod
    def _upper_assets(cls, value: dict[str, Decimal]) -> dict[str, Decimal]:
        for asset, amount in value.items():
            if not amount.is_finite() or amount <= 0 or amount >= Decimal(10) ** 15:
                raise ValueError(f"{asset}: a positive amount below 10^15")
        return {asset.upper(): amount for asset, amount in value.items()}

    @model_validator(mode="after")
    def _consistent(self) -> StepUpRules:
        if self.lock_base_s > self.lock_max_s:
            raise ValueError("lock_base_s must not exceed lock_max_s")
        for name in ("standard_factors", "strong_factors"):
            if len(set(getattr(self, name))) != len(getattr(self, name)):
                raise ValueError(f"{name} lists a factor type twice")
        return self


class PolicyFile(_Strict):
    version: str = Field(min_length=1, max_length=64)
    description: str = ""
    decision: Thresholds
    checks: ChecksSection = Field(default_factory=ChecksSection)
    signals: dict[str, SignalRule]
    stepup: StepUpRules = Field(default_factory=StepUpRules)


@dataclass(frozen=True)
class Policy:
    version: str
    thresholds: Thresholds
    rules: dict[str, SignalRule]
    checks: CheckConfig
    stepup: StepUpRules = StepUpRules()

    @property
    def windows_s(self) -> tuple[int, ...]:
        """Every sliding window some limit uses: the velocity store counts exactly these."""
        windows = {w for per_key in self.checks.velocity.counts.values() for w in per_key}
        windows |= {w for per_asset in self.checks.velocity.amounts.values() for w in per_asset}
        return tuple(sorted(windows))

    def decide(self, signals: Iterable[Signal], locale: str = DEFAULT_LOCALE) -> Verdict:
        signals = list(signals)
        rules = [(s, self.rules[s.code]) for s in signals]
        score = max(0, min(100, sum(rule.weight for _, rule in rules)))
        decision = self._by_score(score)
        for _, rule in rules:
            if rule.at_least is not None and rule.at_least.rank > decision.rank:
                decision = rule.at_least
        strength = None
        if decision is Decision.CHALLENGE:
            strong = score >= self.thresholds.strong_challenge_at or any(
                rule.strength is Strength.STRONG for _, rule in rules
            )
            strength = Strength.STRONG if strong else Strength.STANDARD
        ranked = sorted(rules, key=lambda pair: -abs(pair[1].weight))
        reasons = tuple(
            Reason(s.code, _localize(rule.message, locale, s.details), rule.weight)
            for s, rule in ranked
        )
        cooling = (
            0 if decision is Decision.BLOCK else max((r.cooling_off_s for _, r in rules), default=0)
        )
        prompt = next(
            (
                _localize(r.prompt, locale, s.details)
                for s, r in ranked
                if r.prompt and r.weight > 0
            ),
            None,
        )
        return Verdict(
            decision=decision,
            score=score,
            reasons=reasons,
            strength=strength,
            cooling_off_s=cooling,
            user_prompt=prompt if decision is not Decision.ALLOW else None,
            policy_version=self.version,
        )

    def _by_score(self, score: int) -> Decision:
        if score >= self.thresholds.review_at:
            return Decision.REVIEW
        if score >= self.thresholds.challenge_at:
            return Decision.CHALLENGE
        return Decision.ALLOW


def _localize(texts: dict[str, str], locale: str, details: dict[str, Any]) -> str:
    template = texts.get(locale) or texts.get(locale.split("-")[0]) or texts[DEFAULT_LOCALE]
    try:
        return template.format_map(details)
    except (KeyError, IndexError, ValueError):
        return template


def load_policy(path: Path, atlas: CountryAtlas | None = None) -> Policy:
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise PolicyError(f"cannot read policy file {path}: {exc.strerror}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise PolicyError(f"policy file {path} is not valid TOML: {exc}") from exc
    return parse_policy(raw, atlas or CountryAtlas(), source=str(path))


def parse_policy(raw: dict[str, Any], atlas: CountryAtlas, source: str = "policy") -> Policy:
    try:
        spec = PolicyFile.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise PolicyError(f"{source}: {where}: {first['msg']}", field=where) from exc
    from trustdesk.risk.checks import SIGNAL_CODES

    missing = sorted(SIGNAL_CODES - spec.signals.keys())
    unknown = sorted(spec.signals.keys() - SIGNAL_CODES)
    if missing or unknown:
        raise PolicyError(
            f"{source}: signals without a rule: {missing or 'none'}; "
            f"rules for unknown signals: {unknown or 'none'}"
        )
    t = spec.decision
    if not t.challenge_at <= t.strong_challenge_at <= t.review_at:
        raise PolicyError(f"{source}: need challenge_at <= strong_challenge_at <= review_at")
    c = spec.checks
    config = CheckConfig(
        velocity=VelocityLimits(
            counts={
                key: {parse_window(w): n for w, n in per.items()}
                for key, per in c.velocity.counts.items()
            },
            amounts={
                asset.upper(): {parse_window(w): a for w, a in per.items()}
                for asset, per in c.velocity.amounts.items()
            },
        ),
        fresh_session_s=c.fresh_session_s,
        max_travel_kmh=c.max_travel_kmh,
        min_travel_km=c.min_travel_km,
        poisoning_min_prefix=c.poisoning.min_prefix,
        poisoning_min_suffix=c.poisoning.min_suffix,
        poisoning_min_total=c.poisoning.min_total,
        amount_min_history=c.amount.min_history,
        amount_factor=c.amount.factor,
        atlas=atlas,
        name_review_at=c.sanctions_name.review_at,
        name_block_at=c.sanctions_name.block_at,
    )
    unknown_keys = set(config.velocity.counts) - {"account", "device", "ip"}
    if unknown_keys:
        raise PolicyError(f"{source}: velocity counts for unknown keys {sorted(unknown_keys)}")
    return Policy(spec.version, t, dict(spec.signals), config, spec.stepup)


_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_window(text: str) -> int:
    """'90s', '15m', '1h', '7d' -> seconds."""
    unit, number = text[-1:], text[:-1]
    # isdigit alone admits "²" (int() then fails) and other scripts' digits.
    if unit not in _UNITS or not (number.isascii() and number.isdigit()) or int(number) == 0:
        raise PolicyError(f"window '{text}' must look like 90s, 15m, 1h or 7d")
    return int(number) * _UNITS[unit]
