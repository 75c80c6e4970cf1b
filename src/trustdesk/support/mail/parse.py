"""Raw RFC 5322 bytes → ``ParsedMail``. Pure: the stdlib ``email`` parser and our decoders.

The message is parsed with the compat32 policy, which keeps every header exactly as sent;
``headers`` and ``mime`` do the decoding, so a wrong or unknown charset, a split
encoded-word or an 8-bit header gives text and a note instead of an exception. What cannot
be taken in at all raises ``MailRejected`` with a stable reason code; callers quarantine it.
"""

from __future__ import annotations

import email.errors
import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from email import policy
from email.message import Message
from email.parser import BytesParser
from email.utils import getaddresses, parseaddr, parsedate_to_datetime

from trustdesk.core.errors import DomainError
from trustdesk.support.mail.headers import decode_header, decode_raw_text, has_raw_bytes, unfold
from trustdesk.support.mail.html_text import html_to_text
from trustdesk.support.mail.mime import Attachment, collect, raw_header, raw_headers
from trustdesk.support.mail.quote import strip_quoted

__all__ = ["Attachment", "MailRejected", "ParsedMail", "parse_mail", "REASONS"]

# Reason codes a rejection carries; stable, they are stored with quarantined mail.
REASONS = frozenset(
    {"too_large", "not_mail", "no_from", "bad_from", "undecodable_body", "unparseable"}
)
# Mail clients may change case or add spaces; the ref is given back upper-cased.
TICKET_REF = re.compile(r"\[#\s*(TD-[0-9A-Z]{6})\s*\]", re.IGNORECASE)
SYNTHETIC_DOMAIN = "synthetic.trustdesk.invalid"
_MSG_ID = re.compile(r"<([^<>\s]{1,995})>")
_ADDR_SPEC = re.compile(r"[^\s@<>()\[\],;:\\\"]+@[^\s@<>()\[\],;:\\\"]+")
_BULK = frozenset({"bulk", "junk", "list", "auto_reply"})


class MailRejected(DomainError):
    """The bytes cannot be taken in as a mail; ``reason_code`` says why (see REASONS)."""

    code = "mail.rejected"
    status = 422
    title = "Mail not taken in"

    def __init__(self, reason_code: str, message: str) -> None:
        super().__init__(message, code=f"mail.{reason_code}")
        self.reason_code = reason_code


@dataclass(frozen=True)
class ParsedMail:
    message_id: str  # "<…>"; synthetic (sha256 of the bytes) when the mail has none
    message_id_synthetic: bool
    in_reply_to: str | None
    references: tuple[str, ...]
    subject: str
    from_address: str  # lower-cased addr-spec
    from_name: str | None
    reply_to: str | None
    to: tuple[str, ...]
    cc: tuple[str, ...]
    date: datetime | None  # aware
    text: str  # text/plain, or the HTML made readable
    html: str | None
    reply_text: str  # the new part of text, without quoted history
    attachments: tuple[Attachment, ...]
    ticket_ref: str | None  # "TD-XXXXXX" from a "[#TD-XXXXXX]" subject token
    automated: bool  # auto-reply, bulk or bounce: never answer it automatically
    charset_notes: tuple[str, ...]
    defects: tuple[str, ...]
    size: int
    sha256: str


def parse_mail(raw: bytes, *, max_bytes: int) -> ParsedMail:
    raw = bytes(raw)
    if len(raw) > max_bytes:
        raise MailRejected(
            "too_large", f"the message is {len(raw)} bytes; at most {max_bytes} are taken in"
        )
    try:
        return _parse(raw)
    except (
        ValueError,
        LookupError,
        IndexError,
        TypeError,
        RecursionError,  # absurd MIME nesting
        email.errors.MessageError,
    ) as exc:
        raise MailRejected(
            "unparseable", f"the message could not be parsed ({type(exc).__name__})"
        ) from exc


def _parse(raw: bytes) -> ParsedMail:
    msg = BytesParser(policy=policy.compat32).parsebytes(raw)
    if not msg.keys():
        raise MailRejected("not_mail", "no mail headers found")
    notes: list[str] = []
    defects = [type(d).__name__ for d in msg.defects]
    from_raw = raw_header(msg, "From")
    if from_raw is None:
        raise MailRejected("no_from", "the message has no From header")
    from_name, from_address = _mailbox(from_raw, notes)
    if from_address is None:
        raise MailRejected("bad_from", "the From header holds no usable address")
    subject = decode_header(raw_header(msg, "Subject") or "", "subject", notes)
    body = collect(msg, notes, defects)
    if body.failed and not (body.plain or body.html):
        raise MailRejected("undecodable_body", "the message text cannot be decoded")
    text, html, reply = _texts(body.plain, body.html)
    message_id = _first_id(raw_header(msg, "Message-ID"))
    digest = hashlib.sha256(raw).hexdigest()
    ticket = TICKET_REF.search(subject)
    return ParsedMail(
        message_id=message_id or f"<{digest}@{SYNTHETIC_DOMAIN}>",
        message_id_synthetic=message_id is None,
        in_reply_to=_first_id(raw_header(msg, "In-Reply-To")),
        references=_ids(" ".join(raw_headers(msg, "References"))),
        subject=subject,
        from_address=from_address,
        from_name=from_name,
        reply_to=_mailbox(raw_header(msg, "Reply-To") or "", notes)[1],
        to=_addresses(msg, "To"),
        cc=_addresses(msg, "Cc"),
        date=_date(raw_header(msg, "Date"), defects),
        text=text,
        html=html,
        reply_text=reply,
        attachments=tuple(body.attachments),
        ticket_ref=ticket.group(1).upper() if ticket else None,
        automated=_automated(msg),
        charset_notes=tuple(dict.fromkeys(notes)),
        defects=tuple(dict.fromkeys(defects)),
        size=len(raw),
        sha256=digest,
    )


def _texts(plain: list[str], html: list[str]) -> tuple[str, str | None, str]:
    html_text = "\n".join(html) if html else None
    if plain:
        text = "\n".join(p.replace("\r\n", "\n").rstrip() for p in plain).strip()
        return text, html_text, strip_quoted(text)
    if html_text is not None:
        reply = strip_quoted(html_to_text(html_text, reply_only=True))
        return html_to_text(html_text), html_text, reply
    return "", None, ""


def _mailbox(raw: str, notes: list[str]) -> tuple[str | None, str | None]:
    """(display name, lower-cased address) of the first mailbox in an address header."""
    name, address = parseaddr(unfold(raw))
    address = decode_raw_text(address, "address", notes).strip().lower()
    display = decode_header(name, "from-name", notes) if name else ""
    return (display or None), (address if _ADDR_SPEC.fullmatch(address) else None)


def _addresses(msg: Message, header: str) -> tuple[str, ...]:
    values = [unfold(v) for v in raw_headers(msg, header)]
    found = (decode_raw_text(a, "address", []).strip().lower() for _, a in getaddresses(values))
    return tuple(dict.fromkeys(a for a in found if _ADDR_SPEC.fullmatch(a)))


def _ids(raw: str) -> tuple[str, ...]:
    if has_raw_bytes(raw):
        raw = raw.encode("ascii", "surrogateescape").decode("ascii", "ignore")
    return tuple(dict.fromkeys(f"<{m}>" for m in _MSG_ID.findall(unfold(raw))))


def _first_id(raw: str | None) -> str | None:
    if raw is None:
        return None
    found = _ids(raw)
    if found:
        return found[0]
    bare = unfold(raw).strip()  # some mailers leave out the angle brackets
    if bare and not has_raw_bytes(bare) and _MSG_ID.fullmatch(f"<{bare}>"):
        return f"<{bare}>"
    return None


def _date(raw: str | None, defects: list[str]) -> datetime | None:
    if raw is None:
        return None
    try:
        value = parsedate_to_datetime(unfold(raw).strip())
    except (TypeError, ValueError, IndexError, OverflowError):
        defects.append("date_unparseable")
        return None
    # "-0000" (RFC 5322: UTC, local zone unknown) comes back naive.
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _automated(msg: Message) -> bool:
    """RFC 3834 Auto-Submitted, Precedence: bulk/list/junk, X-Autoreply, delivery reports."""
    auto = (raw_header(msg, "Auto-Submitted") or "").split(";")[0].strip().lower()
    precedence = (raw_header(msg, "Precedence") or "").strip().lower()
    return (
        auto not in ("", "no")
        or precedence in _BULK
        or raw_header(msg, "X-Autoreply") is not None
        or raw_header(msg, "X-Autorespond") is not None
        or msg.get_content_type() == "multipart/report"
    )
