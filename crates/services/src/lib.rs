//! The counter's services, wired once for the desktop app and the `dixon` CLI alike: the store,
//! the integration registry with every outside service on its policy, and the typed clients.
//!
//! Where each service lives comes from the environment, so tests and staging point them at
//! local peers: `DIXON_VPIC_URL` (default `https://vpic.nhtsa.dot.gov/api`), `DIXON_PARTSTECH_URL`
//! (default `https://api.partstech.com`), `DIXON_STRIPE_URL` (default `https://api.stripe.com`), `DIXON_PAYPAL_URL` (default `https://api-m.paypal.com`). Accounts come from the OS keychain (`dixon parts
//! connect` saves PartsTech's). Services without an account on this counter yet are listed as
//! not configured, so the Integrations screen shows the whole picture.

pub mod demo;
pub mod diagnostics;
pub mod documents;
pub mod inspection_report;
pub mod recall_checks;
pub mod receipts;

use std::sync::Arc;
use std::time::Duration;

use dixon_clock::{Clock, SystemClock};
use dixon_home::Home;
use dixon_notify::{Messenger, OwnerAlerts, SendGrid, SendGridAccount, Sns, SnsAccount, Twilio, TwilioAccount};
use dixon_parts::{LocalCatalog, PartsPricing, PartsTech, PartsTechCredentials};
use dixon_payments::{Ledger, PayPal, PayPalAccount, Payments, Stripe, StripeAccount};
use dixon_resilience::{AlertRules, Integrations, Policy, ServiceConfig, ServiceKind};
use dixon_shop::Store;
use dixon_sync::SyncClient;
use dixon_vehicle::Vpic;

/// Environment variable naming vPIC's base URL.
pub const VPIC_URL_ENV: &str = "DIXON_VPIC_URL";
/// NHTSA's recalls API base URL (tests point it at a peer on 127.0.0.1).
pub const RECALLS_URL_ENV: &str = "DIXON_RECALLS_URL";
/// Environment variable naming PartsTech's base URL.
pub const PARTSTECH_URL_ENV: &str = "DIXON_PARTSTECH_URL";
/// Environment variable naming Stripe's base URL.
pub const STRIPE_URL_ENV: &str = "DIXON_STRIPE_URL";
/// The keychain entry holding the shop's Stripe account ([`StripeAccount`] as JSON).
pub const STRIPE_SECRET: &str = "stripe";
/// Environment variable naming PayPal's base URL (`https://api-m.sandbox.paypal.com` for tests).
pub const PAYPAL_URL_ENV: &str = "DIXON_PAYPAL_URL";
/// The keychain entry holding the shop's PayPal app ([`PayPalAccount`] as JSON).
pub const PAYPAL_SECRET: &str = "paypal";
/// The keychain entry holding the shop's PartsTech account ([`PartsTechCredentials`] as JSON).
pub const PARTSTECH_SECRET: &str = "partstech";
/// What one PartsTech request is recorded as costing, in millionths of a dollar. PartsTech
/// bills by plan, not by request; this spreads a typical plan over its requests so the cost
/// column means something. Override with `DIXON_PARTSTECH_COST_MICROUSD`.
const PARTSTECH_COST_MICROUSD: i64 = 1_000;
/// Environment variables naming Twilio's, SendGrid's and SNS's base URLs.
pub const TWILIO_URL_ENV: &str = "DIXON_TWILIO_URL";
pub const SENDGRID_URL_ENV: &str = "DIXON_SENDGRID_URL";
pub const SNS_URL_ENV: &str = "DIXON_SNS_URL";
/// The keychain entries of the messaging accounts ([`TwilioAccount`], [`SendGridAccount`],
/// [`SnsAccount`] as JSON).
pub const TWILIO_SECRET: &str = "twilio";
pub const SENDGRID_SECRET: &str = "sendgrid";
pub const SNS_SECRET: &str = "sns";
/// How often health checks and alert rules run.
pub const MONITOR_EVERY: Duration = Duration::from_secs(30);

/// Everything a screen or a command may call.
#[derive(Clone)]
pub struct Services {
    pub store: Store,
    pub integrations: Arc<Integrations>,
    pub vpic: Vpic,
    /// Open safety recalls (NHTSA).
    pub recalls: dixon_vehicle::Recalls,
    /// Parts prices: the local catalog, PartsTech when connected, the estimator.
    pub parts: PartsPricing,
    /// Cash, checks, and cards on the Stripe Terminal reader when Stripe is connected.
    pub payments: Payments,
    /// This counter and the Dixon cloud: enrollment, pushing the outbox, pulling the feed.
    pub sync: SyncClient,
    /// Texts, email and push to customers and the owner.
    pub messenger: Messenger,
    /// Photos of the car kept with its repair orders.
    pub photos: dixon_photos::Photos,
    /// The digital vehicle inspections of the repair orders.
    pub inspections: dixon_inspection::Inspections,
    /// The customer's approval from a link (served by the Dixon cloud).
    pub approvals: dixon_approval::Approvals,
}

impl Services {
    /// Opens the store in `home` (migrating it) and registers every integration.
    pub async fn open(home: &Home) -> Result<Services, dixon_shop::Error> {
        // every secret read or saved from here on is this data folder's own
        dixon_secrets::use_data_folder(home);
        let clock: Arc<dyn Clock> = Arc::new(SystemClock);
        let store = Store::open_with_clock(&home.database_path(), clock.clone()).await?;
        let integrations = Integrations::new(store.pool().clone(), clock.clone());
        let vpic = Vpic::register(&integrations, &base_url(VPIC_URL_ENV, dixon_vehicle::DEFAULT_BASE_URL));
        let recalls = dixon_vehicle::Recalls::register(
            &integrations,
            &base_url(RECALLS_URL_ENV, dixon_vehicle::DEFAULT_RECALLS_URL),
        );
        let partstech = connect_partstech(&integrations);
        let stripe = connect_stripe(&integrations);
        let paypal = connect_paypal(&integrations);
        let messenger = connect_messaging(Messenger::new(store.clone(), clock.clone()), &integrations);
        for (id, label, kind) in NOT_YET_CONFIGURED {
            if (id == dixon_parts::PARTSTECH_ID && partstech.is_some())
                || (id == dixon_payments::stripe::SERVICE_ID && stripe.is_some())
                || (id == dixon_payments::paypal::SERVICE_ID && paypal.is_some())
                || (id == dixon_notify::twilio::SERVICE_ID && messenger.connected(dixon_notify::Channel::Sms))
                || (id == dixon_notify::sendgrid::SERVICE_ID && messenger.connected(dixon_notify::Channel::Email))
                || (id == dixon_notify::sns::SERVICE_ID && messenger.connected(dixon_notify::Channel::Push))
            {
                continue;
            }
            let config =
                ServiceConfig { id: id.to_string(), label: label.to_string(), kind, policy: Policy::default() };
            integrations.register(config, None);
        }
        let catalog = LocalCatalog::new(store.pool().clone(), clock.clone());
        let parts = PartsPricing::new(catalog, partstech, store.pool().clone());
        let shop_name = store.settings().await.map(|s| s.name).unwrap_or_default();
        let payments = Payments::new(Ledger::new(store.clone(), clock.clone()), stripe, &shop_name).with_paypal(paypal);
        let sync = SyncClient::register(store.pool().clone(), &integrations).await;
        let relay = sync
            .status()
            .await
            .ok()
            .and_then(|s| Some(format!("{}/v1/relay/{}/twilio", s.cloud_url?.trim_end_matches('/'), s.shop_id?)));
        let messenger = messenger.with_status_callback(relay);
        let backups = ServiceConfig {
            id: "backup".into(),
            label: "Backups".into(),
            kind: ServiceKind::Local,
            policy: Policy::default(),
        };
        integrations.register(backups, Some(Arc::new(BackupsHealth { folder: home.data_dir().join("backups") })));
        let photos = dixon_photos::Photos::new(store.clone(), home.data_dir(), clock.clone());
        let inspections = dixon_inspection::Inspections::new(store.clone());
        let approvals = dixon_approval::Approvals::new(
            store.clone(),
            photos.clone(),
            inspections.clone(),
            sync.clone(),
            clock.clone(),
        );
        let mut services = Services {
            store,
            integrations,
            vpic,
            recalls,
            parts,
            payments,
            sync,
            messenger,
            photos,
            inspections,
            approvals,
        };
        services.messenger = services.messenger.clone().with_documents(Arc::new(documents::Pdfs(services.clone())));
        Ok(services)
    }

    /// Starts the background health checks and alert rules (inside a Tokio runtime); critical
    /// alerts go to the owner (Settings → Messaging).
    pub fn start_monitoring(&self) -> tokio::task::JoinHandle<()> {
        let owner = Arc::new(OwnerAlerts { messenger: self.messenger.clone() });
        self.integrations.spawn_monitoring(MONITOR_EVERY, AlertRules::default(), owner)
    }
}

/// The backups are healthy while one was taken (and checked) within the last two days; after
/// that the Integrations screen shows them down and the alert rules speak up.
struct BackupsHealth {
    folder: std::path::PathBuf,
}

impl dixon_resilience::HealthCheck for BackupsHealth {
    fn check(&self) -> dixon_resilience::BoxFuture<'_, Result<(), dixon_resilience::Error>> {
        Box::pin(async move {
            let unhealthy = |detail: String| dixon_resilience::Error::Unhealthy { service: "Backups".into(), detail };
            if let Some(why) = dixon_backup::last_failure(&self.folder) {
                return Err(unhealthy(format!("the last daily backup failed ({why}); it is tried again every hour")));
            }
            match dixon_backup::newest(&self.folder) {
                None => Err(unhealthy("no backup yet: run `dixon backup now`, or leave the app open (it backs up daily)".into())),
                Some(at) if chrono::Utc::now() - at > chrono::Duration::hours(48) => Err(unhealthy(format!(
                    "the newest backup is from {}: check the log for why the daily backup fails, and run `dixon backup now`",
                    at.format("%Y-%m-%d %H:%M UTC")
                ))),
                Some(_) => Ok(()),
            }
        })
    }
}

/// PartsTech, when the shop saved its account in the keychain. Without one (or without a
/// keychain) pricing runs on the local catalog alone, and the reason is logged.
fn connect_partstech(integrations: &Integrations) -> Option<PartsTech> {
    let credentials = saved_account::<PartsTechCredentials>(PARTSTECH_SECRET, "PartsTech")?;
    let cost = std::env::var("DIXON_PARTSTECH_COST_MICROUSD").ok().and_then(|c| c.parse().ok());
    Some(PartsTech::register(
        integrations,
        &base_url(PARTSTECH_URL_ENV, dixon_parts::PARTSTECH_URL),
        credentials,
        cost.unwrap_or(PARTSTECH_COST_MICROUSD),
    ))
}

/// Stripe, when the shop saved its account in the keychain (`dixon pay connect`).
fn connect_stripe(integrations: &Integrations) -> Option<Stripe> {
    let account = saved_account::<StripeAccount>(STRIPE_SECRET, "Stripe")?;
    Some(Stripe::register(integrations, &base_url(STRIPE_URL_ENV, dixon_payments::stripe::DEFAULT_BASE_URL), account))
}

/// PayPal, when the shop saved its PayPal app in the keychain (`dixon pay connect-paypal`).
fn connect_paypal(integrations: &Integrations) -> Option<PayPal> {
    let account = saved_account::<PayPalAccount>(PAYPAL_SECRET, "PayPal")?;
    Some(PayPal::register(integrations, &base_url(PAYPAL_URL_ENV, dixon_payments::paypal::DEFAULT_BASE_URL), account))
}

/// A messaging account the shop connects (Settings → Messaging, `dixon notify connect`).
#[derive(Clone, serde::Deserialize)]
#[serde(tag = "provider", rename_all = "snake_case")]
pub enum MessagingAccount {
    Twilio(TwilioAccount),
    Sendgrid(SendGridAccount),
    Sns(SnsAccount),
}

impl Services {
    /// Saves a messaging account in the OS keychain and starts using it at once.
    pub fn connect_messaging(&self, account: MessagingAccount) -> Result<(), dixon_secrets::Error> {
        let (secret, value) = match &account {
            MessagingAccount::Twilio(a) => (TWILIO_SECRET, serde_json::to_value(a)),
            MessagingAccount::Sendgrid(a) => (SENDGRID_SECRET, serde_json::to_value(a)),
            MessagingAccount::Sns(a) => (SNS_SECRET, serde_json::to_value(a)),
        };
        dixon_secrets::save(secret, &value.map_err(|_| dixon_secrets::Error::Damaged(secret.into()))?)?;
        use_messaging(&self.messenger, &self.integrations, account);
        Ok(())
    }
}

/// Registers a messaging account's client and hands it to the messenger.
fn use_messaging(messenger: &Messenger, integrations: &Integrations, account: MessagingAccount) {
    match account {
        MessagingAccount::Twilio(account) => {
            let url = base_url(TWILIO_URL_ENV, dixon_notify::twilio::DEFAULT_BASE_URL);
            messenger.connect(Arc::new(Twilio::register(integrations, &url, account, Policy::default())));
        }
        MessagingAccount::Sendgrid(account) => {
            let url = base_url(SENDGRID_URL_ENV, dixon_notify::sendgrid::DEFAULT_BASE_URL);
            messenger.connect(Arc::new(SendGrid::register(integrations, &url, account, Policy::default())));
        }
        MessagingAccount::Sns(account) => {
            let url = base_url(SNS_URL_ENV, &account.default_base_url());
            messenger.connect(Arc::new(Sns::register(integrations, &url, account, Policy::default())));
        }
    }
}

/// The messaging channels the shop connected, from the keychain.
fn connect_messaging(messenger: Messenger, integrations: &Integrations) -> Messenger {
    let saved = [
        saved_account::<TwilioAccount>(TWILIO_SECRET, "Twilio").map(MessagingAccount::Twilio),
        saved_account::<SendGridAccount>(SENDGRID_SECRET, "SendGrid").map(MessagingAccount::Sendgrid),
        saved_account::<SnsAccount>(SNS_SECRET, "AWS SNS").map(MessagingAccount::Sns),
    ];
    for account in saved.into_iter().flatten() {
        use_messaging(&messenger, integrations, account);
    }
    messenger
}

/// A service's account from the OS keychain; without one (or without a keychain) the service is
/// listed as not configured, and the reason is logged.
fn saved_account<T: serde::de::DeserializeOwned>(secret: &str, label: &str) -> Option<T> {
    match dixon_secrets::load::<T>(secret) {
        Ok(account) => account,
        Err(e) => {
            tracing::info!("{label} not connected: {e}");
            None
        }
    }
}

/// The service's address: `env` when set (tests, staging), else the vendor's.
fn base_url(env: &str, default: &str) -> String {
    std::env::var(env).ok().filter(|u| !u.is_empty()).unwrap_or_else(|| default.to_string())
}

/// The platform's other services, listed until their clients land and an account is set up.
const NOT_YET_CONFIGURED: [(&str, &str, ServiceKind); 6] = [
    ("partstech", "PartsTech (parts pricing)", ServiceKind::Data),
    ("stripe", "Stripe (card payments)", ServiceKind::Payments),
    ("paypal", "PayPal", ServiceKind::Payments),
    ("twilio", "Twilio (text messages)", ServiceKind::Messaging),
    ("sendgrid", "SendGrid (email)", ServiceKind::Messaging),
    ("sns", "AWS SNS (push)", ServiceKind::Messaging),
];
