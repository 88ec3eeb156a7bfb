-- Payments: where the periodic poll of QuickBooks' changes stands, per connected company, and
-- the index the daily overdue pass reads.

-- One row per QuickBooks company (realm): every worker shares the cursor, so a poll by any of
-- them moves it for all.
CREATE TABLE qbo_change_polls (
    realm_id        text PRIMARY KEY,
    -- The next poll asks QuickBooks for changes from here; NULL until one succeeded (the first
    -- poll reads every open invoice instead).
    changed_since   timestamptz,
    last_attempt_at timestamptz NOT NULL,
    last_success_at timestamptz,
    last_error      text,
    last_changed    integer NOT NULL DEFAULT 0 CHECK (last_changed >= 0)
);

-- Invoices with something left to pay, by due date: what turns OVERDUE when the date passes.
CREATE INDEX invoices_open_due ON invoices (due_date) WHERE balance > 0 AND NOT voided;
