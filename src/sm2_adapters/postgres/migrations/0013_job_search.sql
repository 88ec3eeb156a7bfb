-- The board's free-text search: every job keeps the words it can be found by in a tsvector,
-- behind a GIN index, so a search is an index lookup instead of a scan of every job's text.
-- Core PostgreSQL only: the embedded server has neither pg_trgm nor unaccent.
--
-- sm2_adapters/job_search.py holds the same rules in Python (the memory fake, and the words a
-- search looks for); the two must stay alike. The generated column stores the functions' result:
-- changing them takes a new migration that replaces them and recomputes the column.

-- A text without accents or capitals: letters with a French (or other Western European) accent
-- lose it, œ, æ and ß are spelt out, combining accents are dropped, A-Z become a-z (lower() under
-- the "C" collation changes A-Z only, whatever the database's locale). Anything else is left as
-- it is, and later counts as a separator. A text without accents skips the slow translate().
CREATE FUNCTION sm2_search_plain(value text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT lower(CASE WHEN octet_length(value) = length(value) THEN value ELSE translate(
        replace(replace(replace(replace(replace(value, 'œ', 'oe'), 'Œ', 'oe'), 'æ', 'ae'),
                        'Æ', 'ae'), 'ß', 'ss'),
        'ÀÁÂÃÄÅàáâãäåÇçÈÉÊËèéêëÌÍÎÏìíîïÑñÒÓÔÕÖØòóôõöøÙÚÛÜùúûüÝýÿŸ'
            || U&'\0300\0301\0302\0303\0308\0327',
        'aaaaaaaaaaaacceeeeeeeeiiiiiiiinnoooooooooooouuuuuuuuyyyy') END COLLATE "C")
$$;

-- The words of a plain text, split at anything that is not a-z or 0-9, then the words once more
-- with their inner - _ . / ' ’ removed ("f-150": f, 150 and f150; "l'huile": l, huile and
-- lhuile). Words longer than 64 characters are left out; the array may hold empty strings.
CREATE FUNCTION sm2_search_words(plain text) RETURNS text[]
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT regexp_split_to_array(regexp_replace(plain, '[a-z0-9]{65,}', '', 'g'), '[^a-z0-9]+')
        || regexp_split_to_array(
               regexp_replace(translate(plain, '-_./''’', ''), '[a-z0-9]{65,}', '', 'g'),
               '[^a-z0-9]+')
$$;

-- The last 8, 7, 6, 5 and 4 characters of a VIN (its letters and digits).
CREATE FUNCTION sm2_search_vin_tails(vin text) RETURNS text[]
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT ARRAY[right(vin, 8), right(vin, 7), right(vin, 6), right(vin, 5), right(vin, 4)]
$$;

-- What a job is found by (its lexemes; a search matches their beginnings): its code whole, for
-- an exact search, and its number without leading zeros (SM2-2026-014: sm2-2026-014 and 14); the
-- last characters of its VIN; the words of its code, VIN, stock number, make, model and request
-- text. One expression (no FROM), so that PostgreSQL inlines it: about 45 µs a job.
CREATE FUNCTION sm2_job_search_document(job_code text, vehicle jsonb, request_text text)
    RETURNS tsvector
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT array_to_tsvector(array_remove(array_remove(
        CASE WHEN length(job_code) <= 64
             THEN ARRAY[sm2_search_plain(job_code), ltrim(split_part(job_code, '-', 3), '0')] END
        || sm2_search_vin_tails(
               regexp_replace(sm2_search_plain(vehicle ->> 'vin'), '[^a-z0-9]+', '', 'g'))
        || sm2_search_words(sm2_search_plain(
               job_code || ' ' || coalesce(vehicle ->> 'vin', '') || ' '
               || coalesce(vehicle ->> 'stock_no', '') || ' ' || coalesce(vehicle ->> 'make', '')
               || ' ' || coalesce(vehicle ->> 'model', '') || ' ' || request_text)),
        NULL), ''))
$$;

ALTER TABLE jobs ADD COLUMN search_document tsvector NOT NULL
    GENERATED ALWAYS AS (sm2_job_search_document(job_code, vehicle_data, request_text)) STORED;
-- The search's index. The board's order then comes from sorting the jobs it finds, or, for a word
-- many jobs have, from walking jobs_board and keeping those that match: the planner picks by how
-- common it thinks the words are. With the default statistics a word it has not sampled counts
-- as 0.5% of the jobs (5,000 of a million), and a code or VIN found once would walk the whole
-- board; a larger sample of the column's words keeps rare words rare.
ALTER TABLE jobs ALTER COLUMN search_document SET STATISTICS 3000;
CREATE INDEX jobs_search ON jobs USING gin (search_document);
