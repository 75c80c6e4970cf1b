"""Keyring: AES-GCM sealing bound to its owner, rotation by key id, strict specs."""

from __future__ import annotations

import base64
import hashlib
import re

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from trustdesk.auth.secretbox import DEV_KEYRING_SPEC, Keyring, SecretBoxError

KEY1 = bytes(range(32))
KEY2 = bytes(range(100, 132))
AAD = b"factor:f_123"
SECRET = b"GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def spec(*pairs: tuple[str, bytes]) -> str:
    return ",".join(f"{kid}:{b64(key)}" for kid, key in pairs)


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


K1 = Keyring.from_spec(spec(("k1", KEY1)))
K2_K1 = Keyring.from_spec(spec(("k2", KEY2), ("k1", KEY1)))


def test_round_trip_and_format() -> None:
    sealed = K1.seal(SECRET, aad=AAD)
    assert re.fullmatch(r"v1\.k1\.[A-Za-z0-9_-]+", sealed)
    assert len(unb64(sealed.split(".")[2])) == 12 + len(SECRET) + 16
    assert K1.open(sealed, aad=AAD) == SECRET
    assert K1.seal(SECRET, aad=AAD) != sealed  # fresh nonce each time
    assert K1.open(K1.seal(b"", aad=b""), aad=b"") == b""


def test_format_is_what_the_docstring_says() -> None:
    # Open with the library directly: nonce first, then ciphertext+tag, AAD = header + aad.
    blob = unb64(K1.seal(SECRET, aad=AAD).split(".")[2])
    assert AESGCM(KEY1).decrypt(blob[:12], blob[12:], b"v1.k1." + AAD) == SECRET
    # And the other way round: a value sealed by hand opens.
    nonce = bytes(12)
    by_hand = "v1.k1." + b64(nonce + AESGCM(KEY1).encrypt(nonce, SECRET, b"v1.k1." + AAD))
    assert K1.open(by_hand, aad=AAD) == SECRET


def test_every_single_byte_flip_is_detected() -> None:
    sealed = K1.seal(SECRET, aad=AAD)
    blob = unb64(sealed.split(".")[2])
    for i in range(len(blob)):
        bad = bytearray(blob)
        bad[i] ^= 0x01
        with pytest.raises(SecretBoxError) as err:
            K1.open("v1.k1." + b64(bytes(bad)), aad=AAD)
        assert err.value.reason == "integrity"


def test_wrong_aad_fails_so_rows_cannot_swap_secrets() -> None:
    sealed = K1.seal(SECRET, aad=b"factor:1")
    for aad in (b"factor:2", b"factor:1 ", b""):
        with pytest.raises(SecretBoxError) as err:
            K1.open(sealed, aad=aad)
        assert err.value.reason == "integrity"


def test_error_is_a_generic_500_without_secrets() -> None:
    with pytest.raises(SecretBoxError) as err:
        K1.open(K1.seal(SECRET, aad=AAD), aad=b"other")
    assert err.value.code == "auth.secret_unreadable" and err.value.status == 500
    assert err.value.message == "a stored secret could not be decrypted"


def test_rotation() -> None:
    old = K1.seal(SECRET, aad=AAD)
    assert not K1.needs_rotation(old)
    assert K2_K1.active_kid == "k2" and K2_K1.kids == ("k2", "k1")
    assert K2_K1.open(old, aad=AAD) == SECRET
    assert K2_K1.needs_rotation(old)
    new = K2_K1.rotate(old, aad=AAD)
    assert new.startswith("v1.k2.")
    assert not K2_K1.needs_rotation(new)
    assert K2_K1.open(new, aad=AAD) == SECRET
    assert K2_K1.rotate(new, aad=AAD) == new  # already current
    with pytest.raises(SecretBoxError):
        K2_K1.rotate(old, aad=b"other")  # rotation never launders a value it cannot open
    # Once k1 is dropped, the old value is unreadable and the new one still opens.
    k2_only = Keyring.from_spec(spec(("k2", KEY2)))
    assert k2_only.open(new, aad=AAD) == SECRET
    with pytest.raises(SecretBoxError) as err:
        k2_only.open(old, aad=AAD)
    assert err.value.reason == "unknown_key"


def test_relabelled_key_id_fails() -> None:
    # Same key under two ids: the header is authenticated, so relabelling is detected.
    both = Keyring.from_spec(spec(("a", KEY1), ("b", KEY1)))
    sealed = both.seal(SECRET, aad=AAD)
    with pytest.raises(SecretBoxError) as err:
        both.open("v1.b." + sealed.split(".", 2)[2], aad=AAD)
    assert err.value.reason == "integrity"


@pytest.mark.parametrize(
    "sealed",
    [
        "",
        "garbage",
        "v1.k1",
        "v2.k1.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "v1.K1.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "v1.k1.AAAA",  # shorter than nonce + tag
        "v1.k1.AAAA*AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "v1.k1.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA.x",
        "v1.k1.A",  # impossible base64 length
    ],
)
def test_garbage_fails_as_malformed(sealed: str) -> None:
    with pytest.raises(SecretBoxError) as err:
        K1.open(sealed, aad=AAD)
    assert err.value.reason == "malformed"
    with pytest.raises(SecretBoxError):
        K1.needs_rotation(sealed)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty"),
        ("   ", "empty"),
        (b64(KEY1), "entry 1 is not"),  # no kid
        (f"K1:{b64(KEY1)}", "key id of keyring entry 1"),
        (f"{'a' * 17}:{b64(KEY1)}", "key id of keyring entry 1"),
        (f"k_1:{b64(KEY1)}", "key id of keyring entry 1"),
        (f"k1:{b64(KEY1)},k1:{b64(KEY2)}", "appears twice"),
        (f"k1:{b64(KEY1)},", "entry 2 is not"),
        (f"k1:{b64(KEY1[:31])}", "exactly 32 bytes"),
        (f"k1:{b64(KEY1 + b'x')}", "exactly 32 bytes"),
        (f"k1:{b64(KEY1)[:-1]}*", "not valid base64url"),
        (f"k1:{base64.b64encode(bytes([251] * 32)).decode()}", "not valid base64url"),  # + and /
    ],
)
def test_bad_specs_are_refused_without_echoing_keys(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message) as err:
        Keyring.from_spec(text)
    for key in (KEY1, KEY2):
        assert b64(key)[:20] not in str(err.value)


def test_spec_accepts_padding_and_spaces() -> None:
    padded = base64.urlsafe_b64encode(KEY1).decode()
    assert padded.endswith("=")
    ring = Keyring.from_spec(f" k2 : {b64(KEY2)} , k1:{padded} ")
    assert ring.kids == ("k2", "k1")
    assert ring.open(K1.seal(SECRET, aad=AAD), aad=AAD) == SECRET


def test_generate_spec() -> None:
    line = Keyring.generate_spec("k-2026")
    kid, _, key = line.partition(":")
    assert kid == "k-2026" and len(unb64(key)) == 32
    assert Keyring.generate_spec() != Keyring.generate_spec()
    assert Keyring.from_spec(line).active_kid == "k-2026"
    with pytest.raises(ValueError):
        Keyring.generate_spec("Bad Id")


def test_dev_spec_is_documented_and_detectable() -> None:
    derived = hashlib.sha256(b"trustdesk dev-only secretbox key; never use in production")
    documented = "dev:" + b64(derived.digest())
    assert documented == DEV_KEYRING_SPEC
    dev = Keyring.from_spec(DEV_KEYRING_SPEC)
    assert dev.active_kid == "dev" and dev.uses_dev_key
    assert Keyring.from_spec(f"prod:{b64(derived.digest())}").uses_dev_key  # renamed: still dev
    assert not K2_K1.uses_dev_key


def test_repr_hides_keys() -> None:
    assert repr(K2_K1) == "Keyring(active_kid='k2', kids=['k2', 'k1'])"
