-- Reports over long periods (sm2_adapters.postgres.report_days): the dealerships', the
-- technicians' and the parser's figures of each past day, folded once, so that a year reads
-- 366 days of sums instead of a million jobs. A folded day is used only while no change to it waits in
-- report_changes; every other day (today, yesterday, a day changed since its fold, a day never
-- folded) is counted from the jobs, as before. The folds are exact: these figures are sums.

-- The zone the days are local to, and a counter every change that unfolds every day moves (a
-- fold that saw an older value is refused: see report_days.py).
CREATE TABLE report_rollup (
    only_row   boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    timezone   text    NOT NULL DEFAULT 'America/Toronto',
    generation bigint  NOT NULL DEFAULT 0
);
INSERT INTO report_rollup DEFAULT VALUES;

-- The days folded.
CREATE TABLE report_days (
    day       date PRIMARY KEY,
    folded_at timestamptz NOT NULL
);

-- Days changed since their fold (or that may have been). Only inserted into by the triggers
-- below, so writers never wait for one another here; a fold deletes the entries its snapshot
-- saw, and an entry written by a transaction it did not see stays for the next fold.
CREATE TABLE report_changes (
    id  bigserial PRIMARY KEY,
    day date NOT NULL
);
CREATE INDEX report_changes_day ON report_changes (day);

-- Per day and dealership: texts received that day, jobs created that day and what became of
-- them (sm2_core.reports.DealershipFigures).
CREATE TABLE report_dealer_days (
    day           date    NOT NULL,
    dealership_id uuid    NOT NULL,
    texts         integer NOT NULL,
    jobs_created  integer NOT NULL,
    completed     integer NOT NULL,
    cancelled     integer NOT NULL,
    invoiced      numeric NOT NULL,
    paid          numeric NOT NULL,
    overdue       numeric NOT NULL,
    PRIMARY KEY (day, dealership_id)
);

-- Per day and technician: the jobs the technician started that day
-- (sm2_core.reports.TechnicianFigures; a row is a working day).
CREATE TABLE report_tech_days (
    day            date             NOT NULL,
    tech_id        uuid             NOT NULL,
    completed      integer          NOT NULL,
    labour_minutes bigint           NOT NULL,
    busy_us        bigint           NOT NULL,
    km             double precision NOT NULL,
    PRIMARY KEY (day, tech_id)
);

-- Per day: the jobs the parser made from a text that day ('parsed'), those of them a dispatcher
-- corrected ('corrected'), and per field corrected (its name) (sm2_core.reports.ParserFigures).
CREATE TABLE report_parser_days (
    day     date    NOT NULL,
    measure text    NOT NULL,
    n       integer NOT NULL,
    PRIMARY KEY (day, measure)
);

-- The technicians' report reads a period's jobs by the time they were started.
CREATE INDEX jobs_reports_started ON jobs (started_at, id)
    INCLUDE (tech_id, zone_id, status, completed_at, labour_minutes)
    WHERE started_at IS NOT NULL AND tech_id IS NOT NULL;

-- The last day a writer records its changes for: the day before yesterday (local). A fold takes
-- days a day older still (report_days.py), so today's and yesterday's figures are always counted
-- from the jobs and intake, which writes today's jobs, records nothing.
CREATE FUNCTION sm2_report_recorded_until(tz text) RETURNS date LANGUAGE sql STABLE AS $$
    SELECT (now() AT TIME ZONE tz)::date - 2
$$;

CREATE FUNCTION sm2_report_record(days date[]) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    tz text := (SELECT timezone FROM report_rollup);
    until date := sm2_report_recorded_until(tz);
BEGIN
    INSERT INTO report_changes (day)
    SELECT DISTINCT d FROM unnest(days) d WHERE d IS NOT NULL AND d <= until;
END $$;

-- A job counts on the day it was created (dealerships) and on the day it was started
-- (technicians): a change records both, before and after.
CREATE FUNCTION sm2_report_jobs_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE tz text := (SELECT timezone FROM report_rollup);
BEGIN
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        PERFORM sm2_report_record(ARRAY(
            SELECT (created_at AT TIME ZONE tz)::date FROM new_rows
            UNION SELECT (started_at AT TIME ZONE tz)::date FROM new_rows));
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        PERFORM sm2_report_record(ARRAY(
            SELECT (created_at AT TIME ZONE tz)::date FROM old_rows
            UNION SELECT (started_at AT TIME ZONE tz)::date FROM old_rows));
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER jobs_report_inserted AFTER INSERT ON jobs REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION sm2_report_jobs_changed();
CREATE TRIGGER jobs_report_updated AFTER UPDATE ON jobs
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION sm2_report_jobs_changed();
CREATE TRIGGER jobs_report_deleted AFTER DELETE ON jobs REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION sm2_report_jobs_changed();

-- A row of a job (an invoice, a parse correction) counts on its job's creation day.
CREATE FUNCTION sm2_report_job_rows_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE tz text := (SELECT timezone FROM report_rollup);
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM sm2_report_record(ARRAY(
            SELECT (j.created_at AT TIME ZONE tz)::date
            FROM new_rows i JOIN jobs j ON j.id = i.job_id));
    ELSIF TG_OP = 'UPDATE' THEN
        PERFORM sm2_report_record(ARRAY(
            SELECT (j.created_at AT TIME ZONE tz)::date
            FROM (SELECT job_id FROM new_rows UNION SELECT job_id FROM old_rows) i
            JOIN jobs j ON j.id = i.job_id));
    ELSE
        PERFORM sm2_report_record(ARRAY(
            SELECT (j.created_at AT TIME ZONE tz)::date
            FROM old_rows i JOIN jobs j ON j.id = i.job_id));
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER invoices_report_inserted AFTER INSERT ON invoices
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION sm2_report_job_rows_changed();
CREATE TRIGGER invoices_report_updated AFTER UPDATE ON invoices
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION sm2_report_job_rows_changed();
CREATE TRIGGER invoices_report_deleted AFTER DELETE ON invoices
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION sm2_report_job_rows_changed();

-- A parse correction counts on its job's creation day.
CREATE TRIGGER corrections_report_inserted AFTER INSERT ON parse_corrections
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION sm2_report_job_rows_changed();
CREATE TRIGGER corrections_report_updated AFTER UPDATE ON parse_corrections
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION sm2_report_job_rows_changed();
CREATE TRIGGER corrections_report_deleted AFTER DELETE ON parse_corrections
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION sm2_report_job_rows_changed();

-- A text counts on the day it was received, for the dealership it came from.
CREATE FUNCTION sm2_report_texts_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE tz text := (SELECT timezone FROM report_rollup);
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM sm2_report_record(ARRAY(
            SELECT (received_at AT TIME ZONE tz)::date FROM new_rows
            WHERE dealership_id IS NOT NULL));
    ELSIF TG_OP = 'UPDATE' THEN
        PERFORM sm2_report_record(ARRAY(
            SELECT (received_at AT TIME ZONE tz)::date FROM new_rows
            UNION SELECT (received_at AT TIME ZONE tz)::date FROM old_rows));
    ELSE
        PERFORM sm2_report_record(ARRAY(
            SELECT (received_at AT TIME ZONE tz)::date FROM old_rows));
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER texts_report_inserted AFTER INSERT ON inbound_messages
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION sm2_report_texts_changed();
CREATE TRIGGER texts_report_updated AFTER UPDATE ON inbound_messages
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION sm2_report_texts_changed();
CREATE TRIGGER texts_report_deleted AFTER DELETE ON inbound_messages
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION sm2_report_texts_changed();

-- What changes every day at once: a zone moved (the technicians' distances), or a table
-- emptied (TRUNCATE fires no row triggers). Every fold is dropped and done again.
CREATE FUNCTION sm2_report_unfold_all() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE report_rollup SET generation = generation + 1;
    DELETE FROM report_days;
    RETURN NULL;
END $$;
CREATE TRIGGER zones_report_moved AFTER UPDATE ON zones FOR EACH ROW
    WHEN (NEW.latitude IS DISTINCT FROM OLD.latitude
          OR NEW.longitude IS DISTINCT FROM OLD.longitude)
    EXECUTE FUNCTION sm2_report_unfold_all();
CREATE TRIGGER jobs_report_truncated AFTER TRUNCATE ON jobs
    FOR EACH STATEMENT EXECUTE FUNCTION sm2_report_unfold_all();
CREATE TRIGGER invoices_report_truncated AFTER TRUNCATE ON invoices
    FOR EACH STATEMENT EXECUTE FUNCTION sm2_report_unfold_all();
CREATE TRIGGER corrections_report_truncated AFTER TRUNCATE ON parse_corrections
    FOR EACH STATEMENT EXECUTE FUNCTION sm2_report_unfold_all();
CREATE TRIGGER texts_report_truncated AFTER TRUNCATE ON inbound_messages
    FOR EACH STATEMENT EXECUTE FUNCTION sm2_report_unfold_all();
CREATE TRIGGER zones_report_deleted AFTER DELETE ON zones
    FOR EACH STATEMENT EXECUTE FUNCTION sm2_report_unfold_all();
CREATE TRIGGER zones_report_truncated AFTER TRUNCATE ON zones
    FOR EACH STATEMENT EXECUTE FUNCTION sm2_report_unfold_all();
