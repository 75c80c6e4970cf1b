"""Native segwit addresses against the BIP-173 and BIP-350 test vectors."""

from __future__ import annotations

import pytest

from trustdesk.chains._segwit import decode_segwit
from trustdesk.chains.addresses import Address, normalize_address
from trustdesk.chains.errors import BadChecksum, MalformedAddress, WrongNetwork

MALFORMED = "chains.malformed_address"
CHECKSUM = "chains.bad_checksum"

# BIP-350 "valid segwit addresses" with the scriptPubKey each translates to.
BIP350_VALID = [
    ("BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4", "0014751e76e8199196d454941c45d1b3a323f1433bd6"),
    (
        "tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3q0sl5k7",
        "00201863143c14c5166804bd19203356da136c985678cd4d27a1b8c6329604903262",
    ),
    (
        "bc1pw508d6qejxtdg4y5r3zarvary0c5xw7kw508d6qejxtdg4y5r3zarvary0c5xw7kt5nd6y",
        "5128751e76e8199196d454941c45d1b3a323f1433bd6751e76e8199196d454941c45d1b3a323f1433bd6",
    ),
    ("BC1SW50QGDZ25J", "6002751e"),
    ("bc1zw508d6qejxtdg4y5r3zarvaryvaxxpcs", "5210751e76e8199196d454941c45d1b3a323"),
    (
        "tb1qqqqqp399et2xygdj5xreqhjjvcmzhxw4aywxecjdzew6hylgvsesrxh6hy",
        "0020000000c4a5cad46221b2a187905e5266362b99d5e91c6ce24d165dab93e86433",
    ),
    (
        "tb1pqqqqp399et2xygdj5xreqhjjvcmzhxw4aywxecjdzew6hylgvsesf3hn0c",
        "5120000000c4a5cad46221b2a187905e5266362b99d5e91c6ce24d165dab93e86433",
    ),
    (
        "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0",
        "512079be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798",
    ),
]


def _script_pubkey(version: int, program: bytes) -> str:
    opcode = 0 if version == 0 else 0x50 + version
    return bytes([opcode, len(program)]).hex() + program.hex()


@pytest.mark.parametrize(("address", "script"), BIP350_VALID)
def test_bip350_valid_addresses_decode_to_their_script_pubkey(address: str, script: str) -> None:
    segwit = decode_segwit(address)
    assert _script_pubkey(segwit.version, segwit.program) == script
    assert segwit.text == address.lower()


@pytest.mark.parametrize(
    ("address", "kind"),
    [
        ("BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4", "p2wpkh"),
        (
            "bc1pw508d6qejxtdg4y5r3zarvary0c5xw7kw508d6qejxtdg4y5r3zarvary0c5xw7kt5nd6y",
            "witness_v1",
        ),
        ("BC1SW50QGDZ25J", "witness_v16"),
        ("bc1zw508d6qejxtdg4y5r3zarvaryvaxxpcs", "witness_v2"),
        ("bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0", "p2tr"),
        ("bc1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3qccfmv3", "p2wsh"),
    ],
)
def test_mainnet_vectors_normalize_to_lower_case_with_their_kind(address: str, kind: str) -> None:
    assert normalize_address("bitcoin", address) == Address("bitcoin", address.lower(), kind)


@pytest.mark.parametrize("address", [a for a, _ in BIP350_VALID if a.startswith("tb1")])
def test_testnet_vectors_are_wrong_network_on_bitcoin(address: str) -> None:
    with pytest.raises(WrongNetwork) as caught:
        normalize_address("bitcoin", address)
    assert (
        caught.value.message == "this looks like a Bitcoin testnet address, not a Bitcoin address"
    )


# BIP-350 invalid addresses, with the code each gets on the bitcoin chain. Checksum and
# structure are checked before the network, so testnet vectors fail like mainnet ones.
BIP350_INVALID = [
    ("tc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vq5zuyut", MALFORMED),  # HRP
    ("bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqh2y7hd", CHECKSUM),  # bech32
    ("tb1z0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqglt7rf", CHECKSUM),  # bech32
    ("BC1S0XLXVLHEMJA6C4DQV22UAPCTQUPFHLXM9H8Z3K2E72Q4K9HCZ7VQ54WELL", CHECKSUM),  # bech32
    ("bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kemeawh", CHECKSUM),  # bech32m for v0
    ("tb1q0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vq24jc47", CHECKSUM),  # bech32m
    ("bc1p38j9r5y49hruaue7wxjce0updqjuyyx0kh56v8s25huc6995vvpql3jow4", MALFORMED),  # 'o'
    ("BC130XLXVLHEMJA6C4DQV22UAPCTQUPFHLXM9H8Z3K2E72Q4K9HCZ7VQ7ZWS8R", MALFORMED),  # v17
    ("bc1pw5dgrnzv", MALFORMED),  # 1-byte program
    ("bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7v8n0nx0muaewav253zgeav", MALFORMED),
    ("BC1QR508D6QEJXTDG4Y5R3ZARVARYV98GJ9P", MALFORMED),  # v0 with 16 bytes
    ("tb1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vq47Zagq", MALFORMED),  # mixed case
    ("bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7v07qwwzcrf", MALFORMED),  # padding
    ("tb1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vpggkg4j", MALFORMED),  # padding
    ("bc1gmk9yu", MALFORMED),  # empty data
]

# BIP-173 invalid addresses; and its three v1+ "valid" addresses, which use the bech32
# checksum and so became invalid under BIP-350.
BIP173_INVALID = [
    ("tc1qw508d6qejxtdg4y5r3zarvary0c5xw7kg3g4ty", MALFORMED),
    ("bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5", CHECKSUM),
    ("BC13W508D6QEJXTDG4Y5R3ZARVARY0C5XW7KN40WF2", MALFORMED),
    ("bc1rw5uspcuh", MALFORMED),
    ("bc10w508d6qejxtdg4y5r3zarvary0c5xw7kw508d6qejxtdg4y5r3zarvary0c5xw7kw5rljs90", MALFORMED),
    ("BC1QR508D6QEJXTDG4Y5R3ZARVARYV98GJ9P", MALFORMED),
    ("tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3q0sL5k7", MALFORMED),
    ("bc1zw508d6qejxtdg4y5r3zarvaryvqyzf3du", MALFORMED),
    ("tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3pjxtptv", MALFORMED),
    ("bc1gmk9yu", MALFORMED),
    ("bc1pw508d6qejxtdg4y5r3zarvary0c5xw7kw508d6qejxtdg4y5r3zarvary0c5xw7k7grplx", CHECKSUM),
    ("BC1SW50QA3JX3S", CHECKSUM),
    ("bc1zw508d6qejxtdg4y5r3zarvaryvg6kdaj", CHECKSUM),
]


@pytest.mark.parametrize(("address", "code"), BIP350_INVALID + BIP173_INVALID)
def test_invalid_vectors_are_rejected_with_their_code(address: str, code: str) -> None:
    with pytest.raises((MalformedAddress, BadChecksum)) as caught:
        normalize_address("bitcoin", address)
    assert caught.value.code == code
    assert caught.value.field == "destination"


# Strings whose checksum is valid under BIP-173 (bech32) or BIP-350 (bech32m) but that are
# not segwit addresses: the checksum must pass, so the error is about the structure.
VALID_CHECKSUM_STRINGS = [
    "A12UEL5L",
    "a12uel5l",
    "an83characterlonghumanreadablepartthatcontainsthenumber1andtheexcludedcharactersbio1tt5tgs",
    "abcdef1qpzry9x8gf2tvdw0s3jn54khce6mua7lmqqqxw",
    "11qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqc8247j",
    "split1checkupstagehandshakeupstreamerranterredcaperred2y9e3w",
    "?1ezyfcl",
    "A1LQFN3A",
    "a1lqfn3a",
    "an83characterlonghumanreadablepartthatcontainsthetheexcludedcharactersbioandnumber11sg7hg6",
    "abcdef1l7aum6echk45nj3s0wdvt2fg8x9yrzpqzd3ryx",
    "11llllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllludsr8",
    "split1checkupstagehandshakeupstreamerranterredcaperredlc445v",
    "?1v759aa",
]


@pytest.mark.parametrize("text", VALID_CHECKSUM_STRINGS)
def test_bip_checksum_vectors_pass_the_checksum(text: str) -> None:
    with pytest.raises(MalformedAddress):
        decode_segwit(text)


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("A1G7SGD8", BadChecksum),  # BIP-173: checksum over the upper-case HRP
        ("M1VUXWEZ", BadChecksum),  # BIP-350: the same for bech32m
        (
            "an84characterslonghumanreadablepartthatcontainsthenumber1andtheexcludedcharactersbio1569pvx",
            MalformedAddress,  # over 90 characters
        ),
        ("x1b4n0q5v", MalformedAddress),  # 'b' is not a bech32 character
        ("li1dgmt3", MalformedAddress),  # checksum too short
        ("pzry9x0s0muk", MalformedAddress),  # no separator
        ("1pzry9x0s0muk", MalformedAddress),  # empty HRP
    ],
)
def test_bip_invalid_strings(text: str, error: type[Exception]) -> None:
    with pytest.raises(error):
        decode_segwit(text)


def test_upper_case_is_accepted_and_mixed_case_is_not() -> None:
    lower = "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0"
    assert normalize_address("btc", lower.upper()).value == lower
    mixed = lower.replace("zk5jj0", "zk5Jj0")
    with pytest.raises(MalformedAddress) as caught:
        normalize_address("btc", mixed)
    assert "all lower case or all upper case" in caught.value.message
