"""Wallet signatures checked against published vectors and against signatures made by
independent signers (eth-account, bitcoin-utils, PyNaCl, eth-keys with the hash rule
written out here), so a verifier that agrees with itself only cannot pass."""

from __future__ import annotations

import base64
import hashlib
import json

import base58
import bech32
import nacl.signing
import pytest
from bitcoinutils.keys import P2shAddress, PrivateKey, PublicKey
from bitcoinutils.ripemd160 import ripemd160
from bitcoinutils.setup import set_security_warnings, setup
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)
from eth_account import Account
from eth_account.messages import encode_defunct
from eth_keys import keys
from eth_utils import keccak

from trustdesk.auth.walletsig import (
    SignatureScheme,
    bip322_message_hash,
    bip322_to_sign,
    bip322_to_spend,
    default_scheme,
    resolve_scheme,
    stepup_typed_data,
    tron_message_hash,
    verify_message_signature,
    verify_typed_data_signature,
)
from trustdesk.core.errors import InvalidInput

# Hardhat's well-known development account #0.
HARDHAT_KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"
HARDHAT_ADDRESS = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
OTHER_EVM = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"  # hardhat account #1
CHALLENGE = "trustdesk step-up ch_01J9ZK: approve 0.25 BTC to bc1q... at 2024-05-01T12:00:00Z"


def _flip(signature_hex: str, index: int = 10) -> str:
    raw = bytearray(bytes.fromhex(signature_hex.removeprefix("0x")))
    raw[index] ^= 0x01
    return "0x" + raw.hex()


def _flip_b64(signature: str, index: int = 10) -> str:
    raw = bytearray(base64.b64decode(signature))
    raw[index] ^= 0x01
    return base64.b64encode(bytes(raw)).decode()


@pytest.fixture(scope="module", autouse=True)
def _bitcoin_mainnet() -> None:
    setup("mainnet")
    set_security_warnings(False)  # the keys below are public test keys


def test_default_schemes() -> None:
    assert [default_scheme(f) for f in ("evm", "bitcoin", "litecoin", "tron", "solana")] == [
        SignatureScheme.EIP191,
        SignatureScheme.BIP137,
        SignatureScheme.BIP137,
        SignatureScheme.TRON,
        SignatureScheme.SOLANA,
    ]
    with pytest.raises(InvalidInput):
        default_scheme("cosmos")


# --- EIP-191 ----------------------------------------------------------------------------


def _personal_sign(message: str, key: str = HARDHAT_KEY) -> str:
    return "0x" + bytes(Account.sign_message(encode_defunct(text=message), key).signature).hex()


def test_eip191_hardhat_account_zero_signs_as_its_published_address() -> None:
    signature = _personal_sign(CHALLENGE)
    assert verify_message_signature("ethereum", HARDHAT_ADDRESS, CHALLENGE, signature)
    assert verify_message_signature("base", HARDHAT_ADDRESS.lower(), CHALLENGE, signature)
    assert not verify_message_signature("ethereum", OTHER_EVM, CHALLENGE, signature)


def test_eip191_tampering_fails() -> None:
    signature = _personal_sign(CHALLENGE)
    assert not verify_message_signature("ethereum", HARDHAT_ADDRESS, CHALLENGE + " ", signature)
    assert not verify_message_signature("ethereum", HARDHAT_ADDRESS, CHALLENGE, _flip(signature))


def test_eip191_accepts_v_as_0_or_1_as_ledger_writes_it() -> None:
    signature = _personal_sign(CHALLENGE)
    v = int(signature[-2:], 16)
    assert v in (27, 28)
    ledger_style = signature[:-2] + f"{v - 27:02x}"
    assert verify_message_signature("ethereum", HARDHAT_ADDRESS, CHALLENGE, ledger_style)


@pytest.mark.parametrize("bad", ["", "0x", "0x1234", "zz" * 65, "0x" + "00" * 65, "0x" + "ab" * 64])
def test_eip191_malformed_signatures_are_false(bad: str) -> None:
    assert not verify_message_signature("ethereum", HARDHAT_ADDRESS, CHALLENGE, bad)


def test_unsupported_combinations_and_bad_addresses_raise() -> None:
    signature = _personal_sign(CHALLENGE)
    with pytest.raises(InvalidInput) as scheme:
        verify_message_signature("ethereum", HARDHAT_ADDRESS, CHALLENGE, signature, "bip137")
    assert scheme.value.field == "scheme"
    with pytest.raises(InvalidInput) as address:
        verify_message_signature("ethereum", "0x1234", CHALLENGE, signature)
    assert address.value.field == "address"
    with pytest.raises(InvalidInput):
        verify_message_signature("dogecoin", HARDHAT_ADDRESS, CHALLENGE, signature)


# --- EIP-712 ----------------------------------------------------------------------------


def _typed(amount: str = "0.25", chain_id: int = 1) -> dict[str, object]:
    return stepup_typed_data(
        chain_id=chain_id,
        challenge_id="ch_01J9ZK",
        digest="9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
        account_id="acct_42",
        amount=amount,
        asset="ETH",
        destination="0x70997970c51812dc3a010c7d01b50e0d17dc79c8",
        issued_at=1714564800,
    )


def test_stepup_typed_data_shape() -> None:
    typed = _typed()
    assert typed["primaryType"] == "StepUp"
    assert typed["domain"] == {"name": "trustdesk", "version": "1", "chainId": 1}
    assert typed["message"] == {
        "challengeId": "ch_01J9ZK",
        "digest": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
        "accountId": "acct_42",
        "amount": "0.25",
        "asset": "ETH",
        "destination": "0x70997970c51812dc3a010c7d01b50e0d17dc79c8",
        "issuedAt": 1714564800,
    }
    assert typed["types"]["StepUp"][-1] == {"name": "issuedAt", "type": "uint256"}
    with pytest.raises(InvalidInput):
        stepup_typed_data(
            chain_id=-1,
            challenge_id="c",
            digest="d",
            account_id="a",
            amount="1",
            asset="ETH",
            destination="x",
            issued_at=0,
        )


def test_eip712_signature_verifies_and_binds_every_field() -> None:
    typed = _typed()
    signed = Account.sign_typed_data(HARDHAT_KEY, full_message=typed)
    signature = "0x" + bytes(signed.signature).hex()
    assert verify_typed_data_signature(HARDHAT_ADDRESS, typed, signature)
    assert verify_message_signature(
        "ethereum", HARDHAT_ADDRESS, json.dumps(typed), signature, SignatureScheme.EIP712
    )
    assert not verify_typed_data_signature(HARDHAT_ADDRESS, _typed(amount="25"), signature)
    assert not verify_typed_data_signature(HARDHAT_ADDRESS, _typed(chain_id=137), signature)
    assert not verify_typed_data_signature(OTHER_EVM, typed, signature)
    assert not verify_typed_data_signature(HARDHAT_ADDRESS, typed, _personal_sign(CHALLENGE))


# --- BIP-137 ----------------------------------------------------------------------------

# bitcoinjs-message's README example (also bitcore's fixture): key, address, signatures.
BJS_WIF = "L4rK1yDtCWekvXuE6oXD9jCYfFNV2cWRpVuPLBcCU2z8TrisoyY1"
BJS_MESSAGE = "This is an example of a signed message."
BJS_P2PKH = "1F3sAm6ZtwLAUnj7d38pGFxtP3RVEvtsbV"
BJS_SIG_BODY = (
    "9L5yLFjti0QTHhPyFrZCT1V/MMnBtXKmoiKDZ78NDBjERki6ZTQZdSMCtkgoNmp17By9ItJr8o7ChX0XxY91nk="
)


def test_bip137_published_p2pkh_vector() -> None:
    signature = "H" + BJS_SIG_BODY
    assert PublicKey.verify_message(BJS_P2PKH, signature, BJS_MESSAGE)  # independent check
    assert verify_message_signature("bitcoin", BJS_P2PKH, BJS_MESSAGE, signature)
    assert not verify_message_signature("bitcoin", BJS_P2PKH, BJS_MESSAGE + ".", signature)
    assert not verify_message_signature("bitcoin", BJS_P2PKH, BJS_MESSAGE, _flip_b64(signature))


def test_bip137_published_segwit_vectors() -> None:
    """bitcoinjs-message's P2SH-P2WPKH ('I', header 35) and P2WPKH ('J', 39) examples;
    the addresses are derived from the key by bitcoin-utils."""
    public = PrivateKey(BJS_WIF).get_public_key()
    p2wpkh = public.get_segwit_address().to_string()
    p2sh = P2shAddress.from_script(public.get_segwit_address().to_script_pub_key()).to_string()
    assert (p2wpkh, p2sh) == (
        "bc1qngw83fg8dz0k749cg7k3emc7v98wy0c74dlrkd",
        "3DnW8JGpPViEZdpqat8qky1zc26EKbXnmM",
    )
    assert verify_message_signature("bitcoin", p2sh, BJS_MESSAGE, "I" + BJS_SIG_BODY)
    assert verify_message_signature("bitcoin", p2wpkh, BJS_MESSAGE, "J" + BJS_SIG_BODY)
    # The header names the address type: swapped, neither verifies.
    assert not verify_message_signature("bitcoin", p2sh, BJS_MESSAGE, "J" + BJS_SIG_BODY)
    assert not verify_message_signature("bitcoin", p2wpkh, BJS_MESSAGE, "I" + BJS_SIG_BODY)
    assert not verify_message_signature("bitcoin", BJS_P2PKH, BJS_MESSAGE, "J" + BJS_SIG_BODY)
    # Electrum signs segwit addresses with the compressed P2PKH header: same key, accepted.
    assert verify_message_signature("bitcoin", p2wpkh, BJS_MESSAGE, "H" + BJS_SIG_BODY)
    assert verify_message_signature("bitcoin", p2sh, BJS_MESSAGE, "H" + BJS_SIG_BODY)


@pytest.mark.parametrize(
    "message",
    ["", "hi", CHALLENGE, "x" * 300],  # 300 bytes needs a 3-byte varint length
)
def test_bip137_bitcoin_utils_signatures(message: str) -> None:
    key = PrivateKey(secret_exponent=0x5EED5EED)
    compressed = key.get_public_key().get_address().to_string()
    uncompressed = key.get_public_key().get_address(compressed=False).to_string()
    signed = key.sign_message(message)
    signed_uncompressed = key.sign_message(message, compressed=False)
    assert signed is not None and signed_uncompressed is not None
    assert verify_message_signature("bitcoin", compressed, message, signed)
    assert verify_message_signature("bitcoin", uncompressed, message, signed_uncompressed)
    # A signature by the compressed key does not prove the uncompressed address, and back.
    assert not verify_message_signature("bitcoin", uncompressed, message, signed)
    assert not verify_message_signature("bitcoin", compressed, message, signed_uncompressed)
    assert not verify_message_signature("bitcoin", compressed, message + "!", signed)
    assert not verify_message_signature("bitcoin", BJS_P2PKH, message, signed)


def test_bip137_published_uncompressed_vector() -> None:
    """BlueWallet's uncompressed-key fixture, which bitcoin-utils reproduces byte for byte."""
    key = PrivateKey("5JqSfbkoVDrzM5i7PH7939G5fwWVDWmnFTSMbVctAmet3tYMq2S")
    address = key.get_public_key().get_address(compressed=False).to_string()
    signature = (
        "G19XLC0OYWN5ftv3N01s1PSt9Zpy0ZRKL2THZA46qGb0Jax29+SFmsdlsup0QKFeGJYN+m2HQTG1Na+YxcjU9ew="
    )
    assert key.sign_message(BJS_MESSAGE, compressed=False) == signature
    assert verify_message_signature("bitcoin", address, BJS_MESSAGE, signature)


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "not base64!",
        base64.b64encode(b"\x1f" + b"\x01" * 63).decode(),  # 64 bytes
        base64.b64encode(b"\x1a" + b"\x01" * 64).decode(),  # header 26
        base64.b64encode(b"\x2b" + b"\x01" * 64).decode(),  # header 43
        base64.b64encode(b"\x1f" + b"\x00" * 64).decode(),  # r = s = 0
    ],
)
def test_bip137_malformed_signatures_are_false(bad: str) -> None:
    assert not verify_message_signature("bitcoin", BJS_P2PKH, BJS_MESSAGE, bad)


def test_bip137_refuses_addresses_no_single_key_signature_covers() -> None:
    taproot = "bc1pss0zhytly75awhm6x2hhvd5lnzv3vssgrf9axfheq8ldyzn88ges79fler"
    with pytest.raises(InvalidInput):
        verify_message_signature("bitcoin", taproot, BJS_MESSAGE, "H" + BJS_SIG_BODY)


def _litecoin_signature(key: keys.PrivateKey, message: str, header_base: int) -> str:
    """Litecoin Core's rule written out: double SHA-256 of the magic, length, message."""
    data = message.encode()
    magic = b"\x19Litecoin Signed Message:\n" + bytes([len(data)]) + data
    digest = hashlib.sha256(hashlib.sha256(magic).digest()).digest()
    sig = key.sign_msg_hash(digest)
    rs = sig.r.to_bytes(32, "big") + sig.s.to_bytes(32, "big")
    return base64.b64encode(bytes([header_base + sig.v]) + rs).decode()


@pytest.mark.parametrize("message", [CHALLENGE, "héllo wörld"])  # bytes != characters
def test_bip137_litecoin(message: str) -> None:
    key = keys.PrivateKey(hashlib.sha256(b"trustdesk litecoin test key").digest())
    compressed = key.public_key.to_compressed_bytes()
    key_hash = ripemd160(hashlib.sha256(compressed).digest())
    p2pkh = base58.b58encode_check(b"\x30" + key_hash).decode()
    p2wpkh = bech32.encode("ltc", 0, key_hash)
    assert p2pkh.startswith("L") and p2wpkh is not None and p2wpkh.startswith("ltc1q")
    signature = _litecoin_signature(key, message, 31)
    assert verify_message_signature("litecoin", p2pkh, message, signature)
    assert verify_message_signature(
        "litecoin", p2wpkh, message, _litecoin_signature(key, message, 39)
    )
    assert not verify_message_signature("litecoin", p2pkh, message + "?", signature)
    # The same bytes under Bitcoin's magic are a different message.
    bitcoin_p2pkh = base58.b58encode_check(b"\x00" + key_hash).decode()
    assert not verify_message_signature("bitcoin", bitcoin_p2pkh, message, signature)
    with pytest.raises(InvalidInput):
        verify_message_signature("litecoin", p2wpkh, message, signature, "bip322")


# --- BIP-322 simple (P2WPKH) ------------------------------------------------------------

# BIP-322 test vectors (bip-0322.mediawiki and bip-0322/basic-test-vectors.json).
BIP322_ADDRESS = "bc1q9vza2e8x573nczrlzms0wvx3gsqjx7vavgkx0l"
BIP322_PROGRAM = bytes(bech32.decode("bc", BIP322_ADDRESS)[1] or [])
UTF8_MESSAGE = "UTF-8 support: öäüéàè 测试文本 \U0001f604"
BIP322_EMPTY = [
    "AkcwRAIgM2gBAQqvZX15ZiysmKmQpDrG83avLIT492QBzLnQIxYCIBaTpOaD20qRlEylyxFSeEA2ba9YOixpX8z46TSDtS40ASECx/EgAxlkQpQ9hYjgGu6EBCPMVPwVIVJqO4XCsMvViHI=",
    "AkgwRQIhAPkJ1Q4oYS0htvyuSFHLxRQpFAY56b70UvE7Dxazen0ZAiAtZfFz1S6T6I23MWI2lK/pcNTWncuyL8UL+oMdydVgzAEhAsfxIAMZZEKUPYWI4BruhAQjzFT8FSFSajuFwrDL1Yhy",
]
BIP322_HELLO = [
    "AkcwRAIgZRfIY3p7/DoVTty6YZbWS71bc5Vct9p9Fia83eRmw2QCICK/ENGfwLtptFluMGs2KsqoNSk89pO7F29zJLUx9a/sASECx/EgAxlkQpQ9hYjgGu6EBCPMVPwVIVJqO4XCsMvViHI=",
    "AkgwRQIhAOzyynlqt93lOKJr+wmmxIens//zPzl9tqIOua93wO6MAiBi5n5EyAcPScOjf1lAqIUIQtr3zKNeavYabHyR8eGhowEhAsfxIAMZZEKUPYWI4BruhAQjzFT8FSFSajuFwrDL1Yhy",
]


@pytest.mark.parametrize(
    ("message", "message_hash", "to_spend", "to_sign"),
    [
        (
            "",
            "c90c269c4f8fcbe6880f72a721ddfbf1914268a794cbb21cfafee13770ae19f1",
            "c5680aa69bb8d860bf82d4e9cd3504b55dde018de765a91bb566283c545a99a7",
            "1e9654e951a5ba44c8604c4de6c67fd78a27e81dcadcfe1edf638ba3aaebaed6",
        ),
        (
            "Hello World",
            "f0eb03b1a75ac6d9847f55c624a99169b5dccba2a31f5b23bea77ba270de0a7a",
            "b79d196740ad5217771c1098fc4a4b51e0535c32236c71f1ea4d61a2d603352b",
            "88737ae86f2077145f93cc4b153ae9a1cb8d56afa511988c149c5c8c9d93bddf",
        ),
        (
            UTF8_MESSAGE,
            "43936b237ea38c7794eb5d755e0d220b6db92ebfc5c8f482759d22b1286376d7",
            "c8f4f525fe8afb1bc09b44175bd2096f079c98425e8a1be676b712add1fb62f0",
            "8f488e06b89eafd019ec528109eafaf7f1d1811fd617aa1eeb9658f1c1be6586",
        ),
    ],
)
def test_bip322_hashes_and_virtual_transactions(
    message: str, message_hash: str, to_spend: str, to_sign: str
) -> None:
    def txid(raw: bytes) -> bytes:
        return hashlib.sha256(hashlib.sha256(raw).digest()).digest()

    assert bip322_message_hash(message).hex() == message_hash
    spend_id = txid(bip322_to_spend(message, b"\x00\x14" + BIP322_PROGRAM))
    assert spend_id[::-1].hex() == to_spend  # txids are shown byte-reversed
    assert txid(bip322_to_sign(spend_id))[::-1].hex() == to_sign


@pytest.mark.parametrize(
    ("message", "signature"),
    [("", s) for s in BIP322_EMPTY]
    + [("Hello World", s) for s in BIP322_HELLO]
    + [("Hello World", "smp" + BIP322_HELLO[0])],  # the newer text's "simple" marker
)
def test_bip322_published_signatures(message: str, signature: str) -> None:
    assert verify_message_signature("bitcoin", BIP322_ADDRESS, message, signature, "bip322")
    assert verify_message_signature("bitcoin", BIP322_ADDRESS, message, signature)  # detected
    other = "Hello World" if message == "" else ""
    assert not verify_message_signature("bitcoin", BIP322_ADDRESS, other, signature, "bip322")


def test_bip322_generated_vector_and_wrong_signer() -> None:
    """From bip-0322/generated-test-vectors.json: a valid one and its "wrong signer"."""
    signature = (
        "AkcwRAIgCYHF/vn67iZX5WBimh84kqD6pTME6eNCMGhfFnnwCNECIAF3nMCk/RfLit+uv8a8FgfQIw0f0ASE21G"
        "Sz7rX17PsASEDTA2vM8bOtUFgvenSDUmvkq7aWNwoTB0CMiM6carHY1s="
    )
    message = "ESHJI7MWUL64AXHBI42L3UR4QA"
    assert verify_message_signature(
        "bitcoin", "bc1qkntwc3c4dzxh9xh6875l03fn3vkk023jgak3u7", message, signature
    )
    assert not verify_message_signature(
        "bitcoin", "bc1qx3f9s3scavc92s3g2fhwzqzn7qucd37ez03jpf", message, signature
    )
    assert not verify_message_signature(
        "bitcoin",
        "bc1qkntwc3c4dzxh9xh6875l03fn3vkk023jgak3u7",
        "OVKTTPEFKLUOTAOJSPCKIHCQZW",
        signature,
    )


def test_bip322_requires_low_s() -> None:
    """The same signature with S replaced by n - S is valid ECDSA but not BIP-322."""
    raw = base64.b64decode(BIP322_HELLO[0])
    der = raw[2 : 2 + raw[1] - 1]
    r, s = decode_dss_signature(der)
    n = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
    high = encode_dss_signature(r, n - s) + b"\x01"
    pubkey = raw[2 + raw[1] + 1 :]
    witness = b"\x02" + bytes([len(high)]) + high + bytes([len(pubkey)]) + pubkey
    tweaked = base64.b64encode(witness).decode()
    assert not verify_message_signature("bitcoin", BIP322_ADDRESS, "Hello World", tweaked)


@pytest.mark.parametrize(
    "bad", ["", "smpAA==", "not-valid-base64!!!", "fooAA==", "AgEBAQE=", BIP322_HELLO[0][:-8]]
)
def test_bip322_malformed_signatures_are_false(bad: str) -> None:
    assert not verify_message_signature("bitcoin", BIP322_ADDRESS, "Hello World", bad, "bip322")


def test_bip322_only_for_p2wpkh() -> None:
    with pytest.raises(InvalidInput):
        verify_message_signature("bitcoin", BJS_P2PKH, "", BIP322_EMPTY[0], "bip322")


# --- TRON -------------------------------------------------------------------------------


def _tron_sign(message: str, key: keys.PrivateKey) -> str:
    """TronWeb signMessageV2 written out: keccak256 over the prefix, the decimal byte
    length and the message; 65 bytes r || s || v with v as 27/28, 0x-hex."""
    data = message.encode()
    digest = keccak(b"\x19TRON Signed Message:\n" + str(len(data)).encode() + data)
    sig = key.sign_msg_hash(digest)
    return (
        "0x" + (sig.r.to_bytes(32, "big") + sig.s.to_bytes(32, "big") + bytes([sig.v + 27])).hex()
    )


def _tron_address(key: keys.PrivateKey) -> str:
    return base58.b58encode_check(b"\x41" + keccak(key.public_key.to_bytes())[-20:]).decode()


def test_tron_address_shares_the_ethereum_key_hash() -> None:
    key = keys.PrivateKey(bytes.fromhex(HARDHAT_KEY[2:]))
    payload = base58.b58decode_check(_tron_address(key))
    assert payload.hex() == "41" + HARDHAT_ADDRESS[2:].lower()


@pytest.mark.parametrize("message", [CHALLENGE, "héllo wörld"])  # bytes != characters
def test_tron_signature(message: str) -> None:
    key = keys.PrivateKey(hashlib.sha256(b"trustdesk tron test key").digest())
    address = _tron_address(key)
    signature = _tron_sign(message, key)
    data = message.encode()
    assert tron_message_hash(message) == keccak(
        b"\x19TRON Signed Message:\n" + str(len(data)).encode() + data
    )
    assert verify_message_signature("tron", address, message, signature)
    assert verify_message_signature("tron", address, message, signature[2:])  # no 0x
    v = int(signature[-2:], 16)
    assert verify_message_signature("tron", address, message, signature[:-2] + f"{v - 27:02x}")
    assert not verify_message_signature("tron", address, message + ".", signature)
    assert not verify_message_signature("tron", address, message, _flip(signature))
    assert not verify_message_signature(
        "tron", "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t", message, signature
    )
    assert not verify_message_signature("tron", address, message, "0x1234")
    assert not verify_message_signature("tron", address, message, signature[:-2] + "1d")


# --- Solana -----------------------------------------------------------------------------


def test_solana_signature() -> None:
    key = nacl.signing.SigningKey(hashlib.sha256(b"trustdesk solana test key").digest())
    address = base58.b58encode(bytes(key.verify_key)).decode()
    signature = base58.b58encode(key.sign(CHALLENGE.encode()).signature).decode()
    other = base58.b58encode(bytes(nacl.signing.SigningKey(b"\x07" * 32).verify_key)).decode()
    assert verify_message_signature("solana", address, CHALLENGE, signature)
    assert not verify_message_signature("solana", address, CHALLENGE + " ", signature)
    assert not verify_message_signature("solana", other, CHALLENGE, signature)
    tampered = bytearray(base58.b58decode(signature))
    tampered[0] ^= 1
    assert not verify_message_signature(
        "solana", address, CHALLENGE, base58.b58encode(bytes(tampered)).decode()
    )
    assert not verify_message_signature("solana", address, CHALLENGE, "0OIl")  # not base58
    short = base58.b58encode(base58.b58decode(signature)[:63]).decode()
    assert not verify_message_signature("solana", address, CHALLENGE, short)


def test_resolve_scheme_names_what_verification_applies() -> None:
    assert resolve_scheme("ethereum", HARDHAT_ADDRESS, "0x00") is SignatureScheme.EIP191
    assert resolve_scheme("bitcoin", BIP322_ADDRESS, BIP322_HELLO[0]) is SignatureScheme.BIP322
    assert resolve_scheme("bitcoin", BIP322_ADDRESS, "J" + BJS_SIG_BODY) is SignatureScheme.BIP137
    assert resolve_scheme("bitcoin", BJS_P2PKH, "garbage") is SignatureScheme.BIP137
    assert resolve_scheme("ethereum", HARDHAT_ADDRESS, "", "eip712") is SignatureScheme.EIP712
    with pytest.raises(InvalidInput) as error:
        resolve_scheme("tron", "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t", "", "schnorr")
    assert error.value.field == "scheme"
