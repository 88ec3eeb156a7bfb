-- The language the parser read a text in: what a correction of its jobs is labeled with.
-- Texts parsed before this migration have none (their corrections take the dealership's).
ALTER TABLE inbound_messages ADD COLUMN language text CHECK (language IN ('en', 'fr'));

-- Dispatchers' corrections of what the parser read: one per job and parsed field, holding the
-- parser's value (from the first correction) and the dispatcher's latest. A copy of the text
-- and its sender goes with each, so a correction is a labeled example on its own.
CREATE TABLE parse_corrections (
    id           uuid PRIMARY KEY,
    job_id       uuid NOT NULL REFERENCES jobs (id),
    message_id   uuid NOT NULL REFERENCES inbound_messages (id),
    field        text NOT NULL
                 CHECK (field IN ('year', 'make', 'model', 'vin', 'stock_no', 'service_code')),
    parsed       text,
    corrected    text,
    corrected_by text NOT NULL,
    corrected_at timestamptz NOT NULL,
    sender       text NOT NULL,
    body         text NOT NULL,
    language     text NOT NULL CHECK (language IN ('en', 'fr')),
    UNIQUE (job_id, field)
);
-- The export and the API list them by time (keyset pages).
CREATE INDEX parse_corrections_time ON parse_corrections (corrected_at, id);
