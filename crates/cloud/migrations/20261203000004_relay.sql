-- What each shop's outside services sign their calls with, so the cloud can check them: the
-- Stripe webhook signing secret, the Twilio auth token, SendGrid's event-webhook public key. Set by
-- the operator (`dixon-cloud relay set`); read only inside the shop's own tenant transaction.
CREATE TABLE relay_secrets (
    shop_id   uuid NOT NULL REFERENCES shops (id),
    provider  text NOT NULL CHECK (provider IN ('stripe', 'twilio', 'sendgrid')),
    secret    text NOT NULL,
    set_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (shop_id, provider)
);
ALTER TABLE relay_secrets ENABLE ROW LEVEL SECURITY;
ALTER TABLE relay_secrets FORCE ROW LEVEL SECURITY;
CREATE POLICY shop_isolation ON relay_secrets
    USING (shop_id = nullif(current_setting('dixon.shop_id', true), '')::uuid)
    WITH CHECK (shop_id = nullif(current_setting('dixon.shop_id', true), '')::uuid);
GRANT SELECT ON relay_secrets TO dixon_app;
