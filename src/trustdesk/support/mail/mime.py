"""The MIME tree of a parsed message: its text, its HTML and its attachments.

Headers are read raw (compat32 keeps them as sent) and decoded by ``headers``, so 8-bit
parameters, RFC 2231 (``filename*=``, ``filename*0*=`` continuations, any charset) and
RFC 2047 encoded-word filenames all come out as text. Transfer encodings are undone here,
leniently; a text part that still cannot be read counts as a failure for the caller.
"""

from __future__ import annotations

import base64
import binascii
import quopri
import re
import unicodedata
from dataclasses import dataclass, field
from email import policy
from email.message import Message

from trustdesk.support.mail.charsets import decode_bytes
from trustdesk.support.mail.headers import decode_header, decode_raw_text, raw_bytes, unfold

MAX_DEPTH = 20  # deeper nesting is an attack, not a mail
_WIRE = policy.compat32.clone(linesep="\r\n")  # a forwarded mail as it would travel
_BASE64 = re.compile(rb"[A-Za-z0-9+/]*={0,2}")
_WHITESPACE = re.compile(rb"\s+")
# Unicode category Cc without the whitespace controls (tab, line feed, VT, form feed, CR).
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f]")


@dataclass(frozen=True)
class Attachment:
    filename: str | None
    content_type: str
    data: bytes

    @property
    def size(self) -> int:
        return len(self.data)


@dataclass
class Body:
    plain: list[str] = field(default_factory=list)
    html: list[str] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)
    failed: int = 0  # text parts that could not be decoded

    def take(self, other: Body) -> None:
        self.plain += other.plain
        self.html += other.html
        self.attachments += other.attachments
        self.failed += other.failed


def raw_header(part: Message, name: str) -> str | None:
    """The first value of a header as sent (folded, 8-bit bytes as surrogate escapes)."""
    wanted = name.lower()
    for key, value in part.raw_items():
        if key.lower() == wanted:
            return str(value)
    return None


def raw_headers(part: Message, name: str) -> list[str]:
    wanted = name.lower()
    return [str(value) for key, value in part.raw_items() if key.lower() == wanted]


def collect(part: Message, notes: list[str], defects: list[str], depth: int = 0) -> Body:
    body = Body()
    if depth > MAX_DEPTH:
        defects.append("mime_too_deep")
        return body
    typed = _typed(part, notes)
    ctype = typed.get_content_type()
    payload = part.get_payload()
    if part.is_multipart() and isinstance(payload, list):
        children = [child for child in payload if isinstance(child, Message)]
        if ctype.startswith("message/"):  # a forwarded mail: keep it whole
            data = children[0].as_bytes(policy=_WIRE) if children else b""
            body.attachments.append(Attachment(_filename(typed, notes), ctype, data))
        elif ctype == "multipart/alternative":
            body.take(_alternative(children, notes, defects, depth))
        else:
            for child in children:
                body.take(collect(child, notes, defects, depth + 1))
        return body
    filename = _filename(typed, notes)
    inline_text = ctype in ("text/plain", "text/html") and filename is None
    if inline_text and typed.get_content_disposition() != "attachment":
        text = _text(part, typed, defects, notes)
        if text is None:
            body.failed += 1
        else:
            (body.plain if ctype == "text/plain" else body.html).append(text)
        return body
    content = transfer_decode(part, defects)
    if content is None:  # keep the bytes as sent rather than lose the file
        content = _payload_bytes(part)
    body.attachments.append(Attachment(filename, ctype, content))
    return body


def _alternative(children: list[Message], notes: list[str], defects: list[str], depth: int) -> Body:
    """One text and one HTML version from the branches; every branch's attachments."""
    branches = [collect(child, notes, defects, depth + 1) for child in children]
    chosen = Body()
    plain = next((b for b in branches if b.plain), None)
    html = next((b for b in branches if b.html), None)
    chosen.plain = list(plain.plain) if plain else []
    chosen.html = list(html.html) if html else []
    for branch in branches:
        chosen.attachments += branch.attachments
    if plain is None and html is None:
        chosen.failed = sum(b.failed for b in branches)
    return chosen


def _typed(part: Message, notes: list[str]) -> Message:
    """A stand-in holding the part's Content-Type and -Disposition as decoded text, so the
    stdlib's parameter parsing (RFC 2231 included) works on 8-bit values too."""
    holder = Message()
    for name in ("Content-Type", "Content-Disposition"):
        raw = raw_header(part, name)
        if raw is not None:
            holder[name] = decode_raw_text(unfold(raw), "mime-header", notes)
    return holder


def _filename(typed: Message, notes: list[str]) -> str | None:
    for header, param in (("content-disposition", "filename"), ("content-type", "name")):
        value = typed.get_param(param, header=header)
        if value is None:
            continue
        if isinstance(value, tuple):  # RFC 2231: (charset, language, %-decoded as latin-1)
            charset, _language, text = value
            try:
                name, note = decode_bytes(text.encode("latin-1"), charset or None, "filename")
            except UnicodeEncodeError:  # 8-bit text around the encoded part: already text
                name, note = text, None
            if note:
                notes.append(note)
        else:
            name = decode_header(value, "filename", notes)
        return _safe_filename(name)
    return None


def _safe_filename(name: str) -> str | None:
    """The last path segment, without control characters: a name, never a path."""
    name = "".join(ch for ch in name if unicodedata.category(ch) != "Cc")
    name = name.replace("\\", "/").rsplit("/", 1)[-1].strip()
    return name if name not in ("", ".", "..") else None


def _text(part: Message, typed: Message, defects: list[str], notes: list[str]) -> str | None:
    data = transfer_decode(part, defects)
    if data is None:
        return None
    text, note = decode_bytes(data, typed.get_content_charset(), "body")
    if note:
        notes.append(note)
    if _looks_binary(text):
        defects.append("binary_text_part")
        return None
    return text


def transfer_decode(part: Message, defects: list[str]) -> bytes | None:
    """The part's bytes with its Content-Transfer-Encoding undone; None if impossible."""
    if not isinstance(part.get_payload(), str):
        return None
    data = _payload_bytes(part)
    cte = (raw_header(part, "Content-Transfer-Encoding") or "7bit").strip().lower()
    if cte == "base64":
        return _base64(data, defects)
    if cte == "quoted-printable":
        return quopri.decodestring(data)
    if cte in ("7bit", "8bit", "binary", ""):
        return data
    if cte in ("x-uuencode", "uuencode", "x-uue", "uue"):
        decoded = part.get_payload(decode=True)
        return decoded if isinstance(decoded, bytes) else None
    defects.append("unknown_transfer_encoding")
    return data


def _payload_bytes(part: Message) -> bytes:
    """The body bytes exactly as sent. ``get_payload()`` hands 8-bit bytes back already
    decoded in the declared charset (with replacement characters, so a wrong label loses
    them), hence the parser's stored payload, ASCII with surrogate escapes, is read here."""
    stored = getattr(part, "_payload", None)
    if isinstance(stored, bytes):
        return stored
    if not isinstance(stored, str):
        return b""
    try:
        return raw_bytes(stored)
    except UnicodeEncodeError:  # text put in by a caller, not bytes from the wire
        return stored.encode("utf-8", "surrogateescape")


def _base64(data: bytes, defects: list[str]) -> bytes | None:
    compact = _WHITESPACE.sub(b"", data)
    if _BASE64.fullmatch(compact) is None:
        defects.append("base64_invalid_characters")
        compact = re.sub(rb"[^A-Za-z0-9+/=]", b"", compact)
    core = compact.rstrip(b"=")
    if b"=" in core or len(core) % 4 == 1:
        defects.append("base64_undecodable")
        return None
    try:
        return base64.b64decode(core + b"=" * (-len(core) % 4))
    except binascii.Error:  # pragma: no cover - the checks above rule it out
        defects.append("base64_undecodable")
        return None


def _looks_binary(text: str) -> bool:
    """Eight or more control characters, over one in twenty: not text. (A stray one or
    two, from a wrong charset, do not make a short message binary.)"""
    controls = len(_CONTROL.findall(text))
    return controls >= 8 and controls * 20 > len(text)
