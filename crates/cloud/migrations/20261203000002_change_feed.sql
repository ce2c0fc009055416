-- The per-shop change feed: every change a counter pushes, numbered gapless per shop (`seq`,
-- the cursor counters pull by) and per device (`device_seq`, so a resent batch is recognised
-- and a lost one noticed). Keys lead with the shop, as everywhere.

CREATE TABLE shop_feeds (
    shop_id   uuid PRIMARY KEY REFERENCES shops (id),
    last_seq  bigint NOT NULL DEFAULT 0
);

CREATE TABLE changes (
    shop_id      uuid NOT NULL REFERENCES shops (id),
    seq          bigint NOT NULL,
    device_id    uuid NOT NULL,
    device_seq   bigint NOT NULL,
    change_id    uuid NOT NULL,
    topic        text NOT NULL,
    entity_uid   text NOT NULL,
    payload      jsonb NOT NULL,
    -- hybrid logical clock of the change at its counter: "wall-ms.counter.device"
    hlc          text NOT NULL,
    received_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (shop_id, seq),
    UNIQUE (shop_id, device_id, device_seq),
    UNIQUE (shop_id, change_id)
);

ALTER TABLE devices ADD COLUMN last_device_seq bigint NOT NULL DEFAULT 0;

ALTER TABLE shop_feeds ENABLE ROW LEVEL SECURITY;
ALTER TABLE shop_feeds FORCE ROW LEVEL SECURITY;
CREATE POLICY shop_isolation ON shop_feeds
    USING (shop_id = nullif(current_setting('dixon.shop_id', true), '')::uuid)
    WITH CHECK (shop_id = nullif(current_setting('dixon.shop_id', true), '')::uuid);

ALTER TABLE changes ENABLE ROW LEVEL SECURITY;
ALTER TABLE changes FORCE ROW LEVEL SECURITY;
CREATE POLICY shop_isolation ON changes
    USING (shop_id = nullif(current_setting('dixon.shop_id', true), '')::uuid)
    WITH CHECK (shop_id = nullif(current_setting('dixon.shop_id', true), '')::uuid);

GRANT SELECT, INSERT, UPDATE ON shop_feeds TO dixon_app;
GRANT SELECT, INSERT ON changes TO dixon_app;

-- Changes refused for what they hold: their sequence number is used up (the counter sets them
-- aside and goes on), and a resent copy gets the same answer.
CREATE TABLE rejected_changes (
    shop_id     uuid NOT NULL REFERENCES shops (id),
    device_id   uuid NOT NULL,
    device_seq  bigint NOT NULL,
    change_id   uuid NOT NULL,
    reason      text NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (shop_id, device_id, device_seq)
);
ALTER TABLE rejected_changes ENABLE ROW LEVEL SECURITY;
ALTER TABLE rejected_changes FORCE ROW LEVEL SECURITY;
CREATE POLICY shop_isolation ON rejected_changes
    USING (shop_id = nullif(current_setting('dixon.shop_id', true), '')::uuid)
    WITH CHECK (shop_id = nullif(current_setting('dixon.shop_id', true), '')::uuid);
GRANT SELECT, INSERT ON rejected_changes TO dixon_app;
