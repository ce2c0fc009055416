-- Dixon Counter's local store: the source of truth on the counter PC.
-- Money is integer cents, rates are parts per million, times are RFC 3339 UTC text.
-- Every synced record carries a `uid` (UUID) so the cloud can tell records of different counters apart.

CREATE TABLE shop_settings (
    id                          INTEGER PRIMARY KEY CHECK (id = 1),
    name                        TEXT    NOT NULL DEFAULT '',
    address_line1               TEXT    NOT NULL DEFAULT '',
    address_line2               TEXT    NOT NULL DEFAULT '',
    city                        TEXT    NOT NULL DEFAULT '',
    state                       TEXT    NOT NULL DEFAULT '',
    postal_code                 TEXT    NOT NULL DEFAULT '',
    phone                       TEXT    NOT NULL DEFAULT '',
    email                       TEXT    NOT NULL DEFAULT '',
    logo                        BLOB,
    logo_mime                   TEXT CHECK (logo_mime IN ('image/png', 'image/jpeg')),
    labor_rate_cents            INTEGER NOT NULL DEFAULT 0 CHECK (labor_rate_cents >= 0),
    parts_tax_rate_ppm          INTEGER NOT NULL DEFAULT 0 CHECK (parts_tax_rate_ppm BETWEEN 0 AND 1000000),
    labor_tax_rate_ppm          INTEGER NOT NULL DEFAULT 0 CHECK (labor_tax_rate_ppm BETWEEN 0 AND 1000000),
    supplies_rate_ppm           INTEGER NOT NULL DEFAULT 0 CHECK (supplies_rate_ppm BETWEEN 0 AND 1000000),
    supplies_basis              TEXT    NOT NULL DEFAULT 'labor' CHECK (supplies_basis IN ('labor', 'parts', 'parts_and_labor')),
    supplies_minimum_cents      INTEGER NOT NULL DEFAULT 0 CHECK (supplies_minimum_cents >= 0),
    supplies_cap_cents          INTEGER CHECK (supplies_cap_cents >= 0),
    supplies_taxable            INTEGER NOT NULL DEFAULT 0 CHECK (supplies_taxable IN (0, 1)),
    hazardous_waste_cents       INTEGER NOT NULL DEFAULT 0 CHECK (hazardous_waste_cents >= 0),
    hazardous_waste_taxable     INTEGER NOT NULL DEFAULT 0 CHECK (hazardous_waste_taxable IN (0, 1)),
    state_registration_number   TEXT    NOT NULL DEFAULT '',
    epa_id                      TEXT    NOT NULL DEFAULT '',
    updated_at                  TEXT
);
INSERT INTO shop_settings (id) VALUES (1);

CREATE TABLE customers (
    id                  INTEGER PRIMARY KEY,
    uid                 TEXT    NOT NULL UNIQUE,
    name                TEXT    NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    phone               TEXT,   -- E.164
    email               TEXT,
    preferred_contact   TEXT    NOT NULL CHECK (preferred_contact IN ('call', 'text', 'email')),
    sms_consent         INTEGER NOT NULL DEFAULT 0 CHECK (sms_consent IN (0, 1)),
    sms_consent_at      TEXT,   -- proof of when consent was given
    notes               TEXT    NOT NULL DEFAULT '',
    created_at          TEXT    NOT NULL,
    updated_at          TEXT    NOT NULL,
    CHECK (phone IS NOT NULL OR email IS NOT NULL)
);
CREATE INDEX customers_name ON customers (name COLLATE NOCASE);
CREATE INDEX customers_phone ON customers (phone);

CREATE TABLE vehicles (
    id              INTEGER PRIMARY KEY,
    uid             TEXT    NOT NULL UNIQUE,
    customer_id     INTEGER NOT NULL REFERENCES customers (id),
    vin             TEXT    CHECK (vin IS NULL OR length(vin) = 17),
    year            INTEGER CHECK (year IS NULL OR year BETWEEN 1900 AND 2100),
    make            TEXT,
    model           TEXT,
    trim            TEXT,   -- filled by VIN decoding
    engine          TEXT,
    plate           TEXT,
    plate_state     TEXT,
    odometer        INTEGER CHECK (odometer IS NULL OR odometer >= 0),
    created_at      TEXT    NOT NULL,
    updated_at      TEXT    NOT NULL
);
CREATE INDEX vehicles_customer ON vehicles (customer_id);
CREATE INDEX vehicles_vin ON vehicles (vin);
CREATE INDEX vehicles_plate ON vehicles (plate);

CREATE TABLE repair_orders (
    id              INTEGER PRIMARY KEY,
    uid             TEXT    NOT NULL UNIQUE,
    number          INTEGER NOT NULL UNIQUE CHECK (number > 0),
    customer_id     INTEGER NOT NULL REFERENCES customers (id),
    vehicle_id      INTEGER NOT NULL REFERENCES vehicles (id),
    status          TEXT    NOT NULL CHECK (status IN
                        ('estimate', 'approved', 'in_progress', 'completed', 'invoiced', 'paid', 'closed', 'canceled')),
    concern         TEXT,
    odometer_in     INTEGER CHECK (odometer_in IS NULL OR odometer_in >= 0),
    odometer_out    INTEGER CHECK (odometer_out IS NULL OR odometer_out >= 0),
    promised_at     TEXT,
    -- bumped on every change: writers compare it so that no update is silently lost
    version         INTEGER NOT NULL DEFAULT 1,
    created_at      TEXT    NOT NULL,
    updated_at      TEXT    NOT NULL
);
CREATE INDEX repair_orders_status ON repair_orders (status);
CREATE INDEX repair_orders_updated ON repair_orders (updated_at);

CREATE TABLE repair_order_status_history (
    id                  INTEGER PRIMARY KEY,
    repair_order_id     INTEGER NOT NULL REFERENCES repair_orders (id) ON DELETE CASCADE,
    from_status         TEXT,   -- NULL when the order was created
    to_status           TEXT    NOT NULL,
    changed_at          TEXT    NOT NULL,
    note                TEXT
);
CREATE INDEX status_history_order ON repair_order_status_history (repair_order_id);

CREATE TABLE line_items (
    id                  INTEGER PRIMARY KEY,
    uid                 TEXT    NOT NULL UNIQUE,
    repair_order_id     INTEGER NOT NULL REFERENCES repair_orders (id) ON DELETE CASCADE,
    position            INTEGER NOT NULL,
    kind                TEXT    NOT NULL CHECK (kind IN ('labor', 'part', 'fee', 'sublet', 'discount')),
    description         TEXT    NOT NULL,
    quantity_milli      INTEGER NOT NULL CHECK (quantity_milli > 0),   -- 1.5 hours = 1500
    unit_price_cents    INTEGER NOT NULL CHECK (unit_price_cents >= 0),
    taxable             INTEGER NOT NULL CHECK (taxable IN (0, 1)),
    -- parts
    part_number         TEXT,
    brand               TEXT,
    supplier            TEXT,
    part_condition      TEXT CHECK (part_condition IS NULL OR part_condition IN
                            ('new', 'used', 'rebuilt', 'reconditioned', 'oem', 'aftermarket')),
    core_charge_cents   INTEGER NOT NULL DEFAULT 0 CHECK (core_charge_cents >= 0),
    -- labor
    technician          TEXT,
    created_at          TEXT    NOT NULL,
    updated_at          TEXT    NOT NULL,
    UNIQUE (repair_order_id, position)
);

-- One row per call to an outside service: feeds the health screen, metrics, alerts and cost.
-- Never holds secrets or customer contact details.
CREATE TABLE integration_events (
    id              INTEGER PRIMARY KEY,
    service         TEXT    NOT NULL,   -- 'vpic', 'stripe', 'twilio', ...
    operation       TEXT    NOT NULL,   -- 'decode_vin', 'create_payment_intent', ...
    started_at      TEXT    NOT NULL,
    latency_ms      INTEGER NOT NULL CHECK (latency_ms >= 0),
    outcome         TEXT    NOT NULL,   -- 'ok', 'error', 'breaker_open', 'fallback', 'cache_hit'
    error_kind      TEXT,               -- 'timeout', 'http_5xx', 'rate_limited', 'auth', 'decode', ...
    http_status     INTEGER,
    retries         INTEGER NOT NULL DEFAULT 0,
    cost_microusd   INTEGER NOT NULL DEFAULT 0,   -- provider price of the call, in millionths of a dollar
    detail          TEXT                          -- redacted
);
CREATE INDEX integration_events_service_time ON integration_events (service, started_at);

-- The transactional outbox: written in the same transaction as the change it describes, drained
-- to the Dixon cloud by the sync worker, so nothing is lost while the internet is down.
CREATE TABLE outbox (
    id                  INTEGER PRIMARY KEY,
    uid                 TEXT    NOT NULL UNIQUE,   -- idempotency key for the cloud
    topic               TEXT    NOT NULL,          -- 'repair_order.created', ...
    entity_uid          TEXT    NOT NULL,
    payload             TEXT    NOT NULL CHECK (json_valid(payload)),
    created_at          TEXT    NOT NULL,
    attempts            INTEGER NOT NULL DEFAULT 0,
    next_attempt_at     TEXT,
    last_error          TEXT,
    delivered_at        TEXT
);
CREATE INDEX outbox_pending ON outbox (delivered_at, next_attempt_at);
