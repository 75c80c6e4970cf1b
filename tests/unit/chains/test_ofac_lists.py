"""Every OFAC sanctioned address on a chain we support is recognized (real data)."""

from __future__ import annotations

from collections import Counter

import pytest

from tests.conftest import shared_data
from trustdesk.chains.addresses import detect_address, normalize_address


def _lines(asset: str) -> list[str]:
    path = shared_data("ofac_crypto_addresses", f"sanctioned_addresses_{asset}.txt")
    return path.read_text(encoding="ascii").splitlines()


# Per list: how many addresses each family should detect (counted from the 2024-09-27
# snapshot described in PROVENANCE.md; XBT carries one TRON address, USDT three families).
EXPECTED = {
    "XBT": {"bitcoin": 434, "tron": 1},
    "ETH": {"evm": 152},
    "ETC": {"evm": 1},
    "ARB": {"evm": 1},
    "BSC": {"evm": 1},
    "TRX": {"tron": 6},
    "USDT": {"evm": 8, "bitcoin": 7, "tron": 11},
    "USDC": {"evm": 2},
}


@pytest.mark.parametrize("asset", sorted(EXPECTED))
def test_every_listed_address_is_detected(asset: str) -> None:
    lines = _lines(asset)
    detected = {line: detect_address(line) for line in lines}
    missed = [line for line, address in detected.items() if address is None]
    assert missed == []
    families = Counter(address.family for address in detected.values() if address)
    assert dict(families) == EXPECTED[asset]


def test_eth_list_carries_valid_checksum_case() -> None:
    # normalize_address is strict about EIP-55 case; every OFAC ETH entry passes it.
    for line in _lines("ETH"):
        assert normalize_address("ethereum", line).value == line.lower()


def test_ltc_list_is_valid_litecoin() -> None:
    kinds = Counter(normalize_address("litecoin", line).kind for line in _lines("LTC"))
    assert kinds == {"p2pkh": 9, "p2sh": 1}


def test_arb_and_bsc_hold_the_same_address_as_eth() -> None:
    eth = {detect_address(line) for line in _lines("ETH")}
    assert detect_address(_lines("ARB")[0]) in eth
    assert detect_address(_lines("BSC")[0]) in eth
