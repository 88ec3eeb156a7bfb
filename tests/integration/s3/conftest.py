"""A local S3 for the S3 blob store's tests: moto's server mode on 127.0.0.1, a free port.

boto3 talks to it over HTTP as it would to any S3-compatible store (the adapter's own client,
path-style addressing, its real error answers); each test gets a bucket of its own.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from uuid import uuid4

import attrs
import pytest

from sm2_adapters.s3blobs import S3BlobStore

REGION = "ca-central-1"


@attrs.frozen
class LocalS3:
    endpoint_url: str

    def store(self, url: str) -> S3BlobStore:
        return S3BlobStore.connect(
            url,
            endpoint_url=self.endpoint_url,
            region=REGION,
            access_key_id="testing",
            secret_access_key="testing",
        )

    def new_bucket(self) -> str:
        """An empty bucket of its own."""
        name = f"sm2-{uuid4().hex[:12]}"
        self.store(f"s3://{name}").client.create_bucket(
            Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION}
        )
        return name


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture(scope="session")
def local_s3() -> Iterator[LocalS3]:
    from moto.server import ThreadedMotoServer

    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield LocalS3(f"http://127.0.0.1:{port}")
    finally:
        server.stop()


@pytest.fixture
def blobs(local_s3: LocalS3) -> S3BlobStore:
    """The S3 store on a new bucket, under a prefix (as a company shares one bucket)."""
    return local_s3.store(f"s3://{local_s3.new_bucket()}/sm2/blobs")
