"""TRUSTDESK_SMTP_LISTEN: HOST:PORT, checked when settings load."""

from __future__ import annotations

import pytest
from pydantic import SecretStr, ValidationError

from trustdesk.settings import Settings
from trustdesk.support.mail.endpoint import parse_host_port


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("127.0.0.1:2525", ("127.0.0.1", 2525)),
        ("0.0.0.0:25", ("0.0.0.0", 25)),
        ("[::1]:2525", ("::1", 2525)),
        ("mx.trustdesk.example:25", ("mx.trustdesk.example", 25)),
        (" localhost:10025 ", ("localhost", 10025)),
    ],
)
def test_valid(value: str, expected: tuple[str, int]) -> None:
    assert parse_host_port(value) == expected


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("localhost", "expected HOST:PORT"),
        (":25", "expected HOST:PORT"),
        ("host:", "expected HOST:PORT"),
        ("host:port", "expected HOST:PORT"),
        ("host:0", "the port must be 1-65535"),
        ("host:70000", "the port must be 1-65535"),
        ("::1:25", "put an IPv6 host in brackets"),
        ("[127.0.0.1]:25", "is not an IPv6 address"),
        ("bad_host:25", "is not a host name or address"),
        ("host:２５", "expected HOST:PORT"),
    ],
)
def test_invalid(value: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_host_port(value)


def test_settings_name_the_variable() -> None:
    with pytest.raises(ValidationError) as caught:
        Settings(smtp_listen="localhost")
    assert "TRUSTDESK_SMTP_LISTEN: expected HOST:PORT" in str(caught.value)
    assert Settings(smtp_listen="").smtp_listen is None
    assert Settings(smtp_listen=" 127.0.0.1:2525").smtp_listen == "127.0.0.1:2525"


def test_plain_imap_is_refused_in_prod_only() -> None:
    assert Settings(imap_host="127.0.0.1", imap_security="none").imap_security == "none"
    with pytest.raises(ValidationError, match="TRUSTDESK_IMAP_SECURITY=none"):
        Settings(
            env="prod",
            hash_pepper=SecretStr("p" * 32),
            secret_keys=SecretStr("k1:" + "A" * 43),
            stepup_signing_key=SecretStr("B" * 43),
            imap_host="imap.example.com",
            imap_security="none",
        )
