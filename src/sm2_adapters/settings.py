"""Settings from the environment (CONTRACT.md's variables), read once by a driver, never at import.

A ``.env`` file in the working directory is read too; real environment variables win over it.
"""

from __future__ import annotations

import logging
import os
import secrets
from collections.abc import Callable, Mapping
from datetime import time
from ipaddress import ip_network
from pathlib import Path
from urllib.parse import urlsplit

import attrs

from sm2_core.errors import InvalidInput
from sm2_core.taxes import QUEBEC, TaxRate, parse_rates

log = logging.getLogger(__name__)


def _flag(value: str | None, default: bool) -> bool:
    if value is None or not value.strip():
        return default
    return value.strip().lower() not in ("0", "off", "false", "no")


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        raise InvalidInput(f"{name} must be a whole number, not {raw!r}") from None


def _seconds(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise InvalidInput(f"{name} must be a number of seconds, not {raw!r}") from None
    if not 0 <= value <= 3600:
        raise InvalidInput(f"{name} must be between 0 and 3600 seconds, not {raw!r}")
    return value


def _networks(raw: str | None) -> tuple[str, ...]:
    """SM2_TRUSTED_PROXIES: comma-separated addresses or networks, each checked here."""
    found = []
    for item in (raw or "").split(","):
        if item.strip():
            try:
                found.append(str(ip_network(item.strip(), strict=False)))
            except ValueError:
                raise InvalidInput(
                    f"SM2_TRUSTED_PROXIES: {item.strip()!r} is not an address or a network"
                ) from None
    return tuple(found)


def _positive_seconds(env: Mapping[str, str], name: str, default: float) -> float:
    value = _seconds(env, name, default)
    if value <= 0:
        raise InvalidInput(f"{name} must be more than 0 seconds")
    return value


def parse_vapid_private_key(text: str, *, source: str) -> str:
    """A P-256 private key given as the base64url of its 32 bytes (what ``web-push
    generate-vapid-keys`` prints) or as PEM (``vapid --gen``, ``openssl ecparam``), returned as
    the former: the one form the Web Push sender reads. InvalidInput names ``source`` and never
    repeats the value (it is a secret)."""
    import base64
    import binascii

    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    refused = InvalidInput(
        f"{source} must be a P-256 private key: the base64url of its 32 bytes, or PEM",
        fields={source: "not a P-256 private key"},
    )
    text = text.strip()
    key: ec.EllipticCurvePrivateKey
    try:
        if text.startswith("-----BEGIN"):
            # One-line forms (.env files, container settings) write the newlines as \n.
            pem = text.replace("\\n", "\n").encode()
            loaded = serialization.load_pem_private_key(pem, password=None)
            if not isinstance(loaded, ec.EllipticCurvePrivateKey) or not isinstance(
                loaded.curve, ec.SECP256R1
            ):
                raise refused
            key = loaded
        else:
            raw = base64.b64decode(text + "=" * (-len(text) % 4), altchars=b"-_", validate=True)
            if len(raw) != 32:
                raise refused
            key = ec.derive_private_key(int.from_bytes(raw, "big"), ec.SECP256R1())
    except (ValueError, TypeError, binascii.Error):
        raise refused from None
    number = key.private_numbers().private_value.to_bytes(32, "big")
    return base64.urlsafe_b64encode(number).rstrip(b"=").decode()


def new_vapid_private_key() -> str:
    """A fresh P-256 key, as ``parse_vapid_private_key`` returns them."""
    import base64

    from cryptography.hazmat.primitives.asymmetric import ec

    number = ec.generate_private_key(ec.SECP256R1()).private_numbers().private_value
    return base64.urlsafe_b64encode(number.to_bytes(32, "big")).rstrip(b"=").decode()


def _vapid_subject(subject: str | None, public_url: str) -> str:
    """Who push services contact about our pushes (RFC 8292 ``sub``): a mailto: or https: URI."""
    if subject is None:
        return public_url if urlsplit(public_url).scheme == "https" else "mailto:dispatch@localhost"
    parts = urlsplit(subject)
    if (parts.scheme == "mailto" and "@" in parts.path) or (
        parts.scheme == "https" and parts.netloc
    ):
        return subject
    raise InvalidInput(
        f"SM2_VAPID_SUBJECT must be a mailto: address or an https: URL, not {subject!r}",
        fields={"SM2_VAPID_SUBJECT": "not a mailto: or https: URI"},
    )


def _timezone(name: str | None) -> str:
    """An IANA zone name the machine knows (``America/Toronto``)."""
    if name is None:
        return "America/Toronto"
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(
            f"SM2_TIMEZONE must be a time zone name such as America/Toronto, not {name!r}",
            fields={"SM2_TIMEZONE": "unknown time zone"},
        ) from None
    return name


def _clock_time(text: str | None, source: str, default: time) -> time:
    if text is None:
        return default
    try:
        hours, minutes = (int(part) for part in text.split(":"))
        return time(hours, minutes)
    except ValueError:
        raise InvalidInput(
            f"{source} must be a time of day as HH:MM (06:30), not {text!r}",
            fields={source: "not HH:MM"},
        ) from None


def _blob_url(url: str | None) -> str | None:
    """SM2_BLOB_URL, checked now: a typo is reported at start, not at the first photo."""
    if url is None:
        return None
    from sm2_adapters.s3blobs import parse_blob_url

    parse_blob_url(url)
    return url


def _endpoint(url: str | None) -> str | None:
    if url is None:
        return None
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise InvalidInput(
            f"SM2_S3_ENDPOINT_URL must be an http(s):// URL, not {url!r}",
            fields={"SM2_S3_ENDPOINT_URL": "not an http(s) URL"},
        )
    return url.rstrip("/")


def _poll_minutes(env: Mapping[str, str]) -> int:
    """SM2_QBO_CDC_MINUTES: from every minute to once a day (QuickBooks keeps 30 days)."""
    minutes = _int(env, "SM2_QBO_CDC_MINUTES", 15)
    if not 1 <= minutes <= 1440:
        raise InvalidInput(
            f"SM2_QBO_CDC_MINUTES must be between 1 and 1440, not {minutes}",
            fields={"SM2_QBO_CDC_MINUTES": "out of range"},
        )
    return minutes


def _working_day_hours(raw: str | None) -> float:
    """SM2_WORKING_DAY_HOURS: a technician's working day in the reports, 1 to 24 hours."""
    if raw is None:
        return 8.0
    try:
        hours = float(raw)
    except ValueError:
        hours = -1.0
    if not 1 <= hours <= 24:
        raise InvalidInput(
            f"SM2_WORKING_DAY_HOURS must be a number of hours from 1 to 24, not {raw!r}",
            fields={"SM2_WORKING_DAY_HOURS": "not 1 to 24 hours"},
        )
    return hours


def _default_data_dir() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir("sm2", appauthor=False))


def read_dotenv(path: Path) -> dict[str, str]:
    """KEY=VALUE lines; blank lines and # comments skipped; quotes around a value removed."""
    if not path.is_file():
        return {}
    values: dict[str, str] = {}
    for line in path.read_text("utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.removeprefix("export ").partition("=")
        values[key.strip()] = value.strip().strip("'\"")
    return values


@attrs.frozen
class Settings:
    database_url: str | None = None
    data_dir: Path = attrs.field(factory=Path)
    public_url: str = "http://127.0.0.1:8000"
    jwt_secret: str | None = attrs.field(default=None, repr=False)
    secret_key: str | None = attrs.field(default=None, repr=False)
    cors_origins: tuple[str, ...] = ()
    trusted_proxies: tuple[str, ...] = ()
    """Networks (``10.0.0.0/8``, ``192.0.2.7/32``) whose X-Forwarded-For is believed."""
    twilio_account_sid: str | None = None
    twilio_auth_token: str | None = attrs.field(default=None, repr=False)
    twilio_from_number: str | None = None
    twilio_verify: bool = True
    twilio_api_url: str | None = None
    openai_api_key: str | None = attrs.field(default=None, repr=False)
    openai_base_url: str | None = None
    openai_model: str = "gpt-4o"
    openai_calls_per_hour: int = 30
    qbo_client_id: str | None = None
    qbo_client_secret: str | None = attrs.field(default=None, repr=False)
    qbo_redirect_uri: str | None = None
    qbo_environment: str = "sandbox"
    qbo_api_url: str | None = None
    qbo_discovery_url: str | None = None
    qbo_tax_code: str | None = None
    """The QuickBooks tax code on every invoice line (``SM2_QBO_TAX_CODE``): its Id or its
    name (``GST/QST QC - 9.975``); None sends lines without one."""
    worker_give_up_seconds: float = 600.0
    """How long a task worker waits for a lost database before its process exits (non-zero,
    for a supervisor to restart it)."""
    waiting_alert_seconds: float = 120.0
    """Health is ``degraded`` when a received text has waited longer than this for parsing."""
    blob_dir: Path | None = None
    """Where files are kept (texts' MMS photos, technicians' photos): ``SM2_BLOB_DIR``, else
    ``blobs`` in the data dir (``blobs_path``); unused when ``blob_url`` is set."""
    blob_url: str | None = None
    """``SM2_BLOB_URL``: ``s3://bucket/prefix`` keeps files in S3-compatible storage instead
    of the filesystem."""
    s3_endpoint_url: str | None = None
    """``SM2_S3_ENDPOINT_URL``: an S3-compatible store other than AWS's (MinIO, Ceph, R2)."""
    s3_region: str | None = None
    """``AWS_REGION`` (or ``AWS_DEFAULT_REGION``)."""
    aws_access_key_id: str | None = None
    aws_secret_access_key: str | None = attrs.field(default=None, repr=False)
    aws_session_token: str | None = attrs.field(default=None, repr=False)
    catalog_ttl_seconds: float = 2.0
    """How long a process parses with its copy of the services catalog before reading it
    again: the longest a change made by another process goes unseen by this one."""
    vapid_private_key: str | None = attrs.field(default=None, repr=False)
    """The Web Push signing key (base64url of the P-256 key's 32 bytes); None: a dev key is
    generated into the data dir (``effective_vapid_private_key``)."""
    vapid_subject: str = "mailto:dispatch@localhost"
    """The contact push services see in our VAPID tokens (``mailto:`` or ``https:``)."""
    push_ack_seconds: float = 60.0
    """How long an alert pushed to a technician's browser waits for its acknowledgement before
    the SMS goes instead."""
    timezone: str = "America/Toronto"
    """The company's time zone (``SM2_TIMEZONE``): the morning summary's day and hour."""
    summary_at: time = time(6, 30)
    """When technicians get the summary of their day (``SM2_MORNING_SUMMARY``, HH:MM local)."""
    qbo_webhook_verifier: str | None = attrs.field(default=None, repr=False)
    """Intuit's webhook verifier token (``SM2_QBO_WEBHOOK_VERIFIER``): None, the QuickBooks
    webhook answers 503 and payments are seen by the change poll alone."""
    qbo_cdc_minutes: int = 15
    """How often the change poll asks QuickBooks what changed (``SM2_QBO_CDC_MINUTES``)."""
    working_day_hours: float = 8.0
    tax_rates: tuple[TaxRate, ...] = QUEBEC
    """The sales taxes the invoice preview estimates (``SM2_TAX_RATES``, ``GST=5;QST=9.975`` by
    default; set and empty: none). QuickBooks charges its tax code's own."""
    """A technician's working day in the reports (``SM2_WORKING_DAY_HOURS``): the share of it
    spent on jobs is their time on jobs over this many hours per day they worked."""

    @classmethod
    def from_env(
        cls, env: Mapping[str, str] | None = None, *, dotenv: Path | None = None
    ) -> Settings:
        merged = {**read_dotenv(dotenv or Path(".env")), **(os.environ if env is None else env)}

        def get(name: str) -> str | None:
            return (merged.get(name) or "").strip() or None

        data_dir = get("SM2_DATA_DIR")
        environment = (get("QBO_ENVIRONMENT") or "sandbox").lower()
        public_url = (get("SM2_PUBLIC_URL") or "http://127.0.0.1:8000").rstrip("/")
        vapid_key = get("SM2_VAPID_PRIVATE_KEY")
        if environment not in ("sandbox", "production"):
            raise InvalidInput("QBO_ENVIRONMENT must be sandbox or production")
        return cls(
            database_url=get("SM2_DATABASE_URL"),
            data_dir=Path(data_dir).expanduser() if data_dir else _default_data_dir(),
            public_url=public_url,
            jwt_secret=get("SM2_JWT_SECRET"),
            secret_key=get("SM2_SECRET_KEY"),
            cors_origins=tuple(
                o.strip() for o in (get("SM2_CORS_ORIGINS") or "").split(",") if o.strip()
            ),
            trusted_proxies=_networks(get("SM2_TRUSTED_PROXIES")),
            twilio_account_sid=get("TWILIO_ACCOUNT_SID"),
            twilio_auth_token=get("TWILIO_AUTH_TOKEN"),
            twilio_from_number=get("TWILIO_FROM_NUMBER"),
            twilio_verify=_flag(get("SM2_TWILIO_VERIFY"), True),
            twilio_api_url=get("SM2_TWILIO_API_URL"),
            openai_api_key=get("OPENAI_API_KEY"),
            openai_base_url=get("OPENAI_BASE_URL"),
            openai_model=get("SM2_OPENAI_MODEL") or "gpt-4o",
            openai_calls_per_hour=_int(merged, "SM2_OPENAI_CALLS_PER_HOUR", 30),
            qbo_client_id=get("QBO_CLIENT_ID"),
            qbo_client_secret=get("QBO_CLIENT_SECRET"),
            qbo_redirect_uri=get("QBO_REDIRECT_URI"),
            qbo_environment=environment,
            qbo_api_url=get("SM2_QBO_API_URL"),
            qbo_discovery_url=get("SM2_QBO_DISCOVERY_URL"),
            qbo_tax_code=get("SM2_QBO_TAX_CODE"),
            worker_give_up_seconds=_int(merged, "SM2_WORKER_GIVE_UP_SECONDS", 600),
            waiting_alert_seconds=_int(merged, "SM2_WAITING_ALERT_SECONDS", 120),
            blob_dir=Path(blobs).expanduser() if (blobs := get("SM2_BLOB_DIR")) else None,
            blob_url=_blob_url(get("SM2_BLOB_URL")),
            s3_endpoint_url=_endpoint(get("SM2_S3_ENDPOINT_URL")),
            s3_region=get("AWS_REGION") or get("AWS_DEFAULT_REGION"),
            aws_access_key_id=get("AWS_ACCESS_KEY_ID"),
            aws_secret_access_key=get("AWS_SECRET_ACCESS_KEY"),
            aws_session_token=get("AWS_SESSION_TOKEN"),
            catalog_ttl_seconds=_seconds(merged, "SM2_CATALOG_TTL_SECONDS", 2.0),
            vapid_private_key=(
                parse_vapid_private_key(vapid_key, source="SM2_VAPID_PRIVATE_KEY")
                if vapid_key
                else None
            ),
            vapid_subject=_vapid_subject(get("SM2_VAPID_SUBJECT"), public_url),
            push_ack_seconds=_positive_seconds(merged, "SM2_PUSH_ACK_SECONDS", 60.0),
            timezone=_timezone(get("SM2_TIMEZONE")),
            summary_at=_clock_time(get("SM2_MORNING_SUMMARY"), "SM2_MORNING_SUMMARY", time(6, 30)),
            qbo_webhook_verifier=get("SM2_QBO_WEBHOOK_VERIFIER"),
            qbo_cdc_minutes=_poll_minutes(merged),
            working_day_hours=_working_day_hours(get("SM2_WORKING_DAY_HOURS")),
            tax_rates=QUEBEC
            if "SM2_TAX_RATES" not in merged
            else parse_rates(merged["SM2_TAX_RATES"]),
        )

    def dev_secret(self, name: str, *, generate: Callable[[], str] | None = None) -> str:
        """A secret generated once into the data dir, for a development set-up without one
        (``generate`` makes it: a random token when None).

        The file is created with mode 0600; its value is never logged.
        """
        path = self.data_dir / "secrets" / name
        if path.is_file():
            return path.read_text("utf-8").strip()
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        value = generate() if generate is not None else secrets.token_urlsafe(48)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            # Another process started at the same moment and wrote it first: use theirs.
            return path.read_text("utf-8").strip()
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(value)
        log.warning(
            "%s is not set: using a generated development secret from %s", name.upper(), path
        )
        return value

    @property
    def twilio_credentials(self) -> tuple[str, str, str] | None:
        """Account sid, auth token and our number, when all three are set: what sending and
        reconciling both need."""
        sid, token, number = (
            self.twilio_account_sid,
            self.twilio_auth_token,
            self.twilio_from_number,
        )
        return (sid, token, number) if sid and token and number else None

    @property
    def blobs_path(self) -> Path:
        """Where the filesystem blob store keeps its files."""
        return self.blob_dir or self.data_dir / "blobs"

    @property
    def effective_jwt_secret(self) -> str:
        return self.jwt_secret or self.dev_secret("jwt_secret")

    @property
    def effective_vapid_private_key(self) -> str:
        """SM2_VAPID_PRIVATE_KEY, else the key generated once into the data dir: browsers stay
        subscribed only while the key is the same, so it is never generated again."""
        if self.vapid_private_key:
            return self.vapid_private_key
        stored = self.dev_secret("vapid_private_key", generate=new_vapid_private_key)
        return parse_vapid_private_key(
            stored, source=str(self.data_dir / "secrets" / "vapid_private_key")
        )
