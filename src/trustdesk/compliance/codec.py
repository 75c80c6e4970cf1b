"""Sanctions entries to and from plain JSON, for snapshots stored row by row."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from trustdesk.compliance.model import (
    Alias,
    AliasQuality,
    BirthDate,
    CurrencyAddress,
    EntryType,
    SanctionsEntry,
)
from trustdesk.core.canonical import canonical_json, sha256_hex


def entry_to_json(entry: SanctionsEntry) -> dict[str, Any]:
    data = asdict(entry)
    data["type"] = entry.type.value
    data["aliases"] = [
        {"name": a.name, "quality": a.quality.value, "kind": a.kind} for a in entry.aliases
    ]
    return data


def entry_from_json(data: dict[str, Any]) -> SanctionsEntry:
    return SanctionsEntry(
        entry_id=data["entry_id"],
        list=data["list"],
        type=EntryType(data["type"]),
        primary_name=data["primary_name"],
        aliases=tuple(
            Alias(a["name"], AliasQuality(a["quality"]), a.get("kind", "aka"))
            for a in data.get("aliases", ())
        ),
        programs=tuple(data.get("programs", ())),
        dates_of_birth=tuple(BirthDate(**d) for d in data.get("dates_of_birth", ())),
        nationalities=tuple(data.get("nationalities", ())),
        countries=tuple(data.get("countries", ())),
        original_script_names=tuple(data.get("original_script_names", ())),
        currency_addresses=tuple(
            CurrencyAddress(c["asset"], c["address"]) for c in data.get("currency_addresses", ())
        ),
        reference=data.get("reference", ""),
        remarks=data.get("remarks", ""),
    )


def entry_hash(entry: SanctionsEntry) -> str:
    """Stable over releases: the same record gives the same hash, any change another."""
    return sha256_hex(canonical_json(entry_to_json(entry)))
