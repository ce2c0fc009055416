-- Sync with the Dixon cloud (counter side). The outbox already holds every change; a change gets
-- its device sequence number (gapless, never reused) the first time it is sent, so a resent batch
-- is recognised by the cloud. What the cloud refuses stays, with its reason, for the screen.

CREATE TABLE sync_state (
    id            INTEGER PRIMARY KEY CHECK (id = 1),
    cloud_url     TEXT    NOT NULL,
    shop_id       TEXT    NOT NULL,
    device_id     TEXT    NOT NULL,
    device_name   TEXT    NOT NULL,
    -- the shop feed's cursor: the last change pulled
    cursor        INTEGER NOT NULL DEFAULT 0,
    -- hybrid logical clock of the last change sent: wall milliseconds and counter
    hlc_wall      INTEGER NOT NULL DEFAULT 0,
    hlc_counter   INTEGER NOT NULL DEFAULT 0,
    enrolled_at   TEXT    NOT NULL,
    last_sync_at  TEXT,
    offline_since TEXT,
    last_error    TEXT
);

ALTER TABLE outbox ADD COLUMN device_seq INTEGER;
ALTER TABLE outbox ADD COLUMN hlc TEXT;
ALTER TABLE outbox ADD COLUMN rejected_reason TEXT;
CREATE UNIQUE INDEX outbox_device_seq ON outbox (device_seq) WHERE device_seq IS NOT NULL;

-- Changes from the shop's other counters, as pulled, in feed order; applied to the local tables
-- by the sync worker.
CREATE TABLE sync_inbox (
    seq         INTEGER PRIMARY KEY,
    change_id   TEXT    NOT NULL UNIQUE,
    device_id   TEXT    NOT NULL,
    topic       TEXT    NOT NULL,
    entity_uid  TEXT    NOT NULL,
    payload     TEXT    NOT NULL CHECK (json_valid(payload)),
    hlc         TEXT    NOT NULL,
    received_at TEXT    NOT NULL,
    applied_at  TEXT
);
