-- Intake keeps the reference data it reads (dealerships, services, ranking rules) in each
-- process and reads it again only when this number has moved: a batch of texts then costs one
-- short read instead of three tables. Every change to those tables moves it, when its
-- transaction commits (a change rolled back moves nothing).
CREATE TABLE reference_version (
    only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    version  bigint  NOT NULL DEFAULT 0
);
INSERT INTO reference_version DEFAULT VALUES;

CREATE FUNCTION sm2_reference_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE reference_version SET version = version + 1;
    RETURN NULL;
END $$;

-- Deferred to the commit: the counter's row is the last lock a change takes, after every row
-- it wrote, so two admins' changes wait for each other there and never deadlock.
CREATE CONSTRAINT TRIGGER dealerships_reference_changed
    AFTER INSERT OR UPDATE OR DELETE ON dealerships DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION sm2_reference_changed();
CREATE CONSTRAINT TRIGGER services_reference_changed
    AFTER INSERT OR UPDATE OR DELETE ON services DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION sm2_reference_changed();
CREATE CONSTRAINT TRIGGER ranking_rules_reference_changed
    AFTER INSERT OR UPDATE OR DELETE ON ranking_rules DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION sm2_reference_changed();

-- TRUNCATE fires no row triggers (a restore, or the tests emptying the tables).
CREATE TRIGGER dealerships_reference_truncated AFTER TRUNCATE ON dealerships
    FOR EACH STATEMENT EXECUTE FUNCTION sm2_reference_changed();
CREATE TRIGGER services_reference_truncated AFTER TRUNCATE ON services
    FOR EACH STATEMENT EXECUTE FUNCTION sm2_reference_changed();
CREATE TRIGGER ranking_rules_reference_truncated AFTER TRUNCATE ON ranking_rules
    FOR EACH STATEMENT EXECUTE FUNCTION sm2_reference_changed();
