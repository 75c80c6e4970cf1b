"""Text from bytes in a declared charset, with the fallbacks real mail needs.

Mail in the wild labels GBK text as GB2312, Windows-1252 text as ISO-8859-1, CP932 as
Shift_JIS, and sometimes names charsets that do not exist or do not fit the bytes. We decode
with the label's superset first, then utf-8 → gb18030 → latin-1, and say so in a note.
Notes name charsets only, never content.
"""

from __future__ import annotations

import codecs

# Canonical codec name (as codecs.lookup spells it) → the superset mailers really mean.
_SUPERSETS: dict[str, tuple[str, ...]] = {
    "gb2312": ("gb18030",),
    "gbk": ("gb18030",),
    "big5": ("cp950", "big5hkscs"),
    "big5hkscs": ("big5hkscs", "cp950"),
    "shift_jis": ("cp932", "shift_jis"),
    "euc_kr": ("cp949",),
    "iso8859-1": ("cp1252", "latin-1"),
    "ascii": ("ascii",),
}
# Labels Python does not know, seen in real mail.
_ALIASES: dict[str, str] = {
    "x-gbk": "gbk",
    "gb_2312-80": "gb2312",
    "csgb2312": "gb2312",
    "x-gb2312": "gb2312",
    "x-big5": "big5",
    "windows-31j": "shift_jis",
    "x-sjis": "shift_jis",
    "x-euc-cn": "gb2312",
}
# Codecs that "decode" bytes by interpreting escapes or are not charsets at all.
_REFUSED = frozenset({"unicode-escape", "raw-unicode-escape", "idna", "punycode", "undefined"})
FALLBACKS: tuple[str, ...] = ("utf-8", "gb18030", "latin-1")


def codecs_for(declared: str | None) -> tuple[str, ...] | None:
    """The codecs to try for a declared charset, best first; None when it is unknown."""
    if not declared:
        return None
    label = declared.strip().strip('"').lower()
    label = _ALIASES.get(label, label)
    try:
        info = codecs.lookup(label)
    except (LookupError, ValueError):
        return None
    if not getattr(info, "_is_text_encoding", True) or info.name in _REFUSED:
        return None
    return _SUPERSETS.get(info.name, (info.name,))


def decode_bytes(data: bytes, declared: str | None, where: str) -> tuple[str, str | None]:
    """``(text, note)``: ``note`` is None when the declared charset (or, with none declared,
    ASCII or UTF-8) decoded the bytes; otherwise it says which fallback was used."""
    candidates = codecs_for(declared)
    if candidates:
        for name in candidates:
            try:
                return data.decode(name), None
            except UnicodeDecodeError:
                continue
    if declared is None:
        try:
            return data.decode("utf-8"), None
        except UnicodeDecodeError:
            pass
    for name in FALLBACKS:
        try:
            text = data.decode(name)
        except UnicodeDecodeError:
            continue
        return text, _note(where, declared, candidates is not None, name)
    raise AssertionError("latin-1 decodes every byte string")  # pragma: no cover


def _note(where: str, declared: str | None, known: bool, used: str) -> str:
    if declared is None:
        return f"{where}: no charset declared for 8-bit text; decoded as {used}"
    label = safe_label(declared)
    why = "does not fit the bytes" if known else "is unknown"
    return f"{where}: charset {label!r} {why}; decoded as {used}"


def safe_label(value: str) -> str:
    """A charset label fit for a note: printable ASCII, at most 40 characters."""
    return "".join(ch if ch.isascii() and ch.isprintable() else "?" for ch in value)[:40]
