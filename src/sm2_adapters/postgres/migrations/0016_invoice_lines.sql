-- Invoices that bill the work: the parts catalog, dealerships' own prices, labour beyond what a
-- service includes at the dealership's hourly rate, and the dispatcher's adjustments of a job's
-- lines before approval (the lines approved are kept on the job).

CREATE TABLE parts (
    id         uuid PRIMARY KEY,
    name       text NOT NULL CHECK (btrim(name) <> ''),
    sku        text NOT NULL DEFAULT '',
    price      numeric(12, 2) NOT NULL CHECK (price >= 0),
    is_active  boolean NOT NULL DEFAULT true,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
-- A technician names a part by its name or its SKU, in any case: both are unique so.
CREATE UNIQUE INDEX parts_name_key ON parts (lower(name));
CREATE UNIQUE INDEX parts_sku_key ON parts (lower(sku)) WHERE sku <> '';
CREATE TRIGGER parts_touch BEFORE UPDATE ON parts
    FOR EACH ROW EXECUTE FUNCTION sm2_touch_updated_at();

CREATE TABLE prices (
    id            uuid PRIMARY KEY,
    dealership_id uuid NOT NULL REFERENCES dealerships (id),
    -- As ranking rules name services: by code, following a renamed code.
    service_code  text NOT NULL REFERENCES services (code) ON UPDATE CASCADE,
    price         numeric(12, 2) NOT NULL CHECK (price >= 0),
    is_active     boolean NOT NULL DEFAULT true,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    UNIQUE (dealership_id, service_code)
);
CREATE TRIGGER prices_touch BEFORE UPDATE ON prices
    FOR EACH ROW EXECUTE FUNCTION sm2_touch_updated_at();

ALTER TABLE services
    ADD COLUMN included_minutes integer NOT NULL DEFAULT 60
        CHECK (included_minutes BETWEEN 0 AND 1440);

ALTER TABLE dealerships
    ADD COLUMN hourly_rate numeric(12, 2) NOT NULL DEFAULT 95.00 CHECK (hourly_rate >= 0);

ALTER TABLE jobs
    ADD COLUMN invoice_adjustments jsonb NOT NULL DEFAULT '[]'
        CHECK (jsonb_typeof(invoice_adjustments) = 'array'),
    ADD COLUMN invoice_lines jsonb NOT NULL DEFAULT '[]'
        CHECK (jsonb_typeof(invoice_lines) = 'array');
