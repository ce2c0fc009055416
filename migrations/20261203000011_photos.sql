-- Photos of the car, kept with the repair order (and, optionally, an inspection item or an
-- estimate line). The files live in the data folder's photos/, named by the SHA-256 of the
-- original: originals/<sha>.<jpg|png> untouched, work/<sha>.jpg (long side 1600 px, for
-- sending), thumbs/<sha>.jpg. The same photo added twice to one order is kept once.
CREATE TABLE photos (
    id                  INTEGER PRIMARY KEY,
    uid                 TEXT    NOT NULL UNIQUE,
    repair_order_id     INTEGER NOT NULL REFERENCES repair_orders (id) ON DELETE CASCADE,
    sha256              TEXT    NOT NULL CHECK (length(sha256) = 64),
    inspection_item     TEXT,
    line_uid            TEXT,
    source              TEXT    NOT NULL CHECK (source IN ('file', 'camera')),
    original_name       TEXT    NOT NULL,
    mime                TEXT    NOT NULL CHECK (mime IN ('image/jpeg', 'image/png')),
    extension           TEXT    NOT NULL CHECK (extension IN ('jpg', 'png')),
    width               INTEGER NOT NULL CHECK (width > 0),
    height              INTEGER NOT NULL CHECK (height > 0),
    original_bytes      INTEGER NOT NULL,
    working_bytes       INTEGER NOT NULL,
    captured_at         TEXT    NOT NULL,
    created_at          TEXT    NOT NULL,
    UNIQUE (repair_order_id, sha256)
);
CREATE INDEX photos_order ON photos (repair_order_id, captured_at);
