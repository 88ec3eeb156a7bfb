"""Technicians' photos kept in S3 (moto's server): attached through the photo service, served
back through the media service, both on the S3 store, the location gone."""

from __future__ import annotations

import attrs

import media_samples as sample
from integration.s3.conftest import LocalS3
from sm2_adapters.memory import build_memory_system
from sm2_adapters.seed import seed_demo
from sm2_core.domain.enums import Role
from sm2_core.domain.job import Vehicle
from sm2_core.domain.records import Actor

ADMIN = Actor(name="admin", role=Role.ADMIN)


async def test_a_photo_goes_to_the_bucket_and_comes_back(local_s3: LocalS3):
    bucket = local_s3.new_bucket()
    store = local_s3.store(f"s3://{bucket}/sm2")
    system = build_memory_system()
    await seed_demo(system.services)
    photos = attrs.evolve(system.services.photos, blobs=store)
    media = attrs.evolve(system.services.media, blobs=store)
    julie = next(
        t for t in await system.services.admin.all("technicians") if t.name.startswith("Julie")
    )
    ford = next(d for d in await system.services.admin.all("dealerships") if d.name == "Ford Lévis")
    job = await system.services.intake.create_job(
        dealership_id=ford.id, service_code="OIL_CHANGE", vehicle=Vehicle(2024, "Ford"), actor=ADMIN
    )
    await system.services.dispatch.assign(job.id, julie.id, actor=ADMIN)
    tech = Actor(name="julie", role=Role.TECH, technician_id=julie.id)

    photo = await photos.attach(job.id, sample.photo("JPEG", xmp=True), actor=tech)

    keys = sorted(o["Key"] for o in store.client.list_objects_v2(Bucket=bucket)["Contents"])
    assert [f"sm2/{photo.blob_key}", f"sm2/{photo.thumb_key}"] == keys
    _, data = await media.open(photo.id, actor=tech)
    assert (photo.size, {}) == (len(data), sample.gps_of(data))
    _, thumbnail = await media.open(photo.id, actor=ADMIN, thumbnail=True)
    assert b"\xff\xd8" == thumbnail[:2]
