"""The public web form (pure): field checks with per-field messages, the CSRF token, the
honeypot, and the submission as the support core's ``InboundMessage``.

CSRF: a double-submit cookie bound by an HMAC. The page sets a random nonce in a
``SameSite=Strict`` cookie and puts ``<unix time>.<HMAC(key, time, nonce)>`` in a hidden
field; a POST needs both, matching, and at most ``TOKEN_MAX_AGE`` old. Another site can
neither read the token nor set our cookie, and a token lifted from one browser is useless
without that browser's cookie.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from trustdesk.core.errors import InvalidInput
from trustdesk.support.channels.webform_text import TEXT, size_label
from trustdesk.support.identities import normalize
from trustdesk.support.model import (
    MAX_BODY,
    MAX_SUBJECT,
    Category,
    IdentityKind,
    InboundAttachment,
    InboundMessage,
    find_ticket_ref,
)

TOKEN_MAX_AGE: Final = timedelta(hours=2)
CLOCK_SKEW: Final = timedelta(seconds=60)
MAX_NAME: Final = 200
MAX_EMAIL: Final = 254
FIELDS: Final = ("email", "name", "category", "subject", "message", "attachment")
HONEYPOT: Final = "website"


@dataclass(frozen=True)
class FormInput:
    """The fields as posted (strings; missing ones empty)."""

    email: str = ""
    name: str = ""
    category: str = ""
    subject: str = ""
    message: str = ""
    website: str = ""  # the honeypot: hidden from people, filled by bots


@dataclass(frozen=True)
class FormFile:
    filename: str
    content_type: str
    data: bytes


@dataclass(frozen=True)
class ValidForm:
    email: str  # as typed, trimmed: what replies are addressed to
    name: str | None
    category: str
    subject: str
    message: str
    attachment: InboundAttachment | None


def is_spam(given: FormInput) -> bool:
    return bool(given.website.strip())


def validate(
    given: FormInput, file: FormFile | None, lang: str, max_file_bytes: int
) -> tuple[ValidForm | None, dict[str, str]]:
    """The checked form, or None and one message per field at fault (in ``lang``)."""
    text = TEXT[lang]
    errors: dict[str, str] = {}
    email = given.email.strip()
    if not email:
        errors["email"] = text["err_required"]
    elif len(email) > MAX_EMAIL:
        errors["email"] = text["err_email"]
    else:
        try:
            normalize(IdentityKind.EMAIL, email, "email")
        except InvalidInput:
            errors["email"] = text["err_email"]
    name = " ".join(given.name.split())
    if len(name) > MAX_NAME:
        errors["name"] = text["err_too_long"].format(max=MAX_NAME)
    category = given.category.strip()
    if category not in {c.value for c in Category}:
        errors["category"] = text["err_category"]
    subject = " ".join(given.subject.split())
    _required(errors, "subject", subject, MAX_SUBJECT, text)
    message = given.message.replace("\r\n", "\n").strip()
    _required(errors, "message", message, MAX_BODY, text)
    attachment = None
    if file is not None and (file.filename or file.data):
        if len(file.data) > max_file_bytes:
            errors["attachment"] = text["err_attachment"].format(max=size_label(max_file_bytes))
        else:
            attachment = InboundAttachment(
                file.filename or "attachment", file.content_type or "", file.data
            )
    if errors:
        return None, errors
    return ValidForm(email, name or None, category, subject, message, attachment), {}


def _required(
    errors: dict[str, str], field: str, value: str, limit: int, text: dict[str, str]
) -> None:
    if not value:
        errors[field] = text["err_required"]
    elif len(value) > limit:
        errors[field] = text["err_too_long"].format(max=limit)


def to_inbound(
    form: ValidForm, *, token: str, received_at: datetime, language: str
) -> InboundMessage:
    """A ticket ``[#TD-…]`` token in the subject follows up the customer's own ticket."""
    return InboundMessage(
        channel="webform",
        external_id=submission_key(form, token),
        sender_kind="email",
        sender=form.email,
        sender_name=form.name,
        subject=form.subject,
        body=form.message,
        received_at=received_at,
        language=language,
        ticket_ref=find_ticket_ref(form.subject),
        category=form.category,
        attachments=(form.attachment,) if form.attachment else (),
    )


def submission_key(form: ValidForm, token: str) -> str:
    """The idempotency key: the same form page sent twice with the same content (a double
    click, a reload) is one message; another message from the same page is another."""
    digest = hashlib.sha256()
    file = form.attachment
    for part in (token, form.email, form.subject, form.message, file.filename if file else ""):
        digest.update(part.encode("utf-8", "surrogatepass") + b"\x00")
    digest.update(hashlib.sha256(file.data).digest() if file else b"")
    return f"webform:{digest.hexdigest()[:48]}"


# --- CSRF --------------------------------------------------------------------------------------


def csrf_token(key: bytes, nonce: str, now: datetime) -> str:
    stamp = str(int(now.timestamp()))
    return f"{stamp}.{_sign(key, stamp, nonce)}"


def csrf_refusal(
    key: bytes,
    nonce: str | None,
    token: str | None,
    now: datetime,
    max_age: timedelta = TOKEN_MAX_AGE,
) -> str | None:
    """None when the token is good; else why not: ``missing``, ``forged`` or ``expired``."""
    if not nonce or not token:
        return "missing"
    stamp, sep, signature = token.partition(".")
    if not sep or not stamp.isdigit() or not stamp.isascii() or len(stamp) > 12:
        return "forged"
    if not hmac.compare_digest(signature.encode(), _sign(key, stamp, nonce).encode()):
        return "forged"
    age = now.timestamp() - int(stamp)
    if age < -CLOCK_SKEW.total_seconds():
        return "forged"
    if age > max_age.total_seconds():
        return "expired"
    return None


def _sign(key: bytes, stamp: str, nonce: str) -> str:
    mac = hmac.new(key, f"webform-csrf|{stamp}|{nonce}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).decode().rstrip("=")
