-- The board's search, one urgency at a time (sm2_adapters.postgres.text_search): each urgency has
-- its own part of the search index, so that asking for the jobs of one urgency that have a word
-- reads only theirs. A word tied to the board's order ("urgent": every job saying it is HIGH)
-- no longer costs a pass over every CRITICAL job. Each job is in exactly one part: the parts
-- together are the size of the index they replace.
SET LOCAL maintenance_work_mem = '256MB';
CREATE INDEX jobs_search_critical ON jobs USING gin (search_document) WHERE sort_urgency = 0;
CREATE INDEX jobs_search_high ON jobs USING gin (search_document) WHERE sort_urgency = 1;
CREATE INDEX jobs_search_medium ON jobs USING gin (search_document) WHERE sort_urgency = 2;
CREATE INDEX jobs_search_low ON jobs USING gin (search_document) WHERE sort_urgency = 3;
DROP INDEX jobs_search;
