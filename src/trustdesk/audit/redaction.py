"""The shared redaction step: secrets never enter the audit chain (or the logs).

A key is split into lowercase words (``otpCode`` / ``OTP-code`` / ``otp_code`` all give
``otp code``); trailing wrapping words (``value``, ``hex``, ``raw``, ``header``...) are
ignored. It is a secret when:

* any word is password, passwd, passphrase, passcode, secret, mnemonic, seed, apikey,
  privatekey, secretkey or accesskey; or two neighbouring words are private key, api key,
  secret key, signing key, access key or recovery phrase;
* or the last word (singular) is otp, totp, hotp, token, pin, cvv, cvc, authorization or
  code, except a code named for what it classifies (``country_code``, ``reason_codes``...);
* but never when the last word is ``id``/``ids``: an identifier of a secret is not a secret
  (``api_key_id``, ``secret_id``).

Whole matching values (dicts and lists included) become ``"[redacted]"``. Erring towards
redaction is deliberate: the chain cannot be edited afterwards.
"""

from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Mapping
from typing import Any, Final

REDACTED: Final = "[redacted]"

_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_NON_WORD = re.compile(r"[^a-z0-9]+")
_ANY_WORD: Final = frozenset(
    {
        "password",
        "passwd",
        "passphrase",
        "passcode",
        "secret",
        "mnemonic",
        "seed",
        "apikey",
        "privatekey",
        "secretkey",
        "accesskey",
    }
)
_PAIRS: Final = frozenset(
    {
        ("private", "key"),
        ("api", "key"),
        ("secret", "key"),
        ("signing", "key"),
        ("access", "key"),
        ("recovery", "phrase"),
    }
)
_LAST_WORD: Final = frozenset(
    {"otp", "totp", "hotp", "token", "pin", "cvv", "cvc", "code", "authorization"}
)
# "country_code" names a classification, not a one-time code.
_CLASSIFYING: Final = frozenset(
    {
        "action",
        "area",
        "asset",
        "bank",
        "branch",
        "calling",
        "category",
        "chain",
        "check",
        "country",
        "currency",
        "decision",
        "dial",
        "error",
        "event",
        "exit",
        "http",
        "iso",
        "language",
        "locale",
        "mcc",
        "merchant",
        "postal",
        "product",
        "reason",
        "region",
        "response",
        "result",
        "rule",
        "signal",
        "state",
        "status",
        "swift",
        "tax",
        "type",
        "zip",
    }
)
# Words that wrap a value without changing what it is ("otp_value", "authorization_header").
_WRAPPING: Final = frozenset(
    {"value", "hex", "b64", "base64", "raw", "plain", "plaintext", "bytes", "pem", "der", "str"}
    | {"header"}
)


def redact(payload: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of ``payload`` with every secret-named key's value replaced, at any depth."""
    return {key: _redact_item(key, value) for key, value in payload.items()}


def is_secret_key(key: object) -> bool:
    return _is_secret_name(str(key))


# Payloads and log lines use the same few dozen keys over and over; the answer for a key
# never changes, so it is worth remembering (bounded, for keys that come from input).
@functools.lru_cache(maxsize=4096)
def _is_secret_name(key: str) -> bool:
    words = [w for w in _NON_WORD.split(_CAMEL.sub("_", key).lower()) if w]
    while len(words) > 1 and words[-1] in _WRAPPING:
        words.pop()
    if not words or words[-1] in {"id", "ids"}:
        return False
    if any(w in _ANY_WORD for w in words):
        return True
    if any(pair in _PAIRS for pair in itertools.pairwise(words)):
        return True
    last = words[-1]
    if last not in _LAST_WORD and last.endswith("s"):
        last = last[:-1]
    if last not in _LAST_WORD:
        return False
    return not (last == "code" and len(words) > 1 and words[-2] in _CLASSIFYING)


def _redact_item(key: object, value: Any) -> Any:
    if is_secret_key(key):
        return REDACTED
    return _redact_value(value)


def _redact_value(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {key: _redact_item(key, item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_redact_value(item) for item in value]
    return value
