-- The integration monitor: persistent answers of outside services, their latest health, and alerts.

-- Answers that must survive a restart (e.g. vPIC decodes for 24 h). An entry past `fresh_until`
-- may still answer while the service is down, marked stale.
CREATE TABLE integration_cache (
    service         TEXT NOT NULL,
    key             TEXT NOT NULL,
    value           TEXT NOT NULL CHECK (json_valid(value)),
    stored_at       TEXT NOT NULL,
    fresh_until     TEXT NOT NULL,
    PRIMARY KEY (service, key)
);

-- The latest health check of each service, and since when it has been in that state.
CREATE TABLE integration_health (
    service         TEXT PRIMARY KEY,
    state           TEXT NOT NULL CHECK (state IN ('healthy', 'degraded', 'down', 'not_configured')),
    detail          TEXT,
    checked_at      TEXT NOT NULL,
    state_since     TEXT NOT NULL
);

-- Alerts raised by the rules; shown in the app until acknowledged.
CREATE TABLE integration_alerts (
    id              INTEGER PRIMARY KEY,
    service         TEXT NOT NULL,
    rule            TEXT NOT NULL,
    severity        TEXT NOT NULL CHECK (severity IN ('critical', 'warning')),
    message         TEXT NOT NULL,
    raised_at       TEXT NOT NULL,
    cleared_at      TEXT,
    acknowledged_at TEXT
);
-- At most one alert per service and rule is active (not yet cleared).
CREATE UNIQUE INDEX integration_alerts_active ON integration_alerts (service, rule) WHERE cleared_at IS NULL;
