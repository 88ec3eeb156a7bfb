-- Everyone who should know, knows: technician alerts (SMS or Web Push), dealership status texts,
-- conversations per phone number, delivery statuses and opt-outs.

-- The outbox holds every text and push we send, whatever it is for.
ALTER TABLE outbound_sms DROP CONSTRAINT IF EXISTS outbound_sms_status_check;
ALTER TABLE outbound_sms
    ADD CONSTRAINT outbound_sms_status_check CHECK (status IN (
        'QUEUED', 'SENDING', 'PUSHED', 'SENT', 'DELIVERED', 'UNDELIVERED', 'FAILED',
        'NOT_CONFIGURED', 'OPTED_OUT')),
    ADD COLUMN kind text NOT NULL DEFAULT 'CONFIRMATION'
        CHECK (kind IN ('CONFIRMATION', 'ALERT', 'STATUS', 'REPLY', 'SUMMARY')),
    ADD COLUMN channel text NOT NULL DEFAULT 'SMS' CHECK (channel IN ('SMS', 'PUSH')),
    ADD COLUMN job_ids uuid[] NOT NULL DEFAULT '{}',
    ADD COLUMN dealership_id uuid REFERENCES dealerships (id) ON DELETE SET NULL,
    ADD COLUMN technician_id uuid REFERENCES technicians (id) ON DELETE SET NULL,
    ADD COLUMN error_code text,
    ADD COLUMN sent_at timestamptz,
    ADD COLUMN sent_by text;
UPDATE outbound_sms SET job_ids = ARRAY[job_id] WHERE job_id IS NOT NULL;
-- Twilio's status callbacks name the message by its sid.
CREATE UNIQUE INDEX outbound_sms_provider_sid ON outbound_sms (provider_sid)
    WHERE provider_sid IS NOT NULL;
-- A conversation is every text to and from one number, newest last.
CREATE INDEX outbound_sms_to_number ON outbound_sms (to_number, created_at);
CREATE INDEX inbound_messages_from_number ON inbound_messages (from_number, received_at);

-- What a technician or dealership is to be told, until it goes out in a message: changes close
-- together go as one message.
CREATE TABLE notices (
    id          uuid PRIMARY KEY,
    seq         bigint GENERATED ALWAYS AS IDENTITY,
    recipient   text NOT NULL,
    kind        text NOT NULL,
    job_id      uuid NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    created_at  timestamptz NOT NULL,
    outbox_id   uuid REFERENCES outbound_sms (id) ON DELETE SET NULL,
    sent_at     timestamptz
);
CREATE INDEX notices_pending ON notices (recipient, seq) WHERE sent_at IS NULL;

-- Per recipient, the time until which further notices wait for the combined message.
CREATE TABLE notice_windows (
    recipient   text PRIMARY KEY,
    opened_at   timestamptz NOT NULL,
    closes_at   timestamptz NOT NULL,
    flush_queued boolean NOT NULL DEFAULT false
);

-- Each browser a technician allowed notifications in.
CREATE TABLE push_subscriptions (
    id            uuid PRIMARY KEY,
    technician_id uuid NOT NULL REFERENCES technicians (id) ON DELETE CASCADE,
    endpoint      text NOT NULL UNIQUE,
    p256dh        text NOT NULL,
    auth          text NOT NULL,
    created_at    timestamptz NOT NULL,
    user_agent    text
);
CREATE INDEX push_subscriptions_technician ON push_subscriptions (technician_id);

-- Numbers that texted STOP (or that Twilio refuses as opted out), until they text START.
CREATE TABLE opt_outs (
    phone       text PRIMARY KEY,
    since       timestamptz NOT NULL,
    source      text NOT NULL
);

-- Until when the dispatchers have read each conversation.
CREATE TABLE conversation_reads (
    phone       text PRIMARY KEY,
    read_at     timestamptz NOT NULL
);

-- Which status texts a dealership receives.
ALTER TABLE dealerships ADD COLUMN notify_on text[] NOT NULL
    DEFAULT ARRAY['assigned', 'started', 'completed']
    CHECK (notify_on <@ ARRAY['assigned', 'started', 'completed']);

-- The morning summary goes once a day.
CREATE TABLE daily_summaries (
    day         date PRIMARY KEY,
    sent_at     timestamptz NOT NULL
);
