"""normalize_address and detect_address on base58 chains, input hygiene and properties."""

from __future__ import annotations

import base58
import bech32
import pytest
from eth_utils import to_checksum_address
from hypothesis import given
from hypothesis import strategies as st

from trustdesk.chains.addresses import (
    Address,
    detect_address,
    normalize_address,
    supported_families,
)
from trustdesk.chains.errors import (
    BadChecksum,
    MalformedAddress,
    UnknownChain,
    UnknownFamily,
    WrongNetwork,
)

GENESIS = "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa"  # hash160 62e907b15cbf27d5425399ebf6f0fb50ebb88f18
P2SH = "3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy"  # the Bitcoin wiki's P2SH example
USDT_TRON = "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t"  # hex 41a614f803b6fd780986a42c78ec9c7f77e6ded13c
SYSTEM_PROGRAM = "11111111111111111111111111111111"  # 32 zero bytes


def test_supported_families() -> None:
    assert supported_families() == ("evm", "bitcoin", "litecoin", "tron", "solana")


@pytest.mark.parametrize(
    ("chain", "raw", "expected"),
    [
        ("bitcoin", GENESIS, Address("bitcoin", GENESIS, "p2pkh")),
        ("bitcoin", P2SH, Address("bitcoin", P2SH, "p2sh")),
        # Litecoin vectors from Sparrow's drongo (Litecoin fork) address tests.
        ("litecoin", "LTfmQqeYrxD6t8VBi6iNKpyfmiY5Z3bdyv", None),
        ("litecoin", "MAww38m2PiRbuuQUTmMZ5mJYk6c8TVHAxe", None),
        ("litecoin", "ltc1qw508d6qejxtdg4y5r3zarvary0c5xw7kgmn4n9", None),
        ("litecoin", "ltc1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3qmu8tk5", None),
        ("litecoin", "ltc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqpj6zg2", None),
        ("litecoin", P2SH, Address("litecoin", P2SH, "p2sh")),  # legacy P2SH version 0x05
        ("tron", USDT_TRON, Address("tron", USDT_TRON, "account")),
        ("solana", SYSTEM_PROGRAM, Address("solana", SYSTEM_PROGRAM, "account")),
        ("solana", "TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA", None),
        ("solana", "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v", None),
        ("solana", "So11111111111111111111111111111111111111112", None),
    ],
)
def test_valid_base58_and_bech32_addresses(chain: str, raw: str, expected: Address | None) -> None:
    address = normalize_address(chain, raw)
    assert address.value == raw
    assert address.display == raw
    if expected is not None:
        assert address == expected


@pytest.mark.parametrize(
    ("raw", "kind"),
    [
        ("LTfmQqeYrxD6t8VBi6iNKpyfmiY5Z3bdyv", "p2pkh"),
        ("MAww38m2PiRbuuQUTmMZ5mJYk6c8TVHAxe", "p2sh"),
        ("ltc1qw508d6qejxtdg4y5r3zarvary0c5xw7kgmn4n9", "p2wpkh"),
        ("ltc1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3qmu8tk5", "p2wsh"),
        ("ltc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqpj6zg2", "p2tr"),
    ],
)
def test_litecoin_kinds(raw: str, kind: str) -> None:
    assert normalize_address("ltc", raw).kind == kind


@pytest.mark.parametrize(
    ("chain", "raw", "network", "chain_name"),
    [
        ("bitcoin", "mipcBbFg9gMiCh81Kj8tqqdgoZub1ZJRfn", "a Bitcoin testnet", "a Bitcoin"),
        ("bitcoin", "n1S1rnnZm3RdW9iuAF6Hjk3gLZWGc59zDi", "a Bitcoin testnet", "a Bitcoin"),
        ("bitcoin", "2MzQwSSnBHWHqSAqtTVQ6v47XtaisrJa1Vc", "a Bitcoin testnet", "a Bitcoin"),
        ("bitcoin", "LTfmQqeYrxD6t8VBi6iNKpyfmiY5Z3bdyv", "a Litecoin", "a Bitcoin"),
        ("bitcoin", "ltc1qw508d6qejxtdg4y5r3zarvary0c5xw7kgmn4n9", "a Litecoin", "a Bitcoin"),
        ("bitcoin", USDT_TRON, "a TRON", "a Bitcoin"),
        ("litecoin", GENESIS, "a Bitcoin", "a Litecoin"),
        ("litecoin", "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4", "a Bitcoin", "a Litecoin"),
        ("litecoin", "QfvF1VkLi6b4Ku9H2p7zVgJ7ZV6vBUR3zH", "a Litecoin testnet", "a Litecoin"),
        (
            "litecoin",
            "tltc1qawkzyj2l5yck5jq4wyhkc4837x088580ad76xw",
            "a Litecoin testnet",
            "a Litecoin",
        ),
        ("tron", "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", "an EVM (Ethereum-style)", "a TRON"),
        ("tron", GENESIS, "a Bitcoin", "a TRON"),
        ("solana", GENESIS, "a Bitcoin", "a Solana"),
        ("solana", USDT_TRON, "a TRON", "a Solana"),
        ("bitcoin", "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v", "a Solana", "a Bitcoin"),
    ],
)
def test_wrong_network_names_the_network_it_looks_like(
    chain: str, raw: str, network: str, chain_name: str
) -> None:
    with pytest.raises(WrongNetwork) as caught:
        normalize_address(chain, raw)
    assert caught.value.code == "chains.wrong_network"
    assert caught.value.field == "destination"
    assert caught.value.message == f"this looks like {network} address, not {chain_name} address"


@pytest.mark.parametrize(
    ("chain", "raw"),
    [
        ("tron", "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6u"),  # last character changed
        ("tron", "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj7t"),
        ("bitcoin", "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb"),
        ("bitcoin", "3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLz"),
        ("litecoin", "LTfmQqeYrxD6t8VBi6iNKpyfmiY5Z3bdyw"),
        ("litecoin", "ltc1qw508d6qejxtdg4y5r3zarvary0c5xw7kgmn4n8"),
    ],
)
def test_one_character_changed_is_a_bad_checksum(chain: str, raw: str) -> None:
    with pytest.raises(BadChecksum) as caught:
        normalize_address(chain, raw)
    assert caught.value.code == "chains.bad_checksum"
    assert caught.value.field == "destination"


@pytest.mark.parametrize(
    ("chain", "raw", "needle"),
    [
        ("solana", "1111111111111111111111111111111", "32 to 44 characters, not 31"),
        # 32 characters, but without leading '1's that is a 23-24 byte number.
        ("solana", "2" * 32, "encodes 23"),
        ("solana", "0" * 32, "'0' is not a base58 character"),
        ("tron", "T", "26 to 35 characters, not 1"),
        ("tron", "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6tTR7NH", "26 to 35 characters, not 39"),
        ("tron", "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLjOt", "'O' is not a base58 character"),
        ("bitcoin", "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNI", "'I' is not a base58 character"),
        ("bitcoin", "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3tb", "'b' is not a bech32"),
        ("bitcoin", "tc1qw508d6qejxtdg4y5r3zarvary0c5xw7kg3g4ty", "prefix tc1 is not bc1"),
        ("bitcoin", "x" * 91, "91 characters is longer than any address"),
        ("ethereum", "", "the address is empty"),
        ("ethereum", "   ", "the address is empty"),
    ],
)
def test_malformed_addresses(chain: str, raw: str, needle: str) -> None:
    with pytest.raises(MalformedAddress) as caught:
        normalize_address(chain, raw)
    assert caught.value.code == "chains.malformed_address"
    assert needle in caught.value.message


def test_a_base58check_payload_of_an_unknown_type_is_malformed() -> None:
    dogecoin = base58.b58encode_check(b"\x1e" + bytes(20)).decode()  # version 0x1e, 'D'
    with pytest.raises(WrongNetwork) as caught:
        normalize_address("bitcoin", dogecoin)
    assert "Dogecoin" in caught.value.message
    unknown = base58.b58encode_check(b"\x99" + bytes(20)).decode()
    with pytest.raises(MalformedAddress) as malformed:
        normalize_address("bitcoin", unknown)
    assert "not a known address type" in malformed.value.message
    assert "expected base58 starting with 1 or 3, or bech32 starting with bc1" in (
        malformed.value.message
    )


@pytest.mark.parametrize(
    "raw",
    [f" {GENESIS}", f"{GENESIS}\n", f"\t{GENESIS} \r\n", f"\u00a0{GENESIS}\u3000"],
)
def test_surrounding_whitespace_is_stripped(raw: str) -> None:
    assert normalize_address("bitcoin", raw).value == GENESIS


@pytest.mark.parametrize(
    ("raw", "needle"),
    [
        (GENESIS[:10] + " " + GENESIS[10:], "whitespace at position 11"),
        (GENESIS[:10] + "\u200b" + GENESIS[10:], "U+200B at position 11"),  # zero-width space
        ("\ufeff" + GENESIS, "U+FEFF at position 1"),  # byte-order mark
        (GENESIS[:-1] + "\u0430", "U+0430 at position 34"),  # Cyrillic a
        (GENESIS + "\u200d", "U+200D at position 35"),  # zero-width joiner, not stripped
        (GENESIS[:5] + "-" + GENESIS[5:], "the character '-' at position 6"),
    ],
)
def test_inner_whitespace_and_invisible_characters_are_malformed(raw: str, needle: str) -> None:
    with pytest.raises(MalformedAddress) as caught:
        normalize_address("bitcoin", raw)
    assert needle in caught.value.message
    assert detect_address(raw) is None


def test_unknown_chain() -> None:
    with pytest.raises(UnknownChain):
        normalize_address("dogecoin", GENESIS)


def test_detect_address_tries_families_in_order() -> None:
    assert detect_address(P2SH) == Address("bitcoin", P2SH, "p2sh")
    assert detect_address(P2SH, ["litecoin", "bitcoin"]) == Address("litecoin", P2SH, "p2sh")
    assert detect_address(f"  {USDT_TRON} ") == Address("tron", USDT_TRON, "account")
    assert detect_address(SYSTEM_PROGRAM) == Address("solana", SYSTEM_PROGRAM, "account")
    assert detect_address("BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4") == Address(
        "bitcoin", "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4", "p2wpkh"
    )
    assert detect_address(GENESIS, ["evm", "tron"]) is None
    assert detect_address(GENESIS, []) is None


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "not an address",
        "mipcBbFg9gMiCh81Kj8tqqdgoZub1ZJRfn",  # testnet
        "tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3q0sl5k7",
        "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6u",
        "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beae",
        "x" * 10_000,
        "\x00",
    ],
)
def test_detect_address_returns_none_for_bad_input(raw: str) -> None:
    assert detect_address(raw) is None


def test_detect_address_refuses_unknown_families() -> None:
    with pytest.raises(UnknownFamily) as caught:
        detect_address(GENESIS, ["bitcoin", "dogecoin"])
    assert caught.value.code == "chains.unknown_family"


# Valid addresses of every family, built with the libraries' encoders.
_payload20 = st.binary(min_size=20, max_size=20)
_valid = st.one_of(
    _payload20.map(lambda b: ("ethereum", to_checksum_address(b))),
    _payload20.map(lambda b: ("ethereum", "0x" + b.hex())),
    _payload20.map(lambda b: ("ethereum", "0x" + b.hex().upper())),
    _payload20.map(lambda b: ("bitcoin", base58.b58encode_check(b"\x00" + b).decode())),
    _payload20.map(lambda b: ("bitcoin", base58.b58encode_check(b"\x05" + b).decode())),
    _payload20.map(lambda b: ("litecoin", base58.b58encode_check(b"\x30" + b).decode())),
    _payload20.map(lambda b: ("tron", base58.b58encode_check(b"\x41" + b).decode())),
    st.binary(min_size=32, max_size=32).map(lambda b: ("solana", base58.b58encode(b).decode())),
    st.tuples(st.sampled_from([0, 1]), st.sampled_from([20, 32])).flatmap(
        lambda vl: st.binary(min_size=vl[1], max_size=vl[1]).map(
            lambda b: ("bitcoin", _segwit_encode("bc", vl[0], b))
        )
    ),
)


def _segwit_encode(hrp: str, version: int, program: bytes) -> str:
    """BIP-350's reference encoder: bech32 for v0, bech32m (constant 0x2bc830a3) for v1+."""
    data = [version] + (bech32.convertbits(program, 8, 5) or [])
    constant = 1 if version == 0 else 0x2BC830A3
    polymod = bech32.bech32_polymod(bech32.bech32_hrp_expand(hrp) + data + [0] * 6) ^ constant
    checksum = [(polymod >> 5 * (5 - i)) & 31 for i in range(6)]
    return hrp + "1" + "".join(bech32.CHARSET[d] for d in data + checksum)


@given(_valid)
def test_normalize_is_idempotent_on_value_and_display(case: tuple[str, str]) -> None:
    chain, raw = case
    address = normalize_address(chain, raw)
    assert normalize_address(chain, address.value) == address
    assert normalize_address(chain, address.display) == address
    assert detect_address(address.display) == address
    assert detect_address(raw.upper() if raw.startswith("bc1") else raw) == address


def test_the_reference_encoder_reproduces_the_bip350_taproot_vector() -> None:
    program = bytes.fromhex("79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798")
    assert _segwit_encode("bc", 1, program) == (
        "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0"
    )
