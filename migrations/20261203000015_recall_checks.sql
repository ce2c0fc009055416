-- Safety recall checks kept with the repair order (issue 16): what NHTSA said about the vehicle
-- when it was checked (the check as JSON: year, make, model, the model names tried, the recalls),
-- so the order shows it offline and the shop can prove it told the customer.
CREATE TABLE recall_checks (
    id               INTEGER PRIMARY KEY,
    repair_order_id  INTEGER NOT NULL REFERENCES repair_orders (id) ON DELETE CASCADE,
    recall_count     INTEGER NOT NULL CHECK (recall_count >= 0),
    result           TEXT    NOT NULL CHECK (json_valid(result)),
    checked_at       TEXT    NOT NULL
);
CREATE INDEX recall_checks_order ON recall_checks (repair_order_id, checked_at);
