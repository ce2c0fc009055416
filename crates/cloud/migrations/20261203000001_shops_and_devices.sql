-- The Dixon cloud's tenancy: shops, the codes that enroll their counters, and the counters
-- (devices) with their hashed credentials. Every key leads with the shop so the schema can be
-- hash-distributed by shop_id on a distributed PostgreSQL (Citus) without a cross-shop query.

CREATE TABLE shops (
    id          uuid PRIMARY KEY,
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- One-time codes a counter enrolls with: only their SHA-256 is kept.
CREATE TABLE enrollment_codes (
    shop_id     uuid NOT NULL REFERENCES shops (id),
    code_hash   text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    used_at     timestamptz,
    PRIMARY KEY (shop_id, code_hash)
);
CREATE INDEX enrollment_codes_by_hash ON enrollment_codes (code_hash);

-- A counter (or tablet) of a shop. Its secret is 244 random bits, kept as SHA-256.
CREATE TABLE devices (
    shop_id      uuid NOT NULL REFERENCES shops (id),
    id           uuid NOT NULL,
    name         text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    secret_hash  text NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    revoked_at   timestamptz,
    PRIMARY KEY (shop_id, id)
);

-- The server works as dixon_app, which is not a superuser: row-level security below is the
-- second guard after "the shop comes from the credential". A request sets dixon.shop_id for its
-- transaction; a row of another shop is then invisible and unwritable.
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'dixon_app') THEN
        CREATE ROLE dixon_app NOLOGIN NOBYPASSRLS;
    END IF;
END
$$;

ALTER TABLE devices ENABLE ROW LEVEL SECURITY;
ALTER TABLE devices FORCE ROW LEVEL SECURITY;
CREATE POLICY shop_isolation ON devices
    USING (shop_id = nullif(current_setting('dixon.shop_id', true), '')::uuid)
    WITH CHECK (shop_id = nullif(current_setting('dixon.shop_id', true), '')::uuid);

-- Codes are read only by enroll_device() below (as the schema's owner); the server's role has
-- no rights on them at all.
ALTER TABLE enrollment_codes ENABLE ROW LEVEL SECURITY;
CREATE POLICY shop_isolation ON enrollment_codes
    USING (shop_id = nullif(current_setting('dixon.shop_id', true), '')::uuid);

ALTER TABLE shops ENABLE ROW LEVEL SECURITY;
ALTER TABLE shops FORCE ROW LEVEL SECURITY;
CREATE POLICY shop_isolation ON shops
    USING (id = nullif(current_setting('dixon.shop_id', true), '')::uuid);

GRANT SELECT ON shops TO dixon_app;
GRANT SELECT, INSERT, UPDATE ON devices TO dixon_app;

-- Enrolling is the one thing done before the shop is known: the code itself names it. This
-- function (running as the schema's owner) takes the code's hash, marks the code used and adds
-- the device in one step; the server's role can do nothing else with codes.
CREATE FUNCTION enroll_device(p_code_hash text, p_device uuid, p_name text, p_secret_hash text)
RETURNS uuid
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
DECLARE
    v_shop uuid;
BEGIN
    UPDATE enrollment_codes SET used_at = now()
     WHERE code_hash = p_code_hash AND used_at IS NULL AND expires_at > now()
     RETURNING shop_id INTO v_shop;
    IF v_shop IS NULL THEN
        RETURN NULL;
    END IF;
    PERFORM set_config('dixon.shop_id', v_shop::text, true);
    INSERT INTO devices (shop_id, id, name, secret_hash) VALUES (v_shop, p_device, p_name, p_secret_hash);
    RETURN v_shop;
END
$$;
REVOKE ALL ON FUNCTION enroll_device(text, uuid, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION enroll_device(text, uuid, text, text) TO dixon_app;
