"""The composition root: services wired to adapters. Web, CLI and workers all build them here.

The drivers (``sm2_web``, ``sm2_cli``) reach adapters only through this module, ``system`` (the
real system) and ``settings``; import-linter holds them to it.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import time, timedelta
from typing import TYPE_CHECKING

from sm2_core.parsing import CatalogSnapshot
from sm2_core.policies import PolicyConfig
from sm2_core.ports import (
    AccountingGateway,
    AccountingWebhook,
    BlobStore,
    CarrierInbox,
    Clock,
    ImageProcessor,
    InboundStore,
    InvoiceStatusSource,
    MediaSource,
    MessageParser,
    PasswordHasher,
    PushSender,
    ReferenceSource,
    ReferenceWatcher,
    SmsSender,
    SmsWebhook,
    TaskQueue,
    UnitOfWorkFactory,
    WordList,
)
from sm2_core.reports import DEFAULT_WORKING_DAY_HOURS
from sm2_core.taxes import QUEBEC, TaxRate

if TYPE_CHECKING:
    from sm2_adapters.parsing.offline import OfflineParser

from sm2_core.services import (
    AdminService,
    BillingService,
    ConversationService,
    CorrectionService,
    DispatchService,
    FieldService,
    ImportReport,
    ImportService,
    IntakeService,
    MediaService,
    NotificationService,
    OutboxService,
    PaymentService,
    PhotoService,
    ReceiptService,
    ReportService,
    ScheduleService,
    Services,
    StoreAndQueue,
)


def build_services(
    *,
    uow: UnitOfWorkFactory,
    clock: Clock,
    parser: MessageParser,
    tasks: TaskQueue,
    sms: SmsSender,
    accounting: AccountingGateway,
    hasher: PasswordHasher,
    config: PolicyConfig | None = None,
    inbound: InboundStore | None = None,
    inbox: CarrierInbox | None = None,
    ignored_words: WordList | None = None,
    watcher: ReferenceWatcher | None = None,
    media: MediaSource | None = None,
    blobs: BlobStore | None = None,
    push: PushSender | None = None,
    public_url: str = "http://127.0.0.1:8000",
    push_ack_seconds: float = 60.0,
    timezone: str = "America/Toronto",
    summary_at: time = time(6, 30),
    reader: MessageParser | None = None,
    images: ImageProcessor | None = None,
    invoice_status: InvoiceStatusSource | None = None,
    poll_every: timedelta = timedelta(minutes=15),
    reference: ReferenceSource | None = None,
    working_day_hours: float = DEFAULT_WORKING_DAY_HOURS,
    tax_rates: tuple[TaxRate, ...] = QUEBEC,
) -> Services:
    """``inbound`` defaults to a ``StoreAndQueue`` on ``uow``; ``inbox`` (the carrier's record
    that reconciliation reads) to one that says Twilio is not configured; ``watcher`` is told of
    reference changes (the parsers' live catalog); ``media`` (where texts' MMS items are
    fetched) and ``blobs`` (where they are kept) to ones that say they are not configured;
    ``reader`` (what reads dealers' replies on pages: the offline parser) to ``parser``;
    ``images`` (technicians' photos made ready to keep) to Pillow's; ``invoice_status`` (what
    QuickBooks says of invoices after they were made) to one that says it is not connected,
    polled every ``poll_every``; ``reference`` (what intake's batches rank with) to a read of
    the tables per batch; ``working_day_hours`` is a technician's working day in the
    reports; ``tax_rates`` are what invoice previews estimate the taxes with."""
    from sm2_adapters.images import PillowImages
    from sm2_adapters.parsing.stopwords import not_service_words
    from sm2_adapters.unconfigured import (
        BlobStoreNotConfigured,
        CarrierInboxNotConfigured,
        InvoiceStatusNotConfigured,
        MediaSourceNotConfigured,
        PushNotConfigured,
    )

    config = config or PolicyConfig()
    blobs = blobs or BlobStoreNotConfigured()
    admin = AdminService(uow=uow, clock=clock, hasher=hasher, watcher=watcher)
    outbox = OutboxService(
        uow=uow,
        sms=sms,
        push=push or PushNotConfigured(),
        clock=clock,
        public_url=public_url,
        ack_seconds=push_ack_seconds,
    )
    return Services(
        receipt=ReceiptService(
            uow=uow,
            clock=clock,
            tasks=tasks,
            inbound=inbound or StoreAndQueue(uow),
            inbox=inbox or CarrierInboxNotConfigured(),
        ),
        intake=IntakeService(
            uow=uow,
            parser=parser,
            clock=clock,
            config=config,
            timezone=timezone,
            reference=reference,
        ),
        outbox=outbox,
        dispatch=DispatchService(uow=uow, clock=clock, config=config),
        field=FieldService(uow=uow, clock=clock, config=config, timezone=timezone),
        billing=BillingService(
            uow=uow, clock=clock, tasks=tasks, accounting=accounting, tax_rates=tax_rates
        ),
        admin=admin,
        imports=ImportService(uow=uow, admin=admin),
        corrections=CorrectionService(
            uow=uow,
            clock=clock,
            admin=admin,
            ignored=not_service_words() if ignored_words is None else ignored_words,
        ),
        media=MediaService(
            uow=uow,
            clock=clock,
            source=media or MediaSourceNotConfigured(),
            blobs=blobs,
        ),
        photos=PhotoService(uow=uow, clock=clock, blobs=blobs, images=images or PillowImages()),
        conversations=ConversationService(uow=uow, clock=clock, reader=reader or parser),
        notifications=NotificationService(
            uow=uow,
            clock=clock,
            outbox=outbox,
            push=push or PushNotConfigured(),
            public_url=public_url,
            timezone=timezone,
            summary_at=summary_at,
        ),
        schedule=ScheduleService(uow=uow, clock=clock, timezone=timezone),
        payments=PaymentService(
            uow=uow,
            clock=clock,
            tasks=tasks,
            source=invoice_status or InvoiceStatusNotConfigured(),
            timezone=timezone,
            poll_every=poll_every,
        ),
        reports=ReportService(
            uow=uow, clock=clock, timezone=timezone, working_day_hours=working_day_hours
        ),
    )


def sms_webhook(*, auth_token: str | None, verify: bool = True) -> SmsWebhook:
    """The inbound-SMS webhook reader (Twilio's): ``verify=False`` only for development."""
    from sm2_adapters.twilio.inbound import TwilioWebhook

    return TwilioWebhook(auth_token=auth_token, verify=verify)


def accounting_webhook(*, verifier: str | None) -> AccountingWebhook:
    """The reader of Intuit's change notifications; without a verifier token it refuses them
    all (503)."""
    from sm2_adapters.quickbooks.webhook import IntuitWebhook

    return IntuitWebhook(verifier=verifier)


def quickbooks_signature(verifier: str, body: bytes) -> str:
    """The ``intuit-signature`` Intuit would send with ``body``."""
    from sm2_adapters.quickbooks.webhook import signature_of

    return signature_of(body, verifier)


def offline_parser(catalog: CatalogSnapshot | None = None) -> OfflineParser:
    """The offline bilingual parser alone (``sm2 parse``), reading ``catalog``'s services, or
    the demo catalog's."""
    from sm2_adapters.parsing.offline import OfflineParser

    return OfflineParser(catalog)


def twilio_signature(auth_token: str, url: str, params: Mapping[str, str]) -> str:
    """The ``X-Twilio-Signature`` Twilio would send for ``params`` posted to ``url``."""
    from twilio.request_validator import RequestValidator

    signature: str = RequestValidator(auth_token).compute_signature(url, dict(params))
    return signature


async def seed_demo(services: Services) -> list[ImportReport]:
    """Load the demo reference data (idempotent)."""
    from sm2_adapters.seed import seed_demo as seed

    return await seed(services)


def read_csv_with_lines(text: str) -> tuple[list[str], list[dict[str, str]], list[int]]:
    """A CSV file's header, rows and each row's line number (for error messages)."""
    from sm2_adapters.seed import read_csv_with_lines as read

    return read(text)
