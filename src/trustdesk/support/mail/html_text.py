"""Readable text from an HTML mail body, with the stdlib HTML parser.

Scripts, styles and the head are dropped; block elements become line breaks; links keep
their text. For the reply part, everything from the first quoted-history container on
(Gmail's ``gmail_quote``, Outlook's ``divRplyFwdMsg``, Thunderbird's cite prefix, a
``blockquote type=cite``, Yahoo's ``yahoo_quoted``) is left out.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

_SKIP = frozenset({"script", "style", "head", "title", "template", "noscript"})
_VOID = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}
)
_BLOCK = frozenset(
    {
        "address", "article", "aside", "blockquote", "dd", "div", "dl", "dt", "fieldset",
        "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header",
        "hr", "li", "main", "nav", "ol", "p", "pre", "section", "table", "tr", "ul",
    }
)  # fmt: skip
_QUOTE_CLASSES = frozenset({"gmail_quote", "gmail_extra", "yahoo_quoted", "moz-cite-prefix"})
_QUOTE_IDS = frozenset({"divrplyfwdmsg", "appendonsend", "olk_src_body_section"})
_SPACES = re.compile(r"[ \t\r\n\f\u00a0]+")


class _Extractor(HTMLParser):
    def __init__(self, reply_only: bool) -> None:
        super().__init__(convert_charrefs=True)
        self.reply_only = reply_only
        self.parts: list[str] = []
        self.skipping: list[str] = []  # open skipped elements (script, style, …)
        self.pre = 0
        self.cut = False  # reached quoted history (reply_only)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.cut:
            return
        if self.reply_only and _is_quote(tag, dict(attrs)):
            self.cut = True
            return
        if tag in _SKIP:
            self.skipping.append(tag)
        elif tag == "br":
            self.parts.append("\n")
        elif tag in _BLOCK:
            self.parts.append("\n")
            if tag == "li":
                self.parts.append("- ")
            if tag == "pre":
                self.pre += 1
        elif tag in ("td", "th"):
            self.parts.append(" ")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in _VOID:
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if self.cut:
            return
        if self.skipping:
            if tag in self.skipping:
                while self.skipping.pop() != tag:
                    pass
            return
        if tag in _BLOCK:
            self.parts.append("\n")
            if tag == "pre" and self.pre:
                self.pre -= 1

    def handle_data(self, data: str) -> None:
        if self.cut or self.skipping:
            return
        self.parts.append(data if self.pre else _SPACES.sub(" ", data))


def _is_quote(tag: str, attrs: dict[str, str | None]) -> bool:
    classes = set((attrs.get("class") or "").lower().split())
    if classes & _QUOTE_CLASSES or (attrs.get("id") or "").lower() in _QUOTE_IDS:
        return True
    return tag == "blockquote" and (attrs.get("type") or "").lower() == "cite"


def html_to_text(html: str, *, reply_only: bool = False) -> str:
    """The text a person reads in the HTML; ``reply_only`` stops at the quoted history."""
    parser = _Extractor(reply_only)
    parser.feed(html)
    parser.close()
    lines = (line.strip() for line in "".join(parser.parts).split("\n"))
    text = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip()
