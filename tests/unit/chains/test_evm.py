"""EVM addresses: EIP-55 vectors, case rules, and properties against eth_utils."""

from __future__ import annotations

import pytest
from eth_utils import to_checksum_address
from hypothesis import given
from hypothesis import strategies as st

from trustdesk.chains.addresses import Address, detect_address, normalize_address
from trustdesk.chains.errors import BadChecksum, MalformedAddress, WrongNetwork

# The test cases of EIP-55 (ethereum/ERCs, ERCS/erc-55.md), by group.
ALL_CAPS = [
    "0x52908400098527886E0F7030069857D2E4169EE7",
    "0x8617E340B3D01FA5F11F306F4090FD50E238070D",
]
ALL_LOWER = [
    "0xde709f2102306220921060314715629080e2fb77",
    "0x27b1fdb04752bbc536007a920d24acb045561c26",
]
NORMAL = [
    "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
    "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
    "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB",
    "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb",
]


@pytest.mark.parametrize("vector", ALL_CAPS + ALL_LOWER + NORMAL)
def test_eip55_vectors_are_their_own_checksum_form(vector: str) -> None:
    address = normalize_address("ethereum", vector)
    assert address == Address("evm", vector.lower(), "account")
    assert address.display == vector


@pytest.mark.parametrize("vector", NORMAL)
def test_eip55_vectors_in_uniform_case_are_accepted_and_displayed_checksummed(
    vector: str,
) -> None:
    lower = "0x" + vector[2:].lower()
    upper = "0X" + vector[2:].upper()
    assert normalize_address("bsc", lower).value == lower
    assert normalize_address("polygon", upper).value == lower
    assert normalize_address("polygon", upper).display == vector


@pytest.mark.parametrize("vector", NORMAL)
def test_one_letter_in_the_wrong_case_is_a_bad_checksum(vector: str) -> None:
    # Flip the last letter: the result stays mixed case, so EIP-55 applies.
    index = max(i for i, ch in enumerate(vector) if ch.isalpha() and i > 1)
    flipped = vector[:index] + vector[index].swapcase() + vector[index + 1 :]
    with pytest.raises(BadChecksum) as caught:
        normalize_address("ethereum", flipped)
    assert caught.value.code == "chains.bad_checksum"
    assert caught.value.field == "destination"
    assert "EIP-55" in caught.value.message
    # Importers accept it: third-party lists carry such case.
    assert detect_address(flipped) == Address("evm", vector.lower(), "account")


@pytest.mark.parametrize(
    ("raw", "needle"),
    [
        ("5aaeb6053f3e94c9b9a09f33669435e7ef1beaed", "0x prefix is missing"),
        ("0x5aaeb6053f3e94c9b9a09f33669435e7ef1bea", "38 hexadecimal characters"),
        ("0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed00", "42 hexadecimal characters"),
        ("0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaeg", "'g' is not a hexadecimal"),
        ("0x", "0 hexadecimal characters"),
    ],
)
def test_malformed_evm_addresses_say_what_is_expected(raw: str, needle: str) -> None:
    with pytest.raises(MalformedAddress) as caught:
        normalize_address("arbitrum", raw)
    assert caught.value.code == "chains.malformed_address"
    assert needle in caught.value.message
    assert "expected 0x followed by 40 hexadecimal characters" in caught.value.message
    assert "Arbitrum One" in caught.value.message


@pytest.mark.parametrize(
    ("raw", "network"),
    [
        ("TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t", "TRON"),
        ("41a614f803b6fd780986a42c78ec9c7f77e6ded13c", "TRON hex-form"),
        ("1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa", "Bitcoin"),
        ("bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4", "Bitcoin"),
        ("LTfmQqeYrxD6t8VBi6iNKpyfmiY5Z3bdyv", "Litecoin"),
        ("EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v", "Solana"),
    ],
)
def test_another_networks_address_on_an_evm_chain_is_wrong_network(raw: str, network: str) -> None:
    with pytest.raises(WrongNetwork) as caught:
        normalize_address("ethereum", raw)
    assert caught.value.code == "chains.wrong_network"
    assert caught.value.message == (f"this looks like a {network} address, not an Ethereum address")


addresses_20 = st.binary(min_size=20, max_size=20)


@given(addresses_20)
def test_random_addresses_round_trip_through_the_checksum_form(raw: bytes) -> None:
    checksummed = to_checksum_address(raw)  # eth_utils: an independent EIP-55 encoder
    address = normalize_address("ethereum", checksummed)
    assert address.value == "0x" + raw.hex()
    assert address.display == checksummed
    assert normalize_address("ethereum", address.value).display == checksummed


@given(addresses_20, st.integers(min_value=0))
def test_flipping_one_checksum_letter_is_a_bad_checksum(raw: bytes, pick: int) -> None:
    checksummed = to_checksum_address(raw)
    letters = [i for i, ch in enumerate(checksummed) if i > 1 and ch.isalpha()]
    if not letters:  # all digits: nothing to flip (probability ~ 2e-5)
        return
    i = letters[pick % len(letters)]
    flipped = checksummed[:i] + checksummed[i].swapcase() + checksummed[i + 1 :]
    body = flipped[2:]
    if body in (body.lower(), body.upper()):
        # The flip made the case uniform, which carries no checksum and is accepted.
        assert normalize_address("ethereum", flipped).value == "0x" + raw.hex()
    else:
        with pytest.raises(BadChecksum):
            normalize_address("ethereum", flipped)
