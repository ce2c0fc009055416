//! The counter's services, wired once for the desktop app and the `dixon` CLI alike: the store,
//! the integration registry with every outside service on its policy, and the typed clients.
//!
//! Where each service lives comes from the environment, so tests and staging point them at
//! local peers: `DIXON_VPIC_URL` (default `https://vpic.nhtsa.dot.gov/api`). Services without an
//! account on this counter yet are listed as not configured, so the Integrations screen shows
//! the whole picture.

use std::sync::Arc;
use std::time::Duration;

use dixon_clock::{Clock, SystemClock};
use dixon_home::Home;
use dixon_resilience::{AlertRules, Integrations, LogNotifier, Policy, ServiceConfig, ServiceKind};
use dixon_shop::Store;
use dixon_vehicle::Vpic;

/// Environment variable naming vPIC's base URL.
pub const VPIC_URL_ENV: &str = "DIXON_VPIC_URL";
/// How often health checks and alert rules run.
pub const MONITOR_EVERY: Duration = Duration::from_secs(30);

/// Everything a screen or a command may call.
#[derive(Clone)]
pub struct Services {
    pub store: Store,
    pub integrations: Arc<Integrations>,
    pub vpic: Vpic,
}

impl Services {
    /// Opens the store in `home` (migrating it) and registers every integration.
    pub async fn open(home: &Home) -> Result<Services, dixon_shop::Error> {
        let clock: Arc<dyn Clock> = Arc::new(SystemClock);
        let store = Store::open_with_clock(&home.database_path(), clock.clone()).await?;
        let integrations = Integrations::new(store.pool().clone(), clock);
        let vpic_url = std::env::var(VPIC_URL_ENV).ok().filter(|u| !u.is_empty());
        let vpic = Vpic::register(&integrations, vpic_url.as_deref().unwrap_or(dixon_vehicle::DEFAULT_BASE_URL));
        for (id, label, kind) in NOT_YET_CONFIGURED {
            let config =
                ServiceConfig { id: id.to_string(), label: label.to_string(), kind, policy: Policy::default() };
            integrations.register(config, None);
        }
        Ok(Services { store, integrations, vpic })
    }

    /// Starts the background health checks and alert rules (inside a Tokio runtime).
    pub fn start_monitoring(&self) -> tokio::task::JoinHandle<()> {
        self.integrations.spawn_monitoring(MONITOR_EVERY, AlertRules::default(), Arc::new(LogNotifier))
    }
}

/// The platform's other services, listed until their clients land and an account is set up.
const NOT_YET_CONFIGURED: [(&str, &str, ServiceKind); 7] = [
    ("partstech", "PartsTech (parts pricing)", ServiceKind::Data),
    ("stripe", "Stripe (card payments)", ServiceKind::Payments),
    ("paypal", "PayPal", ServiceKind::Payments),
    ("twilio", "Twilio (text messages)", ServiceKind::Messaging),
    ("sendgrid", "SendGrid (email)", ServiceKind::Messaging),
    ("sns", "AWS SNS (push)", ServiceKind::Messaging),
    ("cloud", "Dixon cloud (sync)", ServiceKind::Cloud),
];
