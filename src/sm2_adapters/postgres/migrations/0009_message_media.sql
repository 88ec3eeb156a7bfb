-- MMS: the photos and files attached to a text. The carrier's word on each (an id given at
-- receipt, its URL, the type it claimed) is kept with the text itself, written by the same
-- receipt statement; where each item's fetch stands is a row of message_media, written by the
-- fetch task once it is tried (an item without a row is still pending).
ALTER TABLE inbound_messages ADD COLUMN media jsonb NOT NULL DEFAULT '[]'
    CHECK (jsonb_typeof(media) = 'array');

CREATE TABLE message_media (
    id            uuid PRIMARY KEY,
    message_id    uuid NOT NULL REFERENCES inbound_messages (id) ON DELETE CASCADE,
    position      integer NOT NULL CHECK (position >= 0),
    state         text NOT NULL CHECK (state IN ('pending', 'stored', 'refused', 'failed')),
    declared_type text,
    content_type  text,
    size          bigint CHECK (size >= 0),
    blob_key      text,
    error         text,
    attempts      integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    updated_at    timestamptz NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    -- Also the index of "the items of these texts, in order".
    UNIQUE (message_id, position),
    CHECK (state <> 'stored' OR (content_type IS NOT NULL AND size IS NOT NULL
                                 AND blob_key IS NOT NULL))
);
