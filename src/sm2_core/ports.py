"""Everything the core needs from the outside world, as Protocols. Adapters implement them."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from datetime import date, datetime
from decimal import Decimal
from types import TracebackType
from typing import Any, Generic, Protocol, Self, TypeVar
from uuid import UUID

import attrs

from sm2_core.domain.conversations import Conversation, ThreadMessage
from sm2_core.domain.corrections import ParseCorrection, ParsedField, ServiceTally
from sm2_core.domain.entities import Dealership, RankingRule, Service, Technician, User, Zone
from sm2_core.domain.enums import InvoiceState, JobStatus, ReferenceKind, Urgency
from sm2_core.domain.invoice import Invoice, InvoiceLine
from sm2_core.domain.job import Job
from sm2_core.domain.media import JobPhoto, MediaItem
from sm2_core.domain.notices import Notice, NoticeWindow, Recipient
from sm2_core.domain.payments import ChangePoll, EntityChange, InvoiceFacts, QuickBooksChanges
from sm2_core.domain.pricing import CatalogPart, DealershipPrice
from sm2_core.domain.push import PushSubscription
from sm2_core.domain.records import (
    AuditEntry,
    DomainEvent,
    InboundMessage,
    OptOut,
    OutboundKind,
    OutboundSms,
    ReceivedSms,
    StoredEvent,
    WebhookRefusal,
)
from sm2_core.domain.reference import IntakeReference
from sm2_core.domain.scheduled import ScheduledJob
from sm2_core.media import Download, PreparedImage
from sm2_core.parsing import CatalogSnapshot, ParseResult
from sm2_core.reports import (
    DealershipFigures,
    ExportedJob,
    ParserFigures,
    Period,
    TechnicianFigures,
    TurnaroundFigures,
)
from sm2_core.tasks import TaskPayload

T = TypeVar("T")
T_Task = TypeVar("T_Task", bound=TaskPayload)

# --- queries ----------------------------------------------------------------------------------


@attrs.frozen
class JobFilter:
    """The admin job list's filters; None means "any"."""

    status: JobStatus | None = None
    dealership_id: UUID | None = None
    urgency: Urgency | None = None
    tech_id: UUID | None = None
    vin: str | None = None
    text: str | None = None
    """Free text: job code, VIN, stock number, model, make or the request's words."""
    created_after: datetime | None = None
    created_before: datetime | None = None
    invoice_state: InvoiceState | None = None
    attention: bool = False
    """Only jobs a dispatcher must act on (``sm2_core.attention``)."""


@attrs.frozen
class Page(Generic[T]):
    items: tuple[T, ...]
    next_cursor: str | None
    """Opaque; pass it back to get the next page. None on the last page."""


# --- repositories ------------------------------------------------------------------------------


class JobRepository(Protocol):
    async def add(self, job: Job) -> None: ...

    async def add_many(self, jobs: Sequence[Job]) -> None:
        """Add new jobs in one write (intake's batches): all of them, or none and the error
        ``add`` would raise for the one at fault."""
        ...

    async def get(self, job_id: UUID) -> Job:
        """Raises NotFound."""
        ...

    async def update(self, job: Job) -> Job:
        """Save ``job`` if the stored version is still ``job.version``; return it with version+1.

        Raises StaleVersion when someone saved it in between, NotFound when it is gone.
        """
        ...

    async def search(self, query: JobFilter, *, limit: int, cursor: str | None = None) -> Page[Job]:
        """Sorted by urgency (highest first), ranking score (highest first), then age (oldest
        first), then id. Raises InvalidInput for a cursor it did not make."""
        ...

    async def for_technician(
        self, tech_id: UUID, statuses: Sequence[JobStatus] | None = None
    ) -> list[Job]: ...

    async def by_code(self, job_code: str) -> Job | None: ...

    async def by_qb_invoice_id(self, qb_invoice_id: str) -> Job | None:
        """The job whose invoice QuickBooks knows by ``qb_invoice_id`` (``jobs.qb_invoice_id``:
        also for invoices made before their record was kept)."""
        ...

    async def windows_starting(self, start: datetime, end: datetime) -> list[ScheduledJob]:
        """Jobs not cancelled whose window starts in [start, end), by window start."""
        ...

    async def held_without_window(self, *, limit: int = 500) -> list[ScheduledJob]:
        """SCHEDULED and IN_PROGRESS jobs that have no window, in the board's order (the first
        ``limit``)."""
        ...

    async def pending_ranked(self, *, limit: int) -> list[ScheduledJob]:
        """The first ``limit`` PENDING jobs in the board's order (most urgent first)."""
        ...

    async def next_code(self, year: int) -> str:
        """``SM2-YYYY-NNN``, counting up per calendar year; unique under concurrent callers."""
        ...

    async def next_codes(self, year: int, count: int) -> list[str]:
        """``count`` new job codes of ``year`` at once, in increasing order."""
        ...

    async def count_by_status(self) -> dict[JobStatus, int]: ...


class Repository(Protocol[T]):
    """The shape of the reference-data repositories."""

    async def add(self, item: T) -> None:
        """Raises AlreadyExists on a uniqueness conflict."""
        ...

    async def get(self, item_id: UUID) -> T:
        """Raises NotFound."""
        ...

    async def update(self, item: T) -> None:
        """Raises NotFound, or AlreadyExists on a uniqueness conflict."""
        ...

    async def all(self, *, include_inactive: bool = False) -> list[T]:
        """Sorted by name (or code)."""
        ...


class DealershipRepository(Repository[Dealership], Protocol):
    async def by_phone(self, phone: str) -> Dealership | None: ...


class TechnicianRepository(Repository[Technician], Protocol):
    async def by_phone(self, phone: str) -> Technician | None: ...

    async def lock(self, tech_id: UUID) -> Technician:
        """The technician, locked until the unit of work ends: what is decided on their work
        (the 20 km rule, their status) is decided by one change at a time. Raises NotFound."""
        ...


class ServiceRepository(Repository[Service], Protocol):
    async def by_code(self, code: str) -> Service | None: ...


class ZoneRepository(Repository[Zone], Protocol):
    async def by_name(self, name: str) -> Zone | None: ...


class RuleRepository(Repository[RankingRule], Protocol):
    pass


class PartRepository(Repository[CatalogPart], Protocol):
    """The parts catalog: names unique in any case, SKUs too when set."""

    async def by_name(self, name: str) -> CatalogPart | None: ...

    async def matching(self, names: Sequence[str]) -> list[CatalogPart]:
        """The active parts whose name or SKU is one of ``names`` (any case, spaces trimmed
        and collapsed as ``pricing.part_key`` does), sorted by name."""
        ...


class PriceRepository(Repository[DealershipPrice], Protocol):
    """Dealerships' own prices: one per dealership and service code."""

    async def price_of(self, dealership_id: UUID, service_code: str) -> DealershipPrice | None:
        """The dealership's active price for the service, or None."""
        ...


class UserRepository(Repository[User], Protocol):
    async def by_username(self, username: str) -> User | None: ...

    async def lock(self, user_id: UUID) -> User:
        """The login, locked until the unit of work ends, so that changes to it (a password,
        its sessions, the last-admin check) take turns. Raises NotFound."""
        ...


class AuditRepository(Protocol):
    async def add(self, entry: AuditEntry) -> None: ...

    async def add_many(self, entries: Sequence[AuditEntry]) -> None:
        """Add entries in one write: all of them or none."""
        ...

    async def for_subject(self, subject: str, subject_id: UUID) -> list[AuditEntry]:
        """Oldest first."""
        ...


class MessageRepository(Protocol):
    async def add(self, message: InboundMessage) -> tuple[InboundMessage, bool]:
        """Store unless a message with the same sid exists; return the stored one and whether
        it is new."""
        ...

    async def get(self, message_id: UUID, *, for_update: bool = False) -> InboundMessage:
        """Raises NotFound. ``for_update`` locks the row until the unit of work ends."""
        ...

    async def update(self, message: InboundMessage) -> None: ...

    async def update_many(self, messages: Sequence[InboundMessage]) -> None:
        """Write these messages back in one write: all of them, or none and NotFound when one
        does not exist."""
        ...

    async def waiting(self, *, received_before: datetime, limit: int = 100) -> list[InboundMessage]:
        """Matched messages still RECEIVED (not parsed) that arrived before the given time."""
        ...

    async def inbox(self, *, limit: int = 100) -> list[InboundMessage]:
        """Messages that made no job (unknown sender, no work asked), newest first."""
        ...


class MediaRepository(Protocol):
    """Where each MMS item of a text stands (``MediaItem``): one row per item once its fetch
    was tried; an item without one is still pending."""

    async def get(self, media_id: UUID, *, for_update: bool = False) -> MediaItem:
        """Raises NotFound. ``for_update`` locks it until the unit of work ends."""
        ...

    async def save(self, item: MediaItem) -> None:
        """Insert or replace the item (by id). Raises InvalidInput when its message does not
        exist."""
        ...

    async def for_messages(self, message_ids: Sequence[UUID]) -> list[MediaItem]:
        """The items of these texts, by text then position."""
        ...


class PhotoRepository(Protocol):
    """The photos technicians attached to their jobs (``JobPhoto``)."""

    async def add(self, photo: JobPhoto) -> None:
        """Raises InvalidInput when its job does not exist, AlreadyExists for a known id."""
        ...

    async def get(self, photo_id: UUID) -> JobPhoto:
        """Raises NotFound."""
        ...

    async def for_jobs(self, job_ids: Sequence[UUID]) -> list[JobPhoto]:
        """The photos of these jobs, by job, then oldest first (then by id)."""
        ...

    async def count(self, job_id: UUID) -> int:
        """How many photos the job has."""
        ...

    async def remove(self, photo_id: UUID) -> None:
        """Raises NotFound."""
        ...


class OutboxRepository(Protocol):
    async def add(self, sms: OutboundSms) -> None: ...

    async def add_many(self, messages: Sequence[OutboundSms]) -> None:
        """Add texts to the outbox in one write: all of them or none."""
        ...

    async def update(self, sms: OutboundSms) -> None: ...

    async def update_many(self, messages: Sequence[OutboundSms]) -> None:
        """Record how each of these texts stands now, in one write. Raises NotFound (and
        writes none) when one is not in the outbox."""
        ...

    async def get(self, sms_id: UUID, *, for_update: bool = False) -> OutboundSms:
        """Raises NotFound. ``for_update`` locks it until the unit of work ends."""
        ...

    async def by_provider_sid(self, sid: str, *, for_update: bool = False) -> OutboundSms | None:
        """The message the carrier knows by ``sid`` (its status callbacks name it so)."""
        ...

    async def failed_alerts(self, *, since: datetime, limit: int = 100) -> list[OutboundSms]:
        """Alerts and summaries to technicians that failed or went undelivered, created at or
        after ``since``, newest first."""
        ...

    async def last_sent(self, to_number: str, *, kind: OutboundKind) -> OutboundSms | None:
        """The newest message of ``kind`` to ``to_number`` that the carrier took (SENT or
        DELIVERED), by when it was sent: what a text from that number may be answering."""
        ...


class NoticeRepository(Protocol):
    """Notices waiting to go out, and each recipient's combining window."""

    async def add(self, notice: Notice) -> None: ...

    async def lock_window(self, recipient: Recipient) -> NoticeWindow | None:
        """The recipient's window, locked until the unit of work ends (None when there is
        none yet: then concurrent callers are serialised on the recipient all the same)."""
        ...

    async def save_window(self, window: NoticeWindow) -> None:
        """Insert or replace the recipient's window."""
        ...

    async def pending(self, recipient: Recipient) -> list[Notice]:
        """The recipient's notices not yet sent, in the order they were added, locked (those
        another unit of work holds are skipped: it is sending them)."""
        ...

    async def mark_sent(
        self, notice_ids: Sequence[UUID], *, outbox_id: UUID | None, at: datetime
    ) -> None:
        """``outbox_id`` None: nothing was sent for them (nobody to tell, or not wanted)."""
        ...

    async def claim_summary(self, day: date, *, at: datetime) -> bool:
        """True for the first caller of the day only: the morning summary goes once."""
        ...


class PushSubscriptionRepository(Protocol):
    async def save(self, subscription: PushSubscription) -> PushSubscription:
        """Insert, or replace the one with the same endpoint (a browser subscribes again, or
        another technician logs in on it); returns what is stored."""
        ...

    async def for_technician(self, technician_id: UUID) -> list[PushSubscription]:
        """Oldest first."""
        ...

    async def remove(self, endpoint: str, *, technician_id: UUID | None = None) -> bool:
        """Remove the subscription at ``endpoint`` (only the technician's, when given);
        whether there was one."""
        ...


class OptOutRepository(Protocol):
    async def get(self, phone: str) -> OptOut | None: ...

    async def add(self, opt_out: OptOut) -> None:
        """Record it (a number already opted out keeps its first record)."""
        ...

    async def remove(self, phone: str) -> bool:
        """Whether the number was opted out."""
        ...


class ConversationRepository(Protocol):
    """Every text to and from each phone number: inbound texts by their sender, the outbox's
    messages by their recipient."""

    async def page(self, *, limit: int, cursor: str | None = None) -> Page[Conversation]:
        """One conversation per number, newest activity first (then by number). Raises
        InvalidInput for a cursor it did not make."""
        ...

    async def thread(self, phone: str, *, limit: int | None = None) -> list[ThreadMessage]:
        """The number's texts oldest first (at the same moment, a text in before a text out,
        then by id); with ``limit``, the newest ``limit`` of them (still oldest first)."""
        ...

    async def latest_inbound(self, phone: str) -> InboundMessage | None:
        """The newest text the number sent us."""
        ...

    async def mark_read(self, phone: str, *, at: datetime) -> bool:
        """Texts from the number received up to ``at`` are read; whether the mark moved (it
        never goes back)."""
        ...


class InvoiceRepository(Protocol):
    """Each job's invoice record (``Invoice``): one per job, from its creation in QuickBooks."""

    async def find(self, job_id: UUID, *, for_update: bool = False) -> Invoice | None:
        """The job's invoice, or None when none was recorded. ``for_update`` locks it until
        the unit of work ends."""
        ...

    async def by_qb_id(self, qb_invoice_id: str, *, for_update: bool = False) -> Invoice | None:
        """The invoice QuickBooks knows by ``qb_invoice_id`` (its notifications name it so)."""
        ...

    async def save(self, invoice: Invoice) -> None:
        """Insert or replace the job's invoice. Raises InvalidInput when the job does not exist,
        AlreadyExists when another job's invoice has the same QuickBooks id."""
        ...

    async def for_jobs(self, job_ids: Sequence[UUID]) -> dict[UUID, Invoice]:
        """The recorded invoices of these jobs, by job id."""
        ...

    async def past_due(self, day: date, *, limit: int) -> list[Invoice]:
        """Invoices due before ``day`` with something left to pay, not voided, whose job's
        invoice state is SYNCED or PARTIALLY_PAID (not yet marked OVERDUE): the oldest due
        first, at most ``limit``."""
        ...


class ChangePollRepository(Protocol):
    """Where the periodic poll of QuickBooks' changes stands, per company (``ChangePoll``)."""

    async def get(self, realm_id: str, *, for_update: bool = False) -> ChangePoll | None:
        """None before the company's first poll. ``for_update`` locks it until the unit of
        work ends: two polls never move the cursor at once."""
        ...

    async def save(self, poll: ChangePoll) -> None:
        """Insert or replace the company's poll."""
        ...

    async def latest(self) -> ChangePoll | None:
        """The poll attempted last, whatever the company (health shows it)."""
        ...


class CorrectionRepository(Protocol):
    """Dispatchers' corrections of parsed jobs: one per job and parsed field."""

    async def for_job(self, job_id: UUID) -> list[ParseCorrection]:
        """In corpus field order."""
        ...

    async def save(self, correction: ParseCorrection) -> None:
        """Add it, or replace the correction of the same job and field (which keeps its id)."""
        ...

    async def remove(self, job_id: UUID, field: ParsedField) -> None:
        """Nothing happens when there is none."""
        ...

    async def page(
        self, *, since: datetime | None = None, limit: int, cursor: str | None = None
    ) -> Page[ParseCorrection]:
        """Those last changed at or after ``since``, oldest first (then by id). Raises
        InvalidInput for a cursor it did not make."""
        ...

    async def tally(self, *, since: datetime) -> list[ServiceTally]:
        """Per service (as the jobs are now), the parsed jobs created at or after ``since``
        (``is_parsed``) and how many of them have each field corrected."""
        ...


class ParseBacklog(Protocol):
    """The texts waiting for their parse task, taken in batches: one task parses many.

    ``lease`` (in a unit of work of its own) hands out the oldest waiting texts whose parse
    tasks never ran, skipping those another worker holds: their tasks stay queued but wait,
    for ``seconds``; a task whose lease runs out is due again and runs on its own (never
    leased twice), so a worker that died or a text that failed loses nothing. ``hold``, in the
    unit of work that writes what became of the texts, locks them and takes their waiting
    parse tasks off the queue when it commits.
    """

    async def lease(self, message_id: UUID, *, more: int, seconds: float) -> list[InboundMessage]:
        """The text ``message_id`` (its own task is the one running), then up to ``more``
        other texts, oldest first, each as stored. Raises NotFound for an unknown
        ``message_id`` (and leases nothing); its own waiting tasks are not leased."""
        ...

    async def hold(self, message_ids: Sequence[UUID]) -> list[InboundMessage]:
        """Lock these texts until the unit of work ends; those still RECEIVED, as stored now,
        in the order given. Every waiting parse task of these texts (leased or not) leaves the
        queue when the unit of work commits."""
        ...


class SendBacklog(Protocol):
    """The texts waiting for their first send, taken in batches: one send task sends many.

    ``lease``, in the unit of work that marks them SENDING, hands out the oldest texts that may
    go by SMS at once and whose send tasks never ran, skipping those another worker holds.
    Their tasks stay queued but wait, for ``seconds``: a task whose lease runs out (its worker
    died mid-batch) is due again and runs on its own, which asks the carrier's record before it
    sends again. In the unit of work that records what the carrier answered, ``done`` takes the
    waiting send tasks of the texts it settled off the queue, and ``again`` makes those of the
    texts to try again due on their own, each with the queue's retries.
    """

    async def lease(self, outbox_id: UUID, *, more: int, seconds: float) -> list[OutboundSms]:
        """Up to ``more`` texts other than ``outbox_id`` (its own task is the one running),
        oldest first, as stored: QUEUED, not a push alert, to a number that has not opted out.
        Each is locked until the unit of work ends."""
        ...

    async def done(self, outbox_ids: Sequence[UUID]) -> None:
        """Every waiting send task of these texts leaves the queue when the unit of work
        commits."""
        ...

    async def again(self, outbox_ids: Sequence[UUID], *, seconds: float) -> None:
        """The leased send tasks of these texts are due on their own in ``seconds``."""
        ...


class ReferenceSource(Protocol):
    """The reference data intake decides with, as it stands now; a cache may answer."""

    async def current(self) -> IntakeReference: ...


class ReportSource(Protocol):
    """The figures the reports are made of (``sm2_core.reports``), counted where the data is:
    jobs created and texts received in the period, by their local creation (receipt) time."""

    async def dealerships(self, period: Period) -> list[DealershipFigures]:
        """Every dealership with a text or a job in the period (the others have nothing)."""
        ...

    async def turnaround(self, period: Period) -> TurnaroundFigures:
        """Per milestone, the jobs that reached it and the nearest-rank p50 and p90
        (``reports.rank``) of the time from the text's receipt (a job typed in by hand: its
        creation) to it; overall, per service code and per dealership (those with jobs)."""
        ...

    async def technicians(self, period: Period) -> list[TechnicianFigures]:
        """Every technician holding one of the period's jobs."""
        ...

    async def parser(self, period: Period) -> ParserFigures: ...

    async def created_per_day(self, period: Period) -> dict[date, int]:
        """How many jobs were created each local day of the period (days without: absent)."""
        ...

    async def jobs(
        self, period: Period, *, after: tuple[datetime, UUID] | None = None, limit: int
    ) -> list[ExportedJob]:
        """The period's jobs with their invoices' amounts, oldest first (then by id), from
        after ``after`` (a job's ``created_at`` and id): a page of an export."""
        ...


class EventLog(Protocol):
    """Events written with the change they describe, published only once it commits."""

    def add(self, event: DomainEvent) -> None: ...


class TaskLog(Protocol):
    """Tasks queued with the change that calls for them: they exist only if it commits, and a
    change that commits cannot lose them (an outbox row and the task that sends it)."""

    def add(self, task: TaskPayload, *, at: datetime | None = None) -> None:
        """``at``: not before then (None: at once)."""
        ...


class UnitOfWork(Protocol):
    """One transaction. Commits when the ``async with`` block ends cleanly, rolls back on error."""

    @property
    def jobs(self) -> JobRepository: ...

    @property
    def dealerships(self) -> DealershipRepository: ...

    @property
    def technicians(self) -> TechnicianRepository: ...

    @property
    def services(self) -> ServiceRepository: ...

    @property
    def zones(self) -> ZoneRepository: ...

    @property
    def rules(self) -> RuleRepository: ...

    @property
    def parts(self) -> PartRepository: ...

    @property
    def prices(self) -> PriceRepository: ...

    @property
    def users(self) -> UserRepository: ...

    @property
    def audit(self) -> AuditRepository: ...

    @property
    def messages(self) -> MessageRepository: ...

    @property
    def outbox(self) -> OutboxRepository: ...

    @property
    def corrections(self) -> CorrectionRepository: ...

    @property
    def invoices(self) -> InvoiceRepository: ...

    @property
    def change_polls(self) -> ChangePollRepository: ...

    @property
    def media(self) -> MediaRepository: ...

    @property
    def photos(self) -> PhotoRepository: ...

    @property
    def notices(self) -> NoticeRepository: ...

    @property
    def push_subscriptions(self) -> PushSubscriptionRepository: ...

    @property
    def opt_outs(self) -> OptOutRepository: ...

    @property
    def conversations(self) -> ConversationRepository: ...

    @property
    def reports(self) -> ReportSource: ...

    @property
    def backlog(self) -> ParseBacklog: ...

    @property
    def send_backlog(self) -> SendBacklog: ...

    @property
    def events(self) -> EventLog: ...

    @property
    def tasks(self) -> TaskLog: ...

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...


UnitOfWorkFactory = Callable[[], UnitOfWork]


# --- the outside world --------------------------------------------------------------------------


class Clock(Protocol):
    def now(self) -> datetime:
        """Timezone-aware."""
        ...


class MessageParser(Protocol):
    async def parse(self, body: str, *, dealership_id: UUID | None = None) -> ParseResult: ...


class ParsingCatalog(Protocol):
    """The live catalog as the parsers read it: what admins changed is used by the next parse."""

    async def snapshot(self) -> CatalogSnapshot:
        """The current services and dealerships; the same object until they change."""
        ...


class ReferenceWatcher(Protocol):
    """Told when reference data changed (after the change committed), so caches of it in this
    process drop at once instead of waiting for their time to live."""

    def changed(self, kind: ReferenceKind) -> None: ...


class WordList(Protocol):
    """A fixed list of folded words (lower case, no accents): ``word in words``."""

    def __contains__(self, word: object, /) -> bool: ...


class SmsSender(Protocol):
    async def send(self, *, to: str, body: str) -> str:
        """Send one text; return the provider's id. Raises IntegrationError or NotConfigured.

        A refusal because the number opted out has ``code`` ``OPTED_OUT_CODE``."""
        ...

    async def find_sent(self, *, to: str, body: str, since: datetime) -> str | None:
        """The provider's id of a text with this body sent to ``to`` at or after ``since``, if
        the carrier has one: a send interrupted before its answer was recorded is looked up
        here rather than sent twice. Raises IntegrationError or NotConfigured."""
        ...


#: Twilio's error for a number that replied STOP: the carrier will not deliver to it.
OPTED_OUT_CODE = "21610"


@attrs.frozen
class PushOutcome:
    """What the push service said of one push."""

    accepted: bool
    gone: bool = False
    """The subscription no longer exists (404/410): forget it."""
    detail: str = ""


class PushSender(Protocol):
    """Web Push (RFC 8030) with VAPID (RFC 8292), the payload encrypted (RFC 8291)."""

    @property
    def public_key(self) -> str | None:
        """The VAPID public key browsers subscribe with (``applicationServerKey``,
        base64url); None when push is not configured."""
        ...

    async def push(
        self, subscription: PushSubscription, payload: dict[str, Any], *, ttl_seconds: int
    ) -> PushOutcome:
        """Push ``payload`` (as JSON) to one browser. A refusal is an outcome, not an error;
        raises IntegrationError (transient) when the push service cannot be reached, and
        NotConfigured without keys."""
        ...


class MediaSource(Protocol):
    """Where the carrier keeps the media of the texts we received (Twilio's media URLs)."""

    async def fetch(self, url: str, *, limit: int) -> Download:
        """The bytes at ``url``, at most ``limit`` of them (a larger item comes back
        incomplete, with no more read than needed to know). Raises InvalidInput for a URL that
        is not the carrier's for our account, NotConfigured without credentials, and
        IntegrationError (``transient`` for 429, 5xx, timeouts, the network) when the fetch
        fails."""
        ...


class BlobStore(Protocol):
    """Files kept by key (a key is ``/``-separated words of letters, digits, ``.``, ``_`` and
    ``-``, none starting with ``.``)."""

    async def put(self, key: str, data: bytes) -> None:
        """Store ``data`` under ``key``, replacing what was there; all of it or nothing."""
        ...

    async def get(self, key: str) -> bytes:
        """Raises NotFound."""
        ...

    async def delete(self, key: str) -> None:
        """Forget ``key``; a key that holds nothing is no error."""
        ...


class ImageProcessor(Protocol):
    """Reads photos and writes what is kept of them (CPU work, done off the event loop)."""

    async def prepare(self, data: bytes, *, content_type: str) -> PreparedImage:
        """The photo as kept: without its location (EXIF GPS, XMP), HEIC/HEIF made a JPEG
        that every browser shows, and a thumbnail. ``content_type`` is what ``media.sniff``
        read from the bytes. Raises InvalidInput when they are no readable image of that type,
        or one too large to decode."""
        ...


class CarrierInbox(Protocol):
    """The carrier's own record of the texts our number received (Twilio's message log): what
    reconciliation compares with ours, for texts whose webhook never reached us."""

    async def received(self, *, since: datetime) -> list[ReceivedSms]:
        """The inbound texts to our number that the carrier received at or after ``since``,
        oldest first, each with its ``sent_at``. Raises NotConfigured without credentials,
        IntegrationError (``transient`` for 429, 5xx, timeouts) when the carrier fails."""
        ...


@attrs.frozen
class DeliveryReport:
    """The carrier's word on a text we sent (a status callback), fields unchecked: None when
    the request lacked them."""

    sid: str | None
    status: str | None
    """As the carrier writes it (Twilio: ``queued``, ``sent``, ``delivered``, ``undelivered``,
    ``failed``...)."""
    error_code: str | None = None


class SmsWebhook(Protocol):
    """The carrier's SMS webhook requests (inbound texts, delivery reports), read and
    authenticated alike."""

    def read(self, body: bytes, *, url: str, signature: str) -> ReceivedSms | WebhookRefusal:
        """``url`` is what the carrier called (our public URL, path and query), ``signature``
        the request's signature header ("" when absent)."""
        ...

    def read_status(
        self, body: bytes, *, url: str, signature: str
    ) -> DeliveryReport | WebhookRefusal:
        """A status callback, checked as ``read`` checks an inbound text."""
        ...


@attrs.frozen
class InvoiceRequest:
    """Everything an accounting system needs to bill one job."""

    job_id: UUID
    job_code: str
    customer_name: str
    customer_email: str
    item_name: str
    amount: Decimal
    description: str
    private_note: str
    customer_ref: str | None = None
    item_ref: str | None = None
    lines: tuple[InvoiceLine, ...] = ()
    """What to bill, in order (``sm2_core.invoicing``): the service, parts, labour. Empty: one
    line of ``amount`` for the service, as before lines existed."""
    part_skus: tuple[tuple[str, str], ...] = ()
    """(catalog name, SKU) of the catalog parts billed, for the items that book them."""
    approved_at: datetime | None = None
    """The approval this request carries out: its retries are the same request, a later
    approval (after a refusal was fixed) a new one."""


@attrs.frozen
class InvoiceReceipt:
    invoice_id: str
    customer_ref: str
    item_ref: str
    """The service's item (the one remembered on the service)."""
    total: Decimal | None = None
    """With taxes, as the accounting system computed it; None when it did not say."""
    balance: Decimal | None = None
    due_date: date | None = None
    updated_at: datetime | None = None
    """The accounting system's own last change of the invoice."""


class AccountingGateway(Protocol):
    async def create_invoice(self, request: InvoiceRequest) -> InvoiceReceipt:
        """Idempotent on ``request.job_id``: asking twice returns the first invoice.

        Raises IntegrationError (``transient`` for 429, 5xx, timeouts) or NotConfigured.
        """
        ...


class InvoiceStatusSource(Protocol):
    """What the accounting system says of invoices after they were made (QuickBooks: reads
    by id and its change data capture), as plain facts."""

    async def realm(self) -> str | None:
        """The company connected now; None when none is (or its connection is broken)."""
        ...

    async def invoices(self, qb_invoice_ids: Sequence[str]) -> list[InvoiceFacts]:
        """Each invoice as it is now, a deleted one as ``InvoiceFacts.gone``. Raises
        NotConfigured when not connected, IntegrationError when it cannot be asked."""
        ...

    async def payment_invoices(self, payment_id: str) -> list[str] | None:
        """The invoices a payment is applied to; None when the payment is gone."""
        ...

    async def changed_since(self, since: datetime) -> QuickBooksChanges:
        """Invoices and payments changed from ``since`` (at most 30 days back)."""
        ...


class AccountingWebhook(Protocol):
    """The accounting system's change notifications (Intuit's webhook), read and
    authenticated."""

    def read(self, body: bytes, *, signature: str) -> list[EntityChange] | WebhookRefusal:
        """``signature`` is the request's signature header ("" when absent). The changes to
        invoices and payments the notification announces, in every company it names."""
        ...


class TaskQueue(Protocol):
    async def defer(self, task: TaskPayload) -> None:
        """Run ``task`` later, at least once, with retries. Task handlers are idempotent."""
        ...

    async def not_queued(self, tasks: Sequence[T_Task]) -> list[T_Task]:
        """Those of ``tasks`` (in their order) that are neither waiting nor running."""
        ...


class InboundStore(Protocol):
    """Where a dealership's text lands on receipt: the one write between Twilio and the 200."""

    async def store_and_queue(self, message: InboundMessage) -> tuple[InboundMessage, bool]:
        """Store a new text and queue its ``ParseMessage`` task: both or neither.

        Idempotent on ``sid``: a repeated delivery returns the stored text and False, and
        queues nothing.
        """
        ...


class PasswordHasher(Protocol):
    def hash(self, password: str) -> str: ...

    def verify(self, password_hash: str, password: str) -> bool: ...


class RateLimiter(Protocol):
    async def allow(self, key: str, *, limit: int, window_seconds: int) -> bool:
        """Count one use of ``key``; False when ``limit`` uses already fall in the window."""
        ...

    async def used(self, key: str, *, window_seconds: int) -> int:
        """How many uses of ``key`` fall in the window, counting none."""
        ...


# --- what the drivers read ------------------------------------------------------------------------


class EventFeed(Protocol):
    """The event log as live dashboards read it, across processes."""

    async def read_after(self, last_id: int, *, limit: int = 500) -> list[StoredEvent]:
        """Events after event ``last_id`` (0: from the start), in delivery order."""
        ...

    async def last_id(self) -> int:
        """Where a new reader starts: every event committed after it is read after it, an
        event still being written included (the newest event's id when nothing is being
        written); 0 when there is none."""
        ...

    async def resumable(self, last_id: int) -> bool:
        """Whether a reader that saw event ``last_id`` can resume after it: that event is still
        kept (0, a reader that saw nothing, always can). False for an id beyond the newest
        event, or older than the oldest kept."""
        ...

    def wakeups(self) -> AsyncIterator[None]:
        """Yields whenever new events may have arrived; never ends."""
        ...


class HealthProbe(Protocol):
    async def check(self) -> dict[str, Any]:
        """Component → status document; ``database.ok`` False means the app cannot serve."""
        ...


#: What every QuickBooks entry point says when there is no Intuit app to connect with.
QUICKBOOKS_NOT_CONFIGURED = "QuickBooks is not configured: set QBO_CLIENT_ID and QBO_CLIENT_SECRET"


class QuickBooksConnection(Protocol):
    """Connecting the QuickBooks company through Intuit's OAuth consent, as admins do it.

    Every method raises NotConfigured when the Intuit app's credentials are not set.
    """

    async def status(self) -> dict[str, Any]:
        """For admins and health; never a token."""
        ...

    async def authorization_url(self) -> str:
        """Intuit's consent page, with a fresh one-time ``state`` remembered server-side."""
        ...

    async def complete(
        self, *, state: str, code: str | None, realm_id: str | None, error: str | None = None
    ) -> dict[str, Any]:
        """Intuit's callback: spends ``state`` first; raises PermissionDenied for an unknown,
        used or expired state or a refusal, InvalidInput without ``code`` or ``realm_id``."""
        ...

    async def set_tokens(self, *, realm_id: str, refresh_token: str) -> dict[str, Any]:
        """Store tokens obtained elsewhere (a headless set-up); one refresh validates them
        before anything is kept. The status, as ``status()``."""
        ...

    async def disconnect(self) -> dict[str, Any]:
        """Revoke at Intuit (best effort) and forget the tokens: the status, and ``revoked``."""
        ...
