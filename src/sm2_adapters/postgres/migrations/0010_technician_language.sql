-- Technicians are told of their work in their own language, as dealerships are answered in theirs.
ALTER TABLE technicians ADD COLUMN language text NOT NULL DEFAULT 'fr'
    CHECK (language IN ('en', 'fr'));
