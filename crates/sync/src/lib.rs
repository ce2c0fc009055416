//! The counter's side of sync with the Dixon cloud.
//!
//! - [`SyncClient::enroll`] trades the shop's one-time code for this counter's credential, kept
//!   in the OS keychain under this data folder (never in SQLite), remembers the cloud, and puts
//!   every record already on this counter in the outbox (a counter used alone joins its shop).
//! - [`SyncClient::sync_now`] pushes the outbox in batches, reads the shop's records once (a
//!   snapshot) when the counter is new to the shop, then pulls the shop's change feed and applies
//!   it (see [`apply`]). A change gets its device sequence number and hybrid-logical-clock stamp
//!   the first time it is sent and keeps them on every resend; it is done only on the cloud's
//!   answer (applied or duplicate), and a refused one stays set aside with the reason while its
//!   row goes back to what the cloud holds. A pulled page and the cursor after it are saved in one
//!   SQLite transaction.
//! - [`SyncClient::run`] keeps at it in the background: pushes within a moment of a change here,
//!   waits on the feed (long-poll) so a change at another counter shows within a second.
//! - [`SyncClient::status`]: synced, N changes waiting, offline since …, refused: what and why.
//!
//! Every cloud call goes through the resilience stack (service `cloud`).

pub mod apply;

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use dixon_clock::Clock;
use dixon_resilience::{
    http, BoxFuture, Call, HealthCheck, Integrations, Policy, Reply, Service, ServiceConfig, ServiceKind,
};
use dixon_shop::replica::{Kind, Record};
use serde::{Deserialize, Serialize};
use sqlx::{Row, Sqlite, SqlitePool, Transaction};

/// The service's id in integration events and on the Integrations screen.
pub const SERVICE_ID: &str = "cloud";
/// The keychain entry holding this counter's credential.
pub const SECRET: &str = "dixon-cloud";
/// The sync protocol spoken (edits of shared records).
pub const PROTOCOL: u32 = 2;
/// Changes sent in one push (the cloud takes at most 500).
const BATCH: i64 = 500;
/// How often the background sync looks for changes made here.
const PAUSE: Duration = Duration::from_millis(250);
/// After a failed exchange the next try waits this long, doubling up to `RETRY_MAX`.
const RETRY_FIRST: Duration = Duration::from_secs(2);
const RETRY_MAX: Duration = Duration::from_secs(60);
/// How long a pull waits at the cloud for a change (the cloud allows up to 30 s).
const LONG_POLL_SECS: u64 = 20;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("This counter is not enrolled with a Dixon cloud. Enroll it with `dixon sync enroll --cloud URL CODE` (the shop's owner gets a code from the cloud).")]
    NotEnrolled,
    #[error("This counter is enrolled with shop {0} already.")]
    AlreadyEnrolled(String),
    #[error("{0} The changes made here wait and are sent when the cloud is back.")]
    Offline(String),
    #[error("{0}")]
    Cloud(String),
    #[error("This counter's cloud credential is missing from the keychain. Enroll it again with a new code. ({0})")]
    Keychain(String),
    #[error("The local database refused: {0}")]
    Database(#[from] sqlx::Error),
    #[error("{0}")]
    Store(#[from] dixon_shop::Error),
}

impl Error {
    /// A stable name for the CLI's JSON and the UI.
    pub fn kind(&self) -> &'static str {
        match self {
            Error::NotEnrolled => "not_enrolled",
            Error::AlreadyEnrolled(_) => "already_enrolled",
            Error::Offline(_) => "offline",
            Error::Cloud(_) => "cloud",
            Error::Keychain(_) => "keychain",
            Error::Database(_) | Error::Store(_) => "database",
        }
    }
}

pub type Result<T> = std::result::Result<T, Error>;

impl From<dixon_resilience::Error> for Error {
    fn from(error: dixon_resilience::Error) -> Error {
        if error.is_transient() {
            Error::Offline(error.to_string())
        } else {
            Error::Cloud(error.to_string())
        }
    }
}

/// Why a [`SyncClient::cloud_request`] failed: the counter isn't set up for the cloud, or the
/// call itself (the cloud's refusal keeps its status and words).
#[derive(Debug)]
pub enum CloudCallError {
    Sync(Error),
    Call(dixon_resilience::Error),
}

#[derive(Serialize, Deserialize)]
struct CloudAccount {
    token: String,
}

/// Where this counter stands with the cloud.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct SyncStatus {
    pub enrolled: bool,
    pub cloud_url: Option<String>,
    pub shop_id: Option<String>,
    pub device_name: Option<String>,
    /// Changes made here that the cloud has not taken yet.
    pub waiting: i64,
    /// Changes the cloud refused, with why.
    pub refused: Vec<Refused>,
    pub cursor: i64,
    /// Changes made at the shop's other counters applied here so far: the screens reload when
    /// it moves (this counter's own changes coming back from the cloud don't count).
    pub applied_from_others: i64,
    pub last_sync_at: Option<String>,
    pub offline_since: Option<String>,
    pub last_error: Option<String>,
}

impl SyncStatus {
    /// The one line the status bar shows.
    pub fn summary(&self) -> String {
        if !self.enrolled {
            return "not connected to a Dixon cloud".into();
        }
        let mut parts = Vec::new();
        match (&self.offline_since, self.waiting) {
            (Some(since), waiting) => parts.push(format!("offline since {since} · {waiting} changes waiting")),
            (None, 0) => parts.push("synced".into()),
            (None, waiting) => parts.push(format!("{waiting} changes waiting")),
        }
        if let Some(first) = self.refused.first() {
            parts.push(format!("refused: {} ({})", first.topic, first.reason));
        }
        parts.join(" · ")
    }
}

#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Refused {
    pub topic: String,
    pub entity_uid: String,
    pub reason: String,
}

/// What one `sync now` did.
#[derive(Debug, Clone, Serialize, PartialEq, Default)]
pub struct SyncReport {
    pub sent: usize,
    pub refused: usize,
    pub received: usize,
    pub cursor: i64,
}

#[derive(Clone)]
pub struct SyncClient {
    pool: SqlitePool,
    /// Where this counter's credential is kept: its data folder's secrets.
    keychain: dixon_secrets::Keychain,
    service: Arc<Service>,
    http: reqwest::Client,
    clock: Arc<dyn Clock>,
}

// Serialize + Clone are what the policy stack asks of an answer (it caches only calls marked
// cached; this one isn't, so the credential is never stored by it)
#[derive(Serialize, Deserialize, Clone)]
struct Enrolled {
    shop_id: String,
    device_id: String,
    token: String,
}

#[derive(Serialize, Deserialize, Clone)]
#[serde(tag = "status", rename_all = "snake_case")]
enum Outcome {
    Applied { id: String, seq: i64 },
    Duplicate { id: String, seq: i64 },
    Rejected { id: String, reason: String },
    // which number the cloud expects is not needed: the outbox resends in order from the oldest
    OutOfOrder {},
}

#[derive(Serialize, Deserialize, Clone)]
struct PushAnswer {
    results: Vec<Outcome>,
}

#[derive(Serialize, Deserialize, Clone)]
struct FedChange {
    seq: i64,
    device_id: String,
    /// The record after the change, as the cloud merged it (read one by one: a kind of record
    /// newer than this counter is passed over, not a reason to refuse the whole page).
    record: Option<serde_json::Value>,
}

#[derive(Serialize, Deserialize, Clone)]
struct Snapshot {
    records: Vec<Record>,
    feed_end: i64,
    next: Option<SnapshotAfter>,
}

#[derive(Serialize, Deserialize, Clone)]
struct SnapshotAfter {
    rank: i16,
    uid: String,
}

#[derive(Serialize, Deserialize, Clone)]
struct Page {
    changes: Vec<FedChange>,
    cursor: i64,
    last_seq: i64,
}

impl SyncClient {
    /// The client for the shop store at `pool`, registered as the `cloud` service: with a
    /// health check (the cloud's `/healthz`) once this counter is enrolled, else listed as not
    /// set up.
    pub async fn register(pool: SqlitePool, integrations: &Integrations) -> SyncClient {
        SyncClient::register_with(pool, integrations, Policy { timeout: Duration::from_secs(20), ..Policy::default() })
            .await
    }

    /// [`SyncClient::register`] with another policy (tests that cut the network on purpose use
    /// short retries and a quick breaker).
    pub async fn register_with(pool: SqlitePool, integrations: &Integrations, policy: Policy) -> SyncClient {
        let http = http::client();
        // the store was just opened and migrated; were this read to fail, the counter is listed as
        // not enrolled and `sync now` reports the database error itself
        let cloud: Option<String> =
            sqlx::query_scalar("SELECT cloud_url FROM sync_state").fetch_optional(&pool).await.ok().flatten();
        let check = cloud.map(|base| Arc::new(CloudHealth { http: http.clone(), base }) as Arc<dyn HealthCheck>);
        let config = ServiceConfig {
            id: SERVICE_ID.into(),
            label: "Dixon cloud (sync)".into(),
            kind: ServiceKind::Cloud,
            policy,
        };
        let service = integrations.register(config, check);
        let keychain = dixon_secrets::Keychain::current();
        SyncClient { pool, keychain, service, http, clock: integrations.monitor().clock().clone() }
    }

    /// Keeps this counter's credential in `keychain` instead of the process's data folder at
    /// registration (one process playing several counters).
    pub fn keep_secrets_in(mut self, keychain: dixon_secrets::Keychain) -> SyncClient {
        self.keychain = keychain;
        self
    }

    fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// A write transaction that takes SQLite's write lock up front, like the store's.
    async fn write(&self) -> Result<Transaction<'static, Sqlite>> {
        Ok(self.pool.begin_with("BEGIN IMMEDIATE").await?)
    }

    /// Enrolls this counter with the one-time `code`; the credential goes to the keychain.
    pub async fn enroll(&self, cloud_url: &str, code: &str, name: &str) -> Result<SyncStatus> {
        if let Some(shop) =
            sqlx::query_scalar::<_, String>("SELECT shop_id FROM sync_state").fetch_optional(&self.pool).await?
        {
            return Err(Error::AlreadyEnrolled(shop));
        }
        let base = cloud_url.trim().trim_end_matches('/').to_string();
        if !(base.starts_with("http://") || base.starts_with("https://")) {
            return Err(Error::Cloud(format!("'{cloud_url}' is not a cloud address; it starts with https://")));
        }
        let label = self.service.config().label.clone();
        // a code works once: never sent twice, even when the answer is lost
        let answer = self
            .service
            .call(Call::unrepeatable_write("enroll"), |_| {
                let request = self
                    .http
                    .post(format!("{base}/v1/enroll"))
                    .json(&serde_json::json!({ "code": code, "name": name }));
                let label = label.clone();
                async move { http::send_json::<Enrolled>(&label, request).await }
            })
            .await
            .map_err(|e| {
                Error::Cloud(format!(
                    "{e} Enrolling did not finish: try again, and if the code is refused, ask for a new one."
                ))
            })?;
        let enrolled = answer.value;
        self.keychain
            .save(SECRET, &CloudAccount { token: enrolled.token })
            .map_err(|e| Error::Keychain(e.to_string()))?;
        let at = dixon_clock::to_stored(self.now());
        let mut tx = self.write().await?;
        sqlx::query(
            "INSERT INTO sync_state (id, cloud_url, shop_id, device_id, device_name, enrolled_at) VALUES (1, ?, ?, ?, ?, ?)",
        )
        .bind(&base)
        .bind(&enrolled.shop_id)
        .bind(&enrolled.device_id)
        .bind(name.trim())
        .bind(&at)
        .execute(&mut *tx)
        .await?;
        join_shop(&mut tx, &at).await?;
        tx.commit().await?;
        self.status().await
    }

    pub async fn status(&self) -> Result<SyncStatus> {
        let state = sqlx::query(
            "SELECT cloud_url, shop_id, device_name, cursor, last_sync_at, offline_since, last_error, applied_from_others
               FROM sync_state",
        )
        .fetch_optional(&self.pool)
        .await?;
        let waiting: i64 =
            sqlx::query_scalar("SELECT count(*) FROM outbox WHERE delivered_at IS NULL AND rejected_reason IS NULL")
                .fetch_one(&self.pool)
                .await?;
        let refused = sqlx::query("SELECT topic, entity_uid, rejected_reason FROM outbox WHERE rejected_reason IS NOT NULL ORDER BY id DESC LIMIT 20")
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|r| Refused { topic: r.get(0), entity_uid: r.get(1), reason: r.get(2) })
            .collect();
        Ok(match state {
            None => SyncStatus { waiting, refused, ..SyncStatus::default() },
            Some(r) => SyncStatus {
                enrolled: true,
                cloud_url: r.get(0),
                shop_id: r.get(1),
                device_name: r.get(2),
                waiting,
                refused,
                cursor: r.get(3),
                applied_from_others: r.get(7),
                last_sync_at: r.get(4),
                offline_since: r.get(5),
                last_error: r.get(6),
            },
        })
    }

    /// Takes this counter out of its shop: the credential leaves the keychain and the cloud is
    /// forgotten; the records stay here, and enrolling again (with a new code) sends them all.
    pub async fn leave(&self) -> Result<SyncStatus> {
        let mut tx = self.write().await?;
        sqlx::query("DELETE FROM sync_state").execute(&mut *tx).await?;
        sqlx::query("DELETE FROM sync_records").execute(&mut *tx).await?;
        self.keychain.delete(SECRET).map_err(|e| Error::Keychain(e.to_string()))?;
        tx.commit().await?;
        self.status().await
    }

    /// Pushes everything waiting, then pulls until caught up. Offline, the time it went offline
    /// is kept and the error says the changes wait.
    pub async fn sync_now(&self) -> Result<SyncReport> {
        let (base, token) = self.account().await?;
        let result = self.exchange(&base, &token).await;
        self.note_outcome(&result).await?;
        result
    }

    /// A request to the Dixon cloud with this counter's credential, through the same policy stack
    /// (service `cloud`) as sync — for what is built on the cloud, like the customer's approval
    /// page. `call` says whether it may be repeated; `body` is the bytes and their content type.
    /// The body of a 2xx answer; any other answer is the policy stack's error.
    pub async fn cloud_request(
        &self,
        call: Call,
        method: reqwest::Method,
        path: &str,
        body: Option<(Vec<u8>, &'static str)>,
    ) -> std::result::Result<Vec<u8>, CloudCallError> {
        let (base, token) = self.account().await.map_err(CloudCallError::Sync)?;
        let label = self.service.config().label.clone();
        let url = format!("{base}{path}");
        let reply = self
            .service
            .call(call, |_| {
                let mut request = self.http.request(method.clone(), &url).bearer_auth(&token);
                if let Some((bytes, content_type)) = &body {
                    request = request.header(reqwest::header::CONTENT_TYPE, *content_type).body(bytes.clone());
                }
                let label = label.clone();
                async move {
                    let raw = http::send_raw(&label, request).await?;
                    Ok(Reply { value: raw.body, http_status: Some(raw.status) })
                }
            })
            .await
            .map_err(CloudCallError::Call)?;
        Ok(reply.value)
    }

    /// Keeps this counter in sync for as long as the app runs: changes made here are pushed within
    /// a moment, the shop's feed is waited on (long-poll) so another counter's change lands within
    /// a second, and a lost connection is retried with backoff. `changed` is called after anything
    /// arrived or the status moved, so the screens can refresh.
    pub async fn run(self, changed: Arc<dyn Fn() + Send + Sync>) {
        let pusher = {
            let (client, changed) = (self.clone(), changed.clone());
            tokio::spawn(async move { client.keep_pushing(changed).await })
        };
        self.keep_pulling(changed).await;
        pusher.abort();
    }

    async fn keep_pushing(&self, changed: Arc<dyn Fn() + Send + Sync>) {
        let mut backoff = PAUSE;
        loop {
            tokio::time::sleep(backoff).await;
            let waiting: i64 = sqlx::query_scalar(
                "SELECT count(*) FROM outbox WHERE delivered_at IS NULL AND rejected_reason IS NULL",
            )
            .fetch_one(&self.pool)
            .await
            .unwrap_or(0);
            let enrolled = self.cloud_url().await.is_ok();
            if waiting == 0 || !enrolled {
                backoff = PAUSE;
                continue;
            }
            let result = match self.account().await {
                Ok((base, token)) => self.push_all(&base, &token, &mut SyncReport::default()).await,
                Err(e) => Err(e),
            };
            backoff = if result.is_ok() { PAUSE } else { (backoff * 2).clamp(RETRY_FIRST, RETRY_MAX) };
            let _ = self.note_outcome(&result).await;
            changed();
        }
    }

    async fn keep_pulling(&self, changed: Arc<dyn Fn() + Send + Sync>) {
        let mut backoff = RETRY_FIRST;
        loop {
            if self.cloud_url().await.is_err() {
                tokio::time::sleep(PAUSE * 6).await;
                continue;
            }
            let mut report = SyncReport::default();
            let result = match self.account().await {
                Ok((base, token)) => match self.snapshot(&base, &token).await {
                    Ok(()) => self.pull(&base, &token, LONG_POLL_SECS, &mut report).await,
                    Err(e) => Err(e),
                },
                Err(e) => Err(e),
            };
            let failed = result.is_err();
            let _ = self.note_outcome(&result.map(|_| report.clone())).await;
            if report.received > 0 || failed {
                changed();
            }
            if failed {
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(RETRY_MAX);
            } else {
                backoff = RETRY_FIRST;
            }
        }
    }

    /// The cloud's address and this counter's credential (from the keychain).
    async fn account(&self) -> Result<(String, String)> {
        let base = self.cloud_url().await?;
        match self.keychain.load::<CloudAccount>(SECRET) {
            Ok(Some(account)) => Ok((base, account.token)),
            Ok(None) => Err(Error::Keychain("no entry".into())),
            Err(e) => Err(Error::Keychain(e.to_string())),
        }
    }

    /// Keeps when the counter last synced, or since when it is offline and why.
    async fn note_outcome<T>(&self, result: &Result<T>) -> Result<()> {
        let at = dixon_clock::to_stored(self.now());
        match result {
            Ok(_) => {
                sqlx::query("UPDATE sync_state SET last_sync_at = ?, offline_since = NULL, last_error = NULL")
                    .bind(&at)
                    .execute(&self.pool)
                    .await?;
            }
            Err(e) => {
                sqlx::query("UPDATE sync_state SET offline_since = coalesce(offline_since, ?), last_error = ?")
                    .bind(if matches!(e, Error::Offline(_)) { Some(&at) } else { None })
                    .bind(e.to_string())
                    .execute(&self.pool)
                    .await?;
            }
        }
        Ok(())
    }

    async fn cloud_url(&self) -> Result<String> {
        sqlx::query_scalar("SELECT cloud_url FROM sync_state")
            .fetch_optional(&self.pool)
            .await?
            .ok_or(Error::NotEnrolled)
    }

    async fn exchange(&self, base: &str, token: &str) -> Result<SyncReport> {
        let mut report = SyncReport::default();
        self.push_all(base, token, &mut report).await?;
        self.snapshot(base, token).await?;
        self.pull(base, token, 0, &mut report).await?;
        Ok(report)
    }

    /// Sends the outbox in batches until nothing is waiting.
    async fn push_all(&self, base: &str, token: &str, report: &mut SyncReport) -> Result<()> {
        self.number_pending().await?;
        loop {
            let batch = sqlx::query(
                "SELECT uid, device_seq, topic, entity_uid, payload, hlc FROM outbox
                  WHERE delivered_at IS NULL AND rejected_reason IS NULL AND device_seq IS NOT NULL
                  ORDER BY device_seq LIMIT ?",
            )
            .bind(BATCH)
            .fetch_all(&self.pool)
            .await?;
            if batch.is_empty() {
                break;
            }
            let changes: Vec<serde_json::Value> = batch
                .iter()
                .map(|r| {
                    serde_json::json!({
                        "id": r.get::<String, _>(0),
                        "device_seq": r.get::<i64, _>(1),
                        "topic": r.get::<String, _>(2),
                        "entity_uid": r.get::<String, _>(3),
                        "payload": serde_json::from_str::<serde_json::Value>(&r.get::<String, _>(4)).unwrap_or_default(),
                        "hlc": r.get::<String, _>(5),
                    })
                })
                .collect();
            let first = changes[0]["device_seq"].clone();
            let body = serde_json::json!({ "protocol": PROTOCOL, "changes": changes });
            let label = self.service.config().label.clone();
            let answer = self
                .service
                .call(Call::idempotent_write("push", format!("push-{first}")), |_| {
                    let request = self.http.post(format!("{base}/v1/push")).bearer_auth(token).json(&body);
                    let label = label.clone();
                    async move { http::send_json::<PushAnswer>(&label, request).await }
                })
                .await?;
            let at = dixon_clock::to_stored(self.now());
            let mut tx = self.write().await?;
            let cursor: i64 = sqlx::query_scalar("SELECT cursor FROM sync_state").fetch_one(&mut *tx).await?;
            for outcome in &answer.value.results {
                match outcome {
                    Outcome::Applied { id, seq } | Outcome::Duplicate { id, seq } => {
                        sqlx::query("UPDATE outbox SET delivered_at = ?, feed_seq = ? WHERE uid = ?")
                            .bind(&at)
                            .bind(seq)
                            .bind(id)
                            .execute(&mut *tx)
                            .await?;
                        report.sent += 1;
                    }
                    // nothing was used up: it goes again after the ones before it
                    Outcome::OutOfOrder {} => {}
                    Outcome::Rejected { id, reason } => {
                        let refused: Option<(String, String)> = sqlx::query_as(
                            "UPDATE outbox SET rejected_reason = ? WHERE uid = ? RETURNING topic, entity_uid",
                        )
                        .bind(reason)
                        .bind(id)
                        .fetch_optional(&mut *tx)
                        .await?;
                        // the row goes back to what the cloud holds, with the edits still waiting
                        let kind =
                            refused.as_ref().and_then(|(topic, _)| topic.split('.').next().and_then(Kind::parse));
                        if let (Some(kind), Some((_, uid))) = (kind, &refused) {
                            apply::refresh(&mut tx, kind, uid, None, cursor).await?;
                        }
                        tracing::warn!(change = %id, "the Dixon cloud refused a change");
                        report.refused += 1;
                    }
                }
            }
            tx.commit().await?;
            if answer.value.results.iter().all(|o| matches!(o, Outcome::OutOfOrder {})) {
                // the cloud expects a number this counter has no change for: nothing can move
                return Err(Error::Cloud(
                    "The Dixon cloud expects changes this counter no longer has. Enroll it again with a new code."
                        .into(),
                ));
            }
        }
        Ok(())
    }

    /// A counter new to its shop reads the shop's records once, parents first, then the feed
    /// from where the snapshot began.
    async fn snapshot(&self, base: &str, token: &str) -> Result<()> {
        let done: bool = sqlx::query_scalar("SELECT snapshot_done FROM sync_state").fetch_one(&self.pool).await?;
        if done {
            return Ok(());
        }
        let mut after: Option<SnapshotAfter> = None;
        let mut feed_end = None;
        loop {
            let mut url = format!("{base}/v1/snapshot?limit={BATCH}");
            if let Some(after) = &after {
                url.push_str(&format!("&after_rank={}&after_uid={}", after.rank, after.uid));
            }
            let page = self.get::<Snapshot>("snapshot", &url, token).await?;
            let start = *feed_end.get_or_insert(page.feed_end);
            let mut tx = self.write().await?;
            for record in &page.records {
                apply::confirmed(&mut tx, record, start).await?;
            }
            if page.next.is_none() {
                sqlx::query("UPDATE sync_state SET snapshot_done = 1, cursor = max(cursor, ?)")
                    .bind(start)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
            match page.next {
                Some(next) => after = Some(next),
                None => return Ok(()),
            }
        }
    }

    /// Pulls the feed until caught up, applying each page and saving the cursor after it in one
    /// transaction; the first request may wait `wait_secs` for a change (long-poll).
    async fn pull(&self, base: &str, token: &str, mut wait_secs: u64, report: &mut SyncReport) -> Result<()> {
        loop {
            let cursor: i64 = sqlx::query_scalar("SELECT cursor FROM sync_state").fetch_one(&self.pool).await?;
            let url = format!("{base}/v1/changes?after={cursor}&limit={BATCH}&wait={wait_secs}");
            wait_secs = 0;
            let page = match self.fetch::<Page>("pull", &url, token).await {
                Ok(page) => page,
                // the cloud no longer has this counter's place in the feed (restored from a
                // backup): read the shop's records again, then follow the feed from there
                Err(dixon_resilience::Error::Rejected { status: 409, .. }) => {
                    tracing::warn!(
                        cursor,
                        "the cloud's feed is behind this counter's cursor; starting from a snapshot"
                    );
                    sqlx::query("UPDATE sync_state SET cursor = 0, snapshot_done = 0").execute(&self.pool).await?;
                    self.snapshot(base, token).await?;
                    continue;
                }
                Err(e) => return Err(e.into()),
            };
            let mut tx = self.write().await?;
            let me: String = sqlx::query_scalar("SELECT device_id FROM sync_state").fetch_one(&mut *tx).await?;
            let mut from_others = 0;
            for change in &page.changes {
                match change.record.clone().map(serde_json::from_value::<Record>) {
                    Some(Ok(record)) => apply::confirmed(&mut tx, &record, change.seq).await?,
                    Some(Err(e)) => {
                        tracing::warn!(seq = change.seq, "a change this counter can't read was passed over: {e}")
                    }
                    None => {}
                }
                from_others += i64::from(change.device_id != me);
                report.received += 1;
            }
            sqlx::query("UPDATE sync_state SET cursor = ?, applied_from_others = applied_from_others + ?")
                .bind(page.cursor)
                .bind(from_others)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            report.cursor = page.cursor;
            if page.cursor >= page.last_seq || page.changes.is_empty() {
                return Ok(());
            }
        }
    }

    async fn get<T: serde::de::DeserializeOwned + Serialize + Clone + Send + 'static>(
        &self,
        operation: &'static str,
        url: &str,
        token: &str,
    ) -> Result<T> {
        Ok(self.fetch(operation, url, token).await?)
    }

    /// A read through the policy stack, its error as the stack gave it.
    async fn fetch<T: serde::de::DeserializeOwned + Serialize + Clone + Send + 'static>(
        &self,
        operation: &'static str,
        url: &str,
        token: &str,
    ) -> std::result::Result<T, dixon_resilience::Error> {
        let label = self.service.config().label.clone();
        let reply = self
            .service
            .call(Call::read(operation), |_| {
                let request = self.http.get(url).bearer_auth(token);
                let label = label.clone();
                async move {
                    let reply = http::send_json::<T>(&label, request).await?;
                    Ok(Reply { value: reply.value, http_status: reply.http_status })
                }
            })
            .await?;
        Ok(reply.value)
    }

    /// Gives every change not sent yet its device sequence number and clock stamp, in the order
    /// the changes were made, once: a resend carries the same ones.
    async fn number_pending(&self) -> Result<()> {
        let mut tx = self.write().await?;
        let (device, mut wall, mut counter): (String, i64, i64) =
            sqlx::query_as("SELECT device_id, hlc_wall, hlc_counter FROM sync_state").fetch_one(&mut *tx).await?;
        let mut next: i64 =
            sqlx::query_scalar("SELECT coalesce(max(device_seq), 0) + 1 FROM outbox").fetch_one(&mut *tx).await?;
        let pending = sqlx::query(
            "SELECT id, created_at FROM outbox WHERE device_seq IS NULL AND delivered_at IS NULL ORDER BY id",
        )
        .fetch_all(&mut *tx)
        .await?;
        for row in pending {
            let created: String = row.get(1);
            let made = DateTime::parse_from_rfc3339(&created).map(|t| t.timestamp_millis()).unwrap_or(wall);
            // hybrid logical clock: never behind the last stamp, even when the PC's clock went back
            if made > wall {
                (wall, counter) = (made, 0);
            } else {
                counter += 1;
            }
            sqlx::query("UPDATE outbox SET device_seq = ?, hlc = ? WHERE id = ?")
                .bind(next)
                .bind(format!("{wall}.{counter}.{device}"))
                .bind(row.get::<i64, _>(0))
                .execute(&mut *tx)
                .await?;
            next += 1;
        }
        sqlx::query("UPDATE sync_state SET hlc_wall = ?, hlc_counter = ?")
            .bind(wall)
            .bind(counter)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }
}

/// A counter joining its shop sends what it already holds: the messages written before it was
/// enrolled are set aside (marked sent) and every record goes into the outbox whole, parents
/// first, in the transaction that enrolls it.
async fn join_shop(tx: &mut Transaction<'static, Sqlite>, at: &str) -> Result<()> {
    sqlx::query("UPDATE outbox SET delivered_at = ?, last_error = 'sent whole when the counter joined its shop' WHERE delivered_at IS NULL")
        .bind(at)
        .execute(&mut **tx)
        .await?;
    // a new device to the cloud: its sequence numbers start again at 1 (after leaving a shop too)
    sqlx::query(
        "UPDATE outbox SET device_seq = NULL, feed_seq = NULL WHERE device_seq IS NOT NULL OR feed_seq IS NOT NULL",
    )
    .execute(&mut **tx)
    .await?;
    // relayed calls come from the cloud; they are never sent back to it
    for kind in Kind::ALL.into_iter().filter(|k| *k != Kind::RelayEvent) {
        for (uid, fields) in dixon_shop::records::all(tx, kind).await? {
            dixon_shop::outbox::enqueue(tx, &dixon_shop::replica::Edit::put(kind, &uid, fields), at).await?;
        }
    }
    Ok(())
}

/// The cloud's cheapest question, for the Integrations screen.
struct CloudHealth {
    http: reqwest::Client,
    base: String,
}

impl HealthCheck for CloudHealth {
    fn check(&self) -> BoxFuture<'_, std::result::Result<(), dixon_resilience::Error>> {
        Box::pin(async move {
            let response = self.http.get(format!("{}/healthz", self.base)).send().await.map_err(|e| {
                dixon_resilience::Error::Unreachable { service: "Dixon cloud (sync)".into(), detail: e.to_string() }
            })?;
            match http::status_error("Dixon cloud (sync)", response.status().as_u16(), None, b"") {
                Some(error) => Err(error),
                None => Ok(()),
            }
        })
    }
}
