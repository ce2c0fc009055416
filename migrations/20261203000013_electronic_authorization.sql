-- The customer's approval from a link on their phone (issue 15): authorizations may be given
-- online, with the evidence of that electronic authorization; lines the customer declines stay
-- on the order marked declined; photos carry the marks drawn on them.

-- SQLite can't change a CHECK in place: the table is copied with the new one.
CREATE TABLE authorizations_v2 (
    id                  INTEGER PRIMARY KEY,
    uid                 TEXT    NOT NULL UNIQUE,
    repair_order_id     INTEGER NOT NULL REFERENCES repair_orders (id),
    revision            INTEGER NOT NULL CHECK (revision > 0),
    kind                TEXT    NOT NULL CHECK (kind IN ('initial', 'supplementary')),
    method              TEXT    NOT NULL CHECK (method IN ('in_person', 'phone', 'text', 'online')),
    authorized_by       TEXT    NOT NULL CHECK (length(authorized_by) BETWEEN 1 AND 100),
    phone               TEXT,   -- E.164; required for phone and text authorizations
    amount_cents        INTEGER NOT NULL CHECK (amount_cents >= 0),
    note                TEXT,
    estimate            TEXT    NOT NULL CHECK (json_valid(estimate)),   -- lines and totals approved
    -- online: lines approved and declined, the signature, the time, IP address and browser, and
    -- the SHA-256 of the page the customer was shown (tamper-evident)
    evidence            TEXT    CHECK (evidence IS NULL OR json_valid(evidence)),
    authorized_at       TEXT    NOT NULL,
    UNIQUE (repair_order_id, revision),
    CHECK (method IN ('in_person', 'online') OR phone IS NOT NULL)
);
INSERT INTO authorizations_v2 (id, uid, repair_order_id, revision, kind, method, authorized_by, phone, amount_cents,
                               note, estimate, authorized_at)
    SELECT id, uid, repair_order_id, revision, kind, method, authorized_by, phone, amount_cents, note, estimate,
           authorized_at
      FROM authorizations;
DROP TABLE authorizations;
ALTER TABLE authorizations_v2 RENAME TO authorizations;

-- When the customer declined the line, and work found during the job waiting for the
-- customer's approval (a supplementary authorization): either way it counts in no total.
ALTER TABLE line_items ADD COLUMN declined_at TEXT;
ALTER TABLE line_items ADD COLUMN proposed_at TEXT;

-- Arrows, circles and labels drawn on the photo (JSON), and the marked copy's file
-- (photos/marked/<sha>.jpg). Marks can change until the photo is sent to the customer.
ALTER TABLE photos ADD COLUMN marks TEXT CHECK (marks IS NULL OR json_valid(marks));
ALTER TABLE photos ADD COLUMN marked_sha256 TEXT;
ALTER TABLE photos ADD COLUMN sent_at TEXT;

-- The customer's answers from the approval page come through the feed like the services' calls
-- (provider 'approval'); an answer that could not be recorded keeps why (`problem`).
CREATE TABLE relayed_events_v2 (
    id          INTEGER PRIMARY KEY,
    uid         TEXT    NOT NULL UNIQUE,
    provider    TEXT    NOT NULL CHECK (provider IN ('stripe', 'twilio', 'sendgrid', 'approval')),
    event_key   TEXT    NOT NULL,
    payload     TEXT    NOT NULL,   -- as the service sent it (Stripe: the raw JSON body)
    signature   TEXT,               -- Stripe-Signature, so the counter can check it itself
    received_at TEXT    NOT NULL,
    handled_at  TEXT,
    problem     TEXT
);
INSERT INTO relayed_events_v2 (id, uid, provider, event_key, payload, signature, received_at, handled_at)
    SELECT id, uid, provider, event_key, payload, signature, received_at, handled_at FROM relayed_events;
DROP TABLE relayed_events;
ALTER TABLE relayed_events_v2 RENAME TO relayed_events;
CREATE INDEX relayed_events_waiting ON relayed_events (provider, handled_at);

-- VINs read from pictures by OCR are logged like any scan (source 'ocr'), with how sure the
-- reading was (0–1).
CREATE TABLE scans_v2 (
    id                  INTEGER PRIMARY KEY,
    source              TEXT    NOT NULL CHECK (source IN ('wedge', 'serial', 'camera', 'typed', 'ocr')),
    payload             TEXT    NOT NULL,
    meaning             TEXT    NOT NULL,   -- 'vin', 'product_code', 'part_number', 'pairing', 'unknown', ...
    repair_order_number INTEGER,            -- the order it was scanned into, if any
    scanned_at          TEXT    NOT NULL,
    confidence          REAL    CHECK (confidence IS NULL OR confidence BETWEEN 0 AND 1)
);
INSERT INTO scans_v2 (id, source, payload, meaning, repair_order_number, scanned_at)
    SELECT id, source, payload, meaning, repair_order_number, scanned_at FROM scans;
DROP TABLE scans;
ALTER TABLE scans_v2 RENAME TO scans;
CREATE INDEX scans_time ON scans (scanned_at);
