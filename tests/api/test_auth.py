"""API keys on the assessment routes: missing, wrong, and lacking the scope."""

from __future__ import annotations

import pytest

from tests.api.conftest import Api, assert_problem, body


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Basic dXNlcjpwYXNz"},
        {"Authorization": "Bearer not-a-key"},
        {"Authorization": "Bearer td.key_unknown.secret"},
    ],
    ids=["missing", "basic", "garbage", "unknown-id"],
)
def test_without_a_valid_key_is_401(api: Api, headers: dict[str, str]) -> None:
    response = api.client.post("/v1/assessments", json=body(), headers=headers)
    assert_problem(response, 401, "auth.unauthorized")
    assert api.stored() == (0, 0)


def test_right_id_wrong_secret_is_401(api: Api) -> None:
    prefix, key_id, _secret = api.key.split(".")
    forged = f"{prefix}.{key_id}.{'A' * 43}"
    response = api.client.post("/v1/assessments", json=body(), headers=api.auth(forged))
    assert_problem(response, 401, "auth.unauthorized")
    assert api.stored() == (0, 0)


def test_key_without_assess_scope_is_403(api: Api) -> None:
    reader = api.new_key("lists:read")
    response = api.client.post("/v1/assessments", json=body(), headers=api.auth(reader))
    problem = assert_problem(response, 403, "auth.forbidden")
    assert "'assess'" in problem["detail"]
    assert api.stored() == (0, 0)


def test_get_needs_the_read_scope(api: Api) -> None:
    assess_only = api.new_key("assess")
    response = api.client.get("/v1/assessments/asm_x", headers=api.auth(assess_only))
    assert_problem(response, 403, "auth.forbidden")
    assert_problem(api.client.get("/v1/assessments/asm_x"), 401, "auth.unauthorized")


def test_an_unauthenticated_invalid_body_gets_401_not_field_details(api: Api) -> None:
    response = api.client.post("/v1/assessments", json=body(amount="-1", surprise=1))
    problem = assert_problem(response, 401, "auth.unauthorized")
    assert "field" not in problem
