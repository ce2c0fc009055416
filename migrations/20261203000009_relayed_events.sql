-- Calls outside services made to the shop, received and checked by the Dixon cloud and handed to
-- every counter through the shop's feed: Stripe events (the counter re-checks the signature with
-- its own secret, then re-reads the PaymentIntent), Twilio texts and delivery reports, SendGrid
-- events. `handled_at` is set by whoever acted on one here.
CREATE TABLE relayed_events (
    id          INTEGER PRIMARY KEY,
    uid         TEXT    NOT NULL UNIQUE,
    provider    TEXT    NOT NULL CHECK (provider IN ('stripe', 'twilio', 'sendgrid')),
    event_key   TEXT    NOT NULL,
    payload     TEXT    NOT NULL,   -- as the service sent it (Stripe: the raw JSON body)
    signature   TEXT,               -- Stripe-Signature, so the counter can check it itself
    received_at TEXT    NOT NULL,
    handled_at  TEXT
);
CREATE INDEX relayed_events_waiting ON relayed_events (provider, handled_at);
