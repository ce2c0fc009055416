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

-- The shop's OBD dongles, remembered by scanning their pairing QR codes; the OBD screen offers
-- them first. A dongle's pairing key, when it has one, is kept in the OS keychain, not here.
CREATE TABLE dongles (
    id          INTEGER PRIMARY KEY,
    dongle_id   TEXT    NOT NULL UNIQUE CHECK (length(dongle_id) BETWEEN 1 AND 100),
    kind        TEXT    NOT NULL CHECK (kind IN ('ble', 'wifi', 'usb')),
    name        TEXT,
    address     TEXT,
    has_key     INTEGER NOT NULL DEFAULT 0 CHECK (has_key IN (0, 1)),
    paired_at   TEXT    NOT NULL
);
