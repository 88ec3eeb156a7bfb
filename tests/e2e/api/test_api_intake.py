"""A text in through the webhook, a job out on the board (memory: scripted parser and inline
tasks; PostgreSQL: the offline parser and a procrastinate worker)."""

from __future__ import annotations

from api_harness import TOYOTA, Api

from sm2_core.parsing import ParsedRequest

TEXT = "Bonjour, besoin programmation de clé pour Toyota RAV4 2022 stock T-1234 svp"
READ = ParsedRequest(
    year=2022, make="Toyota", model="RAV4", stock_no="T-1234", service_code="KEY_PROGRAMMING"
)


async def text_in(api: Api, body: str, sid: str) -> None:
    if api.parser is not None:
        api.parser.reads(TEXT, READ)
    form = {"From": TOYOTA, "To": "+14185550000", "Body": body, "MessageSid": sid}
    response = await api.client.post("/webhooks/twilio/sms", data=form)
    assert 200 == response.status_code, response.text
    assert response.headers["content-type"].startswith("text/xml")
    assert "<Response></Response>" in response.text
    await api.run()


class TestTextToJob:
    async def test_a_request_becomes_a_ranked_job(self, api: Api) -> None:
        """The text makes one HIGH key-programming job for Toyota, created by intake."""
        await text_in(api, TEXT, "SM-intake-1")
        jobs = (await api.client.get("/api/jobs", headers=api.admin)).json()["items"]
        assert [("KEY_PROGRAMMING", "HIGH", str(api.dealers[TOYOTA]), TEXT)] == [
            (j["service_code"], j["urgency"], j["dealership_id"], j["request_text"]) for j in jobs
        ]
        assert ("RAV4", "T-1234") == (
            jobs[0]["vehicle_data"]["model"],
            jobs[0]["vehicle_data"]["stock_no"],
        )
        detail = await api.get_job(jobs[0]["id"])
        assert ("create", "system:intake") == (
            detail["audit_timeline"][0]["action"],
            detail["audit_timeline"][0]["actor"],
        )

    async def test_a_repeated_delivery_makes_no_second_job(self, api: Api) -> None:
        """Twilio delivering the same MessageSid twice gives one job."""
        await text_in(api, TEXT, "SM-intake-2")
        await text_in(api, TEXT, "SM-intake-2")
        jobs = (await api.client.get("/api/jobs", headers=api.admin)).json()["items"]
        assert 1 == len(jobs)

    async def test_a_thank_you_lands_in_the_inbox(self, api: Api) -> None:
        """A text asking for nothing makes no job and waits in the inbox as NO_WORK."""
        await text_in(api, "Merci beaucoup!", "SM-intake-3")
        inbox = (await api.client.get("/api/inbox", headers=api.admin)).json()["items"]
        jobs = (await api.client.get("/api/jobs", headers=api.admin)).json()["items"]
        assert ([], ["NO_WORK"]) == (jobs, [m["status"] for m in inbox])
