-- Every scan, whatever it was and wherever it came from, so none is ever lost and a misread can
-- be traced: the payload as received, what it was taken for, and where it went.
CREATE TABLE scans (
    id                  INTEGER PRIMARY KEY,
    source              TEXT    NOT NULL CHECK (source IN ('wedge', 'serial', 'camera', 'typed')),
    payload             TEXT    NOT NULL,
    meaning             TEXT    NOT NULL,   -- 'vin', 'product_code', 'part_number', 'pairing', 'unknown', ...
    repair_order_number INTEGER,            -- the order it was scanned into, if any
    scanned_at          TEXT    NOT NULL
);
CREATE INDEX scans_time ON scans (scanned_at);
