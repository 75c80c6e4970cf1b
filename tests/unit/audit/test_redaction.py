from __future__ import annotations

import pytest

from trustdesk.audit.model import redact
from trustdesk.audit.redaction import is_secret_key


@pytest.mark.parametrize(
    "key",
    [
        "code",
        "CODE",
        "otp",
        "otp_code",
        "otpCode",
        "OTP-Code",
        "sms_code",
        "recovery_codes",
        "secret",
        "client_secret",
        "totpSecret",
        "password",
        "new_password",
        "password_hash",
        "passcode",
        "token",
        "access_token",
        "stepUpToken",
        "pin",
        "card_pin",
        "seed",
        "seed_phrase",
        "mnemonic",
        "private_key",
        "privateKey",
        "private_key_hex",
        "api_key",
        "X-Api-Key",
        "APIKey",
        "authorization",
        "Authorization",
        "authorization_header",
        "recovery_phrase",
        "otp_value",
        "cvv",
    ],
)
def test_secret_keys(key: str) -> None:
    assert is_secret_key(key)


@pytest.mark.parametrize(
    "key",
    [
        "country_code",
        "reason_codes",
        "error_code",
        "currency_code",
        "status_code",
        "api_key_id",
        "secret_id",
        "token_address",
        "public_key",
        "shipping",
        "opinion",
        "decision",
        "amount",
        "factor",
        "pinned",
        "seeded_at",
        "authorization_amount",
        "",
    ],
)
def test_ordinary_keys(key: str) -> None:
    assert not is_secret_key(key)


def test_redacts_at_any_depth_through_dicts_and_lists() -> None:
    payload = {
        "decision": "allow",
        "reason_codes": ["velocity.ok"],
        "challenge": {"factor": "sms", "Code": "123456", "meta": {"Password": {"x": 1}}},
        "attempts": [{"otp": "000000", "at": 1}, ["plain", {"api_key": "k"}]],
        "pair": ("a", {"token": "t"}),
        "secret": ["whole", "list"],
    }
    assert redact(payload) == {
        "decision": "allow",
        "reason_codes": ["velocity.ok"],
        "challenge": {"factor": "sms", "Code": "[redacted]", "meta": {"Password": "[redacted]"}},
        "attempts": [{"otp": "[redacted]", "at": 1}, ["plain", {"api_key": "[redacted]"}]],
        "pair": ["a", {"token": "[redacted]"}],
        "secret": "[redacted]",
    }


def test_redact_does_not_touch_its_input() -> None:
    payload = {"inner": {"pin": "1234"}}
    redact(payload)
    assert payload == {"inner": {"pin": "1234"}}
