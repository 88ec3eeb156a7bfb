"""Technicians' photos through the API: ``POST /api/technician/jobs/{id}/attachments`` (multipart,
field ``file``) and ``DELETE .../attachments/{attachment_id}``, the job's ``attachments``, ``GET /api/attachments/{id}`` (``?size=thumb``),
the refusals as problem documents, and services that require photos before completion."""

from __future__ import annotations

import io
from typing import Any

import httpx
from api_harness import (
    ADMIN,
    JULIE,
    MARC,
    Api,
    assert_problem,
    bearer,
    param_names,
)
from PIL import Image

import media_samples as sample
from sm2_core.domain.enums import Role
from sm2_core.media import MAX_PHOTO_BYTES

TINY = sample.photo("JPEG", (64, 48))


def upload_url(job_id: Any) -> str:
    return f"/api/technician/jobs/{job_id}/attachments"


async def upload(
    api: Api,
    job_id: Any,
    data: bytes = TINY,
    *,
    name: str = "IMG_0042.jpg",
    claimed: str = "image/jpeg",
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    return await api.client.post(
        upload_url(job_id),
        files={"file": (name, data, claimed)},
        headers=api.tech if headers is None else headers,
    )


class TestAttach:
    async def test_a_photo_is_kept_without_its_location_and_listed(self, api: Api):
        """201 with the attachment; the bytes served have no GPS; the job lists it for the
        admin and for the technician; its thumbnail is a small JPEG."""
        job = await api.in_progress()
        sent = await upload(api, job.id, sample.photo("JPEG", (1600, 1200), xmp=True))
        assert 201 == sent.status_code, sent.text
        body = sent.json()
        assert ("image/jpeg", "technician", f"/api/attachments/{body['id']}") == (
            body["content_type"],
            body["source"],
            body["url"],
        )
        assert f"{body['url']}?size=thumb" == body["thumbnail_url"]
        served = await api.client.get(body["url"], headers=api.admin)
        assert (200, "image/jpeg", body["size"]) == (
            served.status_code,
            served.headers["content-type"],
            len(served.content),
        )
        assert ({}, False) == (sample.gps_of(served.content), b"GPSLatitude" in served.content)
        assert "sandbox" in served.headers["content-security-policy"]
        assert [body] == (await api.get_job(job.id))["attachments"]
        mine = (await api.client.get(f"/api/technician/jobs/{job.id}", headers=api.tech)).json()
        assert [body] == mine["attachments"]
        thumb = await api.client.get(body["thumbnail_url"], headers=api.tech)
        assert (200, "image/jpeg", (320, 240)) == (
            thumb.status_code,
            thumb.headers["content-type"],
            Image.open(io.BytesIO(thumb.content)).size,
        )
        assert "-thumb.jpg" in thumb.headers["content-disposition"]

    async def test_the_type_comes_from_the_bytes(self, mem_api: Api):
        """A PNG sent as "photo.jpg", claimed JPEG: kept and listed as a PNG; a HEIC as JPEG."""
        job = await mem_api.in_progress()
        png = await upload(mem_api, job.id, sample.photo("PNG", (40, 30)), name="photo.jpg")
        heic = await upload(mem_api, job.id, sample.photo("HEIF", (40, 30)), claimed="image/png")
        assert [(201, "image/png"), (201, "image/jpeg")] == [
            (r.status_code, r.json()["content_type"]) for r in (png, heic)
        ]

    async def test_it_is_on_the_timeline(self, mem_api: Api):
        job = await mem_api.in_progress()
        body = (await upload(mem_api, job.id)).json()
        entry = (await mem_api.get_job(job.id))["audit_timeline"][-1]
        assert ("photo", body["id"]) == (entry["action"], entry["new_values"]["photo_id"])


class TestRefused:
    async def test_anything_but_a_photo_is_a_422_naming_the_file(self, mem_api: Api):
        job = await mem_api.in_progress()
        for data, why in (
            (sample.gif(), "image/gif is not taken"),
            (sample.pdf(), "application/pdf is not taken"),
            (b"just some text, named like a photo", "not a type we recognise"),
            (sample.jpeg(), "cannot be read"),
        ):
            body = assert_problem(await upload(mem_api, job.id, data, name="x.jpg"), 422)
            assert why in body["detail"], body
            assert {"file"} == param_names(body)
        assert [] == (await mem_api.get_job(job.id))["attachments"]
        assert {} == mem_api.system.blobs.blobs

    async def test_over_10_mb_is_a_413(self, mem_api: Api):
        """Just over (read, then refused) and far over (refused before it is read whole)."""
        job = await mem_api.in_progress()
        just_over = TINY + b"\x00" * (MAX_PHOTO_BYTES + 1 - len(TINY))
        for data in (just_over, just_over + b"\x00" * 2_000_000):
            body = assert_problem(await upload(mem_api, job.id, data), 413)
            assert "at most 10 MB" in body["detail"]
            assert {"file"} == param_names(body)

    async def test_the_21st_photo_is_a_422(self, mem_api: Api):
        job = await mem_api.in_progress()
        for _ in range(20):
            assert 201 == (await upload(mem_api, job.id)).status_code
        body = assert_problem(await upload(mem_api, job.id), 422)
        assert "at most 20" in body["detail"]
        assert 20 == len((await mem_api.get_job(job.id))["attachments"])

    async def test_one_file_in_the_file_field_or_a_422(self, mem_api: Api):
        """No ``file`` part, two of them, ``file`` as text, or JSON: each a 422 naming file."""
        job = await mem_api.in_progress()
        url, tech = upload_url(job.id), mem_api.tech
        for sent in (
            await mem_api.client.post(url, files={"other": ("a.jpg", TINY)}, headers=tech),
            await mem_api.client.post(
                url, files=[("file", ("a.jpg", TINY)), ("file", ("b.jpg", TINY))], headers=tech
            ),
            await mem_api.client.post(
                url, data={"file": "x"}, files={"other": ("a.jpg", TINY)}, headers=tech
            ),
            await mem_api.client.post(url, json={"file": "x"}, headers=tech),
        ):
            assert {"file"} == param_names(assert_problem(sent, 422))
        assert [] == (await mem_api.get_job(job.id))["attachments"]

    async def test_only_the_job_s_own_technician(self, api: Api):
        """Another technician: 404 (the job does not exist for him); an admin's token or none:
        401 (technicians' endpoint)."""
        job = await api.in_progress()
        julie = await api.add_user("julie", "julie-password-1", Role.TECH, api.techs[JULIE])
        assert_problem(await upload(api, job.id, headers=bearer(api.token(julie))), 404)
        assert_problem(await upload(api, job.id, headers=api.admin), 401)
        assert_problem(await upload(api, job.id, headers={}), 401)
        assert [] == (await api.get_job(job.id))["attachments"]

    async def test_not_once_cancelled_or_approved_but_before_approval(self, mem_api: Api):
        done = await mem_api.completed()
        assert 201 == (await upload(mem_api, done.id)).status_code
        approved = await mem_api.client.post(f"/api/jobs/{done.id}/approve", headers=mem_api.admin)
        assert 200 == approved.status_code, approved.text
        assert "approved" in assert_problem(await upload(mem_api, done.id), 409)["detail"]
        cancelled = await mem_api.scheduled()
        await mem_api.services.dispatch.cancel(cancelled.id, "dealer called back", actor=ADMIN)
        assert "CANCELLED" in assert_problem(await upload(mem_api, cancelled.id), 409)["detail"]


class TestViewing:
    async def test_another_technician_cannot_see_it(self, mem_api: Api):
        job = await mem_api.in_progress()
        body = (await upload(mem_api, job.id)).json()
        julie = await mem_api.add_user("julie", "julie-password-1", Role.TECH, mem_api.techs[JULIE])
        for url in (body["url"], body["thumbnail_url"]):
            assert_problem(await mem_api.client.get(url, headers=bearer(mem_api.token(julie))), 403)
            assert_problem(await mem_api.client.get(url), 401)
            assert 200 == (await mem_api.client.get(url, headers=mem_api.tech)).status_code

    async def test_a_texted_photo_has_no_thumbnail_variant(self, mem_api: Api):
        """``?size=thumb`` of an MMS item serves the item itself; another size is refused."""
        from test_api_attachments import mms, only_job

        await mms(mem_api, "MMthumb1", (sample.png(), "image/png"))
        (attachment,) = (await only_job(mem_api))["attachments"]
        assert None is attachment["thumbnail_url"]
        served = await mem_api.client.get(attachment["url"] + "?size=thumb", headers=mem_api.admin)
        assert (200, sample.png()) == (served.status_code, served.content)
        wrong = await mem_api.client.get(attachment["url"] + "?size=huge", headers=mem_api.admin)
        assert {"size"} == param_names(assert_problem(wrong, 422))


class TestRequiresPhotos:
    async def test_completion_waits_for_a_photo(self, api: Api):
        """The service's flag set through the API: completing without a photo is a 409 naming
        the rule; with one, it completes."""
        service = await key_programming(api)
        assert False is service["requires_photos"]
        patched = await api.client.patch(
            f"/api/services/{service['id']}", json={"requires_photos": True}, headers=api.admin
        )
        assert (200, True) == (patched.status_code, patched.json()["requires_photos"])
        job = await api.in_progress()
        report = {"notes": "Two keys", "labour_minutes": 30}
        complete = f"/api/technician/jobs/{job.id}/complete"
        body = assert_problem(await api.client.post(complete, json=report, headers=api.tech), 409)
        assert ("Photos rule", True) == (body["rule"], "requires photos" in body["detail"])
        assert 201 == (await upload(api, job.id)).status_code
        done = await api.client.post(complete, json=report, headers=api.tech)
        assert (200, "COMPLETED") == (done.status_code, done.json()["status"])

    async def test_a_new_service_may_require_them(self, mem_api: Api):
        made = await mem_api.client.post(
            "/api/services",
            json={
                "code": "WINDSHIELD",
                "name": "Windshield",
                "name_fr": "Pare-brise",
                "base_price": "300.00",
                "requires_photos": True,
            },
            headers=mem_api.admin,
        )
        assert (201, True) == (made.status_code, made.json()["requires_photos"])
        assert_problem(
            await mem_api.client.patch(
                f"/api/services/{made.json()['id']}",
                json={"requires_photos": "yes"},
                headers=mem_api.admin,
            ),
            422,
        )


class TestRemove:
    async def test_the_technician_removes_a_wrong_photo(self, api: Api):
        """204; the job no longer lists it, its bytes are gone (404), the timeline says who
        removed which photo, and the other photo stays."""
        job = await api.in_progress()
        wrong = (await upload(api, job.id)).json()
        kept = (await upload(api, job.id, sample.photo("PNG", (40, 30)))).json()
        removed = await api.client.delete(f"{upload_url(job.id)}/{wrong['id']}", headers=api.tech)
        assert (204, b"") == (removed.status_code, removed.content)
        detail = await api.get_job(job.id)
        assert [kept["id"]] == [a["id"] for a in detail["attachments"]]
        entry = detail["audit_timeline"][-1]
        assert ("photo_removed", wrong["id"]) == (entry["action"], entry["old_values"]["photo_id"])
        for url in (wrong["url"], wrong["thumbnail_url"]):
            assert_problem(await api.client.get(url, headers=api.admin), 404)
        again = await api.client.delete(f"{upload_url(job.id)}/{wrong['id']}", headers=api.tech)
        assert_problem(again, 404)

    async def test_only_the_job_s_technician_and_only_its_photos(self, api: Api):
        """Another technician: 404; an admin's token: 401; a photo of another job through this
        one: 404. Nothing is removed."""
        job, other = await api.in_progress(), await api.in_progress()
        photo = (await upload(api, job.id)).json()
        elsewhere = (await upload(api, other.id)).json()
        julie = await api.add_user("julie", "julie-password-1", Role.TECH, api.techs[JULIE])
        url = f"{upload_url(job.id)}/{photo['id']}"
        assert_problem(await api.client.delete(url, headers=bearer(api.token(julie))), 404)
        assert_problem(await api.client.delete(url, headers=api.admin), 401)
        crossed = f"{upload_url(job.id)}/{elsewhere['id']}"
        assert_problem(await api.client.delete(crossed, headers=api.tech), 404)
        assert [photo["id"]] == [a["id"] for a in (await api.get_job(job.id))["attachments"]]
        assert [elsewhere["id"]] == [a["id"] for a in (await api.get_job(other.id))["attachments"]]

    async def test_not_once_approved(self, mem_api: Api):
        done = await mem_api.completed()
        photo = (await upload(mem_api, done.id)).json()
        approved = await mem_api.client.post(f"/api/jobs/{done.id}/approve", headers=mem_api.admin)
        assert 200 == approved.status_code, approved.text
        url = f"{upload_url(done.id)}/{photo['id']}"
        assert (
            "approved"
            in assert_problem(await mem_api.client.delete(url, headers=mem_api.tech), 409)["detail"]
        )
        assert 1 == len((await mem_api.get_job(done.id))["attachments"])

    async def test_a_completed_job_that_requires_photos_keeps_its_last(self, mem_api: Api):
        """Two photos: one may go; the last is refused under the Photos rule until another
        is added."""
        service = await key_programming(mem_api)
        await mem_api.client.patch(
            f"/api/services/{service['id']}", json={"requires_photos": True}, headers=mem_api.admin
        )
        job = await mem_api.in_progress()
        first, second = [(await upload(mem_api, job.id)).json() for _ in range(2)]
        report = {"notes": "Two keys", "labour_minutes": 30}
        done = await mem_api.client.post(
            f"/api/technician/jobs/{job.id}/complete", json=report, headers=mem_api.tech
        )
        assert 200 == done.status_code, done.text
        tech = mem_api.tech
        first_url = f"{upload_url(job.id)}/{first['id']}"
        assert 204 == (await mem_api.client.delete(first_url, headers=tech)).status_code
        last = await mem_api.client.delete(f"{upload_url(job.id)}/{second['id']}", headers=tech)
        body = assert_problem(last, 409)
        assert ("Photos rule", True) == (body["rule"], "add another photo" in body["detail"])
        assert [second["id"]] == [a["id"] for a in (await mem_api.get_job(job.id))["attachments"]]


async def key_programming(api: Api) -> dict[str, Any]:
    """The service of the harness's jobs, as the API lists it."""
    listed = (await api.client.get("/api/services", headers=api.admin)).json()["items"]
    return next(s for s in listed if s["code"] == "KEY_PROGRAMMING")


async def _marc(api: Api) -> Any:
    return api.techs[MARC]
