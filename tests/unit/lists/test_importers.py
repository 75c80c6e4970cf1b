from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from trustdesk.core.errors import InvalidInput
from trustdesk.lists.importers import (
    parse_csv,
    parse_darklist,
    parse_entries_json,
    parse_ofac_address_dir,
)
from trustdesk.lists.model import ListEntry, ListType, Reject, SubjectKind

EVM = "0x4f47bc496083c727c5fbe3ce9cdf2b0f6496270c"
GENESIS = "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa"
BIP173 = "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4"  # BIP 173 P2WPKH test vector
TRON = "TBHTJqAy4DhHhmT3dNceJYNRz4SdLofLre"
XMR_ID = "5be5543ff73456ab9f2d207887e2af87322c651ea1a873c5b25b7ffae456c320"


def by_value(entries: tuple[ListEntry, ...]) -> dict[str, ListEntry]:
    return {e.value: e for e in entries}


def test_ofac_folder(tmp_path: Path) -> None:
    (tmp_path / "PROVENANCE.md").write_text("# notes\n")
    (tmp_path / "sanctioned_addresses_XBT.txt").write_text(
        f"{GENESIS}\n\n{BIP173.upper()}\n{TRON}\nnot an address\n"
    )
    (tmp_path / "sanctioned_addresses_ETH.txt").write_text("0x" + EVM[2:].upper() + "\n")
    (tmp_path / "sanctioned_addresses_ARB.json").write_text(json.dumps([EVM, 7]))
    (tmp_path / "sanctioned_addresses_XMR.txt").write_text(XMR_ID + "\n")
    # The .txt wins over the .json of the same asset.
    (tmp_path / "sanctioned_addresses_TRX.txt").write_text(TRON + "\n")
    (tmp_path / "sanctioned_addresses_TRX.json").write_text(json.dumps(["ignored"]))

    parsed = parse_ofac_address_dir(tmp_path)

    found = {e.value: (e.family, e.reason) for e in parsed.entries}
    assert found == {
        EVM: ("evm", "OFAC SDN digital currency address (ARB, ETH)"),
        GENESIS: ("bitcoin", "OFAC SDN digital currency address (XBT)"),
        BIP173: ("bitcoin", "OFAC SDN digital currency address (XBT)"),
        TRON: ("tron", "OFAC SDN digital currency address (TRX, XBT)"),
        XMR_ID: ("unsupported:XMR", "OFAC SDN digital currency address (XMR)"),
    }
    assert {(e.list_type, e.kind, e.category, e.source) for e in parsed.entries} == {
        (ListType.BLOCK, SubjectKind.ADDRESS, "sanctions", "ofac-addresses")
    }
    assert parsed.duplicates == 2
    assert parsed.rejected == (
        Reject(1, "7", "not a string", "sanctioned_addresses_ARB.json"),
        Reject(
            5,
            "not an address",
            "not an address: whitespace, control characters or too long",
            "sanctioned_addresses_XBT.txt",
        ),
    )


def test_ofac_folder_without_lists(tmp_path: Path) -> None:
    (tmp_path / "README.md").write_text("x")
    with pytest.raises(InvalidInput) as err:
        parse_ofac_address_dir(tmp_path)
    assert err.value.code == "lists.no_asset_files"


def test_mew_darklist(tmp_path: Path) -> None:
    path = tmp_path / "addresses-darklist.json"
    items = [
        {
            "address": "0xF193a9aFb00715AaCF7ca9Ebffafe02C77517C2E",
            "comment": "Fake ROCK2PAY",
            "date": "2018-11-06",
        },
        {"address": "0x9CdfC5b0ACA4527a0916412E9dbD6AD85556A49", "comment": "short", "date": ""},
        {
            "address": "0xf193a9afb00715aacf7ca9ebffafe02c77517c2e",
            "comment": "Phishing",
            "date": "",
        },
        {"address": "0x00e01a648ff41346cdeb873182383333d2184dd1 ", "comment": "", "date": "1/2/18"},
        {"comment": "no address"},
        {"address": "0xg0e01a648ff41346cdeb873182383333d2184dd1", "comment": "", "date": ""},
    ]
    path.write_text(json.dumps(items))

    parsed = parse_darklist(path, source="mew-darklist")

    first = "Fake ROCK2PAY (reported 2018-11-06); Phishing"
    assert {e.value: e.reason for e in parsed.entries} == {
        "0xf193a9afb00715aacf7ca9ebffafe02c77517c2e": first,
        "0x00e01a648ff41346cdeb873182383333d2184dd1": "listed by mew-darklist (reported 1/2/18)",
    }
    assert {(e.list_type, e.family, e.category) for e in parsed.entries} == {
        (ListType.BLOCK, "evm", "scam")
    }
    assert parsed.duplicates == 1
    assert [(r.position, r.why) for r in parsed.rejected] == [
        (1, "0x address must have 40 hex digits, has 39"),
        (4, "no address string"),
        (5, "0x address has non-hex characters"),
    ]


def test_string_array_and_lightlist(tmp_path: Path) -> None:
    scam = tmp_path / "address.json"
    scam.write_text(json.dumps([EVM, 42, "0xzz"]))
    parsed = parse_darklist(scam, source="scamsniffer", category="phishing")
    assert [(e.value, e.reason, e.category) for e in parsed.entries] == [
        (EVM, "listed by scamsniffer", "phishing")
    ]
    assert [(r.position, r.raw) for r in parsed.rejected] == [(1, "42"), (2, "0xzz")]

    light = tmp_path / "addresses-lightlist.json"
    light.write_text(json.dumps([{"address": EVM, "comment": "district0x Address", "date": ""}]))
    allow = parse_darklist(
        light, source="mew-lightlist", list_type=ListType.ALLOW, category="verified"
    )
    assert [(e.list_type, e.reason) for e in allow.entries] == [
        (ListType.ALLOW, "district0x Address")
    ]


CSV_TEXT = f"""list_type,kind,value,family,category,reason,expires_at,account_id
block,ip,10.1.2.3,,abuse,bot traffic,,
grey,cidr,10.1.2.3/8,,abuse,bad range,2025-06-30,
block,cidr,2001:DB8::1/32,,abuse,v6 range,2025-06-30T12:00:00+02:00,
block,device, dev-123 ,,fraud,stolen phone,,
allow,address,0x{EVM[2:].upper()},evm,user_allowlist,mine,,acct_1
block,ip,10.1.2.300,,abuse,bad,,
block,address,0x4f47,evm,scam,short,,
block,ip,10.9.9.9,,abuse
block,ip,10.1.2.3,,abuse,again,,
block,account,acct_9,,fraud,mule,2025-06-30T00:00:00,
block,address,{EVM},,sanctions,ok,,acct_2
frozen,ip,1.1.1.1,,x,y,,
block,ip,1.1.1.1,evm,x,y,,
block,address,{XMR_ID},unsupported:XMR,sanctions,monero,,
block,address,{GENESIS},,sanctions,no family given,,
block,ip,"8.8.8.8,,abuse,unclosed,,
block,ip,9.9.9.9,,abuse,after,,
"""


def test_csv(tmp_path: Path) -> None:
    path = tmp_path / "team list.csv"
    path.write_text(CSV_TEXT)

    parsed = parse_csv(path)

    got = [
        (e.list_type.value, e.kind.value, e.value, e.family, e.reason, e.expires_at, e.account_id)
        for e in parsed.entries
    ]
    assert got == [
        ("block", "ip", "10.1.2.3", None, "bot traffic; again", None, None),
        ("grey", "cidr", "10.0.0.0/8", None, "bad range", datetime(2025, 6, 30, tzinfo=UTC), None),
        (
            "block",
            "cidr",
            "2001:db8::/32",
            None,
            "v6 range",
            datetime(2025, 6, 30, 10, tzinfo=UTC),
            None,
        ),
        ("block", "device", "dev-123", None, "stolen phone", None, None),
        ("allow", "address", EVM, "evm", "mine", None, "acct_1"),
        ("block", "address", XMR_ID, "unsupported:XMR", "monero", None, None),
        ("block", "address", GENESIS, "bitcoin", "no family given", None, None),
        ("block", "ip", "9.9.9.9", None, "after", None, None),
    ]
    assert {e.source for e in parsed.entries} == {"csv:team list.csv"}
    assert parsed.duplicates == 1
    assert [(r.position, r.why) for r in parsed.rejected] == [
        (7, "not an IP address: '10.1.2.300'"),
        (8, "0x address must have 40 hex digits, has 4"),
        (9, "truncated: 5 fields, the header has 8"),
        (11, "expires_at '2025-06-30T00:00:00' needs a UTC offset (e.g. 2025-06-30T00:00:00Z)"),
        (12, "entries scoped to one account can only be allowlist entries"),
        (13, "list_type 'frozen' is not one of: block, grey, allow"),
        (14, "family applies to addresses only, not to ip"),
        (17, "malformed CSV: unexpected end of data"),
    ]
    assert parsed.rejected[2].raw == "block,ip,10.9.9.9,,abuse"


def test_csv_minimal_header_in_any_order(tmp_path: Path) -> None:
    path = tmp_path / "l.csv"
    path.write_text("Value,Kind,List_Type,Reason,Category\n10.0.0.1,ip,block,r,c\n")
    parsed = parse_csv(path, source="ops")
    assert [(e.value, e.source, e.family) for e in parsed.entries] == [("10.0.0.1", "ops", None)]


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (b"", "lists.bad_header"),
        (b"list_type,kind,value,category\n", "lists.bad_header"),
        (b"list_type,kind,value,category,reason,colour\n", "lists.bad_header"),
        (b"list_type,kind,value,category,reason,reason\n", "lists.bad_header"),
        (b"list_type,kind,value,category,reason\nblock,device,caf\xe9,c,r\n", "lists.bad_encoding"),
    ],
)
def test_csv_errors_that_stop_the_import(tmp_path: Path, content: bytes, code: str) -> None:
    path = tmp_path / "l.csv"
    path.write_bytes(content)
    with pytest.raises(InvalidInput) as err:
        parse_csv(path)
    assert err.value.code == code


def test_entries_json(tmp_path: Path) -> None:
    path = tmp_path / "entries.json"
    rows: list[object] = [
        {
            "list_type": "block",
            "kind": "ip",
            "value": "::ffff:10.1.2.3",
            "category": "abuse",
            "reason": "mapped",
        },
        {"list_type": "block", "kind": "ip", "value": 5, "category": "abuse", "reason": "r"},
        "string",
        {"list_type": "block", "kind": "ip", "value": "1.1.1.1", "colour": "red"},
        {
            "list_type": "block",
            "kind": "account",
            "value": "acct_7",
            "category": "fraud",
            "reason": "r",
            "expires_at": None,
        },
    ]
    path.write_text(json.dumps(rows))

    parsed = parse_entries_json(path)

    assert [(e.kind.value, e.value, e.source) for e in parsed.entries] == [
        ("ip", "10.1.2.3", "json:entries.json"),
        ("account", "acct_7", "json:entries.json"),
    ]
    assert [(r.position, r.why) for r in parsed.rejected] == [
        (1, "every field must be a string or null"),
        (2, "not an object"),
        (3, "unknown fields: colour"),
    ]
