-- Records shared with the shop's other counters through the Dixon cloud.

-- The records as the cloud last confirmed them (with each field's clock stamp): a change pulled
-- from the feed replaces the record here, and this counter's edits not confirmed yet are laid on
-- top of it again to give the row the screens show.
CREATE TABLE sync_records (
    kind    TEXT    NOT NULL,
    uid     TEXT    NOT NULL,
    record  TEXT    NOT NULL CHECK (json_valid(record)),
    seq     INTEGER NOT NULL,   -- the feed change that set it
    PRIMARY KEY (kind, uid)
);

-- Where the cloud put each of this counter's changes in the shop's feed: until the feed has been
-- read that far, the change is still laid on top of the confirmed record.
ALTER TABLE outbox ADD COLUMN feed_seq INTEGER;
CREATE INDEX outbox_entity ON outbox (entity_uid);

-- A payment taken at another counter is shown and counted here, never resumed or refunded here.
ALTER TABLE payments ADD COLUMN taken_here INTEGER NOT NULL DEFAULT 1 CHECK (taken_here IN (0, 1));
DROP INDEX payments_one_in_flight;
CREATE UNIQUE INDEX payments_one_in_flight ON payments (repair_order_id)
    WHERE method IN ('card', 'paypal') AND status IN ('created', 'sent_to_reader', 'processing', 'authorized')
      AND taken_here = 1;

-- Two counters adding lines to one order while offline both pick the next position: lines are
-- ordered by position, then when they were added, instead of refusing the second.
CREATE TABLE line_items_new (
    id                  INTEGER PRIMARY KEY,
    uid                 TEXT    NOT NULL UNIQUE,
    repair_order_id     INTEGER NOT NULL REFERENCES repair_orders (id) ON DELETE CASCADE,
    position            INTEGER NOT NULL,
    kind                TEXT    NOT NULL CHECK (kind IN ('labor', 'part', 'fee', 'sublet', 'discount')),
    description         TEXT    NOT NULL,
    quantity_milli      INTEGER NOT NULL CHECK (quantity_milli > 0),
    unit_price_cents    INTEGER NOT NULL CHECK (unit_price_cents >= 0),
    taxable             INTEGER NOT NULL CHECK (taxable IN (0, 1)),
    part_number         TEXT,
    brand               TEXT,
    supplier            TEXT,
    part_condition      TEXT CHECK (part_condition IS NULL OR part_condition IN
                            ('new', 'used', 'rebuilt', 'reconditioned', 'oem', 'aftermarket')),
    core_charge_cents   INTEGER NOT NULL DEFAULT 0 CHECK (core_charge_cents >= 0),
    technician          TEXT,
    created_at          TEXT    NOT NULL,
    updated_at          TEXT    NOT NULL
);
INSERT INTO line_items_new SELECT * FROM line_items;
DROP TABLE line_items;
ALTER TABLE line_items_new RENAME TO line_items;
CREATE INDEX line_items_order ON line_items (repair_order_id, position, created_at);

-- Pulled changes are applied as they arrive (see sync_records): the inbox is not needed.
DROP TABLE sync_inbox;
-- A counter joining a shop reads the shop's records once (a snapshot), then the feed from there.
ALTER TABLE sync_state ADD COLUMN snapshot_done INTEGER NOT NULL DEFAULT 0 CHECK (snapshot_done IN (0, 1));
-- How many changes made at other counters were applied here: the screens reload when it moves.
ALTER TABLE sync_state ADD COLUMN applied_from_others INTEGER NOT NULL DEFAULT 0;
