"""Destination addresses: validation per chain and the canonical form that lists,
velocity counters and decisions compare.

``normalize_address`` is on the hot path of every transaction decision, so parsing is
cached per (family, text) and nothing is hashed that the rules do not need: an all-lower
or all-upper EVM address needs no keccak; its checksum form is computed only on
``display``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from base58 import b58decode, b58decode_check

from trustdesk.chains._base58 import BASE58, VERSIONS, decode_check, decode_solana
from trustdesk.chains._evm import checksum_case, parse_evm
from trustdesk.chains._segwit import decode_segwit
from trustdesk.chains.errors import (
    AddressError,
    MalformedAddress,
    UnknownFamily,
    WrongNetwork,
)
from trustdesk.chains.registry import Chain, get_chain

FAMILIES: tuple[str, ...] = ("evm", "bitcoin", "litecoin", "tron", "solana")
MAX_LENGTH = 90  # the bech32 limit; every other address format is shorter

EXPECTED: dict[str, str] = {
    "evm": "expected 0x followed by 40 hexadecimal characters",
    "bitcoin": "expected base58 starting with 1 or 3, or bech32 starting with bc1",
    "litecoin": "expected base58 starting with L, M or 3, or bech32 starting with ltc1",
    "tron": "expected 34 base58 characters starting with T",
    "solana": "expected 32 to 44 base58 characters encoding 32 bytes",
}

# Segwit human-readable part -> (our family or None, network named in errors).
_SEGWIT_NETWORKS: dict[str, tuple[str | None, str]] = {
    "bc": ("bitcoin", "Bitcoin"),
    "tb": (None, "Bitcoin testnet"),
    "bcrt": (None, "Bitcoin regtest"),
    "ltc": ("litecoin", "Litecoin"),
    "tltc": (None, "Litecoin testnet"),
}
_HRP = {"bitcoin": "bc", "litecoin": "ltc"}
_BASE58_KINDS: dict[str, dict[int, str]] = {
    "bitcoin": {0x00: "p2pkh", 0x05: "p2sh"},
    # 0x05 ('3') was Litecoin's P2SH version before 0x32 ('M'); wallets still accept it.
    "litecoin": {0x30: "p2pkh", 0x32: "p2sh", 0x05: "p2sh"},
    "tron": {0x41: "account"},
}


@dataclass(frozen=True, slots=True)
class Address:
    """``value`` is the comparison form: EVM lower case, bech32 lower case, base58 as
    given (base58 is case-sensitive and each address has exactly one spelling)."""

    family: str
    value: str
    kind: str

    @property
    def display(self) -> str:
        """The form to show people: EIP-55 checksum case for EVM, else ``value``."""
        if self.family == "evm":
            return "0x" + checksum_case(self.value[2:])
        return self.value


def supported_families() -> tuple[str, ...]:
    return FAMILIES


def normalize_address(chain: str, raw: str) -> Address:
    """The address on ``chain``, or MalformedAddress / BadChecksum / WrongNetwork."""
    spec = get_chain(chain)
    text = raw.strip()
    try:
        return _parse(spec.family, text, False)
    except AddressError as exc:
        raise _explain(exc, spec, text) from None


def detect_address(raw: str, families: Sequence[str] | None = None) -> Address | None:
    """The address under the first family (in order) that accepts ``raw``, for
    importers that get addresses without a chain; None when none does. EVM mixed case
    with a wrong EIP-55 checksum is accepted here: third-party lists carry such case,
    and the comparison form is lower case anyway."""
    order = FAMILIES if families is None else tuple(families)
    unknown = [family for family in order if family not in _PARSERS]
    if unknown:
        raise UnknownFamily(f"unknown address families {unknown}; supported: {', '.join(FAMILIES)}")
    if not isinstance(raw, str):
        return None
    text = raw.strip()
    for family in order:
        try:
            return _parse(family, text, True)
        except AddressError:
            continue
    return None


@lru_cache(maxsize=8192)
def _parse(family: str, text: str, lenient: bool) -> Address:
    if not text:
        raise MalformedAddress("the address is empty")
    if len(text) > MAX_LENGTH:
        raise MalformedAddress(f"{len(text)} characters is longer than any address")
    if not (text.isascii() and text.isalnum()):
        position, char = next(
            (i, ch) for i, ch in enumerate(text) if not (ch.isascii() and ch.isalnum())
        )
        raise MalformedAddress(
            f"{_describe(char)} at position {position + 1}; addresses have only letters and digits"
        )
    return _PARSERS[family](text, lenient)


def _parse_evm(text: str, lenient: bool) -> Address:
    return Address("evm", parse_evm(text, verify_checksum=not lenient), "account")


def _parse_utxo(family: str, text: str) -> Address:
    if _reads_as_segwit(text):
        segwit = decode_segwit(text)
        if segwit.hrp != _HRP[family]:
            raise MalformedAddress(f"the prefix {segwit.hrp}1 is not {_HRP[family]}1")
        return Address(family, segwit.text, segwit.kind)
    payload = decode_check(text)
    kind = _BASE58_KINDS[family].get(payload[0]) if len(payload) == 21 else None
    if kind is None:
        raise MalformedAddress("the base58check payload is not a known address type")
    return Address(family, text, kind)


def _reads_as_segwit(text: str) -> bool:
    """bech32 rather than base58: a known prefix, or single-case text that is not base58
    (base58 addresses mix cases), so an unknown prefix is reported as a bech32 problem."""
    lower = text.lower()
    pos = lower.rfind("1")
    if pos < 1:
        return False
    if lower[:pos] in _SEGWIT_NETWORKS:
        return True
    return text in (lower, text.upper()) and BASE58.fullmatch(text) is None


def _parse_tron(text: str, lenient: bool) -> Address:
    payload = decode_check(text)
    if len(payload) != 21 or payload[0] != 0x41:
        raise MalformedAddress("the base58check payload is not 0x41 and 20 bytes")
    return Address("tron", text, "account")


def _parse_solana(text: str, lenient: bool) -> Address:
    decode_solana(text)
    return Address("solana", text, "account")


_PARSERS: dict[str, Callable[[str, bool], Address]] = {
    "evm": _parse_evm,
    "bitcoin": lambda text, lenient: _parse_utxo("bitcoin", text),
    "litecoin": lambda text, lenient: _parse_utxo("litecoin", text),
    "tron": _parse_tron,
    "solana": _parse_solana,
}


def _explain(exc: AddressError, chain: Chain, text: str) -> AddressError:
    """Name the network when the text is a valid address somewhere else; otherwise say
    what the chain expects."""
    looks = _looks_like(text)
    if looks is not None and looks[0] != chain.family:
        return WrongNetwork(
            f"this looks like {_a(looks[1])} address, not {_a(chain.display_name)} address"
        )
    message = f"not a valid {chain.display_name} address: {exc.message}"
    if isinstance(exc, MalformedAddress):
        message += f"; {EXPECTED[chain.family]}"
    return type(exc)(message)


def _looks_like(text: str) -> tuple[str | None, str] | None:
    """(our family or None, network name) of a valid address on any network we can name."""
    if not (0 < len(text) <= MAX_LENGTH and text.isascii() and text.isalnum()):
        return None
    try:
        parse_evm(text, verify_checksum=False)
        return ("evm", "EVM (Ethereum-style)")
    except AddressError:
        pass
    if len(text) == 42 and text.startswith("41") and _is_hex(text):
        return ("tron", "TRON hex-form")
    if BASE58.fullmatch(text) is not None:
        try:
            payload = b58decode_check(text)
        except ValueError:
            payload = b""
        if len(payload) == 21 and payload[0] in VERSIONS:
            family, network, _ = VERSIONS[payload[0]]
            return (family, network)
        if 32 <= len(text) <= 44 and len(b58decode(text)) == 32:
            return ("solana", "Solana")
    try:
        return _SEGWIT_NETWORKS.get(decode_segwit(text).hrp)
    except AddressError:
        return None


def _is_hex(text: str) -> bool:
    try:
        bytes.fromhex(text)
    except ValueError:
        return False
    return True


def _describe(char: str) -> str:
    if char.isspace():
        return "whitespace"
    if not char.isascii() or not char.isprintable():
        return f"the invisible or non-ASCII character U+{ord(char):04X}"
    return f"the character {char!r}"


def _a(name: str) -> str:
    return ("an " if name[0] in "AEIOU" else "a ") + name
