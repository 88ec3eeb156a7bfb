-- The invoice's life goes on after SYNCED: payments, due dates and voiding, as QuickBooks
-- reports them.
ALTER TABLE jobs DROP CONSTRAINT jobs_invoice_state_check;
ALTER TABLE jobs ADD CONSTRAINT jobs_invoice_state_check CHECK (invoice_state IN (
    'NOT_STARTED', 'PENDING_APPROVAL', 'SYNCED', 'FAILED',
    'PAID', 'PARTIALLY_PAID', 'OVERDUE', 'VOIDED'));
-- The safety lock holds for every state of an invoice that exists in QuickBooks.
ALTER TABLE jobs DROP CONSTRAINT jobs_check;
ALTER TABLE jobs ADD CONSTRAINT jobs_invoice_safety_lock CHECK (
    invoice_state NOT IN ('SYNCED', 'PAID', 'PARTIALLY_PAID', 'OVERDUE', 'VOIDED')
    OR (status = 'COMPLETED' AND approved_at IS NOT NULL));

-- Each job's invoice as billed (its lines, as the preview showed them when approved) and as
-- QuickBooks keeps it since (taxes, total, balance, due date).
CREATE TABLE invoices (
    job_id        uuid PRIMARY KEY REFERENCES jobs (id) ON DELETE CASCADE,
    qb_invoice_id text NOT NULL UNIQUE,
    lines         jsonb NOT NULL CHECK (jsonb_typeof(lines) = 'array'),
    subtotal      numeric(12, 2) NOT NULL,
    total         numeric(12, 2),
    balance       numeric(12, 2),
    due_date      date,
    voided        boolean NOT NULL DEFAULT false,
    qb_updated_at timestamptz,
    created_at    timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL
);
-- Reports: what was invoiced in a period.
CREATE INDEX invoices_created_at ON invoices (created_at);
