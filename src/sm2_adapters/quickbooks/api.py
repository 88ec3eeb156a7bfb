"""The few QuickBooks Online calls invoicing needs, on python-quickbooks (synchronous: run it in
a worker thread).

python-quickbooks builds the URLs, ``minorversion``, ``requestid`` and bodies; the session under
it adds what it lacks: a timeout, Intuit's rate budget, UTF-8 query bodies, and one reading of
HTTP failures (429, 5xx and network errors are transient; faults say what Intuit refused).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import requests
from quickbooks.client import QuickBooks
from quickbooks.exceptions import QuickbooksException

from sm2_adapters.quickbooks.config import QboConfig
from sm2_adapters.quickbooks.limits import RequestBudget
from sm2_adapters.quickbooks.oauth import SYSTEM
from sm2_adapters.quickbooks.refresh import Grant
from sm2_core.errors import IntegrationError

#: Intuit's fault code for "Duplicate Name Exists Error" (a customer or item made meanwhile).
DUPLICATE_NAME = "6240"
#: Intuit's fault code for "Object Not Found": a record read by id that was deleted.
OBJECT_NOT_FOUND = "610"


class AccessRefused(IntegrationError):
    """HTTP 401: the access token was refused before its time; refresh and try once more."""

    def __init__(self) -> None:
        super().__init__(SYSTEM, "Intuit refused the access token", transient=True, code="401")


def fault_error(status: int, text: str) -> IntegrationError:
    """Intuit's fault document (``Fault`` or ``fault``, ``Error`` or ``error``) as our error."""
    message, code = _fault(text)
    transient = status == 429 or status >= 500
    return IntegrationError(
        SYSTEM, message or f"HTTP {status}", transient=transient, code=code or str(status)
    )


def _fault(text: str) -> tuple[str, str]:
    """The first error's "message: detail" and code; empty when the body is no fault."""
    try:
        body = json.loads(text)
    except ValueError:
        return "", ""
    errors = _lower(_lower(body).get("fault")).get("error")
    first = _lower(errors[0]) if isinstance(errors, list) and errors else {}
    message, detail = str(first.get("message") or ""), str(first.get("detail") or "")
    text = f"{message}: {detail}" if detail and detail != message else message
    return text, str(first.get("code") or "")


def _lower(value: object) -> dict[str, Any]:
    """Intuit spells the same document ``Fault``/``Error`` or ``fault``/``error``."""
    return {str(k).lower(): v for k, v in value.items()} if isinstance(value, dict) else {}


def _utf8_body(kwargs: dict[str, Any]) -> None:
    """Queries name "Lévis": send UTF-8 bytes and say so, whatever the HTTP stack's default
    (urllib3 1.x sent str bodies as Latin-1)."""
    data = kwargs.get("data")
    if isinstance(data, str):
        kwargs["data"] = data.encode("utf-8")
        headers = kwargs.setdefault("headers", {})
        headers["Content-Type"] = f"{headers.get('Content-Type', 'text/plain')}; charset=utf-8"


class _Session:
    """What python-quickbooks uses of a session: ``access_token`` and ``request``."""

    def __init__(self, access_token: str, budget: RequestBudget, timeout: float) -> None:
        self.access_token = access_token
        self._budget = budget
        self._timeout = timeout
        self._http = requests.Session()

    def request(self, method: str, url: str, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", self._timeout)
        _utf8_body(kwargs)
        self._budget.acquire()
        try:
            response = self._http.request(method, url, **kwargs)
        except requests.Timeout as exc:
            raise IntegrationError(
                SYSTEM, "Intuit timed out", transient=True, code="timeout"
            ) from exc
        except requests.RequestException as exc:
            raise IntegrationError(
                SYSTEM,
                f"Intuit is unreachable ({type(exc).__name__})",
                transient=True,
                code="network",
            ) from exc
        if response.status_code == 401:
            raise AccessRefused()
        if response.status_code != 200:
            raise fault_error(response.status_code, response.text)
        return response

    def close(self) -> None:
        self._http.close()


class QboApi:
    def __init__(self, config: QboConfig, grant: Grant, budget: RequestBudget) -> None:
        self._session = _Session(grant.access_token, budget, config.timeout)
        client = QuickBooks(company_id=grant.realm_id, minorversion=config.minor_version)
        client.session = self._session
        client.sandbox = config.environment == "sandbox"
        # Instance attributes shadow the class's Intuit URLs (SM2_QBO_API_URL).
        client.api_url_v3 = client.sandbox_api_url_v3 = config.api_url
        self._client = client

    def close(self) -> None:
        self._session.close()

    def find(self, entity: str, where: str) -> list[dict[str, Any]]:
        with _faults():
            result = self._client.query(f"SELECT * FROM {entity} WHERE {where}")
        found = result.get("QueryResponse", {}).get(entity, [])
        return list(found) if isinstance(found, list) else []

    def create(self, entity: str, body: dict[str, Any], *, request_id: str) -> dict[str, Any]:
        """Create once per ``request_id``: Intuit answers a repeat with the first result."""
        with _faults():
            result = self._client.create_object(entity, json.dumps(body), request_id=request_id)
        created = result.get(entity)
        if not isinstance(created, dict) or "Id" not in created:
            raise IntegrationError(SYSTEM, f"Intuit answered without the {entity}", transient=True)
        return created

    def read(self, entity: str, entity_id: str) -> dict[str, Any]:
        """One record by id; a deleted one is Intuit's fault 610 (``OBJECT_NOT_FOUND``)."""
        with _faults():
            result = self._client.get_single_object(entity, entity_id)
        found = result.get(entity)
        if not isinstance(found, dict) or "Id" not in found:
            raise IntegrationError(SYSTEM, f"Intuit answered without the {entity}", transient=True)
        return found

    def changes(self, entities: str, since: str) -> dict[str, Any]:
        """Intuit's change data capture: ``entities`` (comma-separated) changed from ``since``."""
        with _faults():
            result: dict[str, Any] = self._client.change_data_capture(entities, since)
        return result


@contextmanager
def _faults() -> Iterator[None]:
    """Faults python-quickbooks found in a 200 answer (or a body it could not read)."""
    try:
        yield
    except QuickbooksException as exc:
        code = int(exc.error_code or 0)
        message = f"{exc.message}: {exc.detail}" if exc.detail else str(exc.message)
        # Codes from 10000 are Intuit's system faults (and unreadable answers): try again later.
        raise IntegrationError(SYSTEM, message, transient=code >= 10000, code=str(code)) from exc
