"""One customer across channels: how each kind of identity is written down to be compared.

``normalize`` gives the value look-ups compare; the value as received is kept beside it
for replies. Errors never echo e-mail addresses or phone numbers (they end up in logs).
"""

from __future__ import annotations

import re
from typing import Final

from trustdesk.core.errors import InvalidInput
from trustdesk.support.model import IdentityKind, enum_value

MAX_GIVEN: Final = 320  # an e-mail address can be 254 characters; room for a display form
_ACCOUNT_RE: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:@-]{0,63}")  # as the step-up API
_INAPP_RE: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}")
_EMAIL_RE: Final = re.compile(r"[^\s@<>()\[\],;:\"]{1,64}@[A-Za-z0-9.-]{1,253}")
_PHONE_FILLER: Final = re.compile(r"[\s\-.()/]+")
_TELEGRAM_RE: Final = re.compile(r"[0-9]{1,20}")


def identity_kind(value: str, field: str = "kind") -> IdentityKind:
    return enum_value(IdentityKind, value, field)


def normalize(kind: IdentityKind, value: str, field: str = "value") -> str:
    """The comparable form of ``value``; a 422 naming ``field`` when it is not one."""
    text = value.strip()
    if kind is IdentityKind.EMAIL:
        return _email(text, field)
    if kind is IdentityKind.PHONE:
        return _phone(text, field)
    if kind is IdentityKind.TELEGRAM:
        if not _TELEGRAM_RE.fullmatch(text):
            raise InvalidInput("a Telegram identity is the numeric user id", field=field)
        return str(int(text))  # no leading zeros: "007" and "7" are one user
    if kind is IdentityKind.ACCOUNT:
        if not _ACCOUNT_RE.fullmatch(text):
            raise InvalidInput(
                "account id: 1-64 characters, letters, digits and . _ : @ -, starting alphanumeric",
                field=field,
            )
        return text
    if not _INAPP_RE.fullmatch(text):
        raise InvalidInput(
            "in-app id: 1-128 characters, letters, digits and . _ : @ -", field=field
        )
    return text


def _email(text: str, field: str) -> str:
    # Lower-cased whole: providers treat the local part case-insensitively in practice, and
    # one customer writing as John@ and john@ must stay one customer.
    address = text.removeprefix("mailto:").strip().lower()
    if len(address) > 254 or not _EMAIL_RE.fullmatch(address):
        raise InvalidInput("not an e-mail address (expected name@domain)", field=field)
    domain = address.rsplit("@", 1)[1]
    labels = domain.split(".")
    if len(labels) < 2 or any(not label or label.startswith("-") for label in labels):
        raise InvalidInput("the e-mail domain is not valid", field=field)
    return address


def _phone(text: str, field: str) -> str:
    """E.164-ish: ``+`` and 8-15 digits; ``00`` counts as ``+``; the country code is needed."""
    digits = _PHONE_FILLER.sub("", text)
    if digits.startswith("00"):
        digits = "+" + digits[2:]
    if not digits.startswith("+"):
        raise InvalidInput(
            "a phone number needs its country code, e.g. +62 812 3456 7890", field=field
        )
    number = digits[1:]
    if not number.isdecimal() or not number.isascii() or not 8 <= len(number) <= 15:
        raise InvalidInput(
            "a phone number is + and 8-15 digits (spaces, dashes, dots allowed)", field=field
        )
    if number.startswith("0"):
        raise InvalidInput("a country code does not start with 0", field=field)
    return "+" + number


def given_form(value: str) -> str:
    """The value as received, trimmed and capped, for replies."""
    return value.strip()[:MAX_GIVEN]
