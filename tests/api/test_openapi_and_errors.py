"""The published schema, and what a client sees when the server itself fails."""

from __future__ import annotations

from dataclasses import fields

from structlog.testing import capture_logs

from tests.api.conftest import Api, TestClient, assert_problem, body
from trustdesk.bootstrap import Container
from trustdesk.risk.model import Assessment
from trustdesk.risk.schemas import AssessmentIn
from trustdesk.web.app import create_app


def test_openapi_lists_the_assessment_route_with_its_schemas(api: Api) -> None:
    spec = api.client.get("/openapi.json").json()
    post = spec["paths"]["/v1/assessments"]["post"]
    assert post["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/AssessmentIn"
    }
    created = post["responses"]["200"]["content"]["application/json"]["schema"]
    assert created == {"$ref": "#/components/schemas/AssessmentOut"}
    assert {"400", "401", "403", "409", "413", "422"} <= set(post["responses"])
    schema = spec["components"]["schemas"]["AssessmentIn"]
    assert sorted(schema["required"]) == ["account_id", "amount", "asset", "chain", "destination"]
    assert schema["additionalProperties"] is False
    assert "get" in spec["paths"]["/v1/assessments/{assessment_id}"]


class _Broken(Container):
    def assess(self, body: AssessmentIn, actor: str, request_id: str | None = None) -> Assessment:
        raise RuntimeError("secret-internal-detail at /srv/trustdesk/db.py line 42")


def test_a_500_carries_the_request_id_and_no_traceback(api: Api) -> None:
    broken = _Broken(**{f.name: getattr(api.container, f.name) for f in fields(api.container)})
    with (
        capture_logs() as logs,
        TestClient(create_app(broken), raise_server_exceptions=False) as client,
    ):
        response = client.post(
            "/v1/assessments", json=body(), headers=api.auth() | {"X-Request-Id": "req-500-a"}
        )
    problem = assert_problem(response, 500, "server.internal")
    assert problem["request_id"] == "req-500-a"
    assert "secret-internal-detail" not in response.text
    assert "RuntimeError" not in response.text
    assert api.stored() == (0, 0)
    # The traceback goes to the log, under the id the client was given.
    [logged] = [e for e in logs if e["event"] == "unhandled_error"]
    assert logged["request_id"] == "req-500-a"
    assert logged["exc_info"] is True
