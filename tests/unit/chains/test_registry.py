"""Chain registry: names, aliases, families and EVM chain ids."""

from __future__ import annotations

import pytest

from trustdesk.chains.errors import UnknownChain
from trustdesk.chains.registry import CHAINS, get_chain
from trustdesk.core.errors import InvalidInput


def test_every_chain_and_its_family() -> None:
    assert {name: chain.family for name, chain in CHAINS.items()} == {
        "ethereum": "evm",
        "ethereum-classic": "evm",
        "bsc": "evm",
        "arbitrum": "evm",
        "optimism": "evm",
        "base": "evm",
        "polygon": "evm",
        "avalanche": "evm",
        "bitcoin": "bitcoin",
        "litecoin": "litecoin",
        "tron": "tron",
        "solana": "solana",
    }


def test_evm_chain_ids_are_the_registered_ones_and_others_have_none() -> None:
    # Chain ids from chainlist / EIP-155 registrations.
    assert {name: chain.evm_chain_id for name, chain in CHAINS.items()} == {
        "ethereum": 1,
        "ethereum-classic": 61,
        "bsc": 56,
        "arbitrum": 42161,
        "optimism": 10,
        "base": 8453,
        "polygon": 137,
        "avalanche": 43114,
        "bitcoin": None,
        "litecoin": None,
        "tron": None,
        "solana": None,
    }


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("btc", "bitcoin"),
        ("eth", "ethereum"),
        ("etc", "ethereum-classic"),
        ("bnb", "bsc"),
        ("bnb-smart-chain", "bsc"),
        ("arb", "arbitrum"),
        ("arbitrum-one", "arbitrum"),
        ("trx", "tron"),
        ("sol", "solana"),
        ("ltc", "litecoin"),
        ("  Ethereum\t", "ethereum"),
        ("BTC", "bitcoin"),
        ("Ethereum-Classic", "ethereum-classic"),
    ],
)
def test_names_and_aliases_are_matched_case_insensitively_after_strip(
    name: str, expected: str
) -> None:
    assert get_chain(name).name == expected


def test_native_assets() -> None:
    assert get_chain("bsc").native_asset == "BNB"
    assert get_chain("base").native_asset == "ETH"
    assert get_chain("tron").native_asset == "TRX"
    assert get_chain("solana").display_name == "Solana"


@pytest.mark.parametrize("name", ["dogecoin", "", "ethereum mainnet", "bitcoin-testnet"])
def test_unknown_chain_lists_the_supported_ones(name: str) -> None:
    with pytest.raises(UnknownChain) as caught:
        get_chain(name)
    error = caught.value
    assert isinstance(error, InvalidInput)
    assert error.code == "chains.unknown_chain"
    assert error.field == "chain"
    assert "ethereum, ethereum-classic, bsc" in error.message
    assert error.message.endswith("tron, solana")
