"""Header text: unfolding and RFC 2047 encoded-words, decoded the way mail really arrives.

Adjacent encoded-words in one charset are joined as bytes before decoding, so a multibyte
character split between two words (as many mailers fold long subjects) comes out whole;
whitespace between adjacent encoded-words is dropped (RFC 2047 §6.2). A malformed
encoded-word is kept as written. Raw 8-bit header bytes (the parser hands them over as
surrogate escapes) are decoded as UTF-8, else GB18030, else Latin-1, with a note.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass

from trustdesk.support.mail.charsets import decode_bytes

_ENCODED_WORD = re.compile(r"=\?([^?\s*]+)(?:\*[^?\s]*)?\?([BbQq])\?([^?\s]*)\?=")
_FOLD = re.compile(r"\r?\n[ \t]")
_BASE64 = re.compile(r"[A-Za-z0-9+/]*={0,2}")
_SURROGATES = re.compile(r"[\udc80-\udcff]")


@dataclass(frozen=True)
class _Word:
    charset: str
    data: bytes


def unfold(value: str) -> str:
    """RFC 5322 unfolding; a fold's whitespace becomes one space, stray line breaks go."""
    return _FOLD.sub(" ", value).replace("\r", "").replace("\n", "")


def has_raw_bytes(text: str) -> bool:
    return _SURROGATES.search(text) is not None


def raw_bytes(text: str) -> bytes:
    """The bytes behind a string the parser decoded as ASCII with surrogate escapes."""
    return text.encode("ascii", "surrogateescape")


def decode_raw_text(text: str, where: str, notes: list[str]) -> str:
    """Plain (non-encoded-word) header text, decoding any raw 8-bit bytes in it."""
    if not has_raw_bytes(text):
        return text
    decoded, note = decode_bytes(raw_bytes(text), None, where)
    if note:
        notes.append(note)
    return decoded


def decode_header(raw: str, where: str, notes: list[str]) -> str:
    """The text of a header value as a person should read it (unfolded, trimmed)."""
    raw = unfold(raw)
    pieces: list[str | _Word] = []
    pos = 0
    for match in _ENCODED_WORD.finditer(raw):
        word = _decode_word(match)
        between = raw[pos : match.start()]
        if word is None:  # malformed: keep as written, with what came before it
            pieces.append(between + match.group(0))
        else:
            if between and not (between.isspace() and pieces and isinstance(pieces[-1], _Word)):
                pieces.append(between)
            pieces.append(word)
        pos = match.end()
    pieces.append(raw[pos:])
    return "".join(_render(pieces, where, notes)).strip()


def _render(pieces: list[str | _Word], where: str, notes: list[str]) -> list[str]:
    out: list[str] = []
    pending: _Word | None = None
    for piece in [*pieces, ""]:
        if isinstance(piece, _Word) and pending and piece.charset == pending.charset:
            pending = _Word(pending.charset, pending.data + piece.data)
            continue
        if pending is not None:
            text, note = decode_bytes(pending.data, pending.charset, where)
            out.append(text)
            if note:
                notes.append(note)
            pending = None
        if isinstance(piece, _Word):
            pending = piece
        elif piece:
            out.append(decode_raw_text(piece, where, notes))
    return out


def _decode_word(match: re.Match[str]) -> _Word | None:
    charset, encoding, text = match.group(1).lower(), match.group(2).upper(), match.group(3)
    if has_raw_bytes(text):
        return None
    if encoding == "B":
        if _BASE64.fullmatch(text) is None or len(text.rstrip("=")) % 4 == 1:
            return None
        try:
            data = base64.b64decode(text.rstrip("=") + "=" * (-len(text.rstrip("=")) % 4))
        except binascii.Error:  # pragma: no cover - the pattern above rules it out
            return None
        return _Word(charset, data)
    return _Word(charset, _q_decode(text))


def _q_decode(text: str) -> bytes:
    """RFC 2047 "Q": "_" is a space, "=XX" a byte; a stray "=" is kept as is."""
    out = bytearray()
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "_":
            out.append(0x20)
        elif ch == "=" and _is_hex(text[i + 1 : i + 3]):
            out.append(int(text[i + 1 : i + 3], 16))
            i += 2
        else:
            out.extend(ch.encode("ascii", "replace"))
        i += 1
    return bytes(out)


def _is_hex(pair: str) -> bool:
    return len(pair) == 2 and all(c in "0123456789abcdefABCDEF" for c in pair)
