-- Estimates that hold up at the counter: the state's overage rule, authorizations with the
-- estimate revision each one approved, canned jobs, and the local parts catalog.

-- How far the total may pass the authorized amount before a supplementary authorization is
-- needed: the larger of a percentage and a flat amount, never above the cap. All zero (the
-- default, California's rule) means any increase needs the customer's consent.
ALTER TABLE shop_settings ADD COLUMN overage_rate_ppm INTEGER NOT NULL DEFAULT 0
    CHECK (overage_rate_ppm BETWEEN 0 AND 1000000);
ALTER TABLE shop_settings ADD COLUMN overage_flat_cents INTEGER NOT NULL DEFAULT 0 CHECK (overage_flat_cents >= 0);
ALTER TABLE shop_settings ADD COLUMN overage_cap_cents INTEGER CHECK (overage_cap_cents >= 0);

-- Every authorization is kept with the estimate it approved (the revision), never changed.
CREATE TABLE authorizations (
    id                  INTEGER PRIMARY KEY,
    uid                 TEXT    NOT NULL UNIQUE,
    repair_order_id     INTEGER NOT NULL REFERENCES repair_orders (id),
    revision            INTEGER NOT NULL CHECK (revision > 0),
    kind                TEXT    NOT NULL CHECK (kind IN ('initial', 'supplementary')),
    method              TEXT    NOT NULL CHECK (method IN ('in_person', 'phone', 'text')),
    authorized_by       TEXT    NOT NULL CHECK (length(authorized_by) BETWEEN 1 AND 100),
    phone               TEXT,   -- E.164; required for phone and text authorizations
    amount_cents        INTEGER NOT NULL CHECK (amount_cents >= 0),
    note                TEXT,
    estimate            TEXT    NOT NULL CHECK (json_valid(estimate)),   -- lines and totals approved
    authorized_at       TEXT    NOT NULL,
    UNIQUE (repair_order_id, revision),
    CHECK (method = 'in_person' OR phone IS NOT NULL)
);

-- Saved bundles of lines ("Front brake pads and rotors"), added to an estimate in one step.
CREATE TABLE canned_jobs (
    id          INTEGER PRIMARY KEY,
    uid         TEXT    NOT NULL UNIQUE,
    name        TEXT    NOT NULL UNIQUE COLLATE NOCASE CHECK (length(name) BETWEEN 1 AND 100),
    lines       TEXT    NOT NULL CHECK (json_valid(lines) AND json_array_length(lines) > 0),
    created_at  TEXT    NOT NULL,
    updated_at  TEXT    NOT NULL
);

-- The shop's own price list or inventory, filled by CSV import: the always-available parts
-- provider and the data behind the last-resort price estimator.
CREATE TABLE parts_catalog (
    id                  INTEGER PRIMARY KEY,
    part_number         TEXT    NOT NULL CHECK (length(part_number) BETWEEN 1 AND 60),
    part_key            TEXT    NOT NULL,   -- the part number lower-cased, letters and digits only
    brand               TEXT    NOT NULL DEFAULT '',
    upc                 TEXT,
    description         TEXT    NOT NULL CHECK (length(description) BETWEEN 1 AND 200),
    category            TEXT    NOT NULL DEFAULT '',
    cost_cents          INTEGER NOT NULL CHECK (cost_cents >= 0),
    list_cents          INTEGER CHECK (list_cents >= 0),
    quantity_on_hand    INTEGER NOT NULL DEFAULT 0,
    updated_at          TEXT    NOT NULL,
    UNIQUE (part_number, brand)
);
CREATE INDEX parts_catalog_key ON parts_catalog (part_key);
CREATE INDEX parts_catalog_upc ON parts_catalog (upc);
CREATE INDEX parts_catalog_category ON parts_catalog (category COLLATE NOCASE);

-- The shop's markup matrix: cost bands to retail multipliers, as JSON (see dixon_parts::MarkupMatrix).
CREATE TABLE parts_settings (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    markup      TEXT    CHECK (markup IS NULL OR json_valid(markup)),
    updated_at  TEXT
);
INSERT INTO parts_settings (id) VALUES (1);
