-- Proof of work: the photos technicians attach to their jobs, and the services that require
-- them before a job is completed. The bytes live in the blob store (the filesystem or S3);
-- a row names them, and is written only once they are (sm2_core.services.photos).
CREATE TABLE job_photos (
    id            uuid PRIMARY KEY,
    job_id        uuid NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    technician_id uuid NOT NULL REFERENCES technicians (id),
    content_type  text NOT NULL CHECK (content_type IN ('image/jpeg', 'image/png', 'image/webp')),
    size          bigint NOT NULL CHECK (size > 0),
    blob_key      text NOT NULL CHECK (btrim(blob_key) <> ''),
    thumb_key     text NOT NULL CHECK (btrim(thumb_key) <> ''),
    thumb_type    text NOT NULL DEFAULT 'image/jpeg',
    width         integer NOT NULL DEFAULT 0 CHECK (width >= 0),
    height        integer NOT NULL DEFAULT 0 CHECK (height >= 0),
    -- The type sent, when it was converted (HEIC/HEIF kept as JPEG); null when kept as sent.
    original_type text,
    created_at    timestamptz NOT NULL
);
-- A job's photos in order (its page, its count before another is taken).
CREATE INDEX job_photos_job ON job_photos (job_id, created_at, id);

ALTER TABLE services ADD COLUMN requires_photos boolean NOT NULL DEFAULT false;
