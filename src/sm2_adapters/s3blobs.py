"""The blob store in an S3-compatible bucket (AWS S3, MinIO, Ceph, R2...), with boto3.

Chosen by ``SM2_BLOB_URL=s3://bucket/prefix`` (docs/configuration.md); ``SM2_S3_ENDPOINT_URL``
names a store other than AWS's, addressed by path (``http://minio:9000/bucket/key``). The
credentials are the AWS SDK's usual ones: ``AWS_ACCESS_KEY_ID``/``AWS_SECRET_ACCESS_KEY`` (from
the environment or the ``.env`` file), else boto3's own chain (``~/.aws``, an instance role).

Keys are checked as the filesystem store checks them, then put under the prefix. An object is
written whole or not at all by S3 itself. boto3 blocks, so each call runs in a thread; the
client is thread-safe and made once. Failures become IntegrationError, ``transient`` for
throttling, 5xx answers and the network, so that callers retry only what may pass.
"""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import urlsplit

from sm2_adapters.blobs import check_key
from sm2_core.errors import IntegrationError, InvalidInput, NotConfigured, NotFound

_MISSING = frozenset({"NoSuchKey", "404", "NotFound"})
_THROTTLED = frozenset({"SlowDown", "Throttling", "ThrottlingException", "RequestTimeout"})


def parse_blob_url(url: str) -> tuple[str, str]:
    """``s3://bucket/some/prefix`` → (``bucket``, ``some/prefix/``); InvalidInput otherwise."""
    refused = InvalidInput(
        f"SM2_BLOB_URL must be s3://BUCKET or s3://BUCKET/PREFIX, not {url!r}",
        fields={"SM2_BLOB_URL": "not an s3:// URL"},
    )
    parts = urlsplit(url)
    prefix = parts.path.strip("/")
    if parts.scheme != "s3" or not parts.netloc or parts.query or parts.fragment:
        raise refused
    if prefix:
        try:
            check_key(prefix)
        except InvalidInput:
            raise refused from None
    return parts.netloc, f"{prefix}/" if prefix else ""


class S3BlobStore:
    """The BlobStore port on one bucket, under ``prefix`` (empty, or ending in ``/``)."""

    def __init__(self, client: Any, *, bucket: str, prefix: str = "") -> None:
        self.client = client
        self.bucket = bucket
        self.prefix = prefix

    @classmethod
    def connect(
        cls,
        url: str,
        *,
        endpoint_url: str | None = None,
        region: str | None = None,
        access_key_id: str | None = None,
        secret_access_key: str | None = None,
        session_token: str | None = None,
    ) -> S3BlobStore:
        """A store for ``SM2_BLOB_URL``; credentials left None come from boto3's chain."""
        import boto3
        from botocore.config import Config

        bucket, prefix = parse_blob_url(url)
        config = Config(
            connect_timeout=5,
            read_timeout=30,
            retries={"max_attempts": 3, "mode": "standard"},
            # Stores other than AWS's are addressed by path, and do not all know the newer
            # checksum headers.
            s3={"addressing_style": "path" if endpoint_url else "auto"},
            request_checksum_calculation="when_required" if endpoint_url else "when_supported",
            response_checksum_validation="when_required" if endpoint_url else "when_supported",
        )
        client = boto3.session.Session().client(
            "s3",
            endpoint_url=endpoint_url,
            region_name=region,
            aws_access_key_id=access_key_id,
            aws_secret_access_key=secret_access_key,
            aws_session_token=session_token,
            config=config,
        )
        return cls(client, bucket=bucket, prefix=prefix)

    def _key(self, key: str) -> str:
        return self.prefix + check_key(key)

    async def put(self, key: str, data: bytes) -> None:
        name = self._key(key)
        await self._call(
            "put", key, self.client.put_object, Bucket=self.bucket, Key=name, Body=bytes(data)
        )

    async def get(self, key: str) -> bytes:
        name = self._key(key)

        def read() -> bytes:
            answer = self.client.get_object(Bucket=self.bucket, Key=name)
            body = answer["Body"]
            try:
                data: bytes = body.read()
            finally:
                body.close()
            return data

        found: bytes = await self._call("get", key, read)
        return found

    async def delete(self, key: str) -> None:
        name = self._key(key)
        # S3 answers 204 for a key that holds nothing: no error, as the port wants.
        await self._call("delete", key, self.client.delete_object, Bucket=self.bucket, Key=name)

    async def _call(self, action: str, key: str, call: Any, **kwargs: Any) -> Any:
        from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

        try:
            return await asyncio.to_thread(call, **kwargs)
        except ClientError as exc:
            error = exc.response.get("Error", {})
            code = str(error.get("Code", ""))
            status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)
            if code in _MISSING:
                raise NotFound("blob", key) from None
            raise IntegrationError(
                "s3",
                f"{action} {key}: {code or status} {error.get('Message', '')}".rstrip(),
                transient=status >= 500 or status == 429 or code in _THROTTLED,
                code=code or str(status),
            ) from exc
        except NoCredentialsError:
            raise NotConfigured(
                "S3 has no credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"
            ) from None
        except BotoCoreError as exc:
            # No answer at all: the network, a timeout, an endpoint that is not there.
            raise IntegrationError(
                "s3", f"{action} {key}: {type(exc).__name__}: {exc}", transient=True
            ) from exc
