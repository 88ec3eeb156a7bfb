"""The composition root: services wired to adapters. Web, CLI and workers all build them here."""

from __future__ import annotations

import attrs

from sm2_core.policies import PolicyConfig
from sm2_core.ports import (
    AccountingGateway,
    Clock,
    InboundStore,
    MessageParser,
    PasswordHasher,
    SmsSender,
    TaskQueue,
    UnitOfWorkFactory,
)
from sm2_core.services import (
    AdminService,
    BillingService,
    DispatchService,
    FieldService,
    ImportService,
    IntakeService,
    Services,
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
) -> Services:
    """``inbound`` defaults to a ``StoreAndQueue`` on ``uow``."""
    config = config or PolicyConfig()
    admin = AdminService(uow=uow, clock=clock, hasher=hasher)
    intake = IntakeService(uow=uow, parser=parser, clock=clock, tasks=tasks, sms=sms, config=config)
    return Services(
        intake=intake if inbound is None else attrs.evolve(intake, inbound=inbound),
        dispatch=DispatchService(uow=uow, clock=clock, config=config),
        field=FieldService(uow=uow, clock=clock, config=config),
        billing=BillingService(uow=uow, clock=clock, tasks=tasks, accounting=accounting),
        admin=admin,
        imports=ImportService(uow=uow, admin=admin),
    )
