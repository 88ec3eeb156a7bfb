"""Who hears of a job's change, when the message goes, and what it says. Pure.

A change to a job (``lifecycle.Change``) tells its technician (assigned, taken off their day,
cancelled, changed, held for review) and its dealership (a technician assigned, started,
done). Notices to one recipient close together go as one message:

- a technician's first notice goes at once and opens a one-minute window; what comes within it
  goes as one follow-up at its end ("3 changes to your day");
- a dealership's first notice opens a ten-second window and everything in it goes at its end,
  so a batch of PDIs assigned together is one text, and no status text waits longer than that.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from uuid import UUID
from zoneinfo import ZoneInfo

import attrs

from sm2_core.domain.entities import Dealership, Service, Technician, Zone
from sm2_core.domain.enums import JobStatus, Language, Role
from sm2_core.domain.job import Job
from sm2_core.domain.notices import Audience, Notice, NoticeKind, NoticeWindow, Recipient
from sm2_core.domain.window import describe
from sm2_core.lifecycle import Change

ALERT_WINDOW = timedelta(minutes=1)
"""After a technician's alert, further changes within this time go as one follow-up."""
STATUS_WINDOW = timedelta(seconds=10)
"""A dealership's status changes within this time of the first go as one text."""

#: What a change to these fields means to the technician doing the job.
_DETAILS = ("vehicle", "service_id", "urgency", "zone_id", "window_start", "window_end", "notes")


def notices_for(change: Change) -> list[tuple[Recipient, NoticeKind]]:
    """Who must hear of ``change``, and what. A technician is not told of what they did
    themselves (accepting, completing); the dealership is."""
    old, new = change.before, change.job
    if old is None:
        return []
    by_technician = change.actor is not None and change.actor.role is Role.TECH
    found: list[tuple[Recipient, NoticeKind]] = []
    dealer = Recipient.dealership(new.dealership_id)
    if new.tech_id != old.tech_id:
        if old.tech_id is not None:
            kind = (
                NoticeKind.CANCELLED if new.status is JobStatus.CANCELLED else NoticeKind.UNASSIGNED
            )
            found.append((Recipient.technician(old.tech_id), kind))
        if new.tech_id is not None:
            found.append((Recipient.technician(new.tech_id), NoticeKind.ASSIGNED))
            found.append((dealer, NoticeKind.ASSIGNED))
        return found
    if new.tech_id is None:
        return found
    tech = Recipient.technician(new.tech_id)
    if new.status is not old.status:
        if new.status is JobStatus.CANCELLED:
            found.append((tech, NoticeKind.CANCELLED))
        elif new.status is JobStatus.IN_PROGRESS:
            found.append((dealer, NoticeKind.STARTED))
        elif new.status is JobStatus.COMPLETED:
            found.append((dealer, NoticeKind.COMPLETED))
    if by_technician or new.status.is_terminal:
        return found
    if new.awaiting_verification and not old.awaiting_verification:
        found.append((tech, NoticeKind.HOLD))
    elif any(getattr(old, name) != getattr(new, name) for name in _DETAILS):
        found.append((tech, NoticeKind.CHANGED))
    return found


def plan_flush(
    recipient: Recipient, window: NoticeWindow | None, now: datetime
) -> tuple[NoticeWindow, datetime | None]:
    """The recipient's window after one more notice at ``now``, and when to send what is
    waiting (None: a send is already queued for it)."""
    is_open = window is not None and window.closes_at > now
    if recipient.audience is Audience.TECHNICIAN:
        if window is None or not is_open:
            return NoticeWindow(recipient, now, now + ALERT_WINDOW), now
        if window.flush_queued:
            return window, None
        return attrs.evolve(window, flush_queued=True), window.closes_at
    if window is not None and is_open:
        return window, None
    closes = now + STATUS_WINDOW
    return NoticeWindow(recipient, now, closes, flush_queued=True), closes


@attrs.frozen
class Context:
    """What a message names: the jobs' services, dealerships, zones and technicians."""

    jobs: Mapping[UUID, Job]
    services: Mapping[UUID, Service] = attrs.field(factory=dict)
    dealerships: Mapping[UUID, Dealership] = attrs.field(factory=dict)
    zones: Mapping[UUID, Zone] = attrs.field(factory=dict)
    technicians: Mapping[UUID, Technician] = attrs.field(factory=dict)
    zone: ZoneInfo = attrs.field(factory=lambda: ZoneInfo("America/Toronto"))
    """The company's time zone: windows are written in it."""

    def when(self, job: Job, language: Language) -> str:
        """ ", ven. 5 déc. 8h00–10h00" when the job has a window, else nothing."""
        if job.window_start is None:
            return ""
        return ", " + describe(job.window_start, job.window_end, self.zone, language.value)

    def service_name(self, job: Job, language: Language) -> str:
        service = self.services.get(job.service_id) if job.service_id else None
        if service is None:
            return "service à préciser" if language is Language.FR else "service to be confirmed"
        return service.display_name(language)

    def where(self, job: Job) -> str:
        dealership = self.dealerships.get(job.dealership_id)
        zone = self.zones.get(job.zone_id) if job.zone_id else None
        name = dealership.name if dealership else ""
        return f"{name} ({zone.name})" if zone and name else name or (zone.name if zone else "")

    def technician_name(self, job: Job) -> str | None:
        tech = self.technicians.get(job.tech_id) if job.tech_id else None
        return tech.name if tech else None


def relevant(notices: Sequence[Notice]) -> list[Notice]:
    """One notice per job and kind (the first), in order: a job assigned twice in a minute is
    said once."""
    seen: set[tuple[UUID, NoticeKind]] = set()
    kept = []
    for notice in notices:
        key = (notice.job_id, notice.kind)
        if key not in seen:
            seen.add(key)
            kept.append(notice)
    return kept


#: A dealership hears where each job stands now: its latest news only.
_PROGRESS = (NoticeKind.ASSIGNED, NoticeKind.STARTED, NoticeKind.COMPLETED)


def latest_per_job(notices: Sequence[Notice]) -> list[Notice]:
    """For a dealership: each job once, at the furthest step it reached (a job assigned,
    started and done within the window is "done"), in the order the jobs first appeared."""
    furthest: dict[UUID, Notice] = {}
    for notice in notices:
        held = furthest.get(notice.job_id)
        if held is None or _PROGRESS.index(notice.kind) > _PROGRESS.index(held.kind):
            furthest[notice.job_id] = notice
    return list(furthest.values())


# --- what technicians read ---------------------------------------------------------------------

_TECH_ONE = {
    Language.FR: {
        NoticeKind.ASSIGNED: "Nouvelle job {code} : {service}, {vehicle}, {where}{when}.",
        NoticeKind.UNASSIGNED: "{code} ({vehicle}) a été retirée de votre journée.",
        NoticeKind.CANCELLED: "{code} ({vehicle}) est annulée : n'y allez pas.",
        NoticeKind.CHANGED: "{code} a changé : {service}, {vehicle}, {where}{when}.",
        NoticeKind.HOLD: "{code} ({vehicle}) attend une vérification : ne commencez pas.",
    },
    Language.EN: {
        NoticeKind.ASSIGNED: "New job {code}: {service}, {vehicle}, {where}{when}.",
        NoticeKind.UNASSIGNED: "{code} ({vehicle}) was taken off your day.",
        NoticeKind.CANCELLED: "{code} ({vehicle}) is cancelled: do not go.",
        NoticeKind.CHANGED: "{code} changed: {service}, {vehicle}, {where}{when}.",
        NoticeKind.HOLD: "{code} ({vehicle}) awaits a dispatcher's check: do not start.",
    },
}
_TECH_LINE = {
    Language.FR: {
        NoticeKind.ASSIGNED: "nouvelle : {code}, {service}, {vehicle}, {where}{when}",
        NoticeKind.UNASSIGNED: "retirée : {code}, {vehicle}",
        NoticeKind.CANCELLED: "annulée : {code}, {vehicle}",
        NoticeKind.CHANGED: "modifiée : {code}, {service}, {vehicle}{when}",
        NoticeKind.HOLD: "en attente, ne pas commencer : {code}, {vehicle}",
    },
    Language.EN: {
        NoticeKind.ASSIGNED: "new: {code}, {service}, {vehicle}, {where}{when}",
        NoticeKind.UNASSIGNED: "taken off: {code}, {vehicle}",
        NoticeKind.CANCELLED: "cancelled: {code}, {vehicle}",
        NoticeKind.CHANGED: "changed: {code}, {service}, {vehicle}{when}",
        NoticeKind.HOLD: "on hold, do not start: {code}, {vehicle}",
    },
}


def _fields(job: Job, context: Context, language: Language) -> dict[str, str]:
    return {
        "code": job.job_code,
        "service": context.service_name(job, language),
        "vehicle": job.vehicle.describe(),
        "where": context.where(job),
        "technician": context.technician_name(job) or "",
        "when": context.when(job, language),
    }


def technician_alert(
    notices: Sequence[Notice], context: Context, language: Language, link: str
) -> str:
    """One change: what it is, and the job's link. Several: "3 changes to your day" and a
    line each, with the link to the day."""
    if len(notices) == 1:
        notice = notices[0]
        job = context.jobs[notice.job_id]
        text = _TECH_ONE[language][notice.kind].format(**_fields(job, context, language))
        return f"SM2 : {text} {link}" if language is Language.FR else f"SM2: {text} {link}"
    lines = [
        "- "
        + _TECH_LINE[language][n.kind].format(**_fields(context.jobs[n.job_id], context, language))
        for n in notices
    ]
    count = len(notices)
    head = (
        f"SM2 : {count} changements à votre journée"
        if language is Language.FR
        else f"SM2: {count} changes to your day"
    )
    return "\n".join([head, *lines, link])


def morning_summary(jobs: Sequence[Job], context: Context, language: Language, link: str) -> str:
    """A technician's jobs of the day, in the order they would do them."""
    if language is Language.FR:
        head = f"SM2 : bonjour ! {len(jobs)} job(s) aujourd'hui"
    else:
        head = f"SM2: good morning! {len(jobs)} job(s) today"
    lines = [
        f"- {job.job_code}: {context.service_name(job, language)}, {job.vehicle.describe()},"
        f" {context.where(job)}{context.when(job, language)}"
        for job in jobs
    ]
    return "\n".join([head, *lines, link])


# --- what dealerships read ---------------------------------------------------------------------

_DEALER_ONE = {
    Language.FR: {
        NoticeKind.ASSIGNED: "{technician} est assigné(e) à {code} ({vehicle}, {service}){when}.",
        NoticeKind.STARTED: "{technician} est en route / a commencé {code} ({vehicle}).",
        NoticeKind.COMPLETED: "{code} est terminée ({vehicle}, {service}).",
    },
    Language.EN: {
        NoticeKind.ASSIGNED: "{technician} is assigned to {code} ({vehicle}, {service}){when}.",
        NoticeKind.STARTED: "{technician} is on the way / has started {code} ({vehicle}).",
        NoticeKind.COMPLETED: "{code} is done ({vehicle}, {service}).",
    },
}
_DEALER_LINE = {
    Language.FR: {
        NoticeKind.ASSIGNED: "{code} ({vehicle}) : assignée à {technician}{when}",
        NoticeKind.STARTED: "{code} ({vehicle}) : {technician} en route / a commencé",
        NoticeKind.COMPLETED: "{code} ({vehicle}) : terminée",
    },
    Language.EN: {
        NoticeKind.ASSIGNED: "{code} ({vehicle}): assigned to {technician}{when}",
        NoticeKind.STARTED: "{code} ({vehicle}): {technician} on the way / started",
        NoticeKind.COMPLETED: "{code} ({vehicle}): done",
    },
}
_SOMEONE = {Language.FR: "Un technicien", Language.EN: "A technician"}


def dealership_status(notices: Sequence[Notice], context: Context, language: Language) -> str:
    """One status, as a sentence; several (a batch of jobs), one line each."""

    def fields(notice: Notice) -> dict[str, str]:
        found = _fields(context.jobs[notice.job_id], context, language)
        found["technician"] = found["technician"] or _SOMEONE[language]
        return found

    if len(notices) == 1:
        text = _DEALER_ONE[language][notices[0].kind].format(**fields(notices[0]))
        return f"SM2 : {text}" if language is Language.FR else f"SM2: {text}"
    head = (
        f"SM2 : mise à jour de {len(notices)} jobs"
        if language is Language.FR
        else f"SM2: update on {len(notices)} jobs"
    )
    return "\n".join(
        [head, *("- " + _DEALER_LINE[language][n.kind].format(**fields(n)) for n in notices)]
    )
