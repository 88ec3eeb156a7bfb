"""The composition root: services wired to adapters. Web, CLI and workers all build them here."""

from __future__ import annotations

from sm2_core.policies import PolicyConfig
from sm2_core.ports import (
    AccountingGateway,
    Clock,
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
) -> Services:
    config = config or PolicyConfig()
    admin = AdminService(uow=uow, clock=clock, hasher=hasher)
    return Services(
        intake=IntakeService(
            uow=uow, parser=parser, clock=clock, tasks=tasks, sms=sms, config=config
        ),
        dispatch=DispatchService(uow=uow, clock=clock, config=config),
        field=FieldService(uow=uow, clock=clock, config=config),
        billing=BillingService(uow=uow, clock=clock, tasks=tasks, accounting=accounting),
        admin=admin,
        imports=ImportService(uow=uow, admin=admin),
    )
