"""API keys on the assessment routes: missing, wrong, and lacking the scope."""

from __future__ import annotations

import pytest

from tests.api.conftest import Api, assert_problem, body
from trustdesk.auth.apikeys import revoke_api_key
from trustdesk.auth.key_cache import KeyCache


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


def test_a_revoked_key_works_until_the_cache_forgets_it(api: Api) -> None:
    """Each worker trusts a key it checked for api_key_cache_seconds (5 s by default)."""
    seconds = [1000.0]
    api.container.key_cache = KeyCache(5.0, now=lambda: seconds[0])
    key_id = api.key.split(".")[1]
    assert api.client.post("/v1/assessments", json=body(), headers=api.auth()).status_code == 201
    with api.container.session() as session:
        revoke_api_key(session, key_id, api.container.clock.now())
    seconds[0] += 4.9
    again = api.client.post("/v1/assessments", json=body(idempotency_key="k2"), headers=api.auth())
    assert again.status_code == 201
    seconds[0] += 0.1  # 5 s after the check: read again, and refused
    late = api.client.post("/v1/assessments", json=body(idempotency_key="k3"), headers=api.auth())
    assert_problem(late, 401, "auth.unauthorized")
    assert api.stored()[0] == 2


def test_the_cache_keeps_no_key_and_no_failure(api: Api) -> None:
    api.container.key_cache = cache = KeyCache(5.0)
    prefix, key_id, _secret = api.key.split(".")
    forged = f"{prefix}.{key_id}.{'A' * 43}"
    for _ in range(2):
        response = api.client.post("/v1/assessments", json=body(), headers=api.auth(forged))
        assert_problem(response, 401, "auth.unauthorized")
    assert len(cache) == 0
    reader = api.new_key("lists:read")  # a good key without the scope: cached, still 403
    for _ in range(2):
        response = api.client.post("/v1/assessments", json=body(), headers=api.auth(reader))
        assert_problem(response, 403, "auth.forbidden")
    assert len(cache) == 1
    assert reader not in repr(cache._entries)
