"""The client's address for throttling: the socket's peer, or what a trusted proxy says."""

from __future__ import annotations

from typing import Any

import pytest
from litestar.connection import ASGIConnection

from sm2_adapters.settings import Settings
from sm2_core.errors import InvalidInput
from sm2_web.clients import client_address, throttle_key
from sm2_web.config import WebConfig
from sm2_web.serve import web_config

PROXIES = WebConfig(
    jwt_secret="k" * 32, trusted_proxies=("10.0.0.0/8", "192.0.2.7")
).trusted_proxies


def connection(peer: str | None, *forwarded: str) -> ASGIConnection[Any, Any, Any, Any]:
    scope: dict[str, Any] = {
        "type": "http",
        "client": (peer, 5000) if peer else None,
        "headers": [(b"x-forwarded-for", value.encode()) for value in forwarded],
    }
    return ASGIConnection(scope)  # type: ignore[arg-type]


class TestClientAddress:
    @pytest.mark.parametrize(
        ("peer", "forwarded", "expected"),
        [
            ("203.0.113.5", (), "203.0.113.5"),
            ("203.0.113.5", ("198.51.100.1",), "203.0.113.5"),  # untrusted peer: header ignored
            ("10.1.2.3", ("198.51.100.1",), "198.51.100.1"),
            ("10.1.2.3", ("1.1.1.1, 198.51.100.1",), "198.51.100.1"),  # client wrote 1.1.1.1
            ("10.1.2.3", ("198.51.100.1, 10.9.9.9",), "198.51.100.1"),  # two proxies in a row
            ("10.1.2.3", ("198.51.100.1", "10.9.9.9"), "198.51.100.1"),  # one header per proxy
            ("192.0.2.7", ("10.0.0.1, 10.0.0.2",), "10.0.0.1"),  # all trusted: the leftmost
            ("10.1.2.3", ("198.51.100.1, garbage",), "10.1.2.3"),  # unreadable: stop there
            ("10.1.2.3", (), "10.1.2.3"),
            ("10.1.2.3", ("[2001:db8::1]:443",), "2001:db8::1"),
            ("10.1.2.3", ("198.51.100.1:5555",), "198.51.100.1"),
            ("::ffff:203.0.113.5", (), "203.0.113.5"),
            (None, (), "unknown"),
        ],
    )
    def test_address(self, peer: str | None, forwarded: tuple[str, ...], expected: str) -> None:
        assert expected == client_address(connection(peer, *forwarded), PROXIES)

    def test_without_trusted_proxies_the_header_means_nothing(self) -> None:
        assert "10.1.2.3" == client_address(connection("10.1.2.3", "198.51.100.1"), ())


class TestThrottleKey:
    def test_an_ipv4_address_is_itself(self) -> None:
        assert "203.0.113.5" == throttle_key("203.0.113.5")

    def test_an_ipv6_client_is_counted_by_its_64(self) -> None:
        """One subscriber holds a whole /64: rotating inside it escapes nothing."""
        assert throttle_key("2001:db8:1:2::1") == throttle_key("2001:db8:1:2:ffff::9")
        assert "2001:db8:1:2::/64" == throttle_key("2001:db8:1:2::1")


class TestTrustedProxiesSetting:
    def test_read_from_the_environment_and_handed_to_the_web_app(self, tmp_path: Any) -> None:
        """SM2_TRUSTED_PROXIES: comma-separated addresses and networks."""
        env = {"SM2_TRUSTED_PROXIES": " 10.0.0.0/8, 192.0.2.7 ,::1", "SM2_JWT_SECRET": "k" * 32}
        settings = Settings.from_env(env, dotenv=tmp_path / "none")
        assert ("10.0.0.0/8", "192.0.2.7/32", "::1/128") == settings.trusted_proxies
        assert settings.trusted_proxies == web_config(settings).trusted_proxies

    def test_unset_trusts_nobody(self, tmp_path: Any) -> None:
        assert () == Settings.from_env({}, dotenv=tmp_path / "none").trusted_proxies

    def test_a_typo_is_refused_at_start(self, tmp_path: Any) -> None:
        with pytest.raises(InvalidInput, match="SM2_TRUSTED_PROXIES"):
            Settings.from_env({"SM2_TRUSTED_PROXIES": "10.0.0.0/33"}, dotenv=tmp_path / "none")
