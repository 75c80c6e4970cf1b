"""Hashes, addresses and chain names found in free text, exactly."""

from __future__ import annotations

import pytest

from trustdesk.bot.extract import extract, mentioned_chains
from trustdesk.chains.addresses import Address

HASH = "0x" + "5c504ed432cb51138bcf09aa5e8a410dd4a1e204ef84bfed1be16dfba1b22060"
EVM = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"  # EIP-55's own example
GENESIS = "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa"  # Bitcoin's genesis coinbase address
BECH32 = "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4"  # BIP-173 test vector
USDT_TRON = "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t"  # USDT's TRC-20 contract
WSOL = "So11111111111111111111111111111111111111112"  # wrapped SOL mint


def test_the_acceptance_message_gives_its_hash() -> None:
    found = extract(f"我的提现已经两个小时了还没到账 {HASH}")
    assert found.tx_hashes == (HASH,)
    assert found.addresses == ()
    assert found.chains == ()


def test_cjk_text_glued_to_the_hash_is_a_boundary() -> None:
    assert extract(f"到账{HASH}。").tx_hashes == (HASH,)
    assert extract(f"hash:{HASH.upper().replace('0X', '0x')}!").tx_hashes == (HASH,)


def test_a_20_byte_address_is_not_a_hash_and_a_32_byte_hash_is_not_an_address() -> None:
    found = extract(f"sent from {EVM} in tx {HASH}")
    assert found.tx_hashes == (HASH,)
    assert found.addresses == (Address("evm", EVM.lower(), "account"),)
    assert found.evm_addresses == (EVM.lower(),)


@pytest.mark.parametrize(
    "text",
    [
        HASH + "0",  # 65 hex digits
        HASH + "ab",  # 66 hex digits
        "0x0" + HASH[2:],  # 65 hex digits after 0x
        HASH + "g",  # glued to a letter
        "a" + HASH,  # glued to a letter before
        "1" + HASH,
        HASH[2:],  # no 0x prefix
        EVM + "0",  # 41 hex digits
        "x" + EVM,
        EVM[:-1],  # 39 hex digits
    ],
)
def test_no_hit_inside_longer_runs(text: str) -> None:
    found = extract(f"look: {text} please")
    assert found.tx_hashes == ()
    assert found.addresses == ()


def test_repeats_are_reported_once_in_order_of_appearance() -> None:
    other = "0x" + "ab" * 32
    found = extract(f"{HASH} {other} {HASH.upper().replace('0X', '0x')} {other}")
    assert found.tx_hashes == (HASH, other)


def test_other_chains_addresses_by_their_validators() -> None:
    found = extract(f"to {GENESIS}, {BECH32.upper()}; {USDT_TRON} / {WSOL}")
    assert found.addresses == (
        Address("bitcoin", GENESIS, "p2pkh"),
        Address("bitcoin", BECH32, "p2wpkh"),
        Address("tron", USDT_TRON, "account"),
        Address("solana", WSOL, "account"),
    )


@pytest.mark.parametrize(
    "text",
    [
        "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6u",  # last character changed: checksum fails
        "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb",
        "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3tb",
        "Internationalization",  # a long word
        "withdrawalconfirmationsnotarrived",
    ],
)
def test_invalid_or_ordinary_words_are_not_addresses(text: str) -> None:
    assert extract(f"x {text} y").addresses == ()


@pytest.mark.parametrize(
    ("text", "chains"),
    [
        ("sent on ethereum", ("ethereum",)),
        ("USDT-ERC20 and then TRC20", ("ethereum", "tron")),
        ("我用以太坊转的", ("ethereum",)),
        ("波场上的USDT", ("tron",)),
        ("比特币提现", ("bitcoin",)),
        ("BSC network", ("bsc",)),
        ("via BEP20", ("bsc",)),
        ("Polygon (MATIC)", ("polygon",)),
        ("kirim lewat jaringan Solana", ("solana",)),
        ("arbitrum one", ("arbitrum",)),
        ("btc", ("bitcoin",)),
        # Binance the exchange: counted after the chains named outright.
        ("从币安提现，走的是以太坊", ("ethereum", "bsc")),
        ("withdrew from Binance over TRC20", ("tron", "bsc")),
        ("币安智能链", ("bsc",)),
        # Not chain names.
        ("the base fee is high", ()),
        ("my Ethernet cable", ()),
        ("以太网断了", ()),
        ("method", ()),
        ("tether", ()),
    ],
)
def test_chain_names(text: str, chains: tuple[str, ...]) -> None:
    assert mentioned_chains(text) == chains
    assert extract(text).chain == (chains[0] if chains else None)


def test_to_dict_shows_evm_addresses_in_checksum_case() -> None:
    found = extract(f"{EVM.lower()} {USDT_TRON} on tron {HASH}")
    assert found.to_dict() == {
        "tx_hashes": [HASH],
        "addresses": [
            {"family": "evm", "address": EVM},
            {"family": "tron", "address": USDT_TRON},
        ],
        "chains": ["tron"],
    }
