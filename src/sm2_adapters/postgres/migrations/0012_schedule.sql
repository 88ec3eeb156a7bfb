-- When and who: appointment windows on jobs, the window a text proposed, the dispatcher's notes,
-- services' expected durations and dealerships' addresses.

ALTER TABLE jobs
    ADD COLUMN window_start   timestamptz,
    ADD COLUMN window_end     timestamptz,
    ADD COLUMN proposed_start timestamptz,
    ADD COLUMN proposed_end   timestamptz,
    ADD COLUMN notes          text NOT NULL DEFAULT '',
    -- The same rules as sm2_core.domain.window, where no code path can skip them.
    ADD CONSTRAINT jobs_window_check CHECK (
        window_end IS NULL
        OR (window_start IS NOT NULL AND window_end > window_start
            AND window_end - window_start <= interval '12 hours')),
    ADD CONSTRAINT jobs_proposed_check CHECK (
        (proposed_start IS NULL) = (proposed_end IS NULL)
        AND (proposed_end IS NULL OR proposed_end > proposed_start));

-- A day of the schedule: windows starting up to 12 hours before the day (the longest window)
-- through its end, in one range scan at any table size.
CREATE INDEX jobs_window_start ON jobs (window_start) WHERE window_start IS NOT NULL;
-- A technician's other windows, for the overlap rule.
CREATE INDEX jobs_technician_window ON jobs (tech_id, window_start)
    WHERE tech_id IS NOT NULL AND window_start IS NOT NULL;

-- Work technicians hold with no window yet, in the board's order (the Day view lists it).
CREATE INDEX jobs_held_without_window ON jobs (sort_urgency, sort_score, created_at, id)
    WHERE status IN ('SCHEDULED', 'IN_PROGRESS') AND window_start IS NULL;

-- The board's "Needs attention" filter (sm2_core.attention), in the board's order.
CREATE INDEX jobs_attention ON jobs (sort_urgency, sort_score, created_at, id)
    WHERE status <> 'CANCELLED' AND ((cardinality(review_reasons) > 0 AND verified_at IS NULL)
        OR (service_id IS NULL AND status <> 'COMPLETED')
        OR (status = 'COMPLETED' AND approved_at IS NULL) OR invoice_state = 'FAILED');
-- Alerts that did not reach a technician.
CREATE INDEX outbound_sms_undelivered_alerts ON outbound_sms (created_at)
    WHERE kind = 'ALERT' AND status IN ('FAILED', 'UNDELIVERED', 'OPTED_OUT');

ALTER TABLE services
    ADD COLUMN duration_minutes integer NOT NULL DEFAULT 60
        CHECK (duration_minutes BETWEEN 5 AND 720);

ALTER TABLE dealerships ADD COLUMN address text NOT NULL DEFAULT '';
