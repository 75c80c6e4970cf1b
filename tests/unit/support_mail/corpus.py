"""Raw test mails, written as the wire carries them (CRLF line ends)."""

from __future__ import annotations


def mail(*lines: str | bytes) -> bytes:
    """Join header and body lines with CRLF; str lines are ASCII, bytes go as they are."""
    return b"\r\n".join(line if isinstance(line, bytes) else line.encode("ascii") for line in lines)


GBK_MAIL = mail(
    "Return-Path: <jose@example.com>",
    "From: =?ISO-8859-1?Q?Jos=E9?= =?ISO-8859-1?Q?_P=E9rez?= <Jose.Perez@Example.COM>",
    "To: Support <support@trustdesk.example>, =?GBK?B?v823/g==?= <KEFU@trustdesk.example>",
    "Cc: audit@example.org",
    "Subject: =?GBK?B?zOHP1sO7tb3Vyw==?= [#TD-7K2M9Q]",
    "Date: Sun, 01 Mar 2026 10:15:00 +0800",
    "Message-ID: <CAF=abc123@mail.example.com>",
    "In-Reply-To: <td-reply-1@trustdesk.example>",
    "References: <root@mail.example.com>",
    "  <td-reply-1@trustdesk.example>",
    "MIME-Version: 1.0",
    "Content-Type: text/plain; charset=GBK",
    "Content-Transfer-Encoding: base64",
    "",
    "xPq6w6OsztK1xMzhz9a7ucO709C1vdXLoaMNCr270te5/s+jo7oweGFiYw0K",
    "",
)
GBK_BODY = "您好，我的提现还没有到账。\r\n交易哈希：0xabc\r\n"

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"  # a PDF's first bytes, binary included
PDF_B64 = "JVBERi0xLjQKJeLjz9MK"

ATTACHMENTS_MAIL = mail(
    "From: ana@example.co.id",
    "To: support@trustdesk.example",
    "Subject: receipts",
    "Message-ID: <att-1@example.co.id>",
    "MIME-Version: 1.0",
    'Content-Type: multipart/mixed; boundary="b1"',
    "",
    "--b1",
    "Content-Type: text/plain; charset=utf-8",
    "",
    "Receipts attached.",
    "--b1",
    "Content-Type: application/pdf",
    "Content-Disposition: attachment;",
    " filename*0*=UTF-8''%E6%94%B6%E6%8D;",
    " filename*1*=%AE%202026.pdf",
    "Content-Transfer-Encoding: base64",
    "",
    PDF_B64,
    "--b1",
    "Content-Type: application/pdf",
    "Content-Disposition: attachment; filename*=iso-8859-1''%DCbersicht%20M%E4rz.pdf",
    "Content-Transfer-Encoding: base64",
    "",
    PDF_B64,
    "--b1",
    "Content-Type: application/pdf",
    'Content-Disposition: attachment; filename="=?UTF-8?B?5Zue5omnLnBkZg==?="',
    "Content-Transfer-Encoding: base64",
    "",
    PDF_B64,
    "--b1",
    'Content-Type: image/png; name="=?GBK?B?vdjNvA==?=.png"',
    "Content-Transfer-Encoding: base64",
    "",
    "iVBORw0KGgo=",
    "--b1",
    b'Content-Type: text/csv; name="\xe4\xba\xa4\xe6\x98\x93.csv"',
    b"Content-Disposition: attachment",
    b"",
    b"hash,amount",
    b"0xabc,1.5",
    b"--b1--",
    b"",
)
