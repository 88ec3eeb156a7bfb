-- The board's free-text search: every job keeps the words it can be found by in a tsvector,
-- behind a GIN index, so a search is an index lookup instead of a scan of every job's text.
-- Core PostgreSQL only: the embedded server has neither pg_trgm nor unaccent.
--
-- sm2_adapters/job_search.py holds the same rules in Python (the memory fake, and the words a
-- search looks for); the two must stay alike. The generated column stores the functions' result:
-- changing them takes a new migration that replaces them and recomputes the column.

-- A text without accents or capitals: letters with a French (or other Western European) accent
-- lose it, œ, æ and ß are spelt out, combining accents are dropped, A-Z become a-z. Anything else
-- is left as it is (and later counts as a separator).
CREATE FUNCTION sm2_search_plain(value text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT translate(
        replace(replace(replace(replace(replace(value, 'œ', 'oe'), 'Œ', 'oe'), 'æ', 'ae'),
                        'Æ', 'ae'), 'ß', 'ss'),
        'ABCDEFGHIJKLMNOPQRSTUVWXYZÀÁÂÃÄÅàáâãäåÇçÈÉÊËèéêëÌÍÎÏìíîïÑñÒÓÔÕÖØòóôõöøÙÚÛÜùúûüÝýÿŸ'
            || U&'\0300\0301\0302\0303\0308\0327',
        'abcdefghijklmnopqrstuvwxyzaaaaaaaaaaaacceeeeeeeeiiiiiiiinnoooooooooooouuuuuuuuyyyy')
$$;

-- What a job is found by (its lexemes; a search matches their beginnings):
-- * its code whole, for an exact search, and its number without leading zeros
--   (SM2-2026-014: sm2-2026-014 and 14);
-- * the last 8, 7, 6, 5 and 4 characters of its VIN;
-- * the words of its code, VIN, stock number, make, model and request text, split at anything
--   that is not a letter or a digit, and once more with their inner - _ . / ' ’ removed
--   ("F-150": f, 150 and f150; "l'huile": l, huile and lhuile).
-- Words longer than 64 characters are left out.
CREATE FUNCTION sm2_job_search_document(job_code text, vehicle jsonb, request_text text)
    RETURNS tsvector
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT coalesce(array_to_tsvector(array_agg(DISTINCT word)), ''::tsvector)
    FROM (SELECT sm2_search_plain(concat_ws(' ', job_code, vehicle ->> 'vin',
                                            vehicle ->> 'stock_no', vehicle ->> 'make',
                                            vehicle ->> 'model', request_text)) AS plain,
                 regexp_replace(sm2_search_plain(vehicle ->> 'vin'), '[^a-z0-9]+', '', 'g')
                     AS vin) AS job,
         unnest(
             ARRAY[sm2_search_plain(job_code), ltrim(split_part(job_code, '-', 3), '0'),
                   right(job.vin, 8), right(job.vin, 7), right(job.vin, 6), right(job.vin, 5),
                   right(job.vin, 4)]
             || regexp_split_to_array(regexp_replace(job.plain, '[^a-z0-9]+', ' ', 'g'), ' ')
             || regexp_split_to_array(
                 regexp_replace(translate(job.plain, '-_./''’', ''), '[^a-z0-9]+', ' ', 'g'), ' ')
         ) AS word
    WHERE word <> '' AND length(word) <= 64
$$;

ALTER TABLE jobs ADD COLUMN search_document tsvector NOT NULL
    GENERATED ALWAYS AS (sm2_job_search_document(job_code, vehicle_data, request_text)) STORED;
-- The search's index; the board's order then comes from sorting the (few) jobs it finds, or,
-- for a word most jobs have, from walking jobs_board and keeping those that match.
CREATE INDEX jobs_search ON jobs USING gin (search_document);
