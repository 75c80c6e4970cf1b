"""RFC 2047 header decoding: charsets, splits, folding, malformed words, raw 8-bit bytes.

Every expected value is written out by hand and, where an encoded form is given, checked
against an independent path (base64 / quopri and ``bytes.decode``) before it is used.
"""

from __future__ import annotations

import base64
import quopri
from email.header import decode_header as stdlib_decode_header
from email.header import make_header

import pytest

from trustdesk.support.mail.charsets import codecs_for, decode_bytes
from trustdesk.support.mail.headers import decode_header, unfold


def decoded(raw: str) -> tuple[str, list[str]]:
    notes: list[str] = []
    return decode_header(raw, "subject", notes), notes


def b64(text: str) -> bytes:
    return base64.b64decode(text)


def stdlib(raw: str) -> str:
    """The standard library's reading, an independent implementation for simple cases."""
    return str(make_header(stdlib_decode_header(raw)))


# --- one charset each --------------------------------------------------------------------------


def test_gbk_base64_subject() -> None:
    assert b64("zOHP1sO7tb3Vyw==").decode("gbk") == "提现没到账"
    text, notes = decoded("=?GBK?B?zOHP1sO7tb3Vyw==?=")
    assert (text, notes) == ("提现没到账", [])
    assert text == stdlib("=?GBK?B?zOHP1sO7tb3Vyw==?=")


def test_gb2312_subject() -> None:
    assert b64("x66w/LG7tcE=").decode("gb2312") == "钱包被盗"
    assert decoded("=?gb2312?B?x66w/LG7tcE=?=") == ("钱包被盗", [])


def test_gb2312_label_on_gbk_text_decodes_as_the_superset() -> None:
    # 镕 (E9 46) is in GBK but not in GB2312: strict GB2312 cannot read this subject.
    data = b64("1uzpRrv5IMzhz9Y=")
    assert data.decode("gbk") == "朱镕基 提现"
    with pytest.raises(UnicodeDecodeError):
        data.decode("gb2312")
    assert decoded("=?GB2312?B?1uzpRrv5IMzhz9Y=?=") == ("朱镕基 提现", [])


def test_big5_subject() -> None:
    assert b64("peap9qWisdE=").decode("big5") == "交易失敗"
    assert decoded("=?big5?B?peap9qWisdE=?=") == ("交易失敗", [])
    assert decoded("=?Big5?B?peap9g==?= 12345") == ("交易 12345", [])


def test_shift_jis_subject() -> None:
    assert b64("kZeL4INHg4mBWw==").decode("shift_jis") == "送金エラー"
    assert decoded("=?Shift_JIS?B?kZeL4INHg4mBWw==?=") == ("送金エラー", [])


@pytest.mark.parametrize(
    ("raw", "charset", "expected"),
    [
        ("=?ISO-8859-1?Q?Jos=E9?=", "latin-1", "José"),
        ("=?iso-8859-2?Q?=A3=F3d=BC?=", "iso-8859-2", "Łódź"),
        ("=?ISO-8859-15?Q?Co=FBt_5_=A4?=", "iso-8859-15", "Coût 5 €"),
        ("=?windows-1252?Q?=93smart=94_=96_quotes?=", "cp1252", "“smart” – quotes"),
        ("=?utf-8?q?Pembayaran_gagal?=", "utf-8", "Pembayaran gagal"),
    ],
)
def test_q_encoded_single_byte_charsets(raw: str, charset: str, expected: str) -> None:
    encoded = raw.split("?")[3].replace("_", " ").encode()
    assert quopri.decodestring(encoded).decode(charset) == expected
    assert decoded(raw) == (expected, [])
    assert stdlib(raw) == expected


# --- several words, folding, splits ------------------------------------------------------------


def test_whitespace_between_adjacent_encoded_words_is_dropped() -> None:
    raw = "=?UTF-8?B?5Zue5omn?=   =?UTF-8?Q?_2026?="
    assert b64("5Zue5omn").decode() == "回执"
    assert decoded(raw) == ("回执 2026", [])
    assert stdlib(raw) == "回执 2026"


def test_whitespace_between_word_and_text_is_kept() -> None:
    assert decoded("Re: =?UTF-8?B?5Zue5omn?= please") == ("Re: 回执 please", [])


def test_utf8_split_mid_character_across_folded_words() -> None:
    # 钱包余额不对 is 18 bytes in UTF-8; the first word ends after 8, inside 余 (E4 BD 99).
    first, second = b64("6ZKx5YyF5L0="), b64("memineS4jeWvuQ==")
    assert len(first) == 8 and (first + second).decode() == "钱包余额不对"
    with pytest.raises(UnicodeDecodeError):
        first.decode("utf-8")
    raw = "=?UTF-8?B?6ZKx5YyF5L0=?=\r\n =?UTF-8?B?memineS4jeWvuQ==?= [#TD-7K2M9Q]"
    assert decoded(raw) == ("钱包余额不对 [#TD-7K2M9Q]", [])


def test_gbk_split_mid_character_across_words_in_b_and_q() -> None:
    # 提 = CC E1, 现 = CF D6: the first word carries CC E1 CF, the second D6 and the rest.
    assert b64("zOHP") == b"\xcc\xe1\xcf"
    raw = "=?gbk?B?zOHP?=\r\n\t=?GBK?Q?=D6=C3=BB=B5=BD=D5=CB?="
    assert b"\xcc\xe1\xcf\xd6\xc3\xbb\xb5\xbd\xd5\xcb".decode("gbk") == "提现没到账"
    assert decoded(raw) == ("提现没到账", [])


def test_words_in_different_charsets_are_decoded_apart() -> None:
    raw = "=?GBK?B?zOHP1sO7tb3Vyw==?= =?ISO-8859-1?Q?Jos=E9?="
    assert decoded(raw) == ("提现没到账José", [])


def test_unfolding() -> None:
    assert unfold("Payment\r\n failed\r\n\tagain") == "Payment failed again"
    assert decoded("Payment\r\n failed") == ("Payment failed", [])


# --- malformed, unknown, lying -----------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        "=?utf-8?X?abc?=",  # no such encoding
        "=?utf-8?B?@@@@?=",  # not base64
        "=?utf-8?B?QUJDR?=",  # base64 of impossible length
        "=?utf-8?B?5Zue",  # never closed
    ],
)
def test_malformed_encoded_word_is_left_as_written(raw: str) -> None:
    assert decoded(f"Help {raw} now") == (f"Help {raw} now", [])


def test_malformed_word_keeps_its_neighbours_decoded() -> None:
    raw = "=?UTF-8?B?5Zue5omn?= =?utf-8?B?@@?= =?UTF-8?B?5Zue5omn?="
    assert decoded(raw) == ("回执 =?utf-8?B?@@?= 回执", [])


def test_unknown_charset_falls_back_to_utf8_with_a_note() -> None:
    assert b64("5Zue5omn").decode("utf-8") == "回执"
    text, notes = decoded("=?x-klingon?B?5Zue5omn?=")
    assert text == "回执"
    assert notes == ["subject: charset 'x-klingon' is unknown; decoded as utf-8"]


def test_lying_charset_falls_back_to_gb18030_with_a_note() -> None:
    # GBK bytes declared as UTF-8: not valid UTF-8, valid GB18030.
    text, notes = decoded("=?UTF-8?B?zOHP1sO7tb3Vyw==?=")
    assert text == "提现没到账"
    assert notes == ["subject: charset 'utf-8' does not fit the bytes; decoded as gb18030"]


def test_lying_charset_last_resort_is_latin1() -> None:
    # 0xFF can start nothing in UTF-8 or GB18030.
    text, notes = decoded("=?utf-8?Q?Jos=E9=FF?=")
    assert text == "Joséÿ"
    assert notes == ["subject: charset 'utf-8' does not fit the bytes; decoded as latin-1"]


def test_codecs_that_are_not_charsets_are_unknown() -> None:
    for label in ("base64", "rot13", "unicode_escape", "undefined", "idna", "zz-top"):
        assert codecs_for(label) is None
    assert codecs_for("GB2312") == ("gb18030",)
    assert codecs_for("big5") == ("cp950", "big5hkscs")
    assert decode_bytes(b"\\u0041", "unicode_escape", "x") == (
        "\\u0041",
        "x: charset 'unicode_escape' is unknown; decoded as utf-8",
    )


# --- raw 8-bit headers -------------------------------------------------------------------------


def escaped(data: bytes) -> str:
    """A header value as the parser hands over raw bytes: ASCII with surrogate escapes."""
    return data.decode("ascii", "surrogateescape")


def test_raw_utf8_header() -> None:
    assert decoded(escaped("提现没到账 [#TD-AB12CD]".encode())) == ("提现没到账 [#TD-AB12CD]", [])


def test_raw_gbk_header_with_a_note() -> None:
    text, notes = decoded(escaped("提现没到账".encode("gbk")))
    assert text == "提现没到账"
    assert notes == ["subject: no charset declared for 8-bit text; decoded as gb18030"]


def test_raw_bytes_beside_an_encoded_word() -> None:
    raw = escaped(b"Re: " + "交易".encode() + b" =?ISO-8859-1?Q?Jos=E9?=")
    assert decoded(raw) == ("Re: 交易 José", [])
