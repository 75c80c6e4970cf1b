"""Quoted-history stripping and HTML to text, line by line."""

from __future__ import annotations

import pytest

from trustdesk.support.mail.html_text import html_to_text
from trustdesk.support.mail.quote import strip_quoted


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("New text\r\n\r\nOn Mon, 2 Mar 2026, Bob <b@x.io> wrote:\r\n> old", "New text"),
        ("Baru\n\nPada 2 Mar 2026, Bob <b@x.io> menulis:\n> lama", "Baru"),
        ("新内容\n\n在 2026年3月2日，Bob <b@x.io> 写道：\n> 旧", "新内容"),
        ("新內容\n\n於 2026年3月2日，Bob <b@x.io> 寫道：\n> 舊", "新內容"),
        ("新内容\n\nBob <b@x.io> 于2026年3月2日周一 10:00写道：\n> 旧", "新内容"),
        ("Ok\n\n-----Original Message-----\nFrom: x\nold", "Ok"),
        ("Oke\n\n-----Pesan Asli-----\nDari: x\nlama", "Oke"),
        ("好的\n\n------------------ 原始邮件 ------------------\n发件人: x", "好的"),
        ("Done\n\nFrom: Support <s@x.io>\nSent: Monday\nTo: me\n\nold", "Done"),
        ("好\n\n发件人: 客服 <s@x.io>\n发送时间: 2026年3月2日 10:00\n收件人: 我", "好"),
        ("Siap\n\nDari: Support <s@x.io>\nDikirim: Senin\n\nlama", "Siap"),
    ],
)
def test_history_is_cut(text: str, expected: str) -> None:
    assert strip_quoted(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        # A customer's own words that look a little like attributions stay.
        "He wrote: send 1 ETH to get 2 back.\nIs that a scam?",
        "对方写道：\n把助记词发给我\n这是骗局吗？",
        "On second thought\nI wrote: nothing.",
        "From: my ledger\nthe balance is wrong",
    ],
)
def test_customer_text_that_resembles_history_is_kept(text: str) -> None:
    assert strip_quoted(text) == text


def test_only_history_leaves_nothing() -> None:
    assert strip_quoted("> quoted\n> more\n") == ""


def test_html_blocks_lists_entities_and_pre() -> None:
    html = (
        "<p>Line&nbsp;one &amp; <a href='https://x.io'>link</a></p><p>Line two</p>"
        "<table><tr><td>a</td><td>b</td></tr></table><pre>  keep\n  lines</pre>"
        "<noscript>no</noscript><template><p>t</p></template>"
    )
    assert html_to_text(html) == "Line one & link\n\nLine two\n\na b\n\nkeep\nlines"


@pytest.mark.parametrize(
    "marker",
    [
        '<div class="gmail_quote">',
        '<div id="divRplyFwdMsg">',
        '<div id="appendonsend">',
        '<div class="moz-cite-prefix">',
        '<blockquote type="cite">',
        '<div class="yahoo_quoted">',
    ],
)
def test_html_reply_stops_at_quote_containers(marker: str) -> None:
    html = f"<div>New words</div>{marker}old words</div><p>more old</p>"
    assert html_to_text(html, reply_only=True) == "New words"
    assert html_to_text(html) == "New words\n\nold words\n\nmore old"


def test_broken_html_still_reads() -> None:
    assert html_to_text("<div><b>bold<i>both</div>tail<script>x") == "boldboth\ntail"
