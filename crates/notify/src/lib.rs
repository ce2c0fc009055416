//! Talking to customers and the owner: texts (Twilio), email (SendGrid), push (AWS SNS) and
//! in-app notes, each channel a thin client on the one integration shape ([`provider`]), routed
//! by the customer's preference and consent ([`route`]), filled from editable templates
//! ([`template`]), counted in SMS segments ([`segments`]).
//!
//! Never twice, never lost: a message is written (`queued`) before anything is sent, marked
//! `sending` before the provider is called, and only then sent — once, since none of these
//! providers takes an idempotency key. A send whose answer was lost (a timeout, a crash) is
//! looked up at the provider before anything else happens: found, it is `sent`; not found, it is
//! sent again; when the provider can't be asked (SNS), it is `not_sent` and said so, never
//! repeated blindly. Delivery reports (polled, or relayed by the Dixon cloud) only move a
//! message forward. A STOP from a phone (or Twilio's error 21610) opts that number out on every
//! counter at once.

pub mod error;
pub mod inbound;
pub mod provider;
pub mod route;
pub mod segments;
pub mod sendgrid;
pub mod sigv4;
pub mod sns;
pub mod store;
pub mod template;
pub mod twilio;
mod words;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, NaiveTime, Utc};
use dixon_clock::Clock;
use dixon_resilience::{Alert, BoxFuture, Notifier};
use dixon_shop::{Cents, Store};
use serde::{Deserialize, Serialize};

pub use error::{Error, Result};
pub use provider::{Accepted, Attachment, Found, Outgoing, Provider, Report};
pub use route::{Channel, NotOffered, Plan, Priority, QuietHours, Recipient};
pub use segments::Segments;
pub use sendgrid::{SendGrid, SendGridAccount};
pub use sns::{Sns, SnsAccount};
pub use store::Message;
pub use template::Template;
pub use twilio::{Twilio, TwilioAccount};

use store::{Change, NewMessage};

/// Environment variable naming a step to crash at (tests of the crash guarantees only):
/// `after_write`, `after_claim` or `after_provider`.
pub const CRASH_AT_ENV: &str = "DIXON_NOTIFY_CRASH_AT";

/// How many times a message the provider says it never got is sent again, after its first try.
const RESENDS: u32 = 2;
/// A send another process of this counter began is looked up once it is this old: well past
/// any provider's timeout and the wait before a look-up.
const SETTLE_AFTER_SECS: i64 = 60;

/// Renders the PDF sent with an email: `estimate` or `receipt` of a repair order.
pub trait Documents: Send + Sync {
    fn render(&self, kind: &str, number: i64) -> BoxFuture<'_, std::result::Result<Attachment, String>>;
}

/// What to send: a template (or free text) about a repair order.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Compose {
    pub repair_order: i64,
    /// estimate_ready, approval, ready, receipt, payment_link or free.
    pub template: String,
    /// One channel only; `None` routes by the customer's preference with fallback.
    #[serde(default)]
    pub channel: Option<Channel>,
    /// What the free-text template sends.
    #[serde(default)]
    pub text: Option<String>,
    /// The customer's approval link, just made (`{estimate_link}`; links are never stored).
    #[serde(default)]
    pub link: Option<String>,
    #[serde(default)]
    pub priority: Priority,
}

/// A message as the customer will see it, before it is sent.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Draft {
    pub plan: Plan,
    /// The channel it goes by first; `None` when none is allowed (`plan.not_offered` says why).
    pub channel: Option<Channel>,
    pub subject: String,
    pub body: String,
    /// The text's segments (when it goes as a text).
    pub segments: Option<Segments>,
    /// Quiet hours: when a text or push written now would go out.
    pub hold_until: Option<DateTime<Utc>>,
    /// The PDF attached to an email: "estimate" or "receipt".
    pub attachment: Option<String>,
}

/// Quiet hours, the shop's zone and where the owner's alerts go.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct MessagingSettings {
    /// An IANA zone ("America/Chicago"); empty for this PC's own.
    pub time_zone: String,
    /// "21:00".
    pub quiet_from: String,
    /// "08:00".
    pub quiet_until: String,
    pub owner_phone: Option<String>,
    pub owner_email: Option<String>,
    pub owner_push_endpoint: Option<String>,
}

/// The messaging service of one counter.
#[derive(Clone)]
pub struct Messenger {
    store: Store,
    clock: Arc<dyn Clock>,
    /// Shared by every clone, so a channel connected in Settings is used at once everywhere.
    providers: Arc<std::sync::RwLock<Vec<Arc<dyn Provider>>>>,
    documents: Option<Arc<dyn Documents>>,
    /// `{cloud}/v1/relay/{shop}/twilio`, when this counter is enrolled with the Dixon cloud.
    status_callback: Option<String>,
    /// How long to wait before looking up a send whose answer was lost.
    look_up_after: Duration,
    /// Messages a task of this process is sending or settling right now: the background pass
    /// leaves them alone (looking one up mid-send would find nothing and send it again).
    in_flight: Arc<std::sync::Mutex<std::collections::HashSet<i64>>>,
    /// When this messenger started: a send claimed before it belongs to a process that is gone.
    started_at: DateTime<Utc>,
}

/// A message taken by one task; let go when dropped.
struct Flight {
    id: i64,
    in_flight: Arc<std::sync::Mutex<std::collections::HashSet<i64>>>,
}

impl Drop for Flight {
    fn drop(&mut self) {
        self.in_flight.lock().unwrap_or_else(|p| p.into_inner()).remove(&self.id);
    }
}

impl Messenger {
    pub fn new(store: Store, clock: Arc<dyn Clock>) -> Messenger {
        Messenger {
            started_at: clock.now(),
            store,
            clock,
            providers: Arc::default(),
            documents: None,
            status_callback: None,
            look_up_after: Duration::from_secs(2),
            in_flight: Arc::default(),
        }
    }

    /// Adds a channel's client.
    pub fn with(self, provider: Arc<dyn Provider>) -> Messenger {
        self.connect(provider);
        self
    }

    /// Adds (or replaces) a channel's client, for this messenger and all its clones.
    pub fn connect(&self, provider: Arc<dyn Provider>) {
        let mut providers = self.providers.write().unwrap_or_else(|p| p.into_inner());
        providers.retain(|p| p.channel() != provider.channel());
        providers.push(provider);
    }

    pub fn with_documents(mut self, documents: Arc<dyn Documents>) -> Messenger {
        self.documents = Some(documents);
        self
    }

    /// Where Twilio reports delivery (the Dixon cloud's relay).
    pub fn with_status_callback(mut self, url: Option<String>) -> Messenger {
        self.status_callback = url;
        self
    }

    /// Waits `after` before looking up a lost answer (tests use a shorter one).
    pub fn with_look_up_after(mut self, after: Duration) -> Messenger {
        self.look_up_after = after;
        self
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Whether this counter can send by `channel`.
    pub fn connected(&self, channel: Channel) -> bool {
        channel == Channel::InApp || self.provider(channel).is_some()
    }

    fn provider(&self, channel: Channel) -> Option<Arc<dyn Provider>> {
        let providers = self.providers.read().unwrap_or_else(|p| p.into_inner());
        providers.iter().find(|p| p.channel() == channel).cloned()
    }

    fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// The message as it would go, without sending anything.
    pub async fn compose(&self, request: &Compose) -> Result<Draft> {
        let customer = store::order_customer(&self.store, request.repair_order).await?;
        let template = self
            .templates()
            .await?
            .into_iter()
            .find(|t| t.key == request.template)
            .ok_or_else(|| Error::NoSuchTemplate(request.template.clone()))?;
        let values = self.values(request, customer.repair_order_id).await?;
        let body = template::fill(&template.body, &values)?;
        // only an email shows the subject: a gap in it (no shop name yet) never stops a text
        let subject = template::fill(&template.subject, &values).unwrap_or_else(|_| template.name.clone());
        let mut plan = route::plan(&customer.recipient, |c| self.connected(c));
        if let Some(only) = request.channel {
            if let Some(refused) = plan.not_offered.iter().find(|n| n.channel == only) {
                return Err(Error::ChannelNotAllowed { channel: only.words(), why: refused.why.clone() });
            }
            plan.channels.retain(|c| *c == only);
        }
        let channel = plan.channels.first().copied();
        let segments = (channel == Some(Channel::Sms)).then(|| segments::count(&body));
        let hold_until = match channel {
            Some(channel) => self.quiet_hold(channel, request.priority).await?,
            None => None,
        };
        let attachment = match template.key.as_str() {
            "estimate_ready" => Some("estimate".to_string()),
            "receipt" => Some("receipt".to_string()),
            _ => None,
        }
        .filter(|_| self.documents.is_some());
        Ok(Draft { plan, channel, subject, body, segments, hold_until, attachment })
    }

    /// Writes the message and sends it on the first allowed channel (falling back to the next
    /// when it can't go). The messages written, first one first.
    pub async fn send(&self, request: &Compose) -> Result<Vec<Message>> {
        let draft = self.compose(request).await?;
        let Some(channel) = draft.channel else {
            let why =
                draft.plan.not_offered.iter().map(|n| format!("{}: {}", n.channel.words(), n.why)).collect::<Vec<_>>();
            return Err(Error::Unreachable(why.join("; ")));
        };
        if channel == Channel::Sms {
            if let Some(s) = draft.segments.as_ref().filter(|s| s.too_long) {
                return Err(Error::TooLong(s.characters as usize));
            }
        }
        let customer = store::order_customer(&self.store, request.repair_order).await?;
        let uid = uuid::Uuid::new_v4().to_string();
        let to = address(&customer.recipient, channel).unwrap_or_default();
        let new = NewMessage {
            customer_id: Some(customer.customer_id),
            repair_order_id: Some(customer.repair_order_id),
            direction: "out",
            channel,
            template: Some(&request.template),
            priority: request.priority,
            to_address: &to,
            subject: Some(&draft.subject),
            body: &draft.body,
            attachment: draft.attachment.as_deref(),
            state: if draft.hold_until.is_some() { "scheduled" } else { "queued" },
            not_before: draft.hold_until,
            provider_id: None,
            fallback_of: None,
        };
        let id = store::insert(&self.store, &new, &uid, self.now()).await?;
        crash_point("after_write");
        let mut written = vec![id];
        if draft.hold_until.is_none() {
            written.extend(self.deliver(id).await?);
        }
        let mut messages = Vec::new();
        for id in written {
            messages.push(store::one(&self.store, id).await?);
        }
        Ok(messages)
    }

    /// Sends queued message `id` once; then, if it could not go, its fallback. The ids of any
    /// fallback messages written.
    fn deliver(&self, id: i64) -> BoxFuture<'_, Result<Vec<i64>>> {
        Box::pin(async move {
            let Some(_flight) = self.take_off(id) else { return Ok(Vec::new()) };
            let row = store::row(&self.store, id).await?;
            if row.state != "queued" {
                return Ok(Vec::new());
            }
            let Some(provider) = self.provider(row.channel) else {
                let why = format!("{} is not connected on this counter (Settings → Messaging)", row.channel.words());
                self.finish(id, "not_sent", None, &why).await?;
                return self.fall_back(id).await;
            };
            let outgoing = match self.outgoing(&row).await {
                Ok(outgoing) => outgoing,
                Err(why) => {
                    self.finish(id, "not_sent", None, &why).await?;
                    return Ok(Vec::new());
                }
            };
            let claim = Change { state: "sending", attempt_started_at: Some(self.now()), ..Change::default() };
            if !store::advance(&self.store, id, &claim, self.now()).await? {
                return Ok(Vec::new()); // another task took it
            }
            crash_point("after_claim");
            self.attempt(id, provider.as_ref(), &outgoing, RESENDS).await
        })
    }

    /// One provider call for a claimed message, and what its answer means. After a lost answer
    /// the message is looked up, and sent again at most `resends` more times.
    async fn attempt(&self, id: i64, provider: &dyn Provider, outgoing: &Outgoing, resends: u32) -> Result<Vec<i64>> {
        match provider.send(outgoing).await {
            Ok(accepted) => {
                crash_point("after_provider");
                let change = Change { state: "sent", provider_id: Some(&accepted.provider_id), ..Change::default() };
                store::advance(&self.store, id, &change, self.now()).await?;
                Ok(Vec::new())
            }
            Err(error) if error.may_have_arrived() => {
                tracing::warn!(
                    message = id,
                    "the answer to a send was lost ({}); looking it up before anything else",
                    error.kind()
                );
                let change = Change { state: "unknown", error: Some(&error.to_string()), ..Change::default() };
                store::advance(&self.store, id, &change, self.now()).await?;
                tokio::time::sleep(self.look_up_after).await;
                self.recover(id, resends).await
            }
            Err(error) => {
                let code = provider.error_code(&error);
                let (state, why) = match code.as_deref() {
                    Some(code) => ("failed", explain(provider.channel(), code)),
                    None if matches!(
                        error,
                        dixon_resilience::Error::Rejected { .. } | dixon_resilience::Error::Auth { .. }
                    ) =>
                    {
                        ("failed", error.to_string())
                    }
                    None => ("not_sent", error.to_string()),
                };
                if code.as_deref() == Some("21610") {
                    self.opt_out(&outgoing.to, self.now()).await?;
                }
                self.finish(id, state, code.as_deref(), &why).await?;
                self.fall_back(id).await
            }
        }
    }

    /// Settles a message whose send may or may not have reached the provider: looked up first,
    /// sent again only when the provider says it never got it.
    fn recover(&self, id: i64, resends: u32) -> BoxFuture<'_, Result<Vec<i64>>> {
        Box::pin(async move {
            let row = store::row(&self.store, id).await?;
            if !matches!(row.state.as_str(), "sending" | "unknown") {
                return Ok(Vec::new());
            }
            let Some(provider) = self.provider(row.channel) else { return Ok(Vec::new()) };
            let outgoing = match self.outgoing(&row).await {
                Ok(outgoing) => outgoing,
                Err(why) => {
                    self.finish(id, "not_sent", None, &why).await?;
                    return Ok(Vec::new());
                }
            };
            let since = row.attempt_started_at.unwrap_or_else(|| self.now());
            let known = store::known_provider_ids(&self.store, row.channel, id).await?;
            match provider.look_up(&outgoing, since, &known).await {
                Ok(Found::Sent(accepted)) => {
                    let change =
                        Change { state: "sent", provider_id: Some(&accepted.provider_id), ..Change::default() };
                    store::advance(&self.store, id, &change, self.now()).await?;
                    Ok(Vec::new())
                }
                Ok(Found::NotSent) if resends == 0 => {
                    let why = format!(
                        "{} did not take it after {} tries (the connection kept dropping)",
                        provider_label(row.channel),
                        RESENDS + 1
                    );
                    self.finish(id, "not_sent", None, &why).await?;
                    self.fall_back(id).await
                }
                Ok(Found::NotSent) => {
                    tracing::info!(message = id, "the provider never got it: sending it now");
                    if row.state == "unknown" {
                        let again =
                            Change { state: "sending", attempt_started_at: Some(self.now()), ..Change::default() };
                        store::advance(&self.store, id, &again, self.now()).await?;
                    }
                    self.attempt(id, provider.as_ref(), &outgoing, resends - 1).await
                }
                Ok(Found::CannotTell) => {
                    let why = format!(
                        "{} did not confirm it and keeps no list to check, so it was not sent again (never twice). Send it again if the customer did not get it.",
                        provider_label(row.channel)
                    );
                    self.finish(id, "not_sent", None, &why).await?;
                    Ok(Vec::new())
                }
                Err(error) => {
                    // still unknown: looked up again on the next pass, never sent blindly
                    let change = Change { state: "unknown", error: Some(&error.to_string()), ..Change::default() };
                    store::advance(&self.store, id, &change, self.now()).await?;
                    Ok(Vec::new())
                }
            }
        })
    }

    async fn finish(&self, id: i64, state: &str, code: Option<&str>, why: &str) -> Result<()> {
        let change = Change { state, error_code: code, error: Some(why), ..Change::default() };
        store::advance(&self.store, id, &change, self.now()).await?;
        Ok(())
    }

    /// Writes and sends the message on the next channel the customer allows that this chain has
    /// not tried. The ids written.
    async fn fall_back(&self, id: i64) -> Result<Vec<i64>> {
        let row = store::row(&self.store, id).await?;
        let Some(customer_id) = row.customer_id else { return Ok(Vec::new()) };
        let root = row.fallback_of.clone().unwrap_or_else(|| row.uid.clone());
        let tried = store::chain_channels(&self.store, &root).await?;
        let recipient = store::customer_recipient(&self.store, customer_id).await?;
        let plan = route::plan(&recipient, |c| self.connected(c));
        let Some(next) = plan.channels.into_iter().find(|c| !tried.contains(c)) else { return Ok(Vec::new()) };
        let hold_until = self.quiet_hold(next, row.priority).await?;
        let to = address(&recipient, next).unwrap_or_default();
        let new = NewMessage {
            customer_id: Some(customer_id),
            repair_order_id: row.repair_order_id,
            direction: "out",
            channel: next,
            template: row.template.as_deref(),
            priority: row.priority,
            to_address: &to,
            subject: row.subject.as_deref(),
            body: &row.body,
            attachment: row.attachment.as_deref(),
            state: if hold_until.is_some() { "scheduled" } else { "queued" },
            not_before: hold_until,
            provider_id: None,
            fallback_of: Some(&root),
        };
        tracing::info!(message = id, "falling back to {}", next.words());
        let fallback = store::insert(&self.store, &new, &uuid::Uuid::new_v4().to_string(), self.now()).await?;
        let mut written = vec![fallback];
        if hold_until.is_none() {
            written.extend(self.deliver(fallback).await?);
        }
        Ok(written)
    }

    /// The work a restart (and then every pass of the background worker) finds: sends whose
    /// answer was lost are looked up, queued ones sent, ones past quiet hours released.
    pub async fn resume(&self) -> Result<()> {
        for id in store::here_in(&self.store, &["sending", "unknown"]).await? {
            let Some(_flight) = self.take_off(id) else { continue };
            // another process (the CLI beside the app) may be sending it right now: a send is
            // settled here once it began before this process did, or long enough ago
            let started = store::row(&self.store, id).await?.attempt_started_at.unwrap_or(self.started_at);
            if started >= self.started_at && self.now() - started < chrono::Duration::seconds(SETTLE_AFTER_SECS) {
                continue;
            }
            self.recover(id, RESENDS).await?;
        }
        store::release_scheduled(&self.store, self.now()).await?;
        for id in store::here_in(&self.store, &["queued"]).await? {
            self.deliver(id).await?;
        }
        Ok(())
    }

    /// Takes message `id` for this task, unless another task of this process has it.
    fn take_off(&self, id: i64) -> Option<Flight> {
        let mut in_flight = self.in_flight.lock().unwrap_or_else(|p| p.into_inner());
        in_flight.insert(id).then(|| Flight { id, in_flight: self.in_flight.clone() })
    }

    /// Asks the providers how the messages this counter sent are doing.
    pub async fn poll_delivery(&self) -> Result<()> {
        for id in store::here_in(&self.store, &["sent"]).await? {
            let row = store::row(&self.store, id).await?;
            let (Some(provider), Some(provider_id)) = (self.provider(row.channel), row.provider_id.as_deref()) else {
                continue;
            };
            match provider.report(provider_id).await {
                Ok(Some(report)) => self.apply_report(id, &report).await?,
                Ok(None) => {}
                Err(e) => tracing::debug!(message = id, "delivery report not read: {}", e.kind()),
            }
        }
        Ok(())
    }

    /// Moves a message forward by a delivery report; an urgent message that could not be
    /// delivered falls back to the next channel, and 21610 opts the number out.
    pub(crate) async fn apply_report(&self, id: i64, report: &Report) -> Result<()> {
        let row = store::row(&self.store, id).await?;
        let why = report.error_code.as_deref().map(|code| explain(row.channel, code));
        let change = Change {
            state: report.state,
            error_code: report.error_code.as_deref(),
            error: why.as_deref(),
            ..Change::default()
        };
        let moved = store::advance(&self.store, id, &change, self.now()).await?;
        if report.error_code.as_deref() == Some("21610") {
            self.opt_out(&row.to_address, self.now()).await?;
        }
        let undelivered = matches!(report.state, "undelivered" | "failed");
        if moved && undelivered && row.priority == Priority::High && row.customer_id.is_some() {
            let sent_here: bool = sqlx::query_scalar("SELECT sent_here FROM messages WHERE id = ?")
                .bind(id)
                .fetch_one(self.store.pool())
                .await?;
            if sent_here {
                self.fall_back(id).await?;
            }
        }
        Ok(())
    }

    /// Opts `phone` out of texts on every counter (an inbound STOP, or Twilio's 21610).
    pub async fn opt_out(&self, phone: &str, at: DateTime<Utc>) -> Result<usize> {
        store::set_opted_out(&self.store, phone, Some(at), self.now()).await
    }

    /// Opts `phone` back in (an inbound START).
    pub async fn opt_in(&self, phone: &str) -> Result<usize> {
        store::set_opted_out(&self.store, phone, None, self.now()).await
    }

    /// Records that order `number`'s customer agreed to texts, and how ("said yes on the phone").
    pub async fn record_consent(&self, number: i64, how: &str) -> Result<()> {
        let how = how.trim();
        if how.is_empty() {
            return Err(Error::Invalid("Say how the customer agreed to texts (e.g. 'signed the work order').".into()));
        }
        store::record_consent(&self.store, number, how, self.now()).await
    }

    /// The conversation of order `number` (every message when `None`), oldest first.
    pub async fn messages(&self, number: Option<i64>) -> Result<Vec<Message>> {
        store::list(&self.store, number, 500).await
    }

    /// What every counter of the shop shows in its inbox: customers' replies and the notes for
    /// the shop (the owner's alerts), newest first.
    pub async fn inbox(&self, limit: i64) -> Result<Vec<Message>> {
        store::inbox(&self.store, limit).await
    }

    pub async fn templates(&self) -> Result<Vec<Template>> {
        store::templates(&self.store).await
    }

    /// Saves an edited template after checking its placeholders.
    pub async fn save_template(&self, template: &Template) -> Result<()> {
        if !template::defaults().iter().any(|d| d.key == template.key) {
            return Err(Error::NoSuchTemplate(template.key.clone()));
        }
        if template.body.trim().is_empty() {
            return Err(Error::Invalid("A template needs a text.".into()));
        }
        if template.body.chars().count() > segments::MAX_CHARACTERS {
            return Err(Error::TooLong(template.body.chars().count()));
        }
        template::check(&template.body)?;
        template::check(&template.subject)?;
        store::save_template(&self.store, template, self.now()).await
    }

    pub async fn settings(&self) -> Result<MessagingSettings> {
        let (tz, from, until, phone, email, push): (String, i64, i64, Option<String>, Option<String>, Option<String>) =
            sqlx::query_as(
                "SELECT time_zone, quiet_from_minute, quiet_until_minute, owner_phone, owner_email, owner_push_endpoint
                   FROM messaging_settings WHERE id = 1",
            )
            .fetch_one(self.store.pool())
            .await?;
        let hhmm = |m: i64| format!("{:02}:{:02}", m / 60, m % 60);
        Ok(MessagingSettings {
            time_zone: tz,
            quiet_from: hhmm(from),
            quiet_until: hhmm(until),
            owner_phone: phone,
            owner_email: email,
            owner_push_endpoint: push,
        })
    }

    pub async fn save_settings(&self, settings: &MessagingSettings) -> Result<MessagingSettings> {
        let minute = |text: &str, what: &str| {
            NaiveTime::parse_from_str(text.trim(), "%H:%M")
                .map(|t| t.signed_duration_since(NaiveTime::MIN).num_minutes())
                .map_err(|_| Error::Invalid(format!("Quiet hours {what} '{text}' is not a time like 21:00.")))
        };
        let (from, until) = (minute(&settings.quiet_from, "from")?, minute(&settings.quiet_until, "until")?);
        let tz = settings.time_zone.trim();
        if !tz.is_empty() && tz.parse::<chrono_tz::Tz>().is_err() {
            return Err(Error::Invalid(format!("'{tz}' is not a time zone name; use one like America/Chicago.")));
        }
        let phone = match settings.owner_phone.as_deref().map(str::trim).filter(|p| !p.is_empty()) {
            Some(p) => dixon_shop::validate::phone("owner_phone", p).map_err(|e| Error::Invalid(e.message))?,
            None => None,
        };
        let email = match settings.owner_email.as_deref().map(str::trim).filter(|e| !e.is_empty()) {
            Some(e) => dixon_shop::validate::email("owner_email", e).map_err(|e| Error::Invalid(e.message))?,
            None => None,
        };
        sqlx::query(
            "UPDATE messaging_settings SET time_zone = ?, quiet_from_minute = ?, quiet_until_minute = ?, owner_phone = ?,
                    owner_email = ?, owner_push_endpoint = ?, updated_at = ? WHERE id = 1",
        )
        .bind(tz)
        .bind(from)
        .bind(until)
        .bind(phone)
        .bind(email)
        .bind(settings.owner_push_endpoint.as_deref().map(str::trim).filter(|p| !p.is_empty()))
        .bind(dixon_clock::to_stored(self.now()))
        .execute(self.store.pool())
        .await?;
        self.settings().await
    }

    /// When a message on `channel` written now may go, if quiet hours hold it.
    async fn quiet_hold(&self, channel: Channel, priority: Priority) -> Result<Option<DateTime<Utc>>> {
        let settings = self.settings().await?;
        let time = |t: &str| NaiveTime::parse_from_str(t, "%H:%M").unwrap_or(NaiveTime::MIN);
        let quiet = QuietHours { from: time(&settings.quiet_from), until: time(&settings.quiet_until) };
        let now = self.now();
        Ok(match settings.time_zone.parse::<chrono_tz::Tz>() {
            Ok(tz) => quiet.hold_until(now, &tz, channel, priority),
            Err(_) => quiet.hold_until(now, &chrono::Local, channel, priority),
        })
    }

    /// The template's values for a repair order.
    async fn values(&self, request: &Compose, repair_order_id: i64) -> Result<BTreeMap<&'static str, String>> {
        let order = self.store.repair_order(request.repair_order).await?;
        let shop = self.store.settings().await?;
        let paid = store::paid_cents(&self.store, repair_order_id).await?;
        // no street, no address: a map link to just "CA" would send the customer nowhere
        let address = if shop.address_line1.trim().is_empty() {
            String::new()
        } else {
            let region = format!("{} {}", shop.state, shop.postal_code).trim().to_string();
            [&shop.address_line1, &shop.address_line2, &shop.city, &region]
                .iter()
                .map(|part| part.trim())
                .filter(|part| !part.is_empty())
                .collect::<Vec<_>>()
                .join(", ")
        };
        let mut values = BTreeMap::from([
            ("first_name", order.customer.name.split_whitespace().next().unwrap_or_default().to_string()),
            ("customer_name", order.customer.name.clone()),
            ("vehicle", order.vehicle.label()),
            ("ro_number", order.number.to_string()),
            ("total", order.totals.total.to_string()),
            ("balance", Cents(order.totals.total.0 - paid).to_string()),
            ("amount_paid", Cents(paid).to_string()),
            ("shop_name", shop.name.clone()),
            ("shop_phone", shop.phone.clone()),
            ("shop_address", address.clone()),
        ]);
        if !address.is_empty() {
            values.insert("map_link", template::map_link(&address));
        }
        if let Some(link) = request.link.as_deref().map(str::trim).filter(|l| !l.is_empty()) {
            values.insert("estimate_link", link.to_string());
        }
        if request.template == "free" {
            let text = request.text.as_deref().map(str::trim).unwrap_or_default();
            if text.is_empty() {
                return Err(Error::EmptyText);
            }
            values.insert("text", text.to_string());
        }
        Ok(values)
    }

    /// The message as its provider needs it (with the PDF rendered again, if it has one).
    async fn outgoing(&self, row: &store::MessageRow) -> std::result::Result<Outgoing, String> {
        let shop = self.store.settings().await.map_err(|e| e.to_string())?;
        let attachment = match (&row.attachment, &self.documents, row.channel) {
            (Some(kind), Some(documents), Channel::Email) => {
                let number: Option<i64> = match row.repair_order_id {
                    Some(id) => sqlx::query_scalar("SELECT number FROM repair_orders WHERE id = ?")
                        .bind(id)
                        .fetch_optional(self.store.pool())
                        .await
                        .map_err(|e| e.to_string())?,
                    None => None,
                };
                match number {
                    Some(number) => Some(
                        documents
                            .render(kind, number)
                            .await
                            .map_err(|e| format!("the {kind} PDF could not be made: {e}"))?,
                    ),
                    None => None,
                }
            }
            _ => None,
        };
        Ok(Outgoing {
            uid: row.uid.clone(),
            to: row.to_address.clone(),
            subject: row.subject.clone(),
            body: row.body.clone(),
            attachment,
            shop_name: if shop.name.is_empty() { "Your repair shop".into() } else { shop.name },
            shop_email: Some(shop.email).filter(|e| !e.is_empty()),
            status_callback: (row.channel == Channel::Sms).then(|| self.status_callback.clone()).flatten(),
        })
    }

    /// Runs the background work forever: every `every`, resume what is waiting, read delivery
    /// reports and the events the Dixon cloud relayed.
    pub async fn run(self, every: Duration) {
        loop {
            if let Err(e) = self.resume().await {
                tracing::warn!("messages: {e}");
            }
            if let Err(e) = self.apply_relayed().await {
                tracing::warn!("relayed message events: {e}");
            }
            if let Err(e) = self.poll_delivery().await {
                tracing::warn!("delivery reports: {e}");
            }
            tokio::time::sleep(every).await;
        }
    }

    /// Sends an alert to the shop's owner: a note on every counter, and a text, email or push
    /// (the first that goes) to the owner's contacts in Settings → Messaging.
    pub async fn alert_owner(&self, subject: &str, body: &str) -> Result<Vec<Message>> {
        let settings = self.settings().await?;
        let now = self.now();
        let note = NewMessage {
            customer_id: None,
            repair_order_id: None,
            direction: "out",
            channel: Channel::InApp,
            template: None,
            priority: Priority::High,
            to_address: "shop",
            subject: Some(subject),
            body,
            attachment: None,
            state: "delivered",
            not_before: None,
            provider_id: None,
            fallback_of: None,
        };
        let mut written = vec![store::insert(&self.store, &note, &uuid::Uuid::new_v4().to_string(), now).await?];
        let routes = [
            (Channel::Sms, settings.owner_phone),
            (Channel::Email, settings.owner_email),
            (Channel::Push, settings.owner_push_endpoint),
        ];
        for (channel, to) in routes {
            let Some(to) = to.filter(|_| self.connected(channel)) else { continue };
            let new = NewMessage { channel, to_address: &to, state: "queued", ..note };
            let id = store::insert(&self.store, &new, &uuid::Uuid::new_v4().to_string(), now).await?;
            self.deliver(id).await?;
            written.push(id);
            let state: String = sqlx::query_scalar("SELECT state FROM messages WHERE id = ?")
                .bind(id)
                .fetch_one(self.store.pool())
                .await?;
            if state == "sent" || state == "delivered" {
                break; // urgent: stop at the first that went
            }
        }
        let mut messages = Vec::new();
        for id in written {
            messages.push(store::one(&self.store, id).await?);
        }
        Ok(messages)
    }
}

/// The recipient's address on `channel`.
fn address(recipient: &Recipient, channel: Channel) -> Option<String> {
    match channel {
        Channel::Sms => recipient.phone.clone(),
        Channel::Email => recipient.email.clone(),
        Channel::Push => recipient.push_endpoint.clone(),
        Channel::InApp => Some("shop".into()),
    }
}

fn provider_label(channel: Channel) -> &'static str {
    match channel {
        Channel::Sms => "Twilio",
        Channel::Email => "SendGrid",
        Channel::Push => "AWS SNS",
        Channel::InApp => "The counter",
    }
}

/// A provider's error code in words, with what to do.
pub fn explain(channel: Channel, code: &str) -> String {
    match channel {
        Channel::Sms => twilio::explain(code),
        Channel::Push => sns::explain(code),
        _ => format!("error {code}"),
    }
}

/// Ends the process at `step` when the crash tests ask for it ([`CRASH_AT_ENV`]).
fn crash_point(step: &str) {
    if std::env::var(CRASH_AT_ENV).is_ok_and(|at| at == step) {
        eprintln!("crashing at {step} ({CRASH_AT_ENV})");
        std::process::abort();
    }
}

/// Delivers the resilience monitor's critical alerts to the owner.
pub struct OwnerAlerts {
    pub messenger: Messenger,
}

impl Notifier for OwnerAlerts {
    fn notify<'a>(&'a self, alert: &'a Alert) -> BoxFuture<'a, ()> {
        Box::pin(async move {
            tracing::warn!(service = %alert.service, rule = %alert.rule, "alert: {}", alert.message);
            if alert.severity != dixon_resilience::Severity::Critical {
                return;
            }
            let subject = format!("Dixon Counter: {} needs attention", alert.service);
            if let Err(e) = self.messenger.alert_owner(&subject, &alert.message).await {
                tracing::warn!("the owner's alert could not be sent: {e}");
            }
        })
    }
}
