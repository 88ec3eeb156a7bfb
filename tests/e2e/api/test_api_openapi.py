"""GET /schema/openapi.json: a complete document a client generator can rely on."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from api_apps import WEB, bare_app
from litestar import Litestar
from litestar.testing import TestClient

METHODS = {"get", "post", "patch", "put", "delete"}
PUBLIC = {
    "/api/auth/login",
    "/api/system/health",
    "/webhooks/twilio/sms",
    "/webhooks/twilio/status",
    "/webhooks/quickbooks",
}
#: CONTRACT.md's endpoints, each (method, path as documented).
CONTRACT = {
    ("post", "/api/auth/login"), ("post", "/webhooks/twilio/sms"), ("get", "/api/jobs"),
    ("get", "/api/jobs/{job_id}"), ("patch", "/api/jobs/{job_id}"),
    ("post", "/api/jobs/{job_id}/verify"), ("post", "/api/jobs/{job_id}/cancel"),
    ("post", "/api/jobs/{job_id}/approve"), ("get", "/api/jobs/{job_id}/suggestions"),
    ("get", "/api/technician/jobs"), ("post", "/api/technician/jobs/{job_id}/accept"),
    ("post", "/api/technician/jobs/{job_id}/complete"), ("get", "/api/dealerships"),
    ("get", "/api/events"), ("get", "/api/system/health"), ("get", "/api/inbox"),
    ("post", "/webhooks/twilio/status"), ("post", "/webhooks/quickbooks"),
}  # fmt: skip
NOT_JSON = {"/api/events": ["text/event-stream"], "/webhooks/twilio/sms": ["text/xml"]}
KINDS = ("dealerships", "technicians", "services", "zones", "users", "rules")


@pytest.fixture(scope="module")
def doc() -> dict[str, Any]:
    with TestClient(bare_app(WEB)) as client:
        response = client.get("/schema/openapi.json")
    assert 200 == response.status_code
    return json.loads(response.text)  # type: ignore[no-any-return]


def operations(doc: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in doc["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                yield method, path, operation


def refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                yield value
            else:
                yield from refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from refs(value)


def schema_of(doc: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    """A schema with its $ref (or a oneOf of one $ref) followed."""
    while "$ref" in node or ("oneOf" in node and len(node["oneOf"]) == 1):
        node = node["oneOf"][0] if "oneOf" in node else node
        if "$ref" in node:
            node = doc["components"]["schemas"][node["$ref"].rsplit("/", 1)[-1]]
    return node


class TestDocument:
    def test_is_openapi_3_1(self, doc: dict[str, Any]) -> None:
        """The document is OpenAPI 3.1 with a title and a version."""
        assert doc["openapi"].startswith("3.1")
        assert ("SM2 Dispatch API", "1.0.0") == (doc["info"]["title"], doc["info"]["version"])

    def test_every_contract_endpoint_is_documented(self, doc: dict[str, Any]) -> None:
        """CONTRACT.md's endpoints and the admin resources are all in the document."""
        documented = {(m, p) for m, p, _ in operations(doc)}
        resources = {
            (m, p) for kind in KINDS for m, p in [("get", f"/api/{kind}"), ("post", f"/api/{kind}")]
        }
        assert set() == (CONTRACT | resources) - documented

    def test_every_operation_has_a_unique_operation_id(self, doc: dict[str, Any]) -> None:
        """Client generators name methods after operationId: one each, all different."""
        ids = [op.get("operationId") for _, _, op in operations(doc)]
        assert None not in ids
        assert len(ids) == len(set(ids))

    def test_every_reference_resolves(self, doc: dict[str, Any]) -> None:
        """Every $ref points at a schema the document defines."""
        names = set(doc["components"]["schemas"])
        assert set() == {r.rsplit("/", 1)[-1] for r in refs(doc)} - names


class TestSecurity:
    def test_a_bearer_scheme_is_declared(self, doc: dict[str, Any]) -> None:
        """components.securitySchemes.bearer is HTTP bearer with JWTs."""
        scheme = doc["components"]["securitySchemes"]["bearer"]
        assert ("http", "bearer", "JWT") == (
            scheme["type"],
            scheme["scheme"],
            scheme["bearerFormat"],
        )

    def test_every_private_operation_requires_the_bearer(self, doc: dict[str, Any]) -> None:
        """All operations but login, health and the webhook ask for the bearer token."""
        unguarded = {
            (m, p)
            for m, p, op in operations(doc)
            if p not in PUBLIC and {"bearer": []} not in op.get("security", [])
        }
        assert set() == unguarded

    def test_public_operations_ask_for_no_token(self, doc: dict[str, Any]) -> None:
        """Login, health and the webhook are documented without security."""
        assert [] == [p for m, p, op in operations(doc) if p in PUBLIC and op.get("security")]


class TestBodies:
    def test_json_request_bodies_have_schemas(self, doc: dict[str, Any]) -> None:
        """Each JSON request body names an object schema with properties."""
        for method, path, op in operations(doc):
            body = op.get("requestBody", {}).get("content", {}).get("application/json")
            if body is not None:
                schema = schema_of(doc, body["schema"])
                assert ("object", True) == (schema.get("type"), bool(schema.get("properties"))), (
                    method,
                    path,
                )

    def test_json_responses_have_schemas(self, doc: dict[str, Any]) -> None:
        """Each JSON success response names its schema (the stream and webhook: below)."""
        missing = []
        for method, path, op in operations(doc):
            if path in NOT_JSON:
                continue
            for status, response in op["responses"].items():
                content = response.get("content", {}).get("application/json")
                if status.startswith("2") and content is not None and not content.get("schema"):
                    missing.append((method, path, status))
        assert [] == missing

    def test_a_job_has_the_contract_fields(self, doc: dict[str, Any]) -> None:
        """The job schema lists CONTRACT.md's fields as required."""
        op = doc["paths"]["/api/jobs/{job_id}"]["get"]
        job = schema_of(doc, op["responses"]["200"]["content"]["application/json"]["schema"])
        wanted = {
            "id",
            "job_code",
            "tech_id",
            "vehicle_data",
            "urgency",
            "version",
            "audit_timeline",
        }
        assert set() == wanted - set(job["required"])

    def test_no_user_schema_has_a_password_hash(self, doc: dict[str, Any]) -> None:
        """No response schema carries a password or its hash."""
        for name, schema in doc["components"]["schemas"].items():
            if not name.endswith(("In", "Patch")):
                assert {"password", "password_hash"}.isdisjoint(schema.get("properties", {})), name


class TestWhatIsReallySent:
    def test_errors_are_documented_as_problem_documents(self, doc: dict[str, Any]) -> None:
        """Operations with input document their 4xx answers as application/problem+json."""
        undocumented = []
        for method, path, op in operations(doc):
            if not (op.get("parameters") or op.get("requestBody")):
                continue
            problems = [
                status
                for status, response in op["responses"].items()
                if status.startswith("4")
                and "application/problem+json" in response.get("content", {})
            ]
            if "422" not in problems:
                undocumented.append(f"{method.upper()} {path}")
        assert [] == undocumented

    def test_non_json_answers_have_their_media_types(self, doc: dict[str, Any]) -> None:
        """The event stream is documented as text/event-stream, the webhook's TwiML as XML."""
        documented = {
            path: list(doc["paths"][path][method]["responses"]["200"].get("content", {}))
            for path, method in (("/api/events", "get"), ("/webhooks/twilio/sms", "post"))
        }
        assert NOT_JSON == documented

    def test_health_documents_its_503(self, doc: dict[str, Any]) -> None:
        """The health check documents the 503 it sends when the database is down."""
        assert "503" in doc["paths"]["/api/system/health"]["get"]["responses"]


def test_the_document_needs_no_login() -> None:
    """Anyone may fetch the document."""
    app: Litestar = bare_app(WEB)
    with TestClient(app) as client:
        assert 200 == client.get("/schema/openapi.json").status_code
