"""The web form's checks, CSRF tokens and language choice, without a server."""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import UTC, datetime, timedelta

import pytest

from trustdesk.support.channels.webform import (
    FormFile,
    FormInput,
    ValidForm,
    csrf_refusal,
    csrf_token,
    is_spam,
    submission_key,
    to_inbound,
    validate,
)
from trustdesk.support.channels.webform_text import CATEGORIES, TEXT, choose_language, size_label
from trustdesk.support.model import Category, InboundAttachment

KEY = b"k" * 32
NOW = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
GOOD = FormInput(
    email=" Ana.Putri@Example.COM ",
    name="  Ana   Putri ",
    category="deposit_withdrawal_failure",
    subject="  提现没到账 ",
    message="您好，\r\n我的提现还没有到账。\r\n",
)


def test_a_good_form_is_cleaned() -> None:
    valid, errors = validate(GOOD, None, "en", 1024)
    assert errors == {}
    assert valid == ValidForm(
        email="Ana.Putri@Example.COM",
        name="Ana Putri",
        category="deposit_withdrawal_failure",
        subject="提现没到账",
        message="您好，\n我的提现还没有到账。",
        attachment=None,
    )


def test_every_field_at_fault_gets_its_own_message() -> None:
    given = FormInput(email="not-an-address", name="x" * 201, category="refund", message=" ")
    valid, errors = validate(given, FormFile("big.bin", "", b"x" * 2049), "en", 2048)
    assert valid is None
    assert errors == {
        "email": "Enter an e-mail address such as name@example.com.",
        "name": "This is too long (at most 200 characters).",
        "category": "Choose one of the categories.",
        "subject": "This field is required.",
        "message": "This field is required.",
        "attachment": "The file is too large (at most 2 KB).",
    }


def test_messages_come_in_the_page_language() -> None:
    _, errors = validate(FormInput(), None, "zh", 1024)
    assert errors == {
        "email": "此栏为必填项。",
        "category": "请选择一个问题类别。",
        "subject": "此栏为必填项。",
        "message": "此栏为必填项。",
    }
    _, errors = validate(FormInput(email="a@b"), None, "id", 1024)
    assert errors["email"] == "Masukkan alamat e-mail seperti nama@contoh.com."


def test_limits_are_exact() -> None:
    at_limit = FormInput(
        email="a@example.com", category="other", subject="s" * 300, message="m" * 20_000
    )
    assert validate(at_limit, None, "en", 10)[1] == {}
    over = FormInput(
        email="a@example.com", category="other", subject="s" * 301, message="m" * 20_001
    )
    assert validate(over, None, "en", 10)[1] == {
        "subject": "This is too long (at most 300 characters).",
        "message": "This is too long (at most 20000 characters).",
    }


def test_an_empty_file_input_is_no_attachment() -> None:
    assert validate(GOOD, FormFile("", "", b""), "en", 10)[0] == validate(GOOD, None, "en", 10)[0]
    valid, _ = validate(GOOD, FormFile("回执.pdf", "application/pdf", b"%PDF-1.7"), "en", 10)
    assert valid is not None
    assert valid.attachment == InboundAttachment("回执.pdf", "application/pdf", b"%PDF-1.7")


def test_the_honeypot() -> None:
    assert not is_spam(GOOD)
    assert is_spam(FormInput(website="http://spam.example"))


def test_the_submission_as_an_inbound_message() -> None:
    valid, _ = validate(
        FormInput(
            email="ana@example.com",
            category="kyc_rejected",
            subject="Re: [#td-7k2m9q] still rejected",
            message="Hello",
        ),
        None,
        "en",
        10,
    )
    assert valid is not None
    msg = to_inbound(valid, token="tok", received_at=NOW, language="id")
    assert (msg.channel, msg.sender_kind, msg.sender, msg.sender_name) == (
        "webform",
        "email",
        "ana@example.com",
        None,
    )
    assert (msg.subject, msg.body, msg.category, msg.language) == (
        "Re: [#td-7k2m9q] still rejected",
        "Hello",
        "kyc_rejected",
        "id",
    )
    assert msg.ticket_ref == "TD-7K2M9Q"
    assert msg.received_at == NOW
    assert msg.external_id == submission_key(valid, "tok")


def test_the_same_page_sent_twice_is_one_submission() -> None:
    valid, _ = validate(GOOD, None, "en", 10)
    assert valid is not None
    key = submission_key(valid, "1772355600.sig")
    expected = hashlib.sha256(
        b"1772355600.sig\x00Ana.Putri@Example.COM\x00"
        + "提现没到账".encode()
        + b"\x00"
        + "您好，\n我的提现还没有到账。".encode()
        + b"\x00\x00"
    ).hexdigest()[:48]
    assert key == f"webform:{expected}"
    other, _ = validate(FormInput(**{**GOOD.__dict__, "message": "another"}), None, "en", 10)
    assert other is not None
    assert submission_key(other, "1772355600.sig") != key
    assert submission_key(valid, "1772355601.sig") != key


def test_csrf_tokens() -> None:
    token = csrf_token(KEY, "nonce-1", NOW)
    mac = hmac.new(KEY, b"webform-csrf|1772355600|nonce-1", hashlib.sha256).digest()
    assert token == "1772355600." + base64.urlsafe_b64encode(mac).decode().rstrip("=")
    assert csrf_refusal(KEY, "nonce-1", token, NOW + timedelta(hours=2)) is None
    assert csrf_refusal(KEY, "nonce-1", token, NOW + timedelta(hours=2, seconds=1)) == "expired"
    assert csrf_refusal(KEY, "nonce-2", token, NOW) == "forged"  # another browser's cookie
    assert csrf_refusal(b"x" * 32, "nonce-1", token, NOW) == "forged"
    assert csrf_refusal(KEY, "nonce-1", token.replace("1772355600", "1772359200"), NOW) == "forged"
    assert csrf_refusal(KEY, "nonce-1", "1772355600", NOW) == "forged"
    assert csrf_refusal(KEY, "nonce-1", "٣.abc", NOW) == "forged"
    assert csrf_refusal(KEY, None, token, NOW) == "missing"
    assert csrf_refusal(KEY, "nonce-1", "", NOW) == "missing"
    future = csrf_token(KEY, "nonce-1", NOW + timedelta(minutes=5))
    assert csrf_refusal(KEY, "nonce-1", future, NOW) == "forged"


@pytest.mark.parametrize(
    ("asked", "accept", "chosen"),
    [
        ("zh", "id", "zh"),
        ("ZH-cn", None, "zh"),
        ("fr", "id-ID,id;q=0.9", "id"),
        (None, "zh-CN,zh;q=0.9,en;q=0.8", "zh"),
        (None, "en;q=0.5, zh-Hant;q=0.8", "zh"),
        (None, "fr-FR, in;q=0.7", "id"),
        (None, "de, fr", "en"),
        (None, "zh;q=0, id;q=0.1", "id"),
        (None, "en, zh", "en"),
        (None, "zh;q=abc", "en"),
        (None, None, "en"),
    ],
)
def test_language_choice(asked: str | None, accept: str | None, chosen: str) -> None:
    assert choose_language(asked, accept) == chosen


def test_every_language_has_every_text_and_category() -> None:
    assert set(TEXT["zh"]) == set(TEXT["en"]) == set(TEXT["id"])
    for language in ("en", "zh", "id"):
        assert list(CATEGORIES[language]) == [c.value for c in Category]
    assert (size_label(10 * 1024 * 1024), size_label(65536), size_label(100)) == (
        "10 MB",
        "64 KB",
        "100 B",
    )
