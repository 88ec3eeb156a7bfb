-- The report folds' changes carry the zone their day is local to (postgres.report_days). A writer
-- reads the company's zone when its statement runs; if SM2_TIMEZONE changes before it commits,
-- its day is the old zone's, and a day of the new zone next to it may hold the change. Such an
-- entry now says so: a report treats the days around it as changed, and the next fold turns it
-- into entries of the new zone for each of them. (Entries from before this column are the
-- zone the rollup names: a zone change dropped every older one.)
ALTER TABLE report_changes ADD COLUMN timezone text;

CREATE FUNCTION sm2_report_record(days date[], tz text) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    until date := sm2_report_recorded_until(tz);
BEGIN
    INSERT INTO report_changes (day, timezone)
    SELECT DISTINCT d, tz FROM unnest(days) d WHERE d IS NOT NULL AND d <= until;
END $$;

CREATE OR REPLACE FUNCTION sm2_report_jobs_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE tz text := (SELECT timezone FROM report_rollup);
BEGIN
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        PERFORM sm2_report_record(ARRAY(
            SELECT (created_at AT TIME ZONE tz)::date FROM new_rows
            UNION SELECT (started_at AT TIME ZONE tz)::date FROM new_rows), tz);
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        PERFORM sm2_report_record(ARRAY(
            SELECT (created_at AT TIME ZONE tz)::date FROM old_rows
            UNION SELECT (started_at AT TIME ZONE tz)::date FROM old_rows), tz);
    END IF;
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION sm2_report_job_rows_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE tz text := (SELECT timezone FROM report_rollup);
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM sm2_report_record(ARRAY(
            SELECT (j.created_at AT TIME ZONE tz)::date
            FROM new_rows i JOIN jobs j ON j.id = i.job_id), tz);
    ELSIF TG_OP = 'UPDATE' THEN
        PERFORM sm2_report_record(ARRAY(
            SELECT (j.created_at AT TIME ZONE tz)::date
            FROM (SELECT job_id FROM new_rows UNION SELECT job_id FROM old_rows) i
            JOIN jobs j ON j.id = i.job_id), tz);
    ELSE
        PERFORM sm2_report_record(ARRAY(
            SELECT (j.created_at AT TIME ZONE tz)::date
            FROM old_rows i JOIN jobs j ON j.id = i.job_id), tz);
    END IF;
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION sm2_report_texts_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE tz text := (SELECT timezone FROM report_rollup);
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM sm2_report_record(ARRAY(
            SELECT (received_at AT TIME ZONE tz)::date FROM new_rows
            WHERE dealership_id IS NOT NULL), tz);
    ELSIF TG_OP = 'UPDATE' THEN
        PERFORM sm2_report_record(ARRAY(
            SELECT (received_at AT TIME ZONE tz)::date FROM new_rows
            UNION SELECT (received_at AT TIME ZONE tz)::date FROM old_rows), tz);
    ELSE
        PERFORM sm2_report_record(ARRAY(
            SELECT (received_at AT TIME ZONE tz)::date FROM old_rows), tz);
    END IF;
    RETURN NULL;
END $$;

DROP FUNCTION sm2_report_record(date[]);
