-- The shop's records as the counters share them (customers, vehicles, repair orders, lines,
-- authorizations, payments, readings), each as the merge rules of `dixon_shop::replica` left it.
-- A change is merged here in the push's transaction; the feed carries the record after it.
CREATE TABLE records (
    shop_id  uuid     NOT NULL REFERENCES shops (id),
    kind     text     NOT NULL,
    uid      text     NOT NULL,
    -- parents before children: the order a snapshot is sent in
    rank     smallint NOT NULL,
    record   jsonb    NOT NULL,
    seq      bigint   NOT NULL,   -- the feed change that last set it
    PRIMARY KEY (shop_id, kind, uid)
);
CREATE INDEX records_snapshot ON records (shop_id, rank, uid);
-- repair-order numbers are unique per shop: a clash is renumbered before it gets here
CREATE UNIQUE INDEX records_order_number ON records (shop_id, ((record -> 'fields' ->> 'number')::bigint))
    WHERE kind = 'repair_order';
CREATE UNIQUE INDEX records_authorization_revision
    ON records (shop_id, (record -> 'fields' ->> 'repair_order_uid'), ((record -> 'fields' ->> 'revision')::bigint))
    WHERE kind = 'authorization';

ALTER TABLE records ENABLE ROW LEVEL SECURITY;
ALTER TABLE records FORCE ROW LEVEL SECURITY;
CREATE POLICY shop_isolation ON records
    USING (shop_id = nullif(current_setting('dixon.shop_id', true), '')::uuid)
    WITH CHECK (shop_id = nullif(current_setting('dixon.shop_id', true), '')::uuid);
GRANT SELECT, INSERT, UPDATE ON records TO dixon_app;

ALTER TABLE changes ADD COLUMN record jsonb;
