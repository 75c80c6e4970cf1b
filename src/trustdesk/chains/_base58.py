"""Base58 addresses: base58check (Bitcoin, Litecoin, TRON) and plain base58 (Solana).

Each byte string has exactly one base58 spelling (leading zero bytes are leading '1's,
the rest is one integer), so the text as given is already the canonical form.
"""

from __future__ import annotations

import re

from base58 import b58decode, b58decode_check

from trustdesk.chains.errors import BadChecksum, MalformedAddress

BASE58 = re.compile(r"[1-9A-HJ-NP-Za-km-z]+")
_ALPHABET = frozenset("123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz")

# Version byte of a 21-byte base58check payload -> (our family or None, network, kind).
# Networks we do not support are listed so a wrong-network error can name them.
VERSIONS: dict[int, tuple[str | None, str, str]] = {
    0x00: ("bitcoin", "Bitcoin", "p2pkh"),
    0x05: ("bitcoin", "Bitcoin", "p2sh"),
    0x6F: (None, "Bitcoin testnet", "p2pkh"),
    0xC4: (None, "Bitcoin testnet", "p2sh"),
    0x30: ("litecoin", "Litecoin", "p2pkh"),
    0x32: ("litecoin", "Litecoin", "p2sh"),
    0x3A: (None, "Litecoin testnet", "p2sh"),
    0x41: ("tron", "TRON", "account"),
    0x1E: (None, "Dogecoin", "p2pkh"),
    0x16: (None, "Dogecoin", "p2sh"),
    0x4C: (None, "Dash", "p2pkh"),
    0x10: (None, "Dash", "p2sh"),
}


def require_base58(text: str) -> None:
    if BASE58.fullmatch(text) is None:
        bad = next(ch for ch in text if ch not in _ALPHABET)
        raise MalformedAddress(f"{bad!r} is not a base58 character (0, O, I and l never occur)")


def decode_check(text: str) -> bytes:
    """The payload of a base58check string (version byte first), checksum verified."""
    # 21-byte payloads with a 4-byte checksum spell 26 to 35 characters; a shorter or
    # longer string is a wrong length, not a checksum failure.
    if not 26 <= len(text) <= 35:
        raise MalformedAddress(f"base58check addresses have 26 to 35 characters, not {len(text)}")
    require_base58(text)
    try:
        return b58decode_check(text)
    except ValueError:  # the alphabet is checked above, so only the checksum is left
        raise BadChecksum(
            "the base58check checksum does not match; check the address was copied exactly"
        ) from None


def decode_solana(text: str) -> bytes:
    """32 bytes (an ed25519 public key or a program-derived address). Solana addresses
    carry no checksum, so a typo that still decodes to 32 bytes cannot be detected."""
    if not 32 <= len(text) <= 44:
        raise MalformedAddress(f"Solana addresses have 32 to 44 characters, not {len(text)}")
    require_base58(text)
    raw = b58decode(text)
    if len(raw) != 32:
        raise MalformedAddress(f"a Solana address encodes 32 bytes; this encodes {len(raw)}")
    return raw
