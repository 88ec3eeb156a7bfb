"""The S3 blob store against moto's server: the port's contract (the same tests as the memory
and filesystem stores), then what is S3's own: the prefix, the configuration, its failures."""

from __future__ import annotations

import pytest

from blob_contract import BlobStoreContract
from integration.s3.conftest import LocalS3
from sm2_adapters.blobs import FileBlobStore, blobs_from_settings
from sm2_adapters.s3blobs import S3BlobStore, parse_blob_url
from sm2_adapters.settings import Settings
from sm2_core.errors import IntegrationError, InvalidInput, NotFound


class TestS3BlobStore(BlobStoreContract):
    """tests/blob_contract.py on S3 (the ``blobs`` fixture of this folder)."""


class TestPrefix:
    async def test_keys_live_under_the_prefix(self, local_s3: LocalS3):
        """``s3://bucket/sm2/blobs``: the object is ``sm2/blobs/<key>``, nothing else."""
        bucket = local_s3.new_bucket()
        store = local_s3.store(f"s3://{bucket}/sm2/blobs")
        await store.put("photos/j/p", b"photo")
        listed = store.client.list_objects_v2(Bucket=bucket)["Contents"]
        assert ["sm2/blobs/photos/j/p"] == [o["Key"] for o in listed]

    async def test_two_prefixes_of_one_bucket_do_not_meet(self, local_s3: LocalS3):
        bucket = local_s3.new_bucket()
        one, other = local_s3.store(f"s3://{bucket}/one"), local_s3.store(f"s3://{bucket}/two")
        await one.put("k", b"one's")
        with pytest.raises(NotFound):
            await other.get("k")
        await other.delete("k")
        assert b"one's" == await one.get("k")


class TestFailures:
    async def test_a_missing_bucket_is_an_integration_error_not_retried(self, local_s3: LocalS3):
        store = local_s3.store("s3://no-such-bucket-here")
        for attempt in (store.put("k", b"x"), store.get("k")):
            with pytest.raises(IntegrationError) as raised:
                await attempt
            assert (False, "NoSuchBucket") == (raised.value.transient, raised.value.code)

    async def test_an_unreachable_store_is_transient(self):
        """Nothing listens there: retried later, not refused for good."""
        store = S3BlobStore.connect(
            "s3://bucket",
            endpoint_url="http://127.0.0.1:9",
            region="ca-central-1",
            access_key_id="testing",
            secret_access_key="testing",
        )
        with pytest.raises(IntegrationError) as raised:
            await store.get("k")
        assert raised.value.transient


class TestConfiguration:
    @pytest.mark.parametrize(
        ("url", "expected"),
        [
            ("s3://photos", ("photos", "")),
            ("s3://photos/", ("photos", "")),
            ("s3://photos/sm2/prod/", ("photos", "sm2/prod/")),
        ],
    )
    def test_blob_urls(self, url: str, expected: tuple[str, str]):
        assert expected == parse_blob_url(url)

    @pytest.mark.parametrize(
        "url", ["photos", "https://photos/x", "s3:///nobucket", "s3://b/../up", "s3://b/p?x=1"]
    )
    def test_other_urls_are_refused_naming_the_setting(self, url: str, tmp_path):
        with pytest.raises(InvalidInput) as raised:
            Settings.from_env(
                {"SM2_BLOB_URL": url, "SM2_DATA_DIR": str(tmp_path)}, dotenv=tmp_path / "none"
            )
        assert "SM2_BLOB_URL" in str(raised.value)

    def test_the_settings_choose_the_store(self, tmp_path, local_s3: LocalS3):
        """SM2_BLOB_URL and the AWS variables: S3 at the endpoint; without it: the data dir."""
        env = {
            "SM2_DATA_DIR": str(tmp_path),
            "SM2_BLOB_URL": "s3://company-files/sm2",
            "SM2_S3_ENDPOINT_URL": local_s3.endpoint_url + "/",
            "AWS_ACCESS_KEY_ID": "AKIDEXAMPLE",
            "AWS_SECRET_ACCESS_KEY": "secret-example",
            "AWS_DEFAULT_REGION": "ca-central-1",
        }
        settings = Settings.from_env(env, dotenv=tmp_path / "none.env")
        store = blobs_from_settings(settings)
        assert isinstance(store, S3BlobStore)
        assert ("company-files", "sm2/", local_s3.endpoint_url) == (
            store.bucket,
            store.prefix,
            store.client.meta.endpoint_url,
        )
        assert "secret-example" not in repr(settings)
        plain = Settings.from_env({"SM2_DATA_DIR": str(tmp_path)}, dotenv=tmp_path / "none.env")
        assert isinstance(blobs_from_settings(plain), FileBlobStore)

    def test_an_endpoint_must_be_a_url(self, tmp_path):
        with pytest.raises(InvalidInput):
            Settings.from_env(
                {"SM2_DATA_DIR": str(tmp_path), "SM2_S3_ENDPOINT_URL": "minio:9000"},
                dotenv=tmp_path / "none.env",
            )
