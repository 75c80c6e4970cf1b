"""One-time passwords: RFC 4226 (HOTP) and RFC 6238 (TOTP) secrets, otpauth URIs, matching.

pyotp does the HMAC arithmetic and URI parsing. This module adds what a security product
needs around it: validated parameters, labels that authenticator apps and pyotp both read
back exactly, constant-time matching over every candidate, and errors that never echo a
secret or a code.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal, get_args
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit

import pyotp

from trustdesk.core.errors import InvalidInput

Algorithm = Literal["SHA1", "SHA256", "SHA512"]
Kind = Literal["totp", "hotp"]
ALGORITHMS: tuple[str, ...] = get_args(Algorithm)
KINDS: tuple[str, ...] = get_args(Kind)

# Key length = hash output length (RFC 2104 §3); also what RFC 6238's reference code uses.
SECRET_BYTES: dict[str, int] = {"SHA1": 20, "SHA256": 32, "SHA512": 64}
# RFC 4226 R6: a shared secret MUST be at least 128 bits. Applies to imported URIs too.
MIN_SECRET_BYTES = 16
MIN_DIGITS, MAX_DIGITS = 6, 8
MIN_PERIOD, MAX_PERIOD = 10, 120  # pyotp refuses periods over 120 s
MAX_ISSUER_CHARS, MAX_ACCOUNT_CHARS = 100, 254
MAX_URI_CHARS = 2048

_DIGESTS: dict[str, Any] = {
    "SHA1": hashlib.sha1,
    "SHA256": hashlib.sha256,
    "SHA512": hashlib.sha512,
}
_ALGORITHM_BY_HASH: dict[str, Algorithm] = {"sha1": "SHA1", "sha256": "SHA256", "sha512": "SHA512"}
_BASE32 = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_ASCII_DIGITS = frozenset("0123456789")


@dataclass(frozen=True)
class OtpParams:
    """How codes are computed: HOTP or TOTP, hash, length and (TOTP) step length."""

    kind: Kind = "totp"
    algorithm: Algorithm = "SHA1"
    digits: int = 6
    period: int = 30  # seconds; ignored for HOTP

    def __post_init__(self) -> None:
        self.validate()

    def validate(self) -> None:
        if self.kind not in KINDS:
            raise InvalidInput("OTP kind must be 'totp' or 'hotp'", field="kind")
        if self.algorithm not in ALGORITHMS:
            raise InvalidInput("OTP algorithm must be SHA1, SHA256 or SHA512", field="algorithm")
        if not _is_int(self.digits) or not MIN_DIGITS <= self.digits <= MAX_DIGITS:
            raise InvalidInput(
                f"OTP digits must be between {MIN_DIGITS} and {MAX_DIGITS}", field="digits"
            )
        if not _is_int(self.period) or not MIN_PERIOD <= self.period <= MAX_PERIOD:
            raise InvalidInput(
                f"OTP period must be between {MIN_PERIOD} and {MAX_PERIOD} seconds",
                field="period",
            )


@dataclass(frozen=True)
class ParsedUri:
    secret: str  # base32, upper case, no padding
    params: OtpParams
    issuer: str | None
    account_name: str
    counter: int  # HOTP initial counter; 0 for TOTP


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def new_secret(algorithm: Algorithm) -> str:
    """A fresh secret from the OS CSPRNG, as long as the hash output, base32 without padding."""
    if algorithm not in ALGORITHMS:
        raise InvalidInput("OTP algorithm must be SHA1, SHA256 or SHA512", field="algorithm")
    raw = secrets.token_bytes(SECRET_BYTES[algorithm])
    return base64.b32encode(raw).decode("ascii").rstrip("=")


def normalize_secret(secret: str) -> str:
    """Upper-case, unpadded base32 of at least 128 bits, or InvalidInput (without the secret)."""
    text = secret.strip().upper().rstrip("=") if isinstance(secret, str) else ""
    if not text or not set(text) <= _BASE32:
        raise InvalidInput("the OTP secret must be base32 (A-Z, 2-7)", field="secret")
    try:
        raw = base64.b32decode(text + "=" * (-len(text) % 8))
    except binascii.Error:
        raise InvalidInput(
            "the OTP secret has an impossible base32 length", field="secret"
        ) from None
    if len(raw) < MIN_SECRET_BYTES:
        raise InvalidInput(
            f"the OTP secret must be at least {MIN_SECRET_BYTES * 8} bits", field="secret"
        )
    return text


def normalize_code(text: str) -> str:
    """What a person typed, minus the spaces and dashes apps show for readability."""
    return "".join(ch for ch in text if ch not in " -\u00a0\t")


def _label_part(value: str, field: str, limit: int, *, allow_colon: bool) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(f"the {field.replace('_', ' ')} must not be empty", field=field)
    if len(value) > limit:
        raise InvalidInput(f"the {field.replace('_', ' ')} is over {limit} characters", field=field)
    if any(unicodedata.category(ch) == "Cc" for ch in value):
        raise InvalidInput(
            f"the {field.replace('_', ' ')} must not contain control characters", field=field
        )
    # Apps split the decoded label at its first ':', so only the account may hold one.
    if not allow_colon and ":" in value:
        raise InvalidInput("the issuer must not contain ':'", field=field)
    return quote(value, safe="")


def provisioning_uri(
    secret: str, params: OtpParams, *, issuer: str, account_name: str, counter: int = 0
) -> str:
    """The ``otpauth://`` enrolment URI (Key URI Format), every parameter explicit.

    Label and values are percent-encoded with nothing left safe (spaces as %20, never '+'),
    so pyotp and apps that decode the whole label first both read back the exact strings.
    """
    label = (
        _label_part(issuer, "issuer", MAX_ISSUER_CHARS, allow_colon=False)
        + ":"
        + _label_part(account_name, "account_name", MAX_ACCOUNT_CHARS, allow_colon=True)
    )
    query: list[tuple[str, str]] = [
        ("secret", normalize_secret(secret)),
        ("issuer", issuer),
        ("algorithm", params.algorithm),
        ("digits", str(params.digits)),
    ]
    if params.kind == "hotp":
        if not _is_int(counter) or counter < 0:
            raise InvalidInput("the HOTP counter must be a whole number >= 0", field="counter")
        query.append(("counter", str(counter)))
    else:
        query.append(("period", str(params.period)))
    return f"otpauth://{params.kind}/{label}?{urlencode(query, quote_via=quote, safe='')}"


def parse_uri(uri: str) -> ParsedUri:
    """Read an ``otpauth://`` URI strictly; InvalidInput (field "uri"/…) on anything off."""
    if not isinstance(uri, str) or not uri or len(uri) > MAX_URI_CHARS:
        raise InvalidInput("not an otpauth URI", field="uri")
    try:
        parts = urlsplit(uri)
    except ValueError:
        raise InvalidInput("not an otpauth URI", field="uri") from None
    if parts.scheme != "otpauth":
        raise InvalidInput("the URI scheme must be otpauth", field="uri")
    if parts.netloc not in KINDS:
        raise InvalidInput("the OTP type must be totp or hotp", field="uri")
    keys = [key for key, _ in parse_qsl(parts.query, keep_blank_values=True)]
    if parts.netloc == "hotp" and "counter" not in keys:
        raise InvalidInput("an HOTP URI must carry a counter", field="uri")
    if "encoder" in keys:  # pyotp's Steam variant: 5 letters, not an RFC OTP
        raise InvalidInput("OTP encoders are not supported", field="uri")
    # pyotp names a label-less URI "Secret"; refuse it before that can happen.
    if not unquote(parts.path[1:].split(":", 1)[-1]).strip():
        raise InvalidInput("the URI has no account name", field="account_name")
    secret = _secret_param(parts.query)
    try:
        otp = pyotp.parse_uri(uri)
    except ValueError:  # message may name parameters, never the secret
        raise InvalidInput("malformed otpauth URI parameters", field="uri") from None
    return _parsed(otp, secret)


def _secret_param(query: str) -> str:
    values = [v for k, v in parse_qsl(query, keep_blank_values=True) if k == "secret"]
    if len(values) != 1:
        raise InvalidInput("the URI must carry exactly one secret", field="secret")
    return normalize_secret(values[0])


def _parsed(otp: pyotp.OTP, secret: str) -> ParsedUri:
    algorithm = _ALGORITHM_BY_HASH[otp.digest().name]
    if isinstance(otp, pyotp.HOTP):
        params = OtpParams(kind="hotp", algorithm=algorithm, digits=otp.digits)
        counter = otp.initial_count
        if counter < 0:
            raise InvalidInput("the HOTP counter must be >= 0", field="counter")
    elif type(otp) is pyotp.TOTP:
        params = OtpParams(algorithm=algorithm, digits=otp.digits, period=int(otp.interval))
        counter = 0
    else:
        raise InvalidInput("the OTP type must be totp or hotp", field="uri")
    return ParsedUri(secret, params, otp.issuer, otp.name, counter)


def time_step(params: OtpParams, at: datetime) -> int:
    """RFC 6238 T = floor((unix time - T0) / X) with T0 = 0; integer arithmetic throughout."""
    if at.tzinfo is None:
        raise ValueError("time_step needs an aware datetime")
    seconds = (at - _EPOCH) // timedelta(seconds=1)
    return seconds // params.period


def _hotp(secret: str, params: OtpParams) -> pyotp.HOTP:
    return pyotp.HOTP(
        normalize_secret(secret), digits=params.digits, digest=_DIGESTS[params.algorithm]
    )


def code_at_step(secret: str, params: OtpParams, step_or_counter: int) -> str:
    """The code for a TOTP time step or an HOTP counter (TOTP(T) is HOTP with counter T)."""
    if step_or_counter < 0:
        raise ValueError("an OTP counter is never negative")
    return _hotp(secret, params).at(step_or_counter)


def _well_formed(code: str, params: OtpParams) -> bool:
    return isinstance(code, str) and len(code) == params.digits and set(code) <= _ASCII_DIGITS


def _highest_match(otp: pyotp.HOTP, counters: range, code: str) -> int | None:
    """Compare every candidate in constant time, no early exit.

    When two candidates share the code the highest wins, so that recording it as used
    also burns the other one (no second acceptance of the same code).
    """
    given = code.encode("ascii")
    matched: int | None = None
    for counter in counters:
        if hmac.compare_digest(otp.at(counter).encode("ascii"), given):
            matched = counter
    return matched


def match_totp(
    secret: str,
    params: OtpParams,
    code: str,
    at: datetime,
    *,
    drift: int = 0,
    window: int = 1,
) -> int | None:
    """The absolute time step within ``time_step(at) + drift ± window`` whose code is ``code``."""
    if params.kind != "totp":
        raise ValueError("match_totp needs TOTP parameters")
    if window < 0:
        raise ValueError("window must be >= 0")
    if not _well_formed(code, params):
        return None
    centre = time_step(params, at) + drift
    steps = range(max(0, centre - window), max(0, centre + window + 1))
    return _highest_match(_hotp(secret, params), steps, code)


def match_hotp(
    secret: str, params: OtpParams, code: str, next_counter: int, *, look_ahead: int = 10
) -> int | None:
    """The counter in ``next_counter .. next_counter + look_ahead`` whose code is ``code``."""
    if params.kind != "hotp":
        raise ValueError("match_hotp needs HOTP parameters")
    if next_counter < 0 or look_ahead < 0:
        raise ValueError("next_counter and look_ahead must be >= 0")
    if not _well_formed(code, params):
        return None
    counters = range(next_counter, next_counter + look_ahead + 1)
    return _highest_match(_hotp(secret, params), counters, code)


def resync_hotp(
    secret: str,
    params: OtpParams,
    code1: str,
    code2: str,
    next_counter: int,
    *,
    search: int = 200,
) -> int | None:
    """Counter of ``code2`` when ``code1, code2`` are the codes of c, c+1 within the search range.

    Both c and c+1 lie in ``[next_counter, next_counter + search]``. Every pair is compared.
    """
    if params.kind != "hotp":
        raise ValueError("resync_hotp needs HOTP parameters")
    if next_counter < 0 or search < 1:
        raise ValueError("next_counter must be >= 0 and search >= 1")
    if not (_well_formed(code1, params) and _well_formed(code2, params)):
        return None
    otp = _hotp(secret, params)
    codes = [otp.at(c).encode("ascii") for c in range(next_counter, next_counter + search + 1)]
    first, second = code1.encode("ascii"), code2.encode("ascii")
    matched: int | None = None
    for offset in range(search):
        # '&' not 'and': both comparisons always run.
        if hmac.compare_digest(codes[offset], first) & hmac.compare_digest(
            codes[offset + 1], second
        ):
            matched = next_counter + offset + 1
    return matched
