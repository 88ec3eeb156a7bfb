-- Reports (sm2_core.reports): when each job's request arrived and when the job reached its
-- milestones, kept on the job itself, so that the turnaround and the technicians' figures read
-- the jobs alone (one index, no join to the texts or the audit log).

ALTER TABLE jobs
    -- The text's receipt; a job typed in by hand: its creation. Filled by the trigger below.
    ADD COLUMN received_at  timestamptz,
    -- Job.assigned_at and Job.started_at, stamped by sm2_core.lifecycle.
    ADD COLUMN assigned_at  timestamptz,
    ADD COLUMN started_at   timestamptz,
    -- The completion's time and labour (Job.completion), as columns a report's index can carry.
    ADD COLUMN completed_at timestamptz,
    ADD COLUMN labour_minutes integer;

-- Every way a job is written (one at a time, in batches, by a restore) gets its text's time
-- without knowing of it. A job's text never changes; if a writer ever changed it, the time
-- follows.
CREATE FUNCTION sm2_job_received_at() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.received_at := coalesce(
        (SELECT m.received_at FROM inbound_messages m WHERE m.id = NEW.source_message_id),
        NEW.created_at);
    RETURN NEW;
END $$;
CREATE TRIGGER jobs_received_at BEFORE INSERT ON jobs
    FOR EACH ROW EXECUTE FUNCTION sm2_job_received_at();
CREATE TRIGGER jobs_received_at_changed BEFORE UPDATE ON jobs
    FOR EACH ROW
    WHEN (NEW.source_message_id IS DISTINCT FROM OLD.source_message_id
          OR NEW.created_at IS DISTINCT FROM OLD.created_at)
    EXECUTE FUNCTION sm2_job_received_at();

-- Jobs made before: their milestones from the audit log, as sm2_core.lifecycle would have
-- stamped them (the last assignment from the board unless put back on it since, the last
-- acceptance unless a hold took the job back since), their completion from its report. One
-- statement: every job row is rewritten once (about three minutes per million jobs).
WITH steps AS (
    SELECT job_id,
           max(at) FILTER (WHERE action = 'assign' AND new_values ->> 'status' = 'SCHEDULED')
               AS assigned,
           max(at) FILTER (WHERE new_values ->> 'status' = 'PENDING') AS unassigned,
           max(at) FILTER (WHERE action = 'accept') AS accepted,
           max(at) FILTER (WHERE old_values ->> 'status' = 'IN_PROGRESS'
                           AND new_values ->> 'status' = 'SCHEDULED') AS held
    FROM audit_logs
    WHERE job_id IS NOT NULL AND action IN ('assign', 'unassign', 'accept', 'edit')
    GROUP BY job_id
), found AS (
    SELECT j.id,
           coalesce(m.received_at, j.created_at) AS received_at,
           CASE WHEN j.status <> 'PENDING'
                     AND s.assigned > coalesce(s.unassigned, '-infinity') THEN s.assigned END
               AS assigned_at,
           CASE WHEN j.status IN ('IN_PROGRESS', 'COMPLETED', 'CANCELLED')
                     AND s.accepted > coalesce(s.held, '-infinity')
                     AND s.accepted > coalesce(s.unassigned, '-infinity') THEN s.accepted END
               AS started_at,
           CASE WHEN j.status = 'COMPLETED'
                THEN (j.completion ->> 'completed_at')::timestamptz END AS completed_at,
           (j.completion ->> 'labour_minutes')::integer AS labour_minutes
    FROM jobs j
    LEFT JOIN steps s ON s.job_id = j.id
    LEFT JOIN inbound_messages m ON m.id = j.source_message_id
)
UPDATE jobs j
SET received_at = f.received_at, assigned_at = f.assigned_at, started_at = f.started_at,
    completed_at = f.completed_at, labour_minutes = f.labour_minutes
FROM found f
WHERE f.id = j.id;

ALTER TABLE jobs ALTER COLUMN received_at SET NOT NULL;

-- The reports read a period's jobs by creation time from this index alone (an index-only
-- scan): what each figure needs is in it, so the wide job rows are never read.
CREATE INDEX jobs_reports ON jobs (created_at, id)
    INCLUDE (dealership_id, service_code, tech_id, zone_id, status, invoice_state, received_at,
             assigned_at, started_at, completed_at, labour_minutes);
-- The parser's report: the jobs made from a text (sm2_core.domain.corrections.is_parsed).
CREATE INDEX jobs_reports_parsed ON jobs (created_at, id)
    WHERE source_message_id IS NOT NULL AND parsing_confidence IS NOT NULL;
-- Texts per dealership in a period.
CREATE INDEX inbound_messages_dealership_received ON inbound_messages (received_at)
    INCLUDE (dealership_id) WHERE dealership_id IS NOT NULL;
-- The invoices of a period's jobs, amounts included (the rows also hold their lines).
CREATE INDEX invoices_reports ON invoices (job_id) INCLUDE (subtotal, total, balance, voided);
