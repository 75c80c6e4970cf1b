"""The new part of a reply: quoted history and the attribution lines before it go.

Cut at the first attribution or separator — "On … wrote:" (wrapped over up to three lines,
as Gmail does), "-----Original Message-----" and its translations, 在 … 写道：, Pada …
menulis:, an Outlook "From: … / Sent: …" header block — and drop every line that starts
with ">" from what is left (interleaved replies keep their new lines).
"""

from __future__ import annotations

import re

_JOIN = 3  # an attribution may be wrapped over this many lines
_ATTRIBUTION = [
    re.compile(r"^On\s.{0,400}\swrote\s*:$", re.IGNORECASE | re.DOTALL),
    re.compile(r"^.{0,400}(写道|寫道)\s*[:：]$", re.DOTALL),
    re.compile(r"^Pada\s.{0,400}\smenulis\s*:$", re.IGNORECASE | re.DOTALL),
    re.compile(r"^Le\s.{0,400}\sa écrit\s*:$", re.IGNORECASE | re.DOTALL),
    re.compile(r"^Am\s.{0,400}\sschrieb\s.{0,200}:$", re.IGNORECASE | re.DOTALL),
]
# Only an attribution's first line may run on to the next lines: opener words, or an address.
_OPENER = re.compile(r"^(On|Pada|Le|Am)(\s|$)|^(在|於)|[<@]", re.IGNORECASE)
_DATE_OR_ADDRESS = re.compile(r"\d|@")
_SEPARATOR = re.compile(
    r"^-{2,}\s*(Original Message|Pesan Asli|原始邮件|原始郵件|Ursprüngliche Nachricht"
    r"|Message d'origine|Mensaje original)\s*-{2,}$",
    re.IGNORECASE,
)
_HEADER_FROM = re.compile(r"^\*?(From|发件人|寄件者|Dari|Von|De)\*?\s*[:：]", re.IGNORECASE)
_HEADER_SENT = re.compile(
    r"^\*?(Sent|Date|发送时间|发送日期|日期|寄件日期|傳送時間|Dikirim|Tanggal|Gesendet|Envoyé)\*?\s*[:：]",
    re.IGNORECASE,
)
_RULE = re.compile(r"^_{10,}$")
_QUOTED = re.compile(r"^\s*>")


def strip_quoted(text: str) -> str:
    """The reply's own text, without quoted history; may be empty."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    cut = _first_history_line(lines)
    kept = [line.rstrip() for line in lines[:cut] if not _QUOTED.match(line)]
    return "\n".join(kept).strip("\n").strip()


def _first_history_line(lines: list[str]) -> int:
    for i, line in enumerate(lines):
        stripped = line.strip()
        if not stripped or _QUOTED.match(line):
            continue
        if _SEPARATOR.match(stripped) or _is_attribution(lines, i) or _is_header_block(lines, i):
            return _before_rule(lines, i)
    return len(lines)


def _is_attribution(lines: list[str], i: int) -> bool:
    """An attribution names a date or an address; a customer's own "… wrote:" does not."""
    joined = ""
    for line in lines[i : i + _JOIN]:
        if not line.strip() or (joined and _QUOTED.match(line)):
            break
        joined = f"{joined} {line.strip()}".strip()
        if _DATE_OR_ADDRESS.search(joined) and any(p.match(joined) for p in _ATTRIBUTION):
            return True
        if not _OPENER.search(joined):
            break
    return False


def _is_header_block(lines: list[str], i: int) -> bool:
    """Outlook's quoted header: a From line with a Sent/Date line within the next four."""
    if not _HEADER_FROM.match(lines[i].strip()):
        return False
    return any(_HEADER_SENT.match(line.strip()) for line in lines[i + 1 : i + 5])


def _before_rule(lines: list[str], i: int) -> int:
    """Also drop the "____" rule Outlook puts above its header block."""
    j = i - 1
    while j >= 0 and not lines[j].strip():
        j -= 1
    return j if j >= 0 and _RULE.match(lines[j].strip()) else i
