"""The adapter's small parts: key derivation, the rate budget, reading Intuit's errors, config."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from sm2_adapters.quickbooks.api import fault_error
from sm2_adapters.quickbooks.config import QboConfig
from sm2_adapters.quickbooks.crypto import TokenCipher, derive_fernet_key
from sm2_adapters.quickbooks.limits import RequestBudget
from sm2_adapters.quickbooks.oauth import TokenRejected, oauth_error
from sm2_adapters.settings import Settings
from sm2_core.errors import IntegrationError


class TestCipher:
    def test_any_string_makes_a_fernet_key(self) -> None:
        """Short, long, non-ASCII: each secret derives a valid key, the same every time."""
        for secret in ("x", "é" * 500, "a normal secret"):
            key = derive_fernet_key(secret)
            assert key == derive_fernet_key(secret)
            Fernet(key)
        assert derive_fernet_key("a") != derive_fernet_key("b")

    def test_round_trip_and_a_wrong_key(self) -> None:
        """What one key seals, it opens; another key gets a clear, final error."""
        sealed = TokenCipher("k1").encrypt("AB11refresh")
        assert ("AB11refresh", False) == (TokenCipher("k1").decrypt(sealed), "AB11" in sealed)
        with pytest.raises(IntegrationError, match="SM2_SECRET_KEY") as caught:
            TokenCipher("k2").decrypt(sealed)
        assert not caught.value.transient
        assert "k1" not in repr(TokenCipher("k1"))


class TestBudget:
    def test_waits_for_the_oldest_request_to_leave_the_window(self) -> None:
        """Three a minute: the fourth waits until the first is a minute old."""
        now = [0.0]
        slept: list[float] = []

        def sleep(seconds: float) -> None:
            slept.append(seconds)
            now[0] += seconds

        budget = RequestBudget(3, 60.0, monotonic=lambda: now[0], sleep=sleep)
        for at in (0.0, 10.0, 20.0):
            now[0] = at
            budget.acquire()
        now[0] = 30.0
        budget.acquire()
        assert ([30.0], 60.0) == (slept, now[0])


class TestIntuitErrors:
    def test_validation_fault(self) -> None:
        """Message, detail and code from Intuit's fault; final."""
        body = {
            "Fault": {
                "Error": [
                    {
                        "Message": "Duplicate Document Number Error",
                        "Detail": "Duplicate Document Number Error : 1001",
                        "code": "6140",
                    }
                ],
                "type": "ValidationFault",
            }
        }
        error = fault_error(400, json.dumps(body))
        assert (
            "QuickBooks: Duplicate Document Number Error: Duplicate Document Number Error : 1001",
            "6140",
            False,
        ) == (error.message, error.code, error.transient)

    @pytest.mark.parametrize("status", [429, 500, 502, 503, 504])
    def test_throttling_and_server_errors_are_transient(self, status: int) -> None:
        """Whatever the body says (even a code python-quickbooks calls validation), retry."""
        body = {"fault": {"error": [{"message": "ThrottleExceeded", "code": "3001"}]}}
        assert fault_error(status, json.dumps(body)).transient

    def test_a_body_that_is_not_a_fault(self) -> None:
        """An HTML error page still gives a usable error."""
        error = fault_error(502, "<html>Bad Gateway</html>")
        assert ("QuickBooks: HTTP 502", "502", True) == (error.message, error.code, error.transient)

    def test_oauth_errors(self) -> None:
        """invalid_grant is a rejection; invalid_client points at the settings; 5xx retries."""
        assert isinstance(oauth_error(400, b'{"error":"invalid_grant"}'), TokenRejected)
        assert "QBO_CLIENT_ID" in oauth_error(401, b'{"error":"invalid_client"}').message
        assert oauth_error(503, b"down").transient
        assert not oauth_error(400, b'{"error":"invalid_request"}').transient


class TestConfig:
    def test_off_without_credentials(self, tmp_path: Path) -> None:
        """No client id and secret, no QuickBooks."""
        assert QboConfig.from_settings(Settings(data_dir=tmp_path, qbo_client_id="x")) is None

    def test_intuits_own_urls_by_default(self, tmp_path: Path) -> None:
        """Production URLs for production, the callback under the public URL."""
        config = QboConfig.from_settings(
            Settings(
                data_dir=tmp_path,
                public_url="https://dispatch.example.com",
                qbo_client_id="id",
                qbo_client_secret="s",
                qbo_environment="production",
            )
        )
        assert config is not None
        assert (
            "https://quickbooks.api.intuit.com/v3",
            "production",
            "https://dispatch.example.com/api/integrations/quickbooks/callback",
        ) == (config.api_url, config.discovery, config.redirect_uri)
        assert "client_secret" not in repr(config)
