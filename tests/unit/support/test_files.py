"""Attachment names, sniffed types, the allow-list and the limits."""

from __future__ import annotations

import pytest

from trustdesk.support.files import AttachmentLimits, Refusal, judge, sanitize_filename, sniff

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(17)
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00"
GIF = b"GIF89a\x01\x00\x01\x00"
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 "
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"
EML = b"Received: from mx.example.com\r\nFrom: a@example.com\r\nSubject: hi\r\n\r\nbody\r\n"
LIMITS = AttachmentLimits(max_bytes=1000, max_files=5)


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("../../etc/passwd", "passwd"),
        ("..\\..\\windows\\system32\\cmd.exe", "cmd.exe"),
        ("/abs/path/receipt.pdf", "receipt.pdf"),
        ("..", "attachment"),
        ("", "attachment"),
        (".hidden", "hidden"),
        ("  screen shot\t\t1.png  ", "screen shot 1.png"),
        ("inv\x00oice\r\n.pdf", "invoice .pdf"),
        # U+202E (right-to-left override) would show "exe.pdf" as "fdp.exe".
        ("report\u202efdp.exe", "reportfdp.exe"),
        ('what?<is>:this|"*.txt', "what__is__this___.txt"),
        ("trailing dots...", "trailing dots"),
    ],
)
def test_sanitize_filename(given: str, expected: str) -> None:
    assert sanitize_filename(given) == expected


def test_a_long_name_keeps_its_extension() -> None:
    name = sanitize_filename("a" * 300 + ".pdf")
    assert name == "a" * 196 + ".pdf"
    assert len(name) == 200
    assert sanitize_filename("b" * 300) == "b" * 200


@pytest.mark.parametrize(
    ("data", "name", "expected"),
    [
        (PNG, "x.bin", "image/png"),
        (JPEG, "photo.png", "image/jpeg"),  # the bytes decide, not the name
        (GIF, "a.gif", "image/gif"),
        (WEBP, "a.webp", "image/webp"),
        (PDF, "a.pdf", "application/pdf"),
        (b"amount,asset\n1,ETH\n", "tx.csv", "text/csv"),
        (b"amount,asset\n1,ETH\n", "tx.txt", "text/plain"),
        ("héllo 你好\n".encode(), "note.txt", "text/plain"),
        (EML, "fwd.eml", "message/rfc822"),
        (EML, "fwd.txt", "text/plain"),
        (b"<html><script>alert(1)</script></html>", "page.txt", "text/markup"),
        (b'\xef\xbb\xbf  <svg xmlns="http://www.w3.org/2000/svg"/>', "img.png", "text/markup"),
        (b"MZ\x90\x00\x03\x00\x00\x00", "setup.pdf", "application/octet-stream"),
        (b"PK\x03\x04\x14\x00", "docs.zip", "application/octet-stream"),
        (b"\xff\xfe\x00\x00", "a.txt", "application/octet-stream"),
        (b"text with a \x07 bell", "a.txt", "application/octet-stream"),
        (b"RIFF\x24\x00\x00\x00WAVEfmt ", "a.webp", "application/octet-stream"),
    ],
)
def test_sniff(data: bytes, name: str, expected: str) -> None:
    assert sniff(data, name) == expected


def test_judge_accepts_what_is_allowed() -> None:
    verdict = judge("../../etc/passwd", "text/html", b"root:x:0:0:root:/root:/bin/bash\n", LIMITS)
    assert verdict.accepted
    assert (verdict.filename, verdict.content_type) == ("passwd", "text/plain")


def test_judge_refuses() -> None:
    big = judge("big.png", "image/png", PNG + bytes(1000), LIMITS)
    assert (big.refusal, big.detail) == (
        Refusal.TOO_LARGE,
        "1033 bytes; at most 1000 bytes per file",  # 33 bytes of PNG header + 1000
    )
    assert judge("ok.png", "image/png", PNG.ljust(1000, b"\x00"), LIMITS).accepted
    html = judge("page.html", "text/html", b"<!doctype html><p>hi", LIMITS)
    assert html.refusal is Refusal.TYPE_NOT_ALLOWED
    assert html.content_type == "text/markup"
    exe = judge("setup.exe", "application/pdf", b"MZ\x90\x00", LIMITS)
    assert exe.refusal is Refusal.TYPE_NOT_ALLOWED
    empty = judge("empty.txt", "text/plain", b"", LIMITS)
    assert (empty.refusal, empty.detail) == (Refusal.EMPTY, "the file is empty")
