"""Integration tokens encrypted at rest with Fernet (AES-128-CBC + HMAC-SHA256).

``SM2_SECRET_KEY`` may be any string, so the Fernet key is derived from it with HKDF; the
fixed salt and info bind the derived key to this one purpose.
"""

from __future__ import annotations

import base64

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from sm2_core.errors import IntegrationError

_SALT = b"sm2-dispatch/integration-tokens"
_INFO = b"fernet-v1"


def derive_fernet_key(secret: str) -> bytes:
    """A urlsafe-base64 32-byte Fernet key from an arbitrary secret string."""
    if not secret:
        raise ValueError("an empty secret cannot protect anything")
    raw = HKDF(algorithm=hashes.SHA256(), length=32, salt=_SALT, info=_INFO).derive(
        secret.encode("utf-8")
    )
    return base64.urlsafe_b64encode(raw)


class TokenCipher:
    """Encrypts and decrypts token strings; never logs or repeats them in errors."""

    def __init__(self, secret: str) -> None:
        self._fernet = Fernet(derive_fernet_key(secret))

    def __repr__(self) -> str:
        return "TokenCipher(<secret>)"

    def encrypt(self, value: str) -> str:
        return self._fernet.encrypt(value.encode("utf-8")).decode("ascii")

    def decrypt(self, value: str) -> str:
        try:
            return self._fernet.decrypt(value.encode("ascii")).decode("utf-8")
        except (InvalidToken, UnicodeError) as exc:
            # The usual cause: SM2_SECRET_KEY changed since the tokens were stored.
            raise IntegrationError(
                "QuickBooks",
                "the stored tokens cannot be decrypted (was SM2_SECRET_KEY changed?); "
                "reconnect QuickBooks",
                transient=False,
                code="token_decrypt",
            ) from exc
