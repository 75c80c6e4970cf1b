"""Sanctions list entries as plain values: what an importer produces and screening reads."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from trustdesk.core.errors import DomainError, InvalidInput

OFAC_SDN = "ofac-sdn"
UN = "un"


class BadListFile(DomainError):
    """A list file that cannot be read as a whole; the import stops and changes nothing."""

    code = "compliance.bad_list_file"
    status = 422
    title = "Unreadable sanctions list file"


class EntryType(StrEnum):
    PERSON = "person"
    ENTITY = "entity"
    VESSEL = "vessel"
    AIRCRAFT = "aircraft"


class AliasQuality(StrEnum):
    """OFAC and the UN mark some aliases as low quality ("weak"): too vague to match alone."""

    STRONG = "strong"
    WEAK = "weak"


@dataclass(frozen=True)
class Alias:
    name: str
    quality: AliasQuality = AliasQuality.STRONG
    kind: str = "aka"  # aka | fka (formerly known as) | nka (now known as)


@dataclass(frozen=True)
class BirthDate:
    """A listed date of birth: exact, a year, a month of a year, or a range of years.

    Lists often give "circa 1960" or "1960 to 1962"; ``approximate`` keeps that fact so a
    mismatch by a year is not read as contradicting evidence."""

    year_from: int
    year_to: int
    month: int | None = None
    day: int | None = None
    approximate: bool = False

    def agreement(self, year: int, month: int | None = None, day: int | None = None) -> str:
        """How a date someone gave agrees with this one: "exact" (same day), "year" (same
        year, or inside a range or "circa"), "near" (same year, another month or day: a typo
        or another person), or "none"."""
        slack = 1 if self.approximate else 0
        if not self.year_from - slack <= year <= self.year_to + slack:
            return "none"
        if self.year_from != self.year_to or self.approximate:
            return "year"
        if month is not None and self.month is not None and month != self.month:
            return "near"
        if day is not None and self.day is not None:
            return "exact" if day == self.day and month == self.month else "near"
        return "year"

    def __str__(self) -> str:
        if self.year_from != self.year_to:
            return f"{self.year_from}-{self.year_to}"
        text = str(self.year_from)
        if self.month is not None:
            text += f"-{self.month:02d}"
            if self.day is not None:
                text += f"-{self.day:02d}"
        return ("circa " if self.approximate else "") + text


@dataclass(frozen=True)
class CurrencyAddress:
    """A digital currency address published with an SDN record (feeds the `lists` domain)."""

    asset: str  # the list's ticker, e.g. XBT, ETH, USDT
    address: str


@dataclass(frozen=True)
class SanctionsEntry:
    """One listed person, entity, vessel or aircraft.

    ``entry_id`` is the list's own stable number (OFAC ent_num, UN DATAID); ``list`` says which
    list. Countries are kept as the list writes them; screening resolves them to codes."""

    entry_id: str
    list: str
    type: EntryType
    primary_name: str
    aliases: tuple[Alias, ...] = ()
    programs: tuple[str, ...] = ()
    dates_of_birth: tuple[BirthDate, ...] = ()
    nationalities: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()  # addresses and places of birth
    original_script_names: tuple[str, ...] = ()
    currency_addresses: tuple[CurrencyAddress, ...] = ()
    reference: str = ""  # e.g. the UN reference number QDi.001
    remarks: str = ""

    def names(self) -> tuple[str, ...]:
        """Every name the entry is known by: primary, aliases, original-script names."""
        return (
            self.primary_name,
            *(a.name for a in self.aliases),
            *self.original_script_names,
        )


@dataclass(frozen=True)
class ParsedList:
    """The whole content of one list release, ready to be stored as a snapshot."""

    source: str
    entries: tuple[SanctionsEntry, ...]
    files: tuple[str, ...]  # the file names that were read
    published: str | None = None  # the list's own generation date, when it states one

    def by_id(self) -> dict[str, SanctionsEntry]:
        return {e.entry_id: e for e in self.entries}


# --- screening results ---------------------------------------------------------------------


@dataclass(frozen=True)
class TokenMatch:
    query: str
    listed: str
    similarity: float
    method: str  # exact | typo | phonetic | similar | initial | joined


@dataclass(frozen=True)
class Adjustment:
    reason: str  # dob_match, dob_mismatch, country_match, type_mismatch, weak_alias, ...
    delta: float


@dataclass(frozen=True)
class Explanation:
    tokens: tuple[TokenMatch, ...]
    unmatched_query: tuple[str, ...]
    unmatched_listed: tuple[str, ...]
    query_coverage: float  # share of the query's (rarity-weighted) words found
    listed_coverage: float  # share of the listed name's words found
    name_score: float
    adjustments: tuple[Adjustment, ...]


@dataclass(frozen=True)
class Candidate:
    entry_id: str
    list: str
    name: str  # the listed name or alias that matched
    primary_name: str
    score: float
    programs: tuple[str, ...]
    type: EntryType
    matched: str  # primary | alias | weak alias | original script
    explanation: Explanation


# --- screening inputs ----------------------------------------------------------------------


def query_birth_date(value: str | date | None) -> tuple[int, int | None, int | None] | None:
    """A date of birth given with a query: a date, or "YYYY", "YYYY-MM", "YYYY-MM-DD"."""
    if value is None:
        return None
    if isinstance(value, date):
        return value.year, value.month, value.day
    parts = value.strip().split("-") if isinstance(value, str) else []
    try:
        if not 1 <= len(parts) <= 3 or len(parts[0]) != 4 or not all(p.isdigit() for p in parts):
            raise ValueError
        numbers = [int(p) for p in parts] + [1, 1]
        date(numbers[0], numbers[1], numbers[2])  # refuses month 13, 30 February, ...
    except ValueError:
        raise InvalidInput(
            "date of birth must be YYYY, YYYY-MM or YYYY-MM-DD", field="dob"
        ) from None
    month = numbers[1] if len(parts) > 1 else None
    day = numbers[2] if len(parts) > 2 else None
    return numbers[0], month, day


def query_entry_type(value: str | EntryType | None) -> EntryType | None:
    if value is None:
        return None
    try:
        return EntryType(str(value).strip().lower())
    except ValueError:
        raise InvalidInput(f"type must be one of {', '.join(EntryType)}", field="type") from None
