from __future__ import annotations

import json
from pathlib import Path

import pytest
from eth_utils import to_checksum_address

from trustdesk.bootstrap import Container
from trustdesk.chains.addresses import normalize_address
from trustdesk.lists.importing import import_list, parse_list_file
from trustdesk.lists.service import add_to_allowlist
from trustdesk.risk.model import Decision

from ._support import OTHER_PAYEE, PAYEE, assess, codes, signal
from .conftest import T0

SANCTIONED_EVM = "0xd90e2f925da726b50c4ed8d0fb90ad053324f31b"
# BIP-173 test vector (P2WPKH on mainnet), listed in lower case.
SANCTIONED_BECH32 = "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4"
DARK = "0x5a0b54d5dc17e0aadc383d2db43b0a0d3e029c4c"


def import_folder(container: Container, fmt: str, path: Path) -> None:
    parsed = parse_list_file(fmt, path, None, None)
    source = parsed.entries[0].source
    with container.session() as session:
        import_list(
            container.list_store(session), container.audit_log(session), parsed, source, T0, "test"
        )


@pytest.fixture
def sanctions(container: Container, tmp_path: Path) -> Container:
    folder = tmp_path / "ofac"
    folder.mkdir()
    (folder / "sanctioned_addresses_ETH.txt").write_text(SANCTIONED_EVM + "\n")
    (folder / "sanctioned_addresses_XBT.txt").write_text(SANCTIONED_BECH32 + "\n")
    import_folder(container, "ofac-addresses", folder)
    return container


@pytest.mark.parametrize(
    "spelling",
    [
        SANCTIONED_EVM,
        to_checksum_address(SANCTIONED_EVM),
        "0x" + SANCTIONED_EVM[2:].upper(),
    ],
    ids=["lower", "eip55", "upper-hex"],
)
def test_sanctioned_evm_destination_in_every_spelling(sanctions: Container, spelling: str) -> None:
    a = assess(sanctions, destination=spelling)
    assert (a.verdict.decision, a.verdict.score) == (Decision.BLOCK, 100)
    assert codes(a) == {"SANCTIONED_DESTINATION", "FIRST_TIME_DESTINATION", "NEW_ACCOUNT"}
    assert signal(a, "SANCTIONED_DESTINATION") == {
        "sources": "ofac-addresses",
        "categories": "sanctions",
        "list_reason": "OFAC SDN digital currency address (ETH)",
    }
    assert a.verdict.reasons[0].message == (
        "The destination address is on a sanctions list (ofac-addresses)."
    )
    assert a.request.destination_display == to_checksum_address(SANCTIONED_EVM)


def test_sanctioned_bech32_destination_in_upper_case(sanctions: Container) -> None:
    a = assess(sanctions, chain="bitcoin", asset="BTC", destination=SANCTIONED_BECH32.upper())
    assert a.verdict.decision is Decision.BLOCK
    assert signal(a, "SANCTIONED_DESTINATION")["list_reason"] == (
        "OFAC SDN digital currency address (XBT)"
    )
    assert a.request.destination == SANCTIONED_BECH32


def test_an_unlisted_address_is_not_blocked(sanctions: Container) -> None:
    a = assess(sanctions, destination=PAYEE)
    assert (a.verdict.decision, codes(a)) == (
        Decision.ALLOW,
        {"FIRST_TIME_DESTINATION", "NEW_ACCOUNT"},
    )


def test_darklisted_destination(container: Container, tmp_path: Path) -> None:
    path = tmp_path / "darklist.json"
    path.write_text(json.dumps([{"address": to_checksum_address(DARK), "comment": "Fake airdrop"}]))
    import_folder(container, "darklist", path)
    a = assess(container, destination=DARK)
    assert (a.verdict.decision, a.verdict.score) == (Decision.BLOCK, 100)
    assert signal(a, "BLOCKLISTED_DESTINATION") == {
        "sources": "darklist:darklist.json",
        "categories": "scam",
        "list_reason": "Fake airdrop",
    }
    assert "SANCTIONED_DESTINATION" not in codes(a)
    assert a.verdict.user_prompt == (
        "This address has been reported for scams or phishing. "
        "We stopped the payment to protect your funds."
    )


def test_a_user_allowlist_lowers_the_score_for_that_account_only(container: Container) -> None:
    with container.session() as session:
        add_to_allowlist(
            container.list_store(session), "acct-a", normalize_address("ethereum", OTHER_PAYEE), T0
        )
    mine = assess(container, account_id="acct-a", destination=OTHER_PAYEE)
    theirs = assess(container, account_id="acct-b", destination=OTHER_PAYEE)
    # NEW_ACCOUNT 10 + FIRST_TIME_DESTINATION 15, and -25 for the saved address.
    assert codes(mine) == {
        "NEW_ACCOUNT",
        "FIRST_TIME_DESTINATION",
        "DESTINATION_ALLOWLISTED_BY_USER",
    }
    assert mine.verdict.score == 0
    assert codes(theirs) == {"NEW_ACCOUNT", "FIRST_TIME_DESTINATION"}
    assert theirs.verdict.score == 25
