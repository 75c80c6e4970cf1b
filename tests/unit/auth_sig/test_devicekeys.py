"""Device keys: RFC vectors, signatures from independent signers (PyNaCl, cryptography)
and the key shapes phones export."""

from __future__ import annotations

import base64
import hashlib

import nacl.signing
import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)

from trustdesk.auth.devicekeys import (
    DeviceKeyAlgorithm,
    parse_public_key,
    verify_device_signature,
)
from trustdesk.core.errors import InvalidInput

CHALLENGE = b"trustdesk push challenge ch_01J9ZK nonce 6f1c2e"
P256_N = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551

# RFC 8032 section 7.1, TEST 1 (empty message).
RFC8032_PUBLIC = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"
RFC8032_SIGNATURE = (
    "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
    "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"
)
# RFC 6979 appendix A.2.5: P-256 key, ECDSA with SHA-256 over "sample" (S is high).
RFC6979_PUBLIC = (
    "04"
    "60fed4ba255a9d31c961eb74c6356d68c049b8923b61fa6ce669622e60f29fb6"
    "7903fe1008b8bc99a41ae9e95628bc64f2f1b20c2d7e9f5177a3c294d4462299"
)
RFC6979_R = 0xEFD48B2AACB6A8FD1140DD9CD45E81D69D2C877B56AAF991C34D0EA84EAF3716
RFC6979_S = 0xF7CB1C942D657C41D436C7A1B6E29F65F3E900DBB9AFF4064DC4AB2F843ACDA8


def b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def test_algorithms() -> None:
    assert [a.value for a in DeviceKeyAlgorithm] == ["ed25519", "p256"]


# --- Ed25519 ----------------------------------------------------------------------------


def test_ed25519_rfc8032_vector() -> None:
    key = parse_public_key("ed25519", b64(bytes.fromhex(RFC8032_PUBLIC)))
    assert key.hex() == RFC8032_PUBLIC
    signature = b64(bytes.fromhex(RFC8032_SIGNATURE))
    assert verify_device_signature("ed25519", key, b"", signature)
    assert not verify_device_signature("ed25519", key, b"\x00", signature)


def test_ed25519_pynacl_signature() -> None:
    signing = nacl.signing.SigningKey(hashlib.sha256(b"trustdesk device key").digest())
    raw = bytes(signing.verify_key)
    key = parse_public_key("ed25519", b64url(raw))  # base64url without padding, too
    assert key == raw
    signature = signing.sign(CHALLENGE).signature
    assert verify_device_signature("ed25519", key, CHALLENGE, b64(signature))
    assert verify_device_signature("ed25519", key, CHALLENGE, b64url(signature))
    assert not verify_device_signature("ed25519", key, CHALLENGE + b"!", b64(signature))
    tampered = bytes([signature[0] ^ 1]) + signature[1:]
    assert not verify_device_signature("ed25519", key, CHALLENGE, b64(tampered))
    other = bytes(nacl.signing.SigningKey(b"\x01" * 32).verify_key)
    assert not verify_device_signature("ed25519", other, CHALLENGE, b64(signature))


def test_ed25519_spki_der_is_accepted() -> None:
    raw = bytes.fromhex(RFC8032_PUBLIC)
    der = Ed25519PublicKey.from_public_bytes(raw).public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    assert parse_public_key("ed25519", b64(der)) == raw


@pytest.mark.parametrize(
    ("raw", "why"),
    [
        (b"\x01" * 31, "31 bytes"),
        (b"\x01" + b"\x00" * 31, "the identity point (small order)"),
        (b"\xec" + b"\xff" * 30 + b"\x7f", "y = p - 1, the point of order 2"),
        (b"\xed" + b"\xff" * 30 + b"\x7f", "y = p is not a field element"),
        (b"\x02" + b"\x00" * 31, "y = 2 has no x on the curve"),
        (b"\x01" + b"\x00" * 30 + b"\x80", "x = 0 with the sign bit set"),
    ],
)
def test_ed25519_invalid_keys(raw: bytes, why: str) -> None:
    with pytest.raises(InvalidInput) as error:
        parse_public_key("ed25519", b64(raw))
    assert error.value.field == "public_key", why


def test_ed25519_point_check_matches_libsodium_on_curve_points() -> None:
    """Every key PyNaCl makes is accepted; libsodium's stricter check (prime-order
    subgroup) never accepts a key we refuse."""
    from nacl.bindings import crypto_core_ed25519_is_valid_point

    for i in range(64):
        raw = bytes(nacl.signing.SigningKey(hashlib.sha256(bytes([i])).digest()).verify_key)
        assert parse_public_key("ed25519", b64(raw)) == raw
        candidate = hashlib.sha256(b"candidate" + bytes([i])).digest()
        if crypto_core_ed25519_is_valid_point(candidate):
            assert parse_public_key("ed25519", b64(candidate)) == candidate


# --- P-256 ------------------------------------------------------------------------------


def test_p256_rfc6979_vector_with_high_s() -> None:
    key = parse_public_key("p256", b64(bytes.fromhex(RFC6979_PUBLIC)))
    assert key.hex() == RFC6979_PUBLIC
    assert RFC6979_S > P256_N // 2  # the platform keystores leave S high like this
    raw = RFC6979_R.to_bytes(32, "big") + RFC6979_S.to_bytes(32, "big")
    der = encode_dss_signature(RFC6979_R, RFC6979_S)
    assert verify_device_signature("p256", key, b"sample", b64(raw))
    assert verify_device_signature("p256", key, b"sample", b64(der))
    low_s = RFC6979_R.to_bytes(32, "big") + (P256_N - RFC6979_S).to_bytes(32, "big")
    assert verify_device_signature("p256", key, b"sample", b64(low_s))
    assert not verify_device_signature("p256", key, b"test", b64(raw))


def test_p256_cryptography_signatures_der_and_raw() -> None:
    private = ec.derive_private_key(0x7D3C, ec.SECP256R1())
    public = private.public_key()
    uncompressed = public.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    compressed = public.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.CompressedPoint
    )
    spki = public.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    # Compressed, raw and SPKI forms all become the 65-byte uncompressed point.
    assert parse_public_key("p256", b64(compressed)) == uncompressed
    assert parse_public_key("p256", b64url(spki)) == uncompressed
    key = parse_public_key("p256", b64(uncompressed))
    assert key == uncompressed

    der = private.sign(CHALLENGE, ec.ECDSA(hashes.SHA256()))
    r, s = decode_dss_signature(der)
    raw = r.to_bytes(32, "big") + s.to_bytes(32, "big")
    assert verify_device_signature("p256", key, CHALLENGE, b64(der))
    assert verify_device_signature("p256", key, CHALLENGE, b64(raw))
    assert not verify_device_signature("p256", key, CHALLENGE[:-1], b64(der))
    tampered = raw[:40] + bytes([raw[40] ^ 1]) + raw[41:]
    assert not verify_device_signature("p256", key, CHALLENGE, b64(tampered))
    other = ec.derive_private_key(0x7D3D, ec.SECP256R1()).public_key()
    other_key = other.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    assert not verify_device_signature("p256", other_key, CHALLENGE, b64(der))


@pytest.mark.parametrize(
    "signature",
    [
        "",
        "%%%",
        b64(b"\x00" * 64),  # r = s = 0
        b64(P256_N.to_bytes(32, "big") + b"\x01" * 32),  # r = n
        b64(b"\x30\x02\x02\x00"),  # truncated DER
        b64(b"\x01" * 63),
    ],
)
def test_p256_malformed_signatures_are_false(signature: str) -> None:
    key = parse_public_key("p256", b64(bytes.fromhex(RFC6979_PUBLIC)))
    assert not verify_device_signature("p256", key, b"sample", signature)


def test_malformed_inputs_to_verify_are_false() -> None:
    assert not verify_device_signature("rsa", b"\x00", b"m", b64(b"\x00" * 64))
    assert not verify_device_signature("p256", b"\x04" + b"\x00" * 64, b"m", b64(b"\x01" * 64))
    assert not verify_device_signature("ed25519", b"\x00" * 31, b"m", b64(b"\x00" * 64))


@pytest.mark.parametrize(
    ("algorithm", "text", "field"),
    [
        ("rsa", b64(b"\x04" * 65), "algorithm"),
        ("p256", "not base64 !", "public_key"),
        ("p256", b64(b"\x04" + b"\x01" * 64), "public_key"),  # not on the curve
        ("p256", b64(bytes.fromhex(RFC6979_PUBLIC)[:-1]), "public_key"),  # 64 bytes
        ("p256", b64(b"\x05" + bytes.fromhex(RFC6979_PUBLIC)[1:]), "public_key"),  # bad tag
        ("p256", b64(b"\x30\x03\x02\x01\x00"), "public_key"),  # DER, not a key
        ("ed25519", b64(bytes.fromhex(RFC6979_PUBLIC)), "public_key"),  # wrong kind
    ],
)
def test_invalid_public_keys(algorithm: str, text: str, field: str) -> None:
    with pytest.raises(InvalidInput) as error:
        parse_public_key(algorithm, text)
    assert error.value.field == field


def test_spki_of_the_other_algorithm_is_refused() -> None:
    spki = (
        ec.derive_private_key(5, ec.SECP256R1())
        .public_key()
        .public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    with pytest.raises(InvalidInput):
        parse_public_key("ed25519", b64(spki))
