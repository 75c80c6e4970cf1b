"""Importers: list files in, candidate entries and refused records out. No database here;
``service.sync_source`` applies a ParseResult to a store."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TypeVar

from trustdesk.chains.addresses import detect_address, supported_families
from trustdesk.core.errors import InvalidInput
from trustdesk.lists._reading import Collector, iter_csv_records, load_json_array, read_text
from trustdesk.lists.model import (
    MAX_VALUE_LENGTH,
    SANCTIONS,
    SCAM,
    UNSUPPORTED_PREFIX,
    ListEntry,
    ListType,
    ParseResult,
    SubjectKind,
)
from trustdesk.lists.subjects import normalize_subject, why_not_address

OFAC_SOURCE = "ofac-addresses"
# OFAC tickers whose chain we know, in the order to try; every other ticker tries all families.
OFAC_FAMILIES: dict[str, tuple[str, ...]] = {
    "XBT": ("bitcoin",),
    "ETH": ("evm",),
    "ETC": ("evm",),
    "ARB": ("evm",),
    "BSC": ("evm",),
    "USDT": ("evm", "tron", "bitcoin", "solana"),
    "USDC": ("evm", "tron", "bitcoin", "solana"),
    "TRX": ("tron",),
    "LTC": ("litecoin",),
}
_OFAC_FILE = re.compile(r"^sanctioned_addresses_([A-Z0-9]+)\.(txt|json)$")
_REQUIRED_COLUMNS = ("list_type", "kind", "value", "category", "reason")
_OPTIONAL_COLUMNS = ("family", "expires_at", "account_id")
_E = TypeVar("_E", ListType, SubjectKind)


def parse_ofac_address_dir(path: Path, *, source: str = OFAC_SOURCE) -> ParseResult:
    """Read sanctioned_addresses_<ASSET>.txt (or .json when an asset has no .txt) files.

    An address no supported family accepts is kept as family ``unsupported:<ASSET>`` with its
    raw value; one listed under several assets becomes one entry naming all of them."""
    files = _ofac_files(path)
    collector = Collector(lambda assets: f"OFAC SDN digital currency address ({', '.join(assets)})")
    for asset, file in files.items():
        records: list[tuple[int, object]]
        if file.suffix == ".txt":
            records = [(n, line.strip()) for n, line in enumerate(read_text(file).splitlines(), 1)]
        else:
            records = list(enumerate(load_json_array(file)))
        for position, raw in records:
            if raw == "":
                continue
            if not isinstance(raw, str):
                collector.reject(position, repr(raw), "not a string", file.name)
                continue
            if len(raw) > MAX_VALUE_LENGTH or not raw.isprintable() or " " in raw:
                why = "not an address: whitespace, control characters or too long"
                collector.reject(position, raw, why, file.name)
                continue
            collector.add(_ofac_entry(asset, raw, source), asset)
    return collector.result()


def _ofac_files(path: Path) -> dict[str, Path]:
    if not path.is_dir():
        raise InvalidInput(f"{path} is not a folder", code="lists.bad_format")
    found: dict[str, Path] = {}
    for file in sorted(path.iterdir()):
        match = _OFAC_FILE.match(file.name)
        if match and (match[2] == "txt" or match[1] not in found):
            found[match[1]] = file
    if not found:
        raise InvalidInput(
            f"{path} holds no sanctioned_addresses_<ASSET>.txt/.json files",
            code="lists.no_asset_files",
        )
    return found


def sanctioned_addresses(addresses: list[tuple[str, str, str]], *, source: str) -> ParseResult:
    """Block-list entries for (asset, address, listed name) triples taken from sanctions
    records, e.g. the "Digital Currency Address" remarks of the SDN list."""
    collector = Collector(lambda parts: f"OFAC SDN: {'; '.join(parts)}")
    for position, (asset, raw, name) in enumerate(addresses, 1):
        raw = raw.strip()
        if not raw or len(raw) > MAX_VALUE_LENGTH or not raw.isprintable() or " " in raw:
            collector.reject(position, raw, "not an address: whitespace, control characters")
            continue
        collector.add(_ofac_entry(asset.upper(), raw, source), f"{name} ({asset.upper()})")
    return collector.result()


def _ofac_entry(asset: str, raw: str, source: str) -> ListEntry:
    supported = supported_families()
    preferred = [f for f in OFAC_FAMILIES.get(asset, ()) if f in supported]
    order = preferred + [f for f in supported if f not in preferred]
    address = detect_address(raw, order)
    family, value = (
        (address.family, address.value) if address else (UNSUPPORTED_PREFIX + asset, raw)
    )
    return ListEntry(
        list_type=ListType.BLOCK,
        kind=SubjectKind.ADDRESS,
        value=value,
        family=family,
        source=source,
        category=SANCTIONS,
        reason="",
    )


def parse_darklist(
    path: Path,
    *,
    source: str,
    list_type: ListType = ListType.BLOCK,
    category: str = SCAM,
) -> ParseResult:
    """A JSON array of address strings (ScamSniffer) or of {address, comment, date}
    objects (MyEtherWallet darklist; its lightlist imports with ``list_type=ALLOW``).
    Rejects carry the 0-based array index."""
    collector = Collector("; ".join)
    for index, item in enumerate(load_json_array(path)):
        raw = item.get("address") if isinstance(item, dict) else item
        comment, date_text = (_text(item, "comment"), _text(item, "date"))
        if not isinstance(raw, str):
            collector.reject(index, repr(item), "no address string")
            continue
        # Surrounding whitespace is a copy-paste slip, not a different address.
        address = detect_address(raw.strip())
        if address is None:
            collector.reject(index, raw, why_not_address(raw.strip()))
            continue
        reason = comment or f"listed by {source}"
        if date_text:
            reason = f"{reason} (reported {date_text})"
        entry = ListEntry(
            list_type, SubjectKind.ADDRESS, address.value, address.family, source, category, ""
        )
        collector.add(entry, reason)
    return collector.result()


def _text(item: object, name: str) -> str:
    value = item.get(name) if isinstance(item, dict) else None
    return value.strip() if isinstance(value, str) else ""


def parse_csv(path: Path, *, source: str | None = None) -> ParseResult:
    """A CSV file with a header row naming the columns list_type, kind, value, category,
    reason and optionally family, expires_at, account_id. A bad line is refused with its
    1-based line number; the other lines are imported."""
    source = source or f"csv:{path.name}"
    records = iter_csv_records(read_text(path))
    header = next(records, None)
    if header is None or header.fields is None:
        raise InvalidInput(f"{path.name}: no header row", code="lists.bad_header")
    columns = _check_header(header.fields)
    collector = Collector("; ".join)
    for record in records:
        if record.fields is None:
            collector.reject(record.line, record.raw, record.error)
            continue
        if all(not f.strip() for f in record.fields):
            continue
        if len(record.fields) != len(columns):
            what = "truncated" if len(record.fields) < len(columns) else "too many fields"
            why = f"{what}: {len(record.fields)} fields, the header has {len(columns)}"
            collector.reject(record.line, record.raw, why)
            continue
        try:
            entry = entry_from_record(dict(zip(columns, record.fields, strict=True)), source)
        except InvalidInput as exc:
            collector.reject(record.line, record.raw, exc.message)
            continue
        collector.add(entry, entry.reason)
    return collector.result()


def parse_entries_json(path: Path, *, source: str | None = None) -> ParseResult:
    """A JSON array of objects with the same fields as the CSV columns; rejects carry the
    0-based array index."""
    source = source or f"json:{path.name}"
    collector = Collector("; ".join)
    for index, item in enumerate(load_json_array(path)):
        raw = repr(item)
        if not isinstance(item, dict):
            collector.reject(index, raw, "not an object")
            continue
        unknown = sorted(set(item) - set(_REQUIRED_COLUMNS) - set(_OPTIONAL_COLUMNS))
        if unknown:
            collector.reject(index, raw, f"unknown fields: {', '.join(unknown)}")
            continue
        if any(v is not None and not isinstance(v, str) for v in item.values()):
            collector.reject(index, raw, "every field must be a string or null")
            continue
        try:
            entry = entry_from_record({k: v or "" for k, v in item.items()}, source)
        except InvalidInput as exc:
            collector.reject(index, raw, exc.message)
            continue
        collector.add(entry, entry.reason)
    return collector.result()


def _check_header(fields: list[str]) -> list[str]:
    columns = [f.strip().lower() for f in fields]
    unknown = [c for c in columns if c not in _REQUIRED_COLUMNS + _OPTIONAL_COLUMNS]
    missing = [c for c in _REQUIRED_COLUMNS if c not in columns]
    if unknown or missing or len(set(columns)) != len(columns):
        raise InvalidInput(
            f"bad header {fields!r}: needs {', '.join(_REQUIRED_COLUMNS)}; may add "
            f"{', '.join(_OPTIONAL_COLUMNS)}; each once (unknown: {unknown}, missing: {missing})",
            code="lists.bad_header",
        )
    return columns


def entry_from_record(record: Mapping[str, str], source: str) -> ListEntry:
    """One row of a generic list file, validated and normalized; raises InvalidInput."""
    list_type = _enum(ListType, record.get("list_type", ""), "list_type")
    kind = _enum(SubjectKind, record.get("kind", ""), "kind")
    family, value = normalize_subject(
        kind, record.get("value", ""), record.get("family", "").strip() or None
    )
    category = record.get("category", "").strip()
    if not category:
        raise InvalidInput("category is empty", field="category", code="lists.empty_category")
    return ListEntry(
        list_type=list_type,
        kind=kind,
        value=value,
        family=family,
        source=source,
        category=category,
        reason=record.get("reason", "").strip(),
        account_id=record.get("account_id", "").strip() or None,
        expires_at=parse_expiry(record.get("expires_at", "")),
    )


def parse_expiry(text: str) -> datetime | None:
    """'' (never), a date (midnight UTC) or an ISO 8601 time with an offset."""
    text = text.strip()
    if not text:
        return None
    try:
        if len(text) == 10:
            return datetime.combine(date.fromisoformat(text), datetime.min.time(), UTC)
        when = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidInput(
            f"expires_at {text!r} is not an ISO 8601 date or time",
            field="expires_at",
            code="lists.invalid_expiry",
        ) from None
    if when.tzinfo is None:
        raise InvalidInput(
            f"expires_at {text!r} needs a UTC offset (e.g. {text}Z)",
            field="expires_at",
            code="lists.invalid_expiry",
        )
    return when.astimezone(UTC)


def _enum(enum: type[_E], text: str, name: str) -> _E:
    try:
        return enum(text.strip().lower())
    except ValueError:
        allowed = ", ".join(m.value for m in enum)
        raise InvalidInput(
            f"{name} {text!r} is not one of: {allowed}", field=name, code=f"lists.invalid_{name}"
        ) from None
