"""Native segwit addresses (BIP-173 bech32 for v0, BIP-350 bech32m for v1 to v16).

The installed ``bech32`` package (sipa's reference, 1.2.0) predates BIP-350: its
``decode`` knows only the bech32 constant, answers (None, None) for every failure and
does not enforce the 90-character limit. So we use its polymod, charset and bit
conversion and apply the BIP rules here, telling a checksum failure from a malformed one.
"""

from __future__ import annotations

from dataclasses import dataclass

from bech32 import CHARSET, bech32_hrp_expand, bech32_polymod, convertbits

from trustdesk.chains.errors import BadChecksum, MalformedAddress

BECH32_CONST = 1
BECH32M_CONST = 0x2BC830A3
MAX_LENGTH = 90

_INDEX = {ch: i for i, ch in enumerate(CHARSET)}


@dataclass(frozen=True, slots=True)
class Segwit:
    hrp: str
    version: int
    program: bytes
    text: str  # lower case, the canonical form

    @property
    def kind(self) -> str:
        if self.version == 0:
            return "p2wpkh" if len(self.program) == 20 else "p2wsh"
        if self.version == 1 and len(self.program) == 32:
            return "p2tr"
        return f"witness_v{self.version}"


def decode_segwit(text: str) -> Segwit:
    """Any network's segwit address; the caller checks the human-readable part."""
    if len(text) > MAX_LENGTH:
        raise MalformedAddress(f"bech32 addresses have at most {MAX_LENGTH} characters")
    lower = text.lower()
    if text != lower and text != text.upper():
        raise MalformedAddress("bech32 addresses must be all lower case or all upper case")
    pos = lower.rfind("1")
    if pos < 1 or len(lower) - pos - 1 < 6:
        raise MalformedAddress("not a bech32 address: no prefix, separator and checksum")
    try:
        data = [_INDEX[ch] for ch in lower[pos + 1 :]]
    except KeyError as exc:
        raise MalformedAddress(f"{exc.args[0]!r} is not a bech32 character") from None
    hrp = lower[:pos]
    constant = bech32_polymod(bech32_hrp_expand(hrp) + data)
    if constant not in (BECH32_CONST, BECH32M_CONST):
        raise BadChecksum("the bech32 checksum does not match; check the address was copied")
    data = data[:-6]
    if not data:
        raise MalformedAddress("the bech32 address has no witness version or program")
    version = data[0]
    if version > 16:
        raise MalformedAddress(f"witness version {version} does not exist (0 to 16)")
    program = convertbits(data[1:], 5, 8, False)
    if program is None:
        raise MalformedAddress("the witness program has invalid padding")
    if not 2 <= len(program) <= 40:
        raise MalformedAddress(f"a witness program has 2 to 40 bytes, not {len(program)}")
    if version == 0 and len(program) not in (20, 32):
        raise MalformedAddress(
            f"a version 0 witness program has 20 or 32 bytes, not {len(program)}"
        )
    if constant != (BECH32_CONST if version == 0 else BECH32M_CONST):
        wanted = "bech32" if version == 0 else "bech32m (BIP-350)"
        raise BadChecksum(f"witness version {version} addresses use the {wanted} checksum")
    return Segwit(hrp, version, bytes(program), lower)
