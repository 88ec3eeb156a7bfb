"""What the QuickBooks adapter needs from the settings, read once by the composition root."""

from __future__ import annotations

import attrs

from sm2_adapters.settings import Settings

#: Intuit retired every minor version below 75; pinning one keeps the payloads we parse stable.
MINOR_VERSION = 75
CALLBACK_PATH = "/api/integrations/quickbooks/callback"
_API_URLS = {
    "sandbox": "https://sandbox-quickbooks.api.intuit.com/v3",
    "production": "https://quickbooks.api.intuit.com/v3",
}


@attrs.frozen
class QboConfig:
    client_id: str
    client_secret: str = attrs.field(repr=False)
    redirect_uri: str
    environment: str
    """``sandbox`` or ``production``."""
    api_url: str
    """The accounting API up to and including ``/v3``."""
    discovery: str
    """What intuit-oauth's AuthClient takes as ``environment``: the name, or a discovery URL."""
    minor_version: int = MINOR_VERSION
    timeout: float = 20.0
    """Seconds per HTTP request to Intuit; a hung connection must not hold a worker forever."""
    tax_code: str | None = None
    """The tax code on every invoice line: an Id, or a name looked up (``SM2_QBO_TAX_CODE``)."""

    @classmethod
    def from_settings(cls, settings: Settings) -> QboConfig | None:
        """None when the Intuit app credentials are not set: invoicing is off."""
        if not (settings.qbo_client_id and settings.qbo_client_secret):
            return None
        environment = settings.qbo_environment
        return cls(
            client_id=settings.qbo_client_id,
            client_secret=settings.qbo_client_secret,
            redirect_uri=settings.qbo_redirect_uri or f"{settings.public_url}{CALLBACK_PATH}",
            environment=environment,
            api_url=(settings.qbo_api_url or _API_URLS[environment]).rstrip("/"),
            discovery=settings.qbo_discovery_url or environment,
            tax_code=settings.qbo_tax_code,
        )
