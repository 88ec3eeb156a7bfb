-- The core stamps updated_at from its clock; the database fills it in only for writers that
-- leave it as it was (plain SQL, imports), so both kinds of writer keep it maintained.
CREATE OR REPLACE FUNCTION sm2_touch_updated_at() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.updated_at IS NOT DISTINCT FROM OLD.updated_at THEN
        NEW.updated_at := now();
    END IF;
    RETURN NEW;
END $$;
