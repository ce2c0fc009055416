-- The customer's approval page. A counter publishes one repair order's estimate, inspection and
-- photos and gets a link; the customer opens it on their phone and approves or declines each line.

-- Photos the pages show, by SHA-256 of their bytes: uploaded once per shop, never changed.
CREATE TABLE photos (
    shop_id     uuid  NOT NULL REFERENCES shops (id),
    sha256      text  NOT NULL CHECK (length(sha256) = 64),
    bytes       bytea NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (shop_id, sha256)
);
ALTER TABLE photos ENABLE ROW LEVEL SECURITY;
ALTER TABLE photos FORCE ROW LEVEL SECURITY;
CREATE POLICY shop_isolation ON photos
    USING (shop_id = nullif(current_setting('dixon.shop_id', true), '')::uuid)
    WITH CHECK (shop_id = nullif(current_setting('dixon.shop_id', true), '')::uuid);
GRANT SELECT, INSERT ON photos TO dixon_app;

-- A link: only the SHA-256 of its token is kept (a copy of the database opens no page). The
-- document is kept as the exact text published: its SHA-256 is what the customer's
-- authorization proves they were shown (jsonb would reorder it).
CREATE TABLE approval_links (
    shop_id          uuid NOT NULL REFERENCES shops (id),
    id               uuid NOT NULL,
    token_hash       text NOT NULL UNIQUE,
    order_uid        text NOT NULL,
    kind             text NOT NULL CHECK (kind IN ('initial', 'supplementary')),
    document         text NOT NULL,
    document_sha256  text NOT NULL CHECK (length(document_sha256) = 64),
    created_by       uuid NOT NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    expires_at       timestamptz NOT NULL,
    revoked_at       timestamptz,
    opened_at        timestamptz,
    submitted_at     timestamptz,
    PRIMARY KEY (shop_id, id)
);
CREATE INDEX approval_links_order ON approval_links (shop_id, order_uid, created_at);
-- not FORCEd: approval_link_shop() below, as the owner, must find a token's shop
ALTER TABLE approval_links ENABLE ROW LEVEL SECURITY;
CREATE POLICY shop_isolation ON approval_links
    USING (shop_id = nullif(current_setting('dixon.shop_id', true), '')::uuid)
    WITH CHECK (shop_id = nullif(current_setting('dixon.shop_id', true), '')::uuid);
GRANT SELECT, INSERT, UPDATE ON approval_links TO dixon_app;

-- Opening a page is the one thing done before the shop is known: the token names it. This
-- function (as the schema's owner) gives the shop of a token's hash, nothing else; the page is
-- then read inside that shop's tenant transaction like every other request.
CREATE FUNCTION approval_link_shop(p_token_hash text) RETURNS uuid
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
    SELECT shop_id FROM approval_links WHERE token_hash = p_token_hash
$$;
REVOKE ALL ON FUNCTION approval_link_shop(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION approval_link_shop(text) TO dixon_app;
