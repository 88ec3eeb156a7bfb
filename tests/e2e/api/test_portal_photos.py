"""Technicians' photos in the portals, over HTTP with the session cookies (no script needed):
the technician's form (camera and gallery, CSRF), its refusals named on the job's page, the
thumbnails; the admin's job page and timeline; the services form's flag."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import pytest
from api_apps import memory_api
from api_harness import ADMIN, ADMIN_NAME, ADMIN_PASSWORD, TECH_NAME, TECH_PASSWORD, Api
from test_portal_sessions import PORTAL, csrf_of, sign_in

import media_samples as sample
from sm2_core.domain.enums import ReferenceKind, Role
from sm2_core.domain.records import Actor
from sm2_web.portal.reference_forms import FIELDS, form_values

TINY = sample.photo("JPEG", (64, 48))


@pytest.fixture
async def portal() -> AsyncIterator[Api]:
    async with memory_api(PORTAL) as built:
        yield built


async def tech_page(portal: Api, job_id) -> str:
    page = await portal.client.get(f"/tech/jobs/{job_id}")
    assert 200 == page.status_code, page.text
    return page.text


async def send(portal: Api, job_id, *files: tuple[str, bytes], csrf: str | None = None):
    token = csrf or csrf_of(await portal.client.get(f"/tech/jobs/{job_id}"))
    parts = [("file", (name, data, "image/jpeg")) for name, data in files] or [
        ("file", ("", b"", "application/octet-stream"))  # a browser's empty file input
    ]
    return await portal.client.post(
        f"/tech/jobs/{job_id}/photos",
        data={"_csrf": token, "next": f"/tech/jobs/{job_id}"},
        files=parts,
    )


async def require_photos(portal: Api) -> None:
    """The service of the harness's jobs requires photos before completion."""
    services = {s.code: s for s in await portal.services.admin.all("services")}
    await portal.services.admin.update(
        "services", services["KEY_PROGRAMMING"].id, {"requires_photos": True}, actor=ADMIN
    )


class TestTechnicianForm:
    async def test_the_form_works_without_script(self, portal: Api):
        """The camera input and the gallery input, a multipart form with its CSRF token; sent,
        the job's page comes back with the photos' thumbnails."""
        job = await portal.in_progress()
        await sign_in(portal.client, TECH_NAME, TECH_PASSWORD, tech=True)
        page = await tech_page(portal, job.id)
        (form,) = re.findall(r'<form method="post" action="/tech/jobs/[^"]+/photos"[^>]*>', page)
        assert 'enctype="multipart/form-data"' in form
        assert re.search(
            r'<input id="camera-[^"]+" name="file" type="file" accept="image/\*" '
            r'capture="environment" multiple',
            page,
        )
        assert re.search(r'name="file" type="file" accept="image/\*" multiple', page)
        sent = await send(portal, job.id, ("a.jpg", TINY), ("b.png", sample.photo("PNG", (30, 20))))
        assert (303, f"/tech/jobs/{job.id}?done=photos") == (
            sent.status_code,
            sent.headers["location"],
        )
        page = await tech_page(portal, job.id)
        thumbs = re.findall(r'<img class="media-item__thumb" src="([^"]+)"', page)
        assert [True, True] == [t.endswith("?size=thumb") for t in thumbs]
        assert "2/20" in page
        image = await portal.client.get(thumbs[0])  # the session cookie alone
        assert (200, "image/jpeg") == (image.status_code, image.headers["content-type"])

    async def test_refused_photos_are_named_on_the_page_the_others_kept(self, portal: Api):
        job = await portal.in_progress()
        await sign_in(portal.client, TECH_NAME, TECH_PASSWORD, tech=True)
        sent = await send(portal, job.id, ("good.jpg", TINY), ("anim.gif", sample.gif()))
        assert 200 == sent.status_code, sent.text
        assert "1 photo(s) ajoutée(s)." in sent.text  # French unless asked otherwise
        assert re.search(r'<span class="mono">anim.gif</span>: [^<]*image/gif', sent.text)
        assert 1 == len(re.findall(r'class="media-item__thumb"', sent.text))
        assert "false" == sent.headers.get("hx-push-url")

    async def test_nothing_kept_is_the_refusal_s_status(self, portal: Api):
        job = await portal.in_progress()
        await sign_in(portal.client, TECH_NAME, TECH_PASSWORD, tech=True)
        assert 422 == (await send(portal, job.id, ("notes.jpg", b"plain text"))).status_code
        empty = await send(portal, job.id)
        assert (422, True) == (empty.status_code, "Aucune photo choisie :" in empty.text)
        token = csrf_of(await portal.client.get(f"/tech/jobs/{job.id}"))
        bare = await portal.client.post(f"/tech/jobs/{job.id}/photos", data={"_csrf": token})
        assert (422, True) == (bare.status_code, "Aucune photo choisie :" in bare.text)

    async def test_without_the_csrf_token_nothing_is_kept(self, portal: Api):
        job = await portal.in_progress()
        await sign_in(portal.client, TECH_NAME, TECH_PASSWORD, tech=True)
        sent = await send(portal, job.id, ("a.jpg", TINY), csrf="forged.token")
        assert 403 == sent.status_code
        assert {} == portal.system.blobs.blobs

    async def test_a_service_that_requires_photos_says_so_and_completion_waits(self, portal: Api):
        await require_photos(portal)
        job = await portal.in_progress()
        csrf = await sign_in(portal.client, TECH_NAME, TECH_PASSWORD, tech=True)
        page = await tech_page(portal, job.id)
        assert "Ce service exige au moins une photo" in page
        done = await portal.client.post(
            f"/tech/jobs/{job.id}/complete",
            data={"_csrf": csrf, "labour_minutes": "30", "next": f"/tech/jobs/{job.id}"},
        )
        assert (409, True) == (
            done.status_code,
            "Refusé : des photos des travaux sont exigées" in done.text,
        )

    async def test_no_form_once_the_job_is_approved(self, portal: Api):
        job = await portal.completed()
        await sign_in(portal.client, TECH_NAME, TECH_PASSWORD, tech=True)
        assert "/photos" in await tech_page(portal, job.id)  # completed: still open
        await portal.services.billing.approve(job.id, actor=ADMIN)
        assert f"/tech/jobs/{job.id}/photos" not in await tech_page(portal, job.id)


class TestRemoving:
    async def test_each_photo_has_a_remove_button_that_removes_it(self, portal: Api):
        """A form per photo (CSRF, back to the page); sent, the photo is gone, the page says so
        and the other photo stays."""
        job = await portal.in_progress()
        await sign_in(portal.client, TECH_NAME, TECH_PASSWORD, tech=True)
        await send(portal, job.id, ("a.jpg", TINY), ("b.png", sample.photo("PNG", (30, 20))))
        page = await tech_page(portal, job.id)
        actions = re.findall(r'action="(/tech/jobs/[^"]+/photos/[^"]+/remove)"', page)
        assert 2 == len(actions)
        token = csrf_of(await portal.client.get(f"/tech/jobs/{job.id}"))
        sent = await portal.client.post(
            actions[0], data={"_csrf": token, "next": f"/tech/jobs/{job.id}"}
        )
        assert (303, f"/tech/jobs/{job.id}?done=photo_removed") == (
            sent.status_code,
            sent.headers["location"],
        )
        page = await tech_page(portal, job.id)
        assert "1/20" in page
        assert [actions[1]] == re.findall(r'action="(/tech/jobs/[^"]+/photos/[^"]+/remove)"', page)
        done = await portal.client.get(f"/tech/jobs/{job.id}?done=photo_removed")
        assert "Photo retirée." in done.text

    async def test_the_last_required_photo_of_a_completed_job_stays(self, portal: Api):
        """Refused on the job's page with the rule's words; the photo is still there."""
        await require_photos(portal)
        job = await portal.in_progress()
        csrf = await sign_in(portal.client, TECH_NAME, TECH_PASSWORD, tech=True)
        await send(portal, job.id, ("a.jpg", TINY))
        done = await portal.client.post(
            f"/tech/jobs/{job.id}/complete",
            data={"_csrf": csrf, "labour_minutes": "30", "next": f"/tech/jobs/{job.id}"},
        )
        assert 303 == done.status_code, done.text
        page = await tech_page(portal, job.id)
        (action,) = re.findall(r'action="(/tech/jobs/[^"]+/photos/[^"]+/remove)"', page)
        token = csrf_of(await portal.client.get(f"/tech/jobs/{job.id}"))
        refused = await portal.client.post(
            action, data={"_csrf": token, "next": f"/tech/jobs/{job.id}"}
        )
        assert (409, True, True) == (
            refused.status_code,
            "Non retirée" in refused.text,
            "add another photo" in refused.text,
        )
        assert "1/20" in await tech_page(portal, job.id)

    async def test_no_remove_button_once_the_job_is_approved(self, portal: Api):
        job = await portal.completed()
        await sign_in(portal.client, TECH_NAME, TECH_PASSWORD, tech=True)
        await send(portal, job.id, ("a.jpg", TINY))
        assert "/remove" in await tech_page(portal, job.id)
        await portal.services.billing.approve(job.id, actor=ADMIN)
        assert "/remove" not in await tech_page(portal, job.id)


class TestAdminPages:
    async def test_the_job_page_shows_the_thumbnails_linking_to_the_photos(self, portal: Api):
        job = await portal.in_progress()
        photo = await portal.services.photos.attach(job.id, TINY, actor=portal_tech(portal))
        await sign_in(portal.client, ADMIN_NAME, ADMIN_PASSWORD)
        page = await portal.client.get(f"/jobs/{job.id}")
        assert 200 == page.status_code, page.text
        url = f"/api/attachments/{photo.id}"
        assert (
            f'<a href="{url}" target="_blank" rel="noopener"><img class="media-item__thumb" src="{url}?size=thumb"'
            in page.text
        )
        assert "Photo des travaux ajoutée" in page.text  # the timeline
        assert 200 == (await portal.client.get(url)).status_code

    async def test_the_service_form_sets_and_clears_the_flag(self, portal: Api):
        """The edit form shows the box; the form sent with it ticked saves it, unticked clears."""
        pdi = next(s for s in await portal.services.admin.all("services") if s.code == "PDI")
        csrf = await sign_in(portal.client, ADMIN_NAME, ADMIN_PASSWORD)
        page = await portal.client.get(f"/admin/services/{pdi.id}")
        assert re.search(
            r'<input id="fld-requires_photos" name="requires_photos" type="checkbox"', page.text
        )
        shown = form_values(pdi)
        form = {
            f.name: shown[f.name]
            for f in FIELDS[ReferenceKind.SERVICES]
            if f.widget != "checkbox" and shown.get(f.name) is not None
        }
        for ticked, expected in (({"requires_photos": "1"}, True), ({}, False)):
            sent = await portal.client.post(
                f"/admin/services/{pdi.id}", data={**form, **ticked, "_csrf": csrf}
            )
            assert 303 == sent.status_code, sent.text
            saved = await portal.services.admin.get("services", pdi.id)
            assert expected is saved.requires_photos
        listed = await portal.client.get("/admin/services")
        assert "Photos" in listed.text


def portal_tech(portal: Api) -> Actor:
    return Actor(name="tech:marc", role=Role.TECH, technician_id=portal.techs["Marc-André Gagnon"])
