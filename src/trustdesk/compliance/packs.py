"""Jurisdiction policy packs: versioned TOML files, one per jurisdiction, read strictly.

A pack says which sanctions lists apply and at what screening threshold, when the travel
rule applies and which originator/beneficiary fields it needs, which KYC level each amount
band requires, where personal data resides and how long records are kept. Every number
cites its source (``[[sources]]`` with the ``topic`` it backs); a pack without one for each
topic is refused, so an unsourced number cannot slip in.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from datetime import date
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Annotated, Any, Final, Literal, get_args

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    ValidationError,
    model_validator,
)

from trustdesk.compliance.kyc import KycLevel
from trustdesk.core.errors import InvalidInput, NotFound

PACKS_DIR: Final = Path(__file__).resolve().parents[1] / "policies" / "jurisdictions"

# Travel-rule data fields (names after IVMS 101 where it has one).
TRAVEL_RULE_FIELDS: Final = frozenset(
    {
        "name",
        "distributed_ledger_address",
        "account_number",
        "address",
        "country",
        "official_document_number",
        "customer_identification_number",
        "date_of_birth",
        "place_of_birth",
        "legal_entity_identifier",
        "institution",
        "amount",
        "execution_date",
    }
)
Topic = Literal[
    "screening.lists",
    "screening.threshold",
    "travel_rule.threshold",
    "travel_rule.fields",
    "kyc.bands",
    "data_region",
    "retention.transactions_years",
    "retention.kyc_years",
]
TOPICS: Final[tuple[str, ...]] = get_args(Topic)


class PackError(InvalidInput):
    code = "packs.invalid"


class UnknownJurisdiction(NotFound):
    code = "packs.unknown_jurisdiction"


def _amount(value: Any) -> Any:
    # Binary floats would turn "1500.1" into 1500.0999…: amounts are strings or integers.
    if isinstance(value, bool | float):
        raise ValueError('write amounts as strings or integers, e.g. "1000"')
    if isinstance(value, int):
        return Decimal(value)
    return value


Amount = Annotated[Decimal, BeforeValidator(_amount), Field(ge=0, allow_inf_nan=False)]
Currency = Annotated[str, Field(pattern=r"^[A-Z]{3}$")]
ListName = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]{1,31}$")]
TravelField = Annotated[str, Field(min_length=1, max_length=40)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Source(_Strict):
    topic: Topic
    cite: str = Field(min_length=10, max_length=400)
    url: str | None = Field(default=None, pattern=r"^https://\S+$", max_length=400)
    kind: Literal["regulation", "guidance", "policy"] = "regulation"
    certain: StrictBool = True
    note: str = Field(default="", max_length=800)

    @model_validator(mode="after")
    def _linked(self) -> Source:
        if self.kind != "policy" and self.url is None:
            raise ValueError(f"a {self.kind} source needs a url")
        return self


class Screening(_Strict):
    lists: tuple[ListName, ...] = Field(min_length=1)
    threshold: float = Field(ge=0.5, le=1.0)

    @model_validator(mode="after")
    def _unique(self) -> Screening:
        if len(set(self.lists)) != len(self.lists):
            raise ValueError("lists: each list may appear once")
        return self


class PartyFields(_Strict):
    """All of ``originator``, plus all fields of at least one set in ``originator_one_of``
    (the same for the beneficiary)."""

    originator: tuple[TravelField, ...] = Field(min_length=1)
    originator_one_of: tuple[tuple[TravelField, ...], ...] = ()
    beneficiary: tuple[TravelField, ...] = Field(min_length=1)
    beneficiary_one_of: tuple[tuple[TravelField, ...], ...] = ()

    @model_validator(mode="after")
    def _known(self) -> PartyFields:
        names = [*self.originator, *self.beneficiary]
        for group in (*self.originator_one_of, *self.beneficiary_one_of):
            if not group:
                raise ValueError("a one_of alternative needs at least one field")
            names.extend(group)
        unknown = sorted(set(names) - TRAVEL_RULE_FIELDS)
        if unknown:
            raise ValueError(f"unknown fields {unknown}; known: {sorted(TRAVEL_RULE_FIELDS)}")
        return self

    def missing(self, party: Literal["originator", "beneficiary"], given: set[str]) -> list[str]:
        required: tuple[str, ...] = getattr(self, party)
        missing = [f for f in required if f not in given]
        groups: tuple[tuple[str, ...], ...] = getattr(self, f"{party}_one_of")
        if groups and not any(all(f in given for f in group) for group in groups):
            missing.append(" or ".join("+".join(group) for group in groups))
        return missing


class TravelRule(_Strict):
    threshold: Amount
    currency: Currency
    inclusive: StrictBool  # True: applies at or above the threshold; False: only above it
    below: PartyFields | None = None  # what transfers under the threshold still carry
    above: PartyFields
    # Transfers to or from a self-hosted address above this need proof that the customer
    # owns or controls it (EU TFR Art. 14(5) and 16(2)).
    self_hosted_check_above: Amount | None = None

    @model_validator(mode="after")
    def _zero(self) -> TravelRule:
        if self.threshold == 0 and (self.below is not None or not self.inclusive):
            raise ValueError("a threshold of 0 applies to every transfer: inclusive, no 'below'")
        return self

    def fields_for(self, amount: Decimal) -> PartyFields | None:
        over = amount >= self.threshold if self.inclusive else amount > self.threshold
        return self.above if over else self.below


class KycBand(_Strict):
    below: Amount | None = None  # amounts strictly below this; the last band has none
    level: KycLevel


class KycRules(_Strict):
    currency: Currency
    bands: tuple[KycBand, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _ordered(self) -> KycRules:
        *bounded, last = self.bands
        if last.below is not None:
            raise ValueError("bands: the last band must be open (no 'below')")
        limits = [b.below for b in bounded]
        if any(limit is None for limit in limits):
            raise ValueError("bands: only the last band may leave out 'below'")
        if any(b <= a for a, b in zip(limits, limits[1:], strict=False)):  # type: ignore[operator]
            raise ValueError("bands: 'below' limits must increase")
        ranks = [b.level.rank for b in self.bands]
        if ranks != sorted(ranks):
            raise ValueError("bands: a larger amount may not need a lower level")
        return self

    def level_for(self, amount: Decimal) -> KycLevel:
        for band in self.bands:
            if band.below is None or amount < band.below:
                return band.level
        raise AssertionError("the last band is open")  # pragma: no cover - validated


class Retention(_Strict):
    transactions_years: StrictInt = Field(ge=1, le=30)
    kyc_years: StrictInt = Field(ge=1, le=30)  # after the business relationship ends


class Pack(_Strict):
    code: str = Field(pattern=r"^[a-z]{2,8}$")
    name: str = Field(min_length=2, max_length=80)
    version: str = Field(pattern=r"^[a-z0-9][a-z0-9.\-]{2,40}$")
    effective: date
    data_region: str = Field(pattern=r"^[a-z]{2,8}$")
    screening: Screening
    travel_rule: TravelRule
    kyc: KycRules
    retention: Retention
    sources: tuple[Source, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _every_topic_sourced(self) -> Pack:
        missing = [t for t in TOPICS if not any(s.topic == t for s in self.sources)]
        if missing:
            raise ValueError(f"sources: no source for {', '.join(missing)}")
        return self

    def summary(self) -> dict[str, Any]:
        tr = self.travel_rule
        return {
            "code": self.code,
            "name": self.name,
            "version": self.version,
            "effective": self.effective.isoformat(),
            "data_region": self.data_region,
            "lists": list(self.screening.lists),
            "travel_rule_threshold": f"{tr.threshold} {tr.currency}",
            "retention_years": {
                "transactions": self.retention.transactions_years,
                "kyc": self.retention.kyc_years,
            },
        }


def load_pack(path: Path) -> Pack:
    """One pack file; PackError names the file and the first field at fault."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise PackError(f"{path.name}: not valid TOML: {exc}", field=path.name) from exc
    try:
        pack = Pack.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        message = str(first["msg"]).removeprefix("Value error, ")
        text = f"{path.name}: {where}: {message}" if where else f"{path.name}: {message}"
        raise PackError(text, field=where or "pack") from exc
    if pack.code != path.stem:
        raise PackError(f"{path.name}: code {pack.code!r} must match the file name", field="code")
    return pack


def load_packs(folder: Path = PACKS_DIR) -> dict[str, Pack]:
    """Every ``*.toml`` in the folder, by code (sorted)."""
    files = sorted(folder.glob("*.toml"))
    if not files:
        raise PackError(f"no jurisdiction packs (*.toml) in {folder}", field="packs")
    return {pack.code: pack for pack in map(load_pack, files)}


@lru_cache(maxsize=1)
def default_packs() -> Mapping[str, Pack]:
    """The packs shipped with trustdesk, read once."""
    return MappingProxyType(load_packs(PACKS_DIR))


def get_pack(packs: Mapping[str, Pack], code: str) -> Pack:
    pack = packs.get(code.strip().lower())
    if pack is None:
        raise UnknownJurisdiction(
            f"no jurisdiction pack {code[:16]!r}; known: {', '.join(packs)}", field="jurisdiction"
        )
    return pack


def missing_lists(pack: Pack, loaded: Iterable[str]) -> list[str]:
    """Lists the pack needs that are not loaded (screening then covers less than it should)."""
    have = set(loaded)
    return [name for name in pack.screening.lists if name not in have]


def longest_transaction_retention(packs: Mapping[str, Pack]) -> int:
    return max(p.retention.transactions_years for p in packs.values())
