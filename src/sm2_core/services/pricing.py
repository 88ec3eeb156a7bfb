"""Loading what a job's invoice is priced from, inside the caller's unit of work."""

from __future__ import annotations

from sm2_core.domain.enums import JobStatus, PolicyRule
from sm2_core.domain.job import Job
from sm2_core.errors import InvalidTransition, PolicyViolation
from sm2_core.invoicing import InvoicePreview, Pricing, preview
from sm2_core.ports import UnitOfWork


async def load_pricing(uow: UnitOfWork, job: Job) -> Pricing:
    """The job's service, dealership, the dealership's own price for the service, and the
    catalog parts its report names. A job with no service has nothing to bill (409)."""
    if job.service_id is None:
        raise PolicyViolation(PolicyRule.BILLING, f"Job {job.job_code} has no service to bill")
    service = await uow.services.get(job.service_id)
    dealership = await uow.dealerships.get(job.dealership_id)
    own = await uow.prices.price_of(dealership.id, service.code)
    names = [p.name for p in job.completion.parts] if job.completion is not None else []
    catalog = tuple(await uow.parts.matching(names)) if names else ()
    return Pricing(service=service, dealership=dealership, dealer_price=own, catalog=catalog)


async def priced(uow: UnitOfWork, job: Job) -> tuple[Pricing, InvoicePreview]:
    """The job's pricing and its invoice's preview at its stage (``invoicing.preview``); a
    cancelled job is not invoiced (409)."""
    if job.status is JobStatus.CANCELLED:
        raise InvalidTransition(f"Job {job.job_code} was cancelled: it is not invoiced")
    pricing = await load_pricing(uow, job)
    invoice = await uow.invoices.find(job.id) if job.invoice_state.in_quickbooks else None
    return pricing, preview(job, pricing, invoice)
