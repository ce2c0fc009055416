-- Talking to customers (and the owner): texts, emails, push and in-app notes, each written here
-- before it is sent, tracked through its delivery, shared with the shop's other counters.

-- Consent to texts is kept with how it was given (TCPA: proof of when and how); an inbound STOP
-- (or Twilio's error 21610) sets sms_opted_out_at at once, START clears it. push_endpoint is the
-- AWS SNS platform endpoint of the shop's app on the customer's phone, when they have it.
ALTER TABLE customers ADD COLUMN sms_consent_how TEXT;
ALTER TABLE customers ADD COLUMN sms_opted_out_at TEXT;
ALTER TABLE customers ADD COLUMN push_endpoint TEXT;

-- One message, in or out. `state` only moves forward:
--   scheduled (quiet hours: not before not_before) → queued → sending → sent → delivered
--                                                               ↘ unknown (answer lost: looked up before any retry)
--   … → undelivered | failed | not_sent;  inbound ones are 'received'.
-- to_address (a phone number, an email address or an endpoint) is never logged.
CREATE TABLE messages (
    id                  INTEGER PRIMARY KEY,
    uid                 TEXT    NOT NULL UNIQUE,
    customer_id         INTEGER REFERENCES customers (id),
    repair_order_id     INTEGER REFERENCES repair_orders (id),
    direction           TEXT    NOT NULL CHECK (direction IN ('out', 'in')),
    channel             TEXT    NOT NULL CHECK (channel IN ('sms', 'email', 'push', 'in_app')),
    template            TEXT,
    priority            TEXT    NOT NULL DEFAULT 'normal' CHECK (priority IN ('normal', 'high')),
    to_address          TEXT    NOT NULL,
    subject             TEXT,
    body                TEXT    NOT NULL,
    attachment          TEXT    CHECK (attachment IS NULL OR attachment IN ('estimate', 'receipt')),
    segments            INTEGER,
    state               TEXT    NOT NULL CHECK (state IN ('scheduled', 'queued', 'sending', 'unknown', 'sent',
                            'delivered', 'undelivered', 'failed', 'not_sent', 'received')),
    not_before          TEXT,
    provider_id         TEXT,
    error_code          TEXT,
    error               TEXT,   -- in words, with what to do
    -- the message this one replaces on another channel (fallback), by uid
    fallback_of         TEXT,
    created_at          TEXT    NOT NULL,
    updated_at          TEXT    NOT NULL,
    -- local only: this counter sends it (a message written at another counter is shown, never sent here)
    sent_here           INTEGER NOT NULL DEFAULT 1 CHECK (sent_here IN (0, 1)),
    -- local only: when this counter started the provider call, for the lookup after a lost answer
    attempt_started_at  TEXT
);
CREATE INDEX messages_order ON messages (repair_order_id, created_at);
CREATE INDEX messages_customer ON messages (customer_id, created_at);
CREATE INDEX messages_waiting ON messages (state, not_before) WHERE sent_here = 1;
CREATE UNIQUE INDEX messages_provider ON messages (channel, provider_id) WHERE provider_id IS NOT NULL;

-- The texts the shop sends, editable (kept on this counter).
CREATE TABLE message_templates (
    key         TEXT    PRIMARY KEY,
    name        TEXT    NOT NULL,
    subject     TEXT    NOT NULL,
    body        TEXT    NOT NULL CHECK (length(body) BETWEEN 1 AND 1600),
    updated_at  TEXT
);

-- Quiet hours in the shop's time zone, and where the owner's alerts go.
CREATE TABLE messaging_settings (
    id                      INTEGER PRIMARY KEY CHECK (id = 1),
    time_zone               TEXT    NOT NULL DEFAULT '',   -- IANA name; '' = this PC's zone
    quiet_from_minute       INTEGER NOT NULL DEFAULT 1260 CHECK (quiet_from_minute BETWEEN 0 AND 1439),
    quiet_until_minute      INTEGER NOT NULL DEFAULT 480 CHECK (quiet_until_minute BETWEEN 0 AND 1439),
    owner_phone             TEXT,
    owner_email             TEXT,
    owner_push_endpoint     TEXT,
    updated_at              TEXT
);
INSERT INTO messaging_settings (id) VALUES (1);
