-- Links to the customer's approval page, as the Dixon cloud gave them. The token itself is
-- never kept here: only the cloud's id for the link (to revoke it and read its state) and the
-- SHA-256 of the page the customer is shown.
CREATE TABLE approval_links (
    id                  TEXT    PRIMARY KEY,
    repair_order_id     INTEGER NOT NULL REFERENCES repair_orders (id),
    kind                TEXT    NOT NULL CHECK (kind IN ('initial', 'supplementary')),
    shown_sha256        TEXT    NOT NULL CHECK (length(shown_sha256) = 64),
    published_at        TEXT    NOT NULL,
    expires_at          TEXT    NOT NULL,
    revoked_at          TEXT
);
CREATE INDEX approval_links_order ON approval_links (repair_order_id, published_at);

-- Photo files the cloud holds already (content-addressed: each is uploaded once, and a publish
-- cut short goes on from the first one missing).
CREATE TABLE cloud_photos (
    sha256              TEXT    PRIMARY KEY CHECK (length(sha256) = 64),
    uploaded_at         TEXT    NOT NULL
);

-- The shop's own inspection template (sections, items, readings with their limits, repairs), as
-- JSON; without one the built-in multi-point inspection is used.
CREATE TABLE inspection_template (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    template    TEXT    NOT NULL CHECK (json_valid(template)),
    updated_at  TEXT    NOT NULL
);
