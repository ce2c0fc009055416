-- Payments taken against a repair order's invoice. A row is written before any outside call, and
-- every step's idempotency key is stored before the step is sent, so a crash or a dropped network
-- at any point can be resumed without charging the customer twice.
CREATE TABLE payments (
    id              INTEGER PRIMARY KEY,
    uid             TEXT    NOT NULL UNIQUE,
    repair_order_id INTEGER NOT NULL REFERENCES repair_orders (id),
    method          TEXT    NOT NULL CHECK (method IN ('card', 'paypal', 'cash', 'check')),
    amount          INTEGER NOT NULL CHECK (amount > 0),            -- cents applied to the invoice (a hold: what may be captured)
    status          TEXT    NOT NULL CHECK (status IN
                        ('created', 'sent_to_reader', 'processing', 'authorized', 'succeeded', 'failed', 'canceled')),
    refunded        INTEGER NOT NULL DEFAULT 0 CHECK (refunded >= 0 AND refunded <= amount),
    tendered        INTEGER CHECK (tendered IS NULL OR tendered >= amount),   -- cash handed over
    check_number    TEXT    CHECK (check_number IS NULL OR length(check_number) BETWEEN 1 AND 30),
    hold            INTEGER NOT NULL DEFAULT 0 CHECK (hold IN (0, 1)),   -- a card hold, captured later
    create_key      TEXT,   -- idempotency key of the provider's payment (card: PaymentIntent, PayPal: order)
    provider_id     TEXT UNIQUE,   -- Stripe PaymentIntent (pi_…) or PayPal order id
    reader_id       TEXT,
    capture_id      TEXT,   -- PayPal's capture (what a refund refers to)
    card            TEXT,   -- "Visa •••• 4242"
    wallet          TEXT,   -- apple_pay, google_pay… when a phone or watch was tapped
    failure         TEXT,   -- why the last attempt did not go through, in words
    created_at      TEXT    NOT NULL,
    updated_at      TEXT    NOT NULL
);
CREATE INDEX payments_order ON payments (repair_order_id);
-- One card or PayPal payment in flight (or a card hold waiting for its capture) per order: a
-- second one would risk charging twice.
CREATE UNIQUE INDEX payments_one_in_flight ON payments (repair_order_id)
    WHERE method IN ('card', 'paypal') AND status IN ('created', 'sent_to_reader', 'processing', 'authorized');

-- Every step of every payment, with the idempotency key it was (or will be) sent with.
CREATE TABLE payment_steps (
    id              INTEGER PRIMARY KEY,
    payment_id      INTEGER NOT NULL REFERENCES payments (id),
    at              TEXT    NOT NULL,
    step            TEXT    NOT NULL,   -- created, process, status, refund, cancel_action, …
    idempotency_key TEXT,
    detail          TEXT
);
CREATE INDEX payment_steps_payment ON payment_steps (payment_id, id);
