"""Attachments, judged on their bytes: safe file names, sniffed types, an allow-list, limits.

The sender's content type and file extension are only hints: the stored type is what the
magic bytes say, and it must be on ``ALLOWED_TYPES``. Files are always served as downloads
(``Content-Disposition: attachment``, ``nosniff``), never rendered inline.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

MAX_FILENAME: Final = 200
DEFAULT_MAX_BYTES: Final = 10 * 1024 * 1024
DEFAULT_MAX_FILES: Final = 5

ALLOWED_TYPES: Final = frozenset(
    {
        "image/png",
        "image/jpeg",
        "image/gif",
        "image/webp",
        "application/pdf",
        "text/plain",
        "text/csv",
        "message/rfc822",
    }
)


class Refusal(StrEnum):
    TOO_LARGE = "too_large"
    TYPE_NOT_ALLOWED = "type_not_allowed"
    EMPTY = "empty"
    TOO_MANY_FILES = "too_many_files"


@dataclass(frozen=True)
class AttachmentLimits:
    max_bytes: int = DEFAULT_MAX_BYTES
    max_files: int = DEFAULT_MAX_FILES


@dataclass(frozen=True)
class Judged:
    """What to store: the safe name, the sniffed type, and why it is refused (if it is)."""

    filename: str
    content_type: str
    refusal: Refusal | None
    detail: str | None

    @property
    def accepted(self) -> bool:
        return self.refusal is None


# --- names -------------------------------------------------------------------------------------

_RESERVED: Final = re.compile(r'[<>:"|?*]')
_SPACES: Final = re.compile(r"\s+")


def sanitize_filename(name: str) -> str:
    """The last path part, without control or format characters (bidi overrides included),
    leading dots or characters reserved on common file systems; at most 200 characters,
    the extension kept; ``attachment`` when nothing is left."""
    text = unicodedata.normalize("NFC", name)
    text = re.split(r"[/\\]", text)[-1]
    text = "".join(
        " " if c.isspace() else c
        for c in text
        if c.isspace() or unicodedata.category(c) not in {"Cc", "Cf", "Cs", "Co"}
    )
    text = _SPACES.sub(" ", _RESERVED.sub("_", text)).strip()
    text = text.lstrip(". ").rstrip(". ")
    if len(text) > MAX_FILENAME:
        stem, dot, ext = text.rpartition(".")
        if dot and 0 < len(ext) <= 16 and stem:
            text = stem[: MAX_FILENAME - len(ext) - 1].rstrip(". ") + "." + ext
        else:
            text = text[:MAX_FILENAME].rstrip(". ")
    return text or "attachment"


# --- content sniffing --------------------------------------------------------------------------

_MAGIC: Final = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"%PDF-", "application/pdf"),
)
# A header field at the very start: "Received: ...", "From: ...", "MIME-Version: ...".
_HEADER_LINE: Final = re.compile(rb"[!-9;-~]{1,76}:[ \t]")
_MARKUP_START: Final = re.compile(rb"\s*<")


def sniff(data: bytes, filename: str = "") -> str:
    """The content type the bytes show, from magic numbers; text is plain, CSV (by name) or
    an e-mail (``.eml`` that starts with a header); ``application/octet-stream`` otherwise.
    Markup (anything starting with ``<``: HTML, SVG, XML) is never text here."""
    for magic, content_type in _MAGIC:
        if data.startswith(magic):
            return content_type
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if not _is_text(data):
        return "application/octet-stream"
    if _MARKUP_START.match(data.removeprefix(b"\xef\xbb\xbf")):
        return "text/markup"
    lowered = filename.lower()
    if lowered.endswith(".eml") and _HEADER_LINE.match(data):
        return "message/rfc822"
    if lowered.endswith(".csv"):
        return "text/csv"
    return "text/plain"


def _is_text(data: bytes) -> bool:
    if not data or b"\x00" in data:
        return False
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    controls = sum(1 for c in text if unicodedata.category(c) == "Cc" and c not in "\t\r\n\f")
    return controls == 0


def judge(
    filename: str, declared_type: str | None, data: bytes, limits: AttachmentLimits
) -> Judged:
    """Sanitize, sniff and check one file against the limits and the allow-list."""
    name = sanitize_filename(filename)
    if not data:
        return Judged(name, "application/octet-stream", Refusal.EMPTY, "the file is empty")
    content_type = sniff(data, name)
    if len(data) > limits.max_bytes:
        return Judged(
            name,
            content_type,
            Refusal.TOO_LARGE,
            f"{len(data)} bytes; at most {limits.max_bytes} bytes per file",
        )
    if content_type not in ALLOWED_TYPES:
        allowed = "PNG, JPEG, GIF, WebP, PDF, plain text, CSV, e-mail (.eml)"
        return Judged(
            name,
            content_type,
            Refusal.TYPE_NOT_ALLOWED,
            f"the content is not an allowed type ({allowed})",
        )
    return Judged(name, content_type, None, None)


def too_many(name: str, limits: AttachmentLimits) -> Judged:
    return Judged(
        sanitize_filename(name),
        "application/octet-stream",
        Refusal.TOO_MANY_FILES,
        f"at most {limits.max_files} files per message",
    )
