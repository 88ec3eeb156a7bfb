-- The turnaround report over long periods (sm2_adapters.postgres.turnaround): each past day's
-- jobs, folded once into one row of how long each took to reach its milestones, so that a year
-- reads 366 compact rows instead of a million jobs' index entries, and the percentiles are
-- still picked exactly, among every job's duration (percentiles do not add up from days).
-- Written by the same fold as the other reports' days (report_days.py), under the same rules:
-- a day is read from here only while it is folded (report_days) and no change to it waits.
CREATE TABLE report_turnaround_days (
    day      date    PRIMARY KEY,
    jobs     integer NOT NULL,
    -- The day's dealerships and services (a job's service may be null), in the order the
    -- spans number them from 0.
    dealers  uuid[]  NOT NULL,
    services text[]  NOT NULL,
    -- Per job, six big-endian int4: its dealership's and its service's number, then the whole
    -- seconds from the text's receipt to created, assigned, started and completed (-2^31: not
    -- reached). About 24 bytes a job, 66 kB for a day of 2,700 jobs.
    spans    bytea   NOT NULL
);
-- Durations do not compress: reading them as they are is faster than trying.
ALTER TABLE report_turnaround_days ALTER COLUMN spans SET STORAGE EXTERNAL;
