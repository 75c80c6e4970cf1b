"""Rejected requests: exact code and field, and nothing written for any of them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from tests.api.conftest import GOOD_EVM, MAX_BYTES, Api, assert_problem, body

# GOOD_EVM with the case of its first letter flipped: valid hex, wrong EIP-55 checksum.
BAD_CHECKSUM = "0x5aaeb6053F3E94C9b9A09f33669435E7Ef1BeAed"


def test_malformed_json_is_400(api: Api) -> None:
    response = api.client.post(
        "/v1/assessments",
        content=b'{"account_id": "acct-1", "chain": ',
        headers=api.auth() | {"Content-Type": "application/json"},
    )
    assert_problem(response, 400, "input.malformed_json", "body")
    assert api.stored() == (0, 0)


@pytest.mark.parametrize(
    ("overrides", "code", "field"),
    [
        ({"chain": "dogechain-classic"}, "chains.unknown_chain", "chain"),
        ({"destination": BAD_CHECKSUM}, "chains.bad_checksum", "destination"),
        ({"destination": GOOD_EVM[:-2]}, "chains.malformed_address", "destination"),
        ({"amount": "-1"}, "input.invalid", "amount"),
        ({"amount": "0"}, "input.invalid", "amount"),
        ({"amount": 0.1}, "input.invalid", "amount"),
        ({"amount": "1e3"}, "input.invalid", "amount"),
        ({"amount": "1000000000000000"}, "input.invalid", "amount"),
        ({"amount": "0." + "1" * 19}, "input.invalid", "amount"),
        ({"context": {"ip": "300.1.2.3"}}, "input.invalid", "context.ip"),
        ({"context": {"country": "XX"}}, "input.invalid", "context.country"),
        ({"surprise": 1}, "input.invalid", "surprise"),
        ({"context": {"ip": "192.0.2.1", "extra": "x"}}, "input.invalid", "context.extra"),
        ({"account_id": ""}, "input.invalid", "account_id"),
    ],
    ids=[
        "unknown-chain",
        "bad-checksum",
        "short-address",
        "negative",
        "zero",
        "float",
        "exponent",
        "absurd",
        "too-many-decimals",
        "bad-ip",
        "bad-country",
        "extra-field",
        "extra-context-field",
        "empty-account",
    ],
)
def test_invalid_field_is_422_with_code_and_field(
    api: Api, overrides: dict[str, Any], code: str, field: str
) -> None:
    response = api.client.post("/v1/assessments", json=body(**overrides), headers=api.auth())
    assert_problem(response, 422, code, field)
    assert api.stored() == (0, 0)


def test_missing_field_is_named(api: Api) -> None:
    request = body()
    del request["destination"]
    response = api.client.post("/v1/assessments", json=request, headers=api.auth())
    problem = assert_problem(response, 422, "input.invalid", "destination")
    assert problem["errors"] == [{"field": "destination", "message": "Field required"}]


def _padded(size: int) -> bytes:
    """A valid request, padded with JSON whitespace to `size` bytes."""
    raw = json.dumps(body()).encode()
    return raw[:-1] + b" " * (size - len(raw)) + b"}"


def test_body_over_the_limit_is_413(api: Api) -> None:
    response = api.client.post(
        "/v1/assessments",
        content=_padded(MAX_BYTES + 1),
        headers=api.auth() | {"Content-Type": "application/json"},
    )
    problem = assert_problem(response, 413, "input.too_large", "body")
    assert problem["detail"] == f"the body may be at most {MAX_BYTES} bytes"
    assert response.headers["x-request-id"] == problem["request_id"]
    assert api.stored() == (0, 0)


def test_body_at_the_limit_is_accepted(api: Api) -> None:
    response = api.client.post(
        "/v1/assessments",
        content=_padded(MAX_BYTES),
        headers=api.auth() | {"Content-Type": "application/json"},
    )
    assert response.status_code == 201, response.text


def test_chunked_body_without_length_is_limited_too(api: Api) -> None:
    raw = _padded(MAX_BYTES * 4)

    def chunks() -> Iterator[bytes]:
        for start in range(0, len(raw), 1000):
            yield raw[start : start + 1000]

    response = api.client.post(
        "/v1/assessments",
        content=chunks(),
        headers=api.auth() | {"Content-Type": "application/json"},
    )
    assert "content-length" not in {k.lower() for k in response.request.headers}
    assert_problem(response, 413, "input.too_large", "body")
    assert api.stored() == (0, 0)


def test_non_numeric_content_length_is_refused(api: Api) -> None:
    response = api.client.post(
        "/v1/assessments",
        content=json.dumps(body()).encode(),
        headers=api.auth() | {"Content-Type": "application/json", "Content-Length": "12abc"},
    )
    assert_problem(response, 413, "input.too_large", "body")
    assert api.stored() == (0, 0)
