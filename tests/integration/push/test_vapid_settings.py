"""Web Push settings: the VAPID key (configured in either form people have, or generated once
for development), the VAPID contact, and how long a pushed alert waits for its acknowledgement."""

from __future__ import annotations

import base64
import stat
from collections.abc import Callable
from pathlib import Path
from uuid import uuid4

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from integration.push.fake_push_service import PushService
from sm2_adapters.settings import Settings
from sm2_adapters.webpush import push_sender_from_settings
from sm2_core.errors import InvalidInput


def settings(tmp_path: Path, **env: str) -> Settings:
    return Settings.from_env(
        {"SM2_DATA_DIR": str(tmp_path / "data"), **env}, dotenv=tmp_path / "none"
    )


def public_key_of(key: ec.EllipticCurvePrivateKey) -> str:
    point = key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return base64.urlsafe_b64encode(point).rstrip(b"=").decode()


def raw_form(key: ec.EllipticCurvePrivateKey) -> str:
    """As ``web-push generate-vapid-keys`` prints a private key."""
    number = key.private_numbers().private_value.to_bytes(32, "big")
    return base64.urlsafe_b64encode(number).rstrip(b"=").decode()


def pem_form(key: ec.EllipticCurvePrivateKey, form: serialization.PrivateFormat) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM, form, serialization.NoEncryption()
    ).decode()


class TestConfiguredKey:
    @pytest.mark.parametrize(
        "form",
        [
            raw_form,
            lambda key: pem_form(key, serialization.PrivateFormat.PKCS8),
            lambda key: pem_form(key, serialization.PrivateFormat.TraditionalOpenSSL),
            # A .env file or a container setting holds one line: newlines written as \n.
            lambda key: pem_form(key, serialization.PrivateFormat.PKCS8).replace("\n", "\\n"),
        ],
        ids=["base64url", "pem-pkcs8", "pem-sec1", "pem-one-line"],
    )
    def test_each_form_gives_the_matching_public_key(
        self, tmp_path: Path, form: Callable[[ec.EllipticCurvePrivateKey], str]
    ) -> None:
        """Browsers subscribe with the public half of exactly the key that was configured."""
        key = ec.generate_private_key(ec.SECP256R1())

        configured = settings(tmp_path, SM2_VAPID_PRIVATE_KEY=form(key))

        assert public_key_of(key) == push_sender_from_settings(configured).public_key

    def test_a_configured_key_writes_nothing_to_the_data_dir(self, tmp_path: Path) -> None:
        key = raw_form(ec.generate_private_key(ec.SECP256R1()))

        push_sender_from_settings(settings(tmp_path, SM2_VAPID_PRIVATE_KEY=key))

        assert not (tmp_path / "data" / "secrets").exists()

    @pytest.mark.parametrize(
        "value",
        [
            "not a key",
            base64.urlsafe_b64encode(b"\x01" * 31).decode(),  # 31 bytes
            base64.urlsafe_b64encode(b"\xff" * 32).decode(),  # beyond the curve's order
            pem_form(ec.generate_private_key(ec.SECP384R1()), serialization.PrivateFormat.PKCS8),
            "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----",
        ],
        ids=["garbage", "short", "out-of-range", "p384", "broken-pem"],
    )
    def test_an_invalid_key_is_refused_at_start_without_being_repeated(
        self, tmp_path: Path, value: str
    ) -> None:
        with pytest.raises(InvalidInput, match="SM2_VAPID_PRIVATE_KEY") as raised:
            settings(tmp_path, SM2_VAPID_PRIVATE_KEY=value)

        assert value not in str(raised.value)

    def test_the_key_is_not_in_the_settings_repr(self, tmp_path: Path) -> None:
        key = raw_form(ec.generate_private_key(ec.SECP256R1()))

        assert key not in repr(settings(tmp_path, SM2_VAPID_PRIVATE_KEY=key))


class TestDevelopmentKey:
    def test_generated_once_and_reused(self, tmp_path: Path) -> None:
        """A restart keeps the key: browsers subscribed with it keep receiving."""
        first = push_sender_from_settings(settings(tmp_path)).public_key
        again = push_sender_from_settings(settings(tmp_path)).public_key

        assert first == again
        path = tmp_path / "data" / "secrets" / "vapid_private_key"
        assert 0o600 == stat.S_IMODE(path.stat().st_mode)

    def test_other_data_dirs_get_other_keys(self, tmp_path: Path) -> None:
        one = push_sender_from_settings(settings(tmp_path / "a")).public_key
        other = push_sender_from_settings(settings(tmp_path / "b")).public_key

        assert one != other

    async def test_the_generated_key_signs_pushes_browsers_accept(
        self, tmp_path: Path, push_service: PushService
    ) -> None:
        sender = push_sender_from_settings(settings(tmp_path))
        subscription, token = push_service.subscription(
            uuid4(), application_server_key=sender.public_key
        )

        outcome = await sender.push(subscription, {"job_code": "SM2-2025-001"}, ttl_seconds=60)

        assert outcome.accepted
        assert [{"job_code": "SM2-2025-001"}] == push_service.received(token)

    def test_a_damaged_key_file_is_named(self, tmp_path: Path) -> None:
        path = tmp_path / "data" / "secrets" / "vapid_private_key"
        path.parent.mkdir(parents=True)
        path.write_text("damaged")

        with pytest.raises(InvalidInput, match="vapid_private_key"):
            push_sender_from_settings(settings(tmp_path))


class TestSubject:
    def test_an_http_public_url_gives_a_local_contact(self, tmp_path: Path) -> None:
        assert "mailto:dispatch@localhost" == settings(tmp_path).vapid_subject

    def test_an_https_public_url_is_the_contact(self, tmp_path: Path) -> None:
        configured = settings(tmp_path, SM2_PUBLIC_URL="https://dispatch.example.com/")

        assert "https://dispatch.example.com" == configured.vapid_subject

    @pytest.mark.parametrize("subject", ["mailto:ops@example.com", "https://example.com/contact"])
    def test_a_configured_contact_wins(self, tmp_path: Path, subject: str) -> None:
        configured = settings(
            tmp_path, SM2_VAPID_SUBJECT=subject, SM2_PUBLIC_URL="https://dispatch.example.com"
        )

        assert subject == configured.vapid_subject

    @pytest.mark.parametrize("subject", ["ops@example.com", "http://example.com", "mailto:ops"])
    def test_anything_else_is_refused_at_start(self, tmp_path: Path, subject: str) -> None:
        with pytest.raises(InvalidInput, match="SM2_VAPID_SUBJECT"):
            settings(tmp_path, SM2_VAPID_SUBJECT=subject)


class TestAcknowledgementDelay:
    def test_a_minute_by_default(self, tmp_path: Path) -> None:
        assert 60.0 == settings(tmp_path).push_ack_seconds

    def test_read_in_seconds(self, tmp_path: Path) -> None:
        assert 2.5 == settings(tmp_path, SM2_PUSH_ACK_SECONDS="2.5").push_ack_seconds

    @pytest.mark.parametrize("value", ["0", "-5", "soon"])
    def test_a_delay_that_is_not_positive_is_refused(self, tmp_path: Path, value: str) -> None:
        with pytest.raises(InvalidInput, match="SM2_PUSH_ACK_SECONDS"):
            settings(tmp_path, SM2_PUSH_ACK_SECONDS=value)
