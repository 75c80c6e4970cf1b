"""parse_mail on a corpus of real-world shapes, with exact expected values."""

from __future__ import annotations

import base64
import hashlib
import quopri
import random
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.unit.support_mail.corpus import ATTACHMENTS_MAIL, GBK_BODY, GBK_MAIL, PDF, mail
from trustdesk.support.mail.mime import Attachment
from trustdesk.support.mail.parse import REASONS, MailRejected, ParsedMail, parse_mail

LIMIT = 1024 * 1024


def parse(raw: bytes) -> ParsedMail:
    return parse_mail(raw, max_bytes=LIMIT)


def rejected(raw: bytes, max_bytes: int = LIMIT) -> str:
    with pytest.raises(MailRejected) as caught:
        parse_mail(raw, max_bytes=max_bytes)
    assert caught.value.reason_code in REASONS
    assert caught.value.code == f"mail.{caught.value.reason_code}"
    return caught.value.reason_code


def test_gbk_mail_every_field() -> None:
    assert (
        base64.b64decode("xPq6w6OsztK1xMzhz9a7ucO709C1vdXLoaMNCr270te5/s+jo7oweGFiYw0K").decode(
            "gbk"
        )
        == GBK_BODY
    )
    m = parse(GBK_MAIL)
    assert m.message_id == "<CAF=abc123@mail.example.com>"
    assert not m.message_id_synthetic
    assert m.in_reply_to == "<td-reply-1@trustdesk.example>"
    assert m.references == ("<root@mail.example.com>", "<td-reply-1@trustdesk.example>")
    assert m.subject == "提现没到账 [#TD-7K2M9Q]"
    assert m.ticket_ref == "TD-7K2M9Q"
    assert (m.from_address, m.from_name) == ("jose.perez@example.com", "José Pérez")
    assert m.to == ("support@trustdesk.example", "kefu@trustdesk.example")
    assert m.cc == ("audit@example.org",)
    assert m.date == datetime(2026, 3, 1, 10, 15, tzinfo=timezone(timedelta(hours=8)))
    assert m.date == datetime(2026, 3, 1, 2, 15, tzinfo=UTC)
    assert m.text == "您好，我的提现还没有到账。\n交易哈希：0xabc"
    assert m.reply_text == m.text
    assert (m.html, m.attachments, m.automated) == (None, (), False)
    assert (m.charset_notes, m.defects) == ((), ())
    assert (m.size, m.sha256) == (len(GBK_MAIL), hashlib.sha256(GBK_MAIL).hexdigest())


def test_attachment_filenames_rfc2231_encoded_words_and_raw_bytes() -> None:
    m = parse(ATTACHMENTS_MAIL)
    assert m.text == "Receipts attached."
    assert m.attachments == (
        Attachment("收据 2026.pdf", "application/pdf", PDF),  # RFC 2231 continuations, UTF-8
        Attachment("Übersicht März.pdf", "application/pdf", PDF),  # RFC 2231, ISO-8859-1
        Attachment("回执.pdf", "application/pdf", PDF),  # RFC 2047 in a quoted parameter
        Attachment("截图.png", "image/png", b"\x89PNG\r\n\x1a\n"),  # GBK word, then ".png"
        Attachment("交易.csv", "text/csv", b"hash,amount\r\n0xabc,1.5"),  # raw UTF-8 bytes
    )
    # The hand-written percent-encodings, read independently:
    assert bytes.fromhex("E694B6E68DAE").decode() == "收据"
    assert bytes.fromhex("DC").decode("latin-1") + "bersicht M" == "Übersicht M"


def test_attachment_filename_is_a_name_never_a_path() -> None:
    raw = mail(
        "From: a@example.com",
        'Content-Type: multipart/mixed; boundary="x"',
        "",
        "--x",
        'Content-Type: application/octet-stream; name="..\\..\\evil.exe"',
        "",
        "MZ",
        "--x",
        'Content-Disposition: attachment; filename="../../etc/passwd"',
        "",
        "root",
        "--x--",
    )
    assert [a.filename for a in parse(raw).attachments] == ["evil.exe", "passwd"]


def reply_mail(body: str, charset: str = "utf-8") -> bytes:
    return mail(
        "From: ana@example.co.id",
        "Subject: Re: withdrawal",
        f"Content-Type: text/plain; charset={charset}",
        "Content-Transfer-Encoding: 8bit",
        "",
        body.replace("\n", "\r\n").encode(charset),
    )


def test_reply_gmail_style_english() -> None:
    body = (
        "It arrived now, thanks!\n"
        "\n"
        "On Sun, 1 Mar 2026 at 10:15, Trustdesk Support <support@trustdesk.example>\n"
        "wrote:\n"
        "\n"
        "> Your withdrawal is on its way.\n"
        "> -- Support\n"
    )
    m = parse(reply_mail(body))
    assert m.reply_text == "It arrived now, thanks!"
    assert m.text == body.rstrip("\n")


def test_reply_chinese_xiedao() -> None:
    body = (
        "还是没有到账，请帮我查一下。\n"
        "\n"
        "在 2026年3月1日 星期日 10:15，Trustdesk 客服 <support@trustdesk.example> 写道：\n"
        "> 您的提现正在处理中。\n"
    )
    assert parse(reply_mail(body, "gbk")).reply_text == "还是没有到账，请帮我查一下。"


def test_reply_indonesian_menulis() -> None:
    body = (
        "Dana belum masuk ke dompet saya.\n"
        "\n"
        "Pada Min, 1 Mar 2026 pukul 10.15 Trustdesk Support <support@trustdesk.example>\n"
        "menulis:\n"
        "> Penarikan Anda sedang diproses.\n"
    )
    assert parse(reply_mail(body)).reply_text == "Dana belum masuk ke dompet saya."


def test_reply_outlook_header_block() -> None:
    body = (
        "Please close the ticket.\n"
        "\n"
        "________________________________\n"
        "From: Trustdesk Support <support@trustdesk.example>\n"
        "Sent: Sunday, March 1, 2026 10:15 AM\n"
        "To: Ana <ana@example.co.id>\n"
        "Subject: Re: withdrawal\n"
        "\n"
        "Your withdrawal is on its way.\n"
    )
    assert parse(reply_mail(body)).reply_text == "Please close the ticket."


def test_reply_original_message_separator_and_interleaved_quotes() -> None:
    body = (
        "> Which wallet did you use?\n"
        "The mobile one.\n"
        "> And the amount?\n"
        "0.5 ETH\n"
        "\n"
        "-----Original Message-----\n"
        "From: support@trustdesk.example\n"
        "Which wallet did you use? And the amount?\n"
    )
    assert parse(reply_mail(body)).reply_text == "The mobile one.\n0.5 ETH"


def test_html_only_mail_reads_as_text_and_drops_the_gmail_quote() -> None:
    html = (
        "<html><head><title>t</title><style>p {color: red}</style></head><body>"
        "<script>alert('x')</script>"
        '<div dir="ltr">Hi team,<br>my deposit of <b>0.5&nbsp;ETH</b> is missing.</div>'
        "<ul><li>tx: 0xabc</li><li>wallet: mobile</li></ul>"
        '<div class="gmail_quote"><div class="gmail_attr">On Sun, 1 Mar 2026, Support '
        "&lt;support@trustdesk.example&gt; wrote:<br></div>"
        '<blockquote class="gmail_quote">Please send the hash.</blockquote></div>'
        "</body></html>"
    )
    raw = mail(
        "From: Ana <ana@example.co.id>",
        "Subject: deposit",
        "Content-Type: text/html; charset=utf-8",
        "",
        html,
    )
    m = parse(raw)
    assert m.html == html
    assert (
        m.reply_text
        == "Hi team,\nmy deposit of 0.5 ETH is missing.\n\n- tx: 0xabc\n\n- wallet: mobile"
    )
    assert m.text == (
        "Hi team,\nmy deposit of 0.5 ETH is missing.\n\n- tx: 0xabc\n\n- wallet: mobile\n\n"
        "On Sun, 1 Mar 2026, Support <support@trustdesk.example> wrote:\n\n"
        "Please send the hash."
    )
    assert "alert" not in m.text and "color" not in m.text


def test_alternative_prefers_plain_and_keeps_html() -> None:
    raw = mail(
        "From: a@example.com",
        'Content-Type: multipart/alternative; boundary="alt"',
        "",
        "--alt",
        "Content-Type: text/plain; charset=us-ascii",
        "",
        "plain version",
        "--alt",
        "Content-Type: text/html; charset=us-ascii",
        "",
        "<p>html version</p>",
        "--alt--",
    )
    m = parse(raw)
    assert (m.text, m.html) == ("plain version", "<p>html version</p>")


def test_quoted_printable_iso_8859_1_body() -> None:
    raw = mail(
        "From: a@example.com",
        "Content-Type: text/plain; charset=ISO-8859-1",
        "Content-Transfer-Encoding: quoted-printable",
        "",
        "Ol=E1, o saque n=E3o chegou. Soft=",
        "break.",
    )
    assert parse(raw).text == "Olá, o saque não chegou. Softbreak."


def test_message_without_message_id_gets_a_stable_synthetic_one() -> None:
    raw = mail("From: a@example.com", "Subject: hi", "", "hello")
    first, second = parse(raw), parse(bytes(raw))
    expected = f"<{hashlib.sha256(raw).hexdigest()}@synthetic.trustdesk.invalid>"
    assert first.message_id == second.message_id == expected
    assert first.message_id_synthetic
    assert parse(raw + b"!").message_id != expected


def test_message_id_without_angle_brackets_is_normalized() -> None:
    raw = mail("From: a@example.com", "Message-ID:  abc.123@example.com ", "", "x")
    assert parse(raw).message_id == "<abc.123@example.com>"


def test_minus_zero_date_is_utc_and_a_bad_date_is_none() -> None:
    good = mail("From: a@example.com", "Date: Sun, 1 Mar 2026 10:15:00 -0000", "", "x")
    assert parse(good).date == datetime(2026, 3, 1, 10, 15, tzinfo=UTC)
    bad = parse(mail("From: a@example.com", "Date: next tuesday", "", "x"))
    assert bad.date is None and "date_unparseable" in bad.defects


def test_automated_mail_is_marked() -> None:
    for header in ("Auto-Submitted: auto-replied", "Precedence: bulk", "X-Autoreply: yes"):
        assert parse(mail("From: a@example.com", header, "", "x")).automated
    assert not parse(mail("From: a@example.com", "Auto-Submitted: no", "", "x")).automated


# --- rejections --------------------------------------------------------------------------------


def test_mail_without_from_is_rejected() -> None:
    assert rejected(mail("To: support@trustdesk.example", "Subject: hi", "", "x")) == "no_from"


@pytest.mark.parametrize("value", ["undisclosed", "<>", "Ana <ana at example.com>", ""])
def test_from_without_a_usable_address_is_rejected(value: str) -> None:
    assert rejected(mail(f"From: {value}", "", "x")) == "bad_from"


def test_two_megabytes_over_a_one_megabyte_limit_is_rejected() -> None:
    raw = mail("From: a@example.com", "", "x" * (2 * 1024 * 1024))
    assert rejected(raw, max_bytes=1024 * 1024) == "too_large"


def test_random_garbage_is_not_mail() -> None:
    garbage = random.Random(20260301).randbytes(4096)
    assert rejected(garbage) == "not_mail"
    assert rejected(b"") == "not_mail"


def test_base64_body_that_cannot_be_decoded_is_rejected() -> None:
    raw = mail(
        "From: a@example.com",
        "Content-Type: text/plain; charset=utf-8",
        "Content-Transfer-Encoding: base64",
        "",
        "QUJDR",  # 5 characters: no base64 string has that length
    )
    assert rejected(raw) == "undecodable_body"


def test_a_stray_control_character_does_not_make_text_binary() -> None:
    raw = mail("From: a@example.com", "Content-Type: text/plain", "", b"ok \x86 thanks")
    assert parse(raw).text == "ok \x86 thanks"


def test_binary_posing_as_text_is_rejected() -> None:
    raw = mail(
        "From: a@example.com", "Content-Type: text/plain", "", random.Random(7).randbytes(512)
    )
    assert rejected(raw) == "undecodable_body"


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=2048))
def test_any_bytes_give_a_mail_or_a_rejection(data: bytes) -> None:
    try:
        parsed = parse_mail(data, max_bytes=LIMIT)
    except MailRejected as exc:
        assert exc.reason_code in REASONS
    else:
        assert parsed.message_id.startswith("<") and parsed.message_id.endswith(">")


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_any_header_text_gives_a_mail_or_a_rejection(text: str) -> None:
    head = "".join(ch for ch in text if ch not in "\r\n").encode("utf-8", "surrogatepass")
    raw = b"From: a@example.com\r\nSubject: " + head + b"\r\nTo: " + head + b"\r\n\r\nbody"
    try:
        parse_mail(raw, max_bytes=LIMIT)
    except MailRejected as exc:
        assert exc.reason_code in REASONS


@pytest.mark.parametrize(
    ("subject", "ref"),
    [
        ("Re: x [#TD-7K2M9Q]", "TD-7K2M9Q"),
        ("Re: x [# td-7k2m9q ]", "TD-7K2M9Q"),  # a client that lower-cased the subject
        ("Re: x [TD-7K2M9Q]", None),
        ("Re: x [#TD-7K2M9]", None),
        ("Re: x #TD-7K2M9Q", None),
    ],
)
def test_ticket_ref_from_the_subject_token(subject: str, ref: str | None) -> None:
    assert parse(mail("From: a@example.com", f"Subject: {subject}", "", "x")).ticket_ref == ref


@pytest.mark.parametrize(
    ("charset", "cte", "text"),
    [
        ("big5", "8bit", "交易失敗，請協助"),
        ("Shift_JIS", "8bit", "送金エラーが発生しました"),
        ("iso-8859-2", "quoted-printable", "Łódź: wypłata nie dotarła"),
        ("windows-1252", "quoted-printable", "“smart” quotes – €5"),
        ("GB2312", "base64", "朱镕基 提现没到账"),  # GBK-only 镕 under a GB2312 label
        ("utf-8", "base64", "Saldo tidak sesuai 💸"),
    ],
)
def test_body_charsets_and_transfer_encodings(charset: str, cte: str, text: str) -> None:
    codec = "gbk" if charset == "GB2312" else charset
    data = text.encode(codec)
    if cte == "base64":
        payload = base64.b64encode(data)
    elif cte == "quoted-printable":
        payload = quopri.encodestring(data)
    else:
        payload = data
    raw = mail(
        "From: a@example.com",
        f"Content-Type: text/plain; charset={charset}",
        f"Content-Transfer-Encoding: {cte}",
        "",
        payload,
    )
    m = parse(raw)
    assert (m.text, m.charset_notes) == (text, ())


def test_body_in_a_lying_charset_is_read_with_a_note() -> None:
    raw = mail(
        "From: a@example.com",
        "Content-Type: text/plain; charset=utf-8",
        "",
        "提现没到账".encode("gbk"),
    )
    m = parse(raw)
    assert m.text == "提现没到账"
    assert m.charset_notes == ("body: charset 'utf-8' does not fit the bytes; decoded as gb18030",)


def test_raw_8bit_from_names() -> None:
    utf8 = parse(mail(b"From: \xe5\xbc\xa0\xe4\xb8\x89 <Zhang@Example.CN>", b"", b"x"))
    assert (utf8.from_name, utf8.from_address, utf8.charset_notes) == (
        "张三",
        "zhang@example.cn",
        (),
    )
    gbk = parse(mail(b"From: " + "张三".encode("gbk") + b" <zhang@example.cn>", b"", b"x"))
    assert gbk.from_name == "张三"
    assert gbk.charset_notes == (
        "from-name: no charset declared for 8-bit text; decoded as gb18030",
    )


def test_raw_8bit_text_under_a_quoted_printable_label() -> None:
    # Some mailers declare quoted-printable and send 8-bit bytes anyway.
    raw = mail(
        "From: a@example.com",
        "Content-Type: text/plain; charset=gbk",
        "Content-Transfer-Encoding: quoted-printable",
        "",
        "提现没到账 =41=3D".encode("gbk"),
    )
    assert parse(raw).text == "提现没到账 A="


def test_transfer_encoding_label_case_and_spacing() -> None:
    raw = mail(
        "From: a@example.com",
        "Content-Type: text/plain; charset=utf-8",
        "Content-Transfer-Encoding:  BASE64 ",
        "",
        base64.b64encode("回执".encode()),
    )
    assert parse(raw).text == "回执"


def test_absurd_mime_nesting_stops_at_a_depth() -> None:
    depth = 400
    parts = [
        f"--b{i}\r\nContent-Type: multipart/mixed; boundary=b{i + 1}\r\n\r\n" for i in range(depth)
    ]
    ends = [f"--b{i}--\r\n" for i in range(depth, -1, -1)]
    raw = (
        "From: a@example.com\r\nContent-Type: multipart/mixed; boundary=b0\r\n\r\n"
        + "".join(parts)
        + f"--b{depth}\r\nContent-Type: text/plain\r\n\r\nhi\r\n"
        + "".join(ends)
    ).encode()
    m = parse(raw)
    assert (m.text, m.defects) == ("", ("mime_too_deep",))


def test_forwarded_mail_is_kept_whole_as_an_attachment() -> None:
    raw = mail(
        "From: a@example.com",
        'Content-Type: multipart/mixed; boundary="x"',
        "",
        "--x",
        "Content-Type: text/plain",
        "",
        "see below",
        "--x",
        "Content-Type: message/rfc822",
        "",
        "From: scammer@example.net",
        "Subject: verify your wallet",
        "",
        "send your seed phrase",
        "--x--",
    )
    m = parse(raw)
    assert m.text == "see below"
    assert m.attachments == (
        Attachment(
            None,
            "message/rfc822",
            b"From: scammer@example.net\r\nSubject: verify your wallet\r\n\r\n"
            b"send your seed phrase",
        ),
    )
