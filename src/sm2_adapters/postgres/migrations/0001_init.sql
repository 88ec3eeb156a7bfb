-- The first migration: it only opens the migration history.
-- sm2_meta holds facts about this installation as key/value pairs.
CREATE TABLE sm2_meta (
    key   text PRIMARY KEY,
    value text NOT NULL
);

INSERT INTO sm2_meta (key, value) VALUES ('schema_created_at', now()::text);
