"""Settings from the environment (CONTRACT.md's variables), read once by a driver, never at import.

A ``.env`` file in the working directory is read too; real environment variables win over it.
"""

from __future__ import annotations

import logging
import os
import secrets
from collections.abc import Mapping
from ipaddress import ip_network
from pathlib import Path

import attrs

from sm2_core.errors import InvalidInput

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
    worker_give_up_seconds: float = 600.0
    """How long a task worker waits for a lost database before its process exits (non-zero,
    for a supervisor to restart it)."""
    waiting_alert_seconds: float = 120.0
    """Health is ``degraded`` when a received text has waited longer than this for parsing."""
    blob_dir: Path | None = None
    """Where files are kept (texts' MMS photos): ``SM2_BLOB_DIR``, else ``blobs`` in the data
    dir (``blobs_path``)."""
    catalog_ttl_seconds: float = 2.0
    """How long a process parses with its copy of the services catalog before reading it
    again: the longest a change made by another process goes unseen by this one."""

    @classmethod
    def from_env(
        cls, env: Mapping[str, str] | None = None, *, dotenv: Path | None = None
    ) -> Settings:
        merged = {**read_dotenv(dotenv or Path(".env")), **(os.environ if env is None else env)}

        def get(name: str) -> str | None:
            return (merged.get(name) or "").strip() or None

        data_dir = get("SM2_DATA_DIR")
        environment = (get("QBO_ENVIRONMENT") or "sandbox").lower()
        if environment not in ("sandbox", "production"):
            raise InvalidInput("QBO_ENVIRONMENT must be sandbox or production")
        return cls(
            database_url=get("SM2_DATABASE_URL"),
            data_dir=Path(data_dir).expanduser() if data_dir else _default_data_dir(),
            public_url=(get("SM2_PUBLIC_URL") or "http://127.0.0.1:8000").rstrip("/"),
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
            worker_give_up_seconds=_int(merged, "SM2_WORKER_GIVE_UP_SECONDS", 600),
            waiting_alert_seconds=_int(merged, "SM2_WAITING_ALERT_SECONDS", 120),
            blob_dir=Path(blobs).expanduser() if (blobs := get("SM2_BLOB_DIR")) else None,
            catalog_ttl_seconds=_seconds(merged, "SM2_CATALOG_TTL_SECONDS", 2.0),
        )

    def dev_secret(self, name: str) -> str:
        """A secret generated once into the data dir, for a development set-up without one.

        The file is created with mode 0600; its value is never logged.
        """
        path = self.data_dir / "secrets" / name
        if path.is_file():
            return path.read_text("utf-8").strip()
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        value = secrets.token_urlsafe(48)
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
