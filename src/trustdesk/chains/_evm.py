"""EVM account addresses: 20 bytes as 0x + 40 hex digits, with the EIP-55 case checksum."""

from __future__ import annotations

import re
from functools import lru_cache

from eth_hash.auto import keccak

from trustdesk.chains.errors import BadChecksum, MalformedAddress

_ADDRESS = re.compile(r"0[xX][0-9a-fA-F]{40}")
_HEX_DIGITS = frozenset("0123456789abcdefABCDEF")


@lru_cache(maxsize=4096)
def checksum_case(lower: str) -> str:
    """EIP-55: a hex letter is upper case where the matching nibble of
    keccak256(lowercase hex as ASCII) is 8 or more. Cached: display and verification
    of the same address share one hash."""
    digest = keccak(lower.encode("ascii")).hex()
    return "".join(
        ch.upper() if ch > "9" and digest[i] >= "8" else ch for i, ch in enumerate(lower)
    )


def parse_evm(text: str, *, verify_checksum: bool) -> str:
    """The lowercase 0x form. Mixed case must carry a correct EIP-55 checksum unless
    ``verify_checksum`` is off (third-party lists sometimes carry wrong case)."""
    if _ADDRESS.fullmatch(text) is None:
        raise MalformedAddress(_why_malformed(text))
    body = text[2:]
    lower = body.lower()
    if verify_checksum and body != lower and body != body.upper() and body != checksum_case(lower):
        raise BadChecksum(
            "the mixed upper/lower case does not match the EIP-55 checksum; "
            "check the address was copied exactly"
        )
    return "0x" + lower


def _why_malformed(text: str) -> str:
    if text[:2] not in ("0x", "0X"):
        return "the 0x prefix is missing"
    body = text[2:]
    bad = next((ch for ch in body if ch not in _HEX_DIGITS), None)
    if bad is not None:
        return f"{bad!r} is not a hexadecimal character"
    return f"it has {len(body)} hexadecimal characters after 0x, not 40"
