-- Diagnostic snapshots read from the car through an OBD-II adapter and kept with the repair
-- order: what was wrong when the car came in (and, after the repair, that it is gone). The
-- columns the counter lists and searches are kept as columns; the full reading (freeze frame,
-- readiness monitors, controller identities) as the engine's JSON.
CREATE TABLE diagnostic_snapshots (
    id              INTEGER PRIMARY KEY,
    uid             TEXT    NOT NULL UNIQUE,
    repair_order_id INTEGER NOT NULL REFERENCES repair_orders (id),
    taken_at        TEXT    NOT NULL,
    adapter         TEXT    NOT NULL CHECK (length(adapter) BETWEEN 1 AND 200),
    protocol        TEXT    NOT NULL CHECK (length(protocol) <= 100),
    vin             TEXT    CHECK (vin IS NULL OR length(vin) = 17),
    mil_on          INTEGER CHECK (mil_on IS NULL OR mil_on IN (0, 1)),
    odometer_km     INTEGER CHECK (odometer_km IS NULL OR odometer_km >= 0),
    codes           TEXT    NOT NULL,   -- JSON: [{code, kind, ecu, description}]
    detail          TEXT    NOT NULL    -- JSON: the whole snapshot as the OBD engine read it
);
CREATE INDEX diagnostic_snapshots_order ON diagnostic_snapshots (repair_order_id, taken_at);
