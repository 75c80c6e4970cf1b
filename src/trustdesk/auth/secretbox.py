"""Factor secrets sealed at rest with AES-256-GCM, under a keyring that rotates by key id.

Sealed text: ``v1.<kid>.<base64url(nonce12 || ciphertext || tag16)>`` (base64url unpadded).
GCM's associated data is the header ``v1.<kid>.`` followed by the caller's ``aad``
(e.g. ``b"factor:<id>"``): a sealed value opens only for the row it was written for,
and its key id cannot be relabelled.

Keyring spec (an operator setting): ``kid1:KEY1,kid2:KEY2`` where each KEY is the base64url
of 32 random bytes. The first key seals; every key opens. To rotate, put a new key first,
keep the old ones until ``needs_rotation`` is false for every stored value, then drop them.
"""

from __future__ import annotations

import base64
import binascii
import re
import secrets
from collections.abc import Sequence

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from trustdesk.core.errors import DomainError

VERSION = "v1"
KEY_BYTES = 32
NONCE_BYTES = 12
TAG_BYTES = 16
_KID = re.compile(r"[a-z0-9-]{1,16}")
_B64URL = re.compile(r"[A-Za-z0-9_-]+={0,2}")

# Dev/test only, and public: the base64url of
# sha256(b"trustdesk dev-only secretbox key; never use in production").
# Production settings must refuse it (see Keyring.uses_dev_key).
DEV_KEYRING_SPEC = "dev:6OYvKXTJ350YU4NL8oL_46F5ofWrQPFlyqmDEftpL6g"


class SecretBoxError(DomainError):
    """A stored secret did not open. The message is fixed; ``reason`` is for logs only."""

    code = "auth.secret_unreadable"
    status = 500
    title = "Internal error"

    def __init__(self, reason: str = "unreadable") -> None:
        super().__init__("a stored secret could not be decrypted")
        self.reason = reason  # "malformed", "unknown_key" or "integrity"; never key material


def _b64url_encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def _b64url_decode(text: str) -> bytes:
    """Strict base64url, padded or not; binascii.Error (a ValueError) otherwise."""
    if not _B64URL.fullmatch(text):
        raise binascii.Error("not base64url")
    bare = text.rstrip("=")
    return base64.urlsafe_b64decode(bare + "=" * (-len(bare) % 4))


def _check_kid(kid: str, where: str = "a key id") -> str:
    # The bad value is not echoed: a misplaced key could be sitting where the id belongs.
    if not _KID.fullmatch(kid):
        raise ValueError(f"{where} must be 1-16 characters of a-z, 0-9 and '-'")
    return kid


class Keyring:
    """AES-256-GCM keys by id; the first one seals."""

    def __init__(self, keys: Sequence[tuple[str, bytes]]) -> None:
        if not keys:
            raise ValueError("a keyring needs at least one key")
        self._aeads: dict[str, AESGCM] = {}
        self._raw: dict[str, bytes] = {}
        for kid, key in keys:
            _check_kid(kid)
            if kid in self._aeads:
                raise ValueError(f"key id {kid!r} appears twice in the keyring")
            if len(key) != KEY_BYTES:
                raise ValueError(f"key {kid!r} must be exactly {KEY_BYTES} bytes")
            self._aeads[kid] = AESGCM(key)
            self._raw[kid] = key
        self.active_kid: str = keys[0][0]

    @classmethod
    def from_spec(cls, spec: str) -> Keyring:
        """Parse ``kid1:BASE64URL,kid2:BASE64URL``; ValueError (without key material) if off."""
        entries = [entry.strip() for entry in spec.split(",")] if spec.strip() else []
        if not entries:
            raise ValueError("the keyring spec is empty; expected 'kid:base64url-key,…'")
        keys: list[tuple[str, bytes]] = []
        for position, entry in enumerate(entries, start=1):
            kid, sep, encoded = entry.partition(":")
            if not sep:
                raise ValueError(f"keyring entry {position} is not 'kid:base64url-key'")
            kid = _check_kid(kid.strip(), f"the key id of keyring entry {position}")
            try:
                key = _b64url_decode(encoded.strip())
            except ValueError:
                raise ValueError(f"key {kid!r} is not valid base64url") from None
            keys.append((kid, key))
        return cls(keys)

    @staticmethod
    def generate_spec(kid: str = "k1") -> str:
        """A fresh ``kid:key`` entry from the OS CSPRNG, for operators to paste into settings."""
        return f"{_check_kid(kid)}:{_b64url_encode(secrets.token_bytes(KEY_BYTES))}"

    @property
    def kids(self) -> tuple[str, ...]:
        return tuple(self._aeads)

    @property
    def uses_dev_key(self) -> bool:
        """True when any key is the public development key, whatever its id."""
        dev = _b64url_decode(DEV_KEYRING_SPEC.partition(":")[2])
        return any(secrets.compare_digest(key, dev) for key in self._raw.values())

    def __repr__(self) -> str:  # never the keys
        return f"Keyring(active_kid={self.active_kid!r}, kids={list(self.kids)!r})"

    def seal(self, plaintext: bytes, *, aad: bytes) -> str:
        header = f"{VERSION}.{self.active_kid}."
        nonce = secrets.token_bytes(NONCE_BYTES)
        sealed = self._aeads[self.active_kid].encrypt(nonce, plaintext, header.encode() + aad)
        return header + _b64url_encode(nonce + sealed)

    def open(self, sealed: str, *, aad: bytes) -> bytes:
        kid, blob = _split(sealed)
        aead = self._aeads.get(kid)
        if aead is None:
            raise SecretBoxError("unknown_key")
        header = f"{VERSION}.{kid}.".encode()
        try:
            return aead.decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], header + aad)
        except InvalidTag:
            raise SecretBoxError("integrity") from None

    def needs_rotation(self, sealed: str) -> bool:
        return _split(sealed)[0] != self.active_kid

    def rotate(self, sealed: str, *, aad: bytes) -> str:
        """The value sealed under the active key (unchanged if it already is); checks it opens."""
        plaintext = self.open(sealed, aad=aad)
        if not self.needs_rotation(sealed):
            return sealed
        return self.seal(plaintext, aad=aad)


def _split(sealed: str) -> tuple[str, bytes]:
    parts = sealed.split(".") if isinstance(sealed, str) else []
    if len(parts) != 3 or parts[0] != VERSION or not _KID.fullmatch(parts[1]):
        raise SecretBoxError("malformed")
    try:
        blob = _b64url_decode(parts[2])
    except ValueError:
        raise SecretBoxError("malformed") from None
    if len(blob) < NONCE_BYTES + TAG_BYTES:
        raise SecretBoxError("malformed")
    return parts[1], blob
