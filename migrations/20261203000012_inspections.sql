-- A repair order's digital vehicle inspection: one row per item the technician looked at, with
-- green / yellow / red, a note and measurements (JSON: {"front_left_32nds": 3, ...}). The items
-- come from the inspection template (built in; the shop's own later). An item whose repair was
-- put on the estimate remembers the line, so "recommend" never adds it twice.
CREATE TABLE inspection_items (
    id                  INTEGER PRIMARY KEY,
    repair_order_id     INTEGER NOT NULL REFERENCES repair_orders (id) ON DELETE CASCADE,
    item                TEXT    NOT NULL,
    status              TEXT    CHECK (status IS NULL OR status IN ('green', 'yellow', 'red')),
    note                TEXT    NOT NULL DEFAULT '',
    measurements        TEXT    NOT NULL DEFAULT '{}' CHECK (json_valid(measurements)),
    estimate_line_id    INTEGER,   -- the line its repair became (line_items.id)
    updated_at          TEXT    NOT NULL,
    UNIQUE (repair_order_id, item)
);
