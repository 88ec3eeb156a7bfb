-- The system of record: reference data, jobs, audit, messages, events, integration state.
-- Enums are checked text: adding a value is a one-line CHECK change, and rows read as plain text.

CREATE FUNCTION sm2_touch_updated_at() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.updated_at := now();
    RETURN NEW;
END $$;

CREATE TABLE zones (
    id          uuid PRIMARY KEY,
    name        text NOT NULL CHECK (btrim(name) <> ''),
    description text NOT NULL DEFAULT '',
    latitude    double precision NOT NULL CHECK (latitude BETWEEN -90 AND 90),
    longitude   double precision NOT NULL CHECK (longitude BETWEEN -180 AND 180),
    is_active   boolean NOT NULL DEFAULT true,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX zones_name_key ON zones (lower(name));

CREATE TABLE services (
    id                uuid PRIMARY KEY,
    code              text NOT NULL UNIQUE CHECK (code = upper(code) AND btrim(code) <> ''),
    name              text NOT NULL,
    name_fr           text NOT NULL,
    base_price        numeric(12, 2) NOT NULL CHECK (base_price >= 0),
    requires_approval boolean NOT NULL DEFAULT false,
    is_active         boolean NOT NULL DEFAULT true,
    qb_item_id        text,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE dealerships (
    id               uuid PRIMARY KEY,
    name             text NOT NULL CHECK (btrim(name) <> ''),
    phone            text NOT NULL UNIQUE CHECK (phone ~ '^\+[1-9][0-9]{6,14}$'),
    email            text NOT NULL,
    zone_id          uuid REFERENCES zones (id),
    is_audit_flagged boolean NOT NULL DEFAULT false,
    is_active        boolean NOT NULL DEFAULT true,
    language         text NOT NULL DEFAULT 'fr' CHECK (language IN ('en', 'fr')),
    qb_customer_id   text,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE technicians (
    id         uuid PRIMARY KEY,
    name       text NOT NULL CHECK (btrim(name) <> ''),
    phone      text NOT NULL UNIQUE CHECK (phone ~ '^\+[1-9][0-9]{6,14}$'),
    zone_id    uuid REFERENCES zones (id),
    skills     text[] NOT NULL DEFAULT '{}',
    status     text NOT NULL DEFAULT 'AVAILABLE'
               CHECK (status IN ('AVAILABLE', 'BUSY', 'OFFLINE', 'ON_LEAVE')),
    is_active  boolean NOT NULL DEFAULT true,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE ranking_rules (
    id             uuid PRIMARY KEY,
    description    text NOT NULL CHECK (btrim(description) <> ''),
    dealership_id  uuid REFERENCES dealerships (id),
    service_code   text REFERENCES services (code) ON UPDATE CASCADE,
    make           text,
    target_urgency text CHECK (target_urgency IN ('LOW', 'MEDIUM', 'HIGH', 'CRITICAL')),
    ranking_score  integer NOT NULL DEFAULT 0,
    is_active      boolean NOT NULL DEFAULT true,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    -- A rule with no criterion would match every job.
    CHECK (dealership_id IS NOT NULL OR service_code IS NOT NULL OR make IS NOT NULL)
);

CREATE TABLE users (
    id            uuid PRIMARY KEY,
    username      text NOT NULL CHECK (username = lower(username)),
    role          text NOT NULL CHECK (role IN ('admin', 'tech')),
    password_hash text NOT NULL,
    technician_id uuid REFERENCES technicians (id),
    is_active     boolean NOT NULL DEFAULT true,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    CHECK (role <> 'tech' OR technician_id IS NOT NULL)
);
CREATE UNIQUE INDEX users_username_key ON users (username);

CREATE TABLE inbound_messages (
    id               uuid PRIMARY KEY,
    sid              text NOT NULL UNIQUE,
    from_number      text NOT NULL,
    to_number        text NOT NULL,
    body             text NOT NULL,
    received_at      timestamptz NOT NULL DEFAULT now(),
    status           text NOT NULL DEFAULT 'RECEIVED'
                     CHECK (status IN ('RECEIVED', 'UNMATCHED', 'NO_WORK', 'PROCESSED')),
    dealership_id    uuid REFERENCES dealerships (id),
    job_ids          uuid[] NOT NULL DEFAULT '{}',
    parser           text,
    parse_confidence double precision,
    num_media        integer NOT NULL DEFAULT 0,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now()
);
-- The admins' inbox: messages that made no job, newest first.
CREATE INDEX inbound_messages_inbox ON inbound_messages (received_at DESC)
    WHERE status IN ('UNMATCHED', 'NO_WORK');
-- Messages a crashed worker left unparsed, for re-queueing.
CREATE INDEX inbound_messages_received ON inbound_messages (received_at)
    WHERE status = 'RECEIVED';

CREATE TABLE jobs (
    id                 uuid PRIMARY KEY,
    job_code           text NOT NULL UNIQUE CHECK (job_code ~ '^SM2-[0-9]{4}-[0-9]{3,}$'),
    dealership_id      uuid NOT NULL REFERENCES dealerships (id),
    service_id         uuid REFERENCES services (id),
    service_code       text,
    vehicle_data       jsonb NOT NULL,
    vin                text GENERATED ALWAYS AS (upper(vehicle_data ->> 'vin')) STORED,
    urgency            text NOT NULL CHECK (urgency IN ('LOW', 'MEDIUM', 'HIGH', 'CRITICAL')),
    ranking_score      integer NOT NULL DEFAULT 0,
    applied_rules      text[] NOT NULL DEFAULT '{}',
    status             text NOT NULL DEFAULT 'PENDING'
                       CHECK (status IN ('PENDING', 'SCHEDULED', 'IN_PROGRESS', 'COMPLETED',
                                         'CANCELLED')),
    invoice_state      text NOT NULL DEFAULT 'NOT_STARTED'
                       CHECK (invoice_state IN ('NOT_STARTED', 'PENDING_APPROVAL', 'SYNCED',
                                                'FAILED')),
    parsing_confidence double precision,
    review_reasons     text[] NOT NULL DEFAULT '{}',
    verified_by        text,
    verified_at        timestamptz,
    tech_id            uuid REFERENCES technicians (id),
    zone_id            uuid REFERENCES zones (id),
    source_message_id  uuid REFERENCES inbound_messages (id),
    request_text       text NOT NULL DEFAULT '',
    cancel_reason      text,
    completion         jsonb,
    approved_by        text,
    approved_at        timestamptz,
    qb_invoice_id      text,
    invoice_error      text,
    version            integer NOT NULL DEFAULT 1 CHECK (version >= 1),
    -- The board sorts by urgency and score (highest first), then age and id (ascending).
    -- Generated, negated copies make that one ascending key, so a keyset page is a plain row
    -- comparison that PostgreSQL answers with an index seek at any depth.
    sort_urgency       smallint GENERATED ALWAYS AS (
                           CASE urgency WHEN 'CRITICAL' THEN 0 WHEN 'HIGH' THEN 1
                                        WHEN 'MEDIUM' THEN 2 ELSE 3 END) STORED,
    sort_score         integer GENERATED ALWAYS AS (-ranking_score) STORED,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    -- The safety lock, once more where no code path can skip it.
    CHECK (invoice_state <> 'SYNCED' OR (status = 'COMPLETED' AND approved_at IS NOT NULL)),
    CHECK (status NOT IN ('SCHEDULED', 'IN_PROGRESS') OR tech_id IS NOT NULL)
);
-- The board, and the same order under each common filter (keyset pages).
CREATE INDEX jobs_board ON jobs (sort_urgency, sort_score, created_at, id);
CREATE INDEX jobs_board_status ON jobs (status, sort_urgency, sort_score, created_at, id);
CREATE INDEX jobs_board_dealership ON jobs (dealership_id, sort_urgency, sort_score, created_at, id);
CREATE INDEX jobs_board_technician ON jobs (tech_id, sort_urgency, sort_score, created_at, id)
    WHERE tech_id IS NOT NULL;
-- A VIN's history.
CREATE INDEX jobs_vin ON jobs (vin, created_at) WHERE vin IS NOT NULL;
CREATE INDEX jobs_qb_invoice_id ON jobs (qb_invoice_id) WHERE qb_invoice_id IS NOT NULL;
CREATE INDEX jobs_created_at ON jobs (created_at);

CREATE TABLE audit_logs (
    id         uuid PRIMARY KEY,
    subject    text NOT NULL,
    subject_id uuid NOT NULL,
    -- Job entries go with their job.
    job_id     uuid REFERENCES jobs (id) ON DELETE CASCADE,
    action     text NOT NULL,
    actor      text NOT NULL,
    at         timestamptz NOT NULL DEFAULT now(),
    old_values jsonb NOT NULL DEFAULT '{}',
    new_values jsonb NOT NULL DEFAULT '{}',
    seq        bigint GENERATED ALWAYS AS IDENTITY
);
CREATE INDEX audit_logs_subject ON audit_logs (subject, subject_id, at, seq);
CREATE INDEX audit_logs_job ON audit_logs (job_id) WHERE job_id IS NOT NULL;

CREATE TABLE outbound_sms (
    id           uuid PRIMARY KEY,
    to_number    text NOT NULL,
    body         text NOT NULL,
    status       text NOT NULL DEFAULT 'QUEUED'
                 CHECK (status IN ('QUEUED', 'SENT', 'FAILED', 'NOT_CONFIGURED')),
    provider_sid text,
    error        text,
    job_id       uuid REFERENCES jobs (id) ON DELETE SET NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now()
);

-- Events, written in the transaction of the change they describe. Readers resume after an id,
-- in (xid, id) order and only below the oldest running transaction, so an event that commits
-- late is never skipped.
CREATE TABLE events (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    xid         xid8 NOT NULL DEFAULT pg_current_xact_id(),
    name        text NOT NULL,
    subject_id  uuid NOT NULL,
    occurred_at timestamptz NOT NULL,
    data        jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX events_xid_id ON events (xid, id);

-- Integration credentials (QuickBooks tokens), encrypted by the application.
CREATE TABLE integration_tokens (
    provider      text PRIMARY KEY,
    realm_id      text,
    access_token  text,
    refresh_token text,
    expires_at    timestamptz,
    status        text NOT NULL DEFAULT 'CONNECTED',
    last_error    text,
    updated_at    timestamptz NOT NULL DEFAULT now()
);

-- Rolling-window counters (LLM calls per dealership, login failures per username).
CREATE TABLE rate_limit_hits (
    key text        NOT NULL,
    at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX rate_limit_hits_key_at ON rate_limit_hits (key, at);

-- Job codes count up per calendar year, from one sequence per year: no row lock is held until
-- commit, so concurrent intakes never wait on each other (a rolled back intake leaves a gap).
CREATE FUNCTION sm2_next_job_number(year integer) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    seq text := format('job_code_seq_%s', year);
BEGIN
    RETURN nextval(seq);
EXCEPTION WHEN undefined_table THEN
    BEGIN
        EXECUTE format('CREATE SEQUENCE IF NOT EXISTS %I', seq);
    EXCEPTION WHEN unique_violation OR duplicate_table THEN
        NULL;  -- another transaction created it first
    END;
    RETURN nextval(seq);
END $$;

DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['zones', 'services', 'dealerships', 'technicians', 'ranking_rules',
                             'users', 'inbound_messages', 'jobs', 'outbound_sms',
                             'integration_tokens']
    LOOP
        EXECUTE format('CREATE TRIGGER %I BEFORE UPDATE ON %I FOR EACH ROW '
                       'EXECUTE FUNCTION sm2_touch_updated_at()', t || '_touch', t);
    END LOOP;
END $$;
