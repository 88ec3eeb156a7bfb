-- What a job's urgency and review reasons are derived from, kept so an edit can derive them
-- again: the parsed urgency, an admin's explicit urgency, and the parser's doubts.
ALTER TABLE jobs
    ADD COLUMN base_urgency text NOT NULL DEFAULT 'MEDIUM'
        CHECK (base_urgency IN ('LOW', 'MEDIUM', 'HIGH', 'CRITICAL')),
    ADD COLUMN urgency_override text
        CHECK (urgency_override IN ('LOW', 'MEDIUM', 'HIGH', 'CRITICAL')),
    ADD COLUMN parse_warnings text[] NOT NULL DEFAULT '{}';

-- Jobs made before: their stored urgency is the best record of the base there is.
UPDATE jobs SET base_urgency = urgency;
