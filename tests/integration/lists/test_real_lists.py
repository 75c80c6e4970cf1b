"""Importing the real OFAC, MyEtherWallet and ScamSniffer lists on both backends.

Expected counts are computed here from the files with an independent address check
(hashlib base58check, the reference bech32 decoder, a regex for EVM)."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import base58
import bech32

from tests.conftest import shared_data
from trustdesk.chains.addresses import detect_address
from trustdesk.db.engine import UnitOfWork
from trustdesk.lists.importers import OFAC_SOURCE, parse_darklist, parse_ofac_address_dir
from trustdesk.lists.model import ListType
from trustdesk.lists.service import check_address, sync_source
from trustdesk.lists.store import SqlListStore

NOW = datetime(2025, 3, 1, tzinfo=UTC)
EVM_RE = re.compile(r"0x[0-9a-fA-F]{40}")
PREFERRED = {
    "XBT": ["bitcoin"],
    "ETH": ["evm"],
    "ETC": ["evm"],
    "ARB": ["evm"],
    "BSC": ["evm"],
    "USDT": ["evm", "tron", "bitcoin", "solana"],
    "USDC": ["evm", "tron", "bitcoin", "solana"],
    "TRX": ["tron"],
    "LTC": ["litecoin"],
}
ALL = ["evm", "bitcoin", "litecoin", "tron", "solana"]


def _base58check_version(raw: str) -> int | None:
    try:
        data = base58.b58decode(raw)
    except ValueError:
        return None
    body, check = data[:-4], data[-4:]
    if len(body) != 21 or hashlib.sha256(hashlib.sha256(body).digest()).digest()[:4] != check:
        return None
    return body[0]


def independent_family(raw: str, asset: str) -> tuple[str, str]:
    def valid(family: str) -> str | None:
        if family == "evm":
            return raw.lower() if EVM_RE.fullmatch(raw) else None
        if family in ("bitcoin", "litecoin"):
            hrp, versions = ("bc", {0, 5}) if family == "bitcoin" else ("ltc", {0x30, 0x32, 0x05})
            if bech32.decode(hrp, raw.lower())[0] is not None:
                return raw.lower()
            return raw if _base58check_version(raw) in versions else None
        if family == "tron":
            return raw if _base58check_version(raw) == 0x41 else None
        try:
            return raw if len(base58.b58decode(raw)) == 32 else None
        except ValueError:
            return None

    order = PREFERRED.get(asset, []) + [f for f in ALL if f not in PREFERRED.get(asset, [])]
    for family in order:
        value = valid(family)
        if value is not None:
            return family, value
    return f"unsupported:{asset}", raw


def expected_ofac(folder: Path) -> Counter[str]:
    seen: set[tuple[str, str]] = set()
    for file in sorted(folder.glob("sanctioned_addresses_*.txt")):
        asset = file.stem.removeprefix("sanctioned_addresses_")
        for line in file.read_text().split():
            seen.add(independent_family(line, asset))
    return Counter(family for family, _ in seen)


def test_ofac_import_resync_and_change(uow: UnitOfWork, tmp_path: Path) -> None:
    folder = shared_data("ofac_crypto_addresses")
    expected = expected_ofac(folder)
    # Hand-checked anchors: the XBT list's one TRON address, ETH=ARB=BSC's shared address.
    assert expected["tron"] == 6 + 11 + 1 and expected["unsupported:XMR"] == 3

    parsed = parse_ofac_address_dir(folder)
    assert parsed.rejected == ()
    with uow() as session:
        report = sync_source(SqlListStore(session), OFAC_SOURCE, parsed, NOW)
    assert (report.added, report.removed, report.unchanged) == (sum(expected.values()), 0, 0)
    with uow() as session:
        stored = SqlListStore(session).entries_for_source(OFAC_SOURCE)
    assert Counter(e.family for e in stored) == expected

    with uow() as session:
        again = sync_source(SqlListStore(session), OFAC_SOURCE, parse_ofac_address_dir(folder), NOW)
    assert (again.added, again.removed, again.unchanged, again.updated) == (0, 0, report.added, 0)

    copy = tmp_path / "ofac"
    shutil.copytree(folder, copy)
    eth = copy / "sanctioned_addresses_ETH.txt"
    eth.chmod(0o644)
    lines = eth.read_text().splitlines()
    dropped = "0x01e2919679362dFBC9ee1644Ba9C6da6D6245BB1"
    assert (
        lines[0] == dropped
        and (folder / "sanctioned_addresses_USDT.txt").read_text().count(dropped) == 0
    )
    new = "0x" + "12" * 20
    eth.write_text("\n".join([*lines[1:], new]) + "\n")
    with uow() as session:
        changed = sync_source(SqlListStore(session), OFAC_SOURCE, parse_ofac_address_dir(copy), NOW)
    assert (changed.added, changed.removed) == (1, 1)
    assert [e.value for e in changed.added_entries] == [new]
    assert [e.value for e in changed.removed_entries] == [dropped.lower()]

    # A sanctioned address typed in upper-case hex normalizes to the stored form and matches.
    upper = detect_address("0x" + "4F47BC496083C727C5FBE3CE9CDF2B0F6496270C")
    assert upper is not None
    with uow() as session:
        match = check_address(SqlListStore(session), upper, None, NOW)
    assert match.blocked and [e.reason for e in match.entries] == [
        "OFAC SDN digital currency address (ARB, BSC, ETH)"
    ]


def test_mew_darklist_and_lightlist(uow: UnitOfWork) -> None:
    folder = shared_data("mew_darklists")
    items = json.loads((folder / "addresses-darklist.json").read_text())
    good = {i["address"].strip().lower() for i in items if EVM_RE.fullmatch(i["address"].strip())}
    bad = [n for n, i in enumerate(items) if not EVM_RE.fullmatch(i["address"].strip())]
    assert bad == [375]

    parsed = parse_darklist(folder / "addresses-darklist.json", source="mew-darklist")
    assert [(r.position, r.why) for r in parsed.rejected] == [
        (375, "0x address must have 40 hex digits, has 39")
    ]
    with uow() as session:
        store = SqlListStore(session)
        report = sync_source(store, "mew-darklist", parsed, NOW)
        light = parse_darklist(
            folder / "addresses-lightlist.json",
            source="mew-lightlist",
            list_type=ListType.ALLOW,
            category="verified",
        )
        allow = sync_source(store, "mew-lightlist", light, NOW)
    assert report.added == len(good)
    assert report.added + report.duplicates + len(report.rejected) == len(items)
    assert allow.added == 2
    assert {e.list_type for e in light.entries} == {ListType.ALLOW}


def test_scamsniffer_addresses(uow: UnitOfWork) -> None:
    path = shared_data("scamsniffer_phishing", "address.json")
    items = json.loads(path.read_text())
    parsed = parse_darklist(path, source="scamsniffer", category="phishing")
    with uow() as session:
        report = sync_source(SqlListStore(session), "scamsniffer", parsed, NOW)
    assert (report.added, len(report.rejected), report.duplicates) == (len(set(items)), 0, 0)
    assert report.added == 2530
