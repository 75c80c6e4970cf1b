"""Turning raw input into the canonical value a list entry stores and a lookup compares."""

from __future__ import annotations

import ipaddress
import re
import unicodedata
from collections.abc import Sequence

from trustdesk.chains.addresses import detect_address, supported_families
from trustdesk.core.errors import InvalidInput
from trustdesk.lists.model import MAX_VALUE_LENGTH, UNSUPPORTED_PREFIX, SubjectKind


def normalize_ip(raw: str) -> str:
    """The compressed text form; an IPv4-mapped IPv6 address becomes its IPv4 address, so
    ``::ffff:10.1.2.3`` and ``10.1.2.3`` are the same subject."""
    try:
        ip = ipaddress.ip_address(raw.strip())
    except ValueError:
        raise InvalidInput(
            f"not an IP address: {raw!r}", field="value", code="lists.invalid_ip"
        ) from None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return str(ip.ipv4_mapped)
    return str(ip)


def normalize_cidr(raw: str) -> str:
    """The network address with its prefix (host bits cleared: 10.1.2.3/8 -> 10.0.0.0/8)."""
    try:
        return str(ipaddress.ip_network(raw.strip(), strict=False))
    except ValueError:
        raise InvalidInput(
            f"not a CIDR range: {raw!r}", field="value", code="lists.invalid_cidr"
        ) from None


_LABEL = re.compile(r"[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?")
_DOTS = str.maketrans({"\u3002": ".", "\uff0e": ".", "\uff61": "."})  # IDNA's other full stops
# str.lower() turns Cherokee capitals into the small letters of Unicode 8; UTS #46 (and
# browsers) map the other way, so the small ones go back to capitals.
_CHEROKEE = str.maketrans(
    {**{0xAB70 + i: 0x13A0 + i for i in range(80)}, **{0x13F8 + i: 0x13F0 + i for i in range(6)}}
)


def normalize_domain(raw: str) -> str:
    """A host name as lists store and compare it: lower case, no trailing dot, no leading
    ``www.``, every non-ASCII label in its ASCII ``xn--`` form, so ``www.MetaMask.io.``,
    ``ｍｅｔａｍａｓｋ.io`` and ``metamask.io`` are one subject, as are a homograph and its
    punycode.

    Labels are NFKC-normalized and lower-cased before punycode, as UTS #46 maps them for
    the characters that matter here; no URL parts (scheme, path, port) are accepted."""
    host = unicodedata.normalize("NFKC", raw.strip()).translate(_DOTS).lower()
    host = host.translate(_CHEROKEE).rstrip(".")
    if not host:
        raise InvalidInput("domain is empty", field="value", code="lists.empty_value")
    labels = [_ascii_label(label, raw) for label in host.split(".")]
    domain = ".".join(labels)
    tld = labels[-1]
    if len(domain) > 253 or len(labels) < 2 or len(tld) < 2 or not any(map(str.isalpha, tld)):
        raise InvalidInput(
            f"not a domain name: {raw!r} (needs two or more labels, a top-level domain "
            "with letters, at most 253 characters)",
            field="value",
            code="lists.invalid_domain",
        )
    return domain[4:] if labels[0] == "www" and len(labels) > 2 else domain


def _ascii_label(label: str, raw: str) -> str:
    if not label.isascii():
        try:
            label = "xn--" + label.encode("punycode").decode("ascii")
        except UnicodeError:
            label = ""  # refused just below, with the whole name
    if not _LABEL.fullmatch(label):
        raise InvalidInput(
            f"not a domain name: {raw!r} (label {label!r} is empty, too long or has "
            "characters a host name cannot have)",
            field="value",
            code="lists.invalid_domain",
        )
    return label


def normalize_token(raw: str) -> str:
    """Device ids and account ids are opaque: trimmed, never empty, never multi-line."""
    value = raw.strip()
    if not value:
        raise InvalidInput("value is empty", field="value", code="lists.empty_value")
    if not value.isprintable():
        raise InvalidInput(
            "value contains control characters", field="value", code="lists.invalid_value"
        )
    return value


def canonical_address(raw: str, family: str | None = None) -> tuple[str, str]:
    """(family, canonical value) for an address, checked on the given family or, without
    one, on the first supported family that accepts it. A family ``unsupported:<ASSET>``
    keeps the raw value as given."""
    value = raw.strip()
    if family and family.startswith(UNSUPPORTED_PREFIX):
        if len(family) == len(UNSUPPORTED_PREFIX):
            raise InvalidInput("unsupported family needs an asset", field="family")
        return family, _plain(value)
    if family and family not in supported_families():
        raise InvalidInput(
            f"unknown chain family {family!r} (supported: {', '.join(supported_families())})",
            field="family",
            code="lists.unknown_family",
        )
    families = [family] if family else None
    address = detect_address(value, families)
    if address is None:
        raise InvalidInput(
            why_not_address(value, families), field="value", code="lists.invalid_address"
        )
    return address.family, address.value


def normalize_subject(
    kind: SubjectKind, raw: str, family: str | None = None
) -> tuple[str | None, str]:
    """(family, value) for any kind; family is None for everything but addresses."""
    if kind is SubjectKind.ADDRESS:
        return canonical_address(raw, family)
    if family:
        raise InvalidInput(
            f"family applies to addresses only, not to {kind.value}",
            field="family",
            code="lists.family_mismatch",
        )
    if kind is SubjectKind.IP:
        return None, normalize_ip(raw)
    if kind is SubjectKind.CIDR:
        return None, normalize_cidr(raw)
    if kind is SubjectKind.DOMAIN:
        return None, normalize_domain(raw)
    return None, normalize_token(raw)


def why_not_address(raw: str, families: Sequence[str] | None = None) -> str:
    """A reason a person can act on, for a value no family accepted."""
    if not raw:
        return "empty address"
    if any(ch.isspace() for ch in raw):
        return "address contains whitespace"
    body = raw[2:] if raw[:2] in ("0x", "0X") else None
    if body is not None and (not families or "evm" in families):
        if any(ch not in "0123456789abcdefABCDEF" for ch in body):
            return "0x address has non-hex characters"
        if len(body) != 40:
            return f"0x address must have 40 hex digits, has {len(body)}"
    tried = ", ".join(families or supported_families())
    return f"not a valid address on any of: {tried}"


def _plain(value: str) -> str:
    if not value:
        raise InvalidInput("value is empty", field="value", code="lists.empty_value")
    if len(value) > MAX_VALUE_LENGTH or not value.isprintable() or any(c.isspace() for c in value):
        raise InvalidInput(
            "value has whitespace, control characters or is too long",
            field="value",
            code="lists.invalid_value",
        )
    return value
