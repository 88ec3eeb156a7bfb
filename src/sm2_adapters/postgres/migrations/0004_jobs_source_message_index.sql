-- jobs.source_message_id references inbound_messages: without an index, deleting a text (a
-- retention clean-up, a benchmark's) makes PostgreSQL scan every job to check the reference,
-- once per text deleted. Jobs typed in by hand have no source text, hence the partial index.
CREATE INDEX jobs_source_message ON jobs (source_message_id) WHERE source_message_id IS NOT NULL;
