//! The Dixon cloud: the server that the counters of many shops sync through, on PostgreSQL.
//!
//! - [`Admin`] is what the operator runs (`dixon-cloud migrate`, `shop create`, `shop
//!   enroll-code`, `device revoke`, `relay set`): the schema, shops, one-time enrollment codes,
//!   and the secrets outside services sign their calls to a shop with.
//! - [`server::router`] is the HTTP API a counter talks to: `POST /v1/enroll` trades a code for a
//!   device credential, `GET /v1/device` says who a credential is, `POST /v1/push` takes a batch
//!   of the counter's changes, `GET /v1/changes` hands out the shop's change feed after a cursor
//!   (long-poll), `GET /healthz`, `GET /metrics` (Prometheus).
//! - [`sync`] is push and pull: gapless per-device and per-shop sequence numbers, each change
//!   merged into the shop's records by the shared rules and answered applied / duplicate /
//!   rejected-with-reason, a resent batch changing nothing; snapshots for new counters.
//! - [`approval`] publishes a repair order's estimate, inspection and photos as the customer's
//!   approval page (`/a/{token}`, [`approval_page`]) and hands the signed answer to the counters.
//! - [`relay`] takes Stripe, Twilio and SendGrid calls for a shop, checks their signatures, and
//!   hands them to the shop's counters through the same feed.
//!
//! Many shops share one database. The shop always comes from the caller's credential, never from
//! a request body, and a second guard stands behind it: the server works as the `dixon_app`
//! role, and row-level security shows a transaction only the rows of the shop it is working for
//! ([`Tenant`]). Every key leads with the shop, so the schema can be hash-distributed by shop on
//! a distributed PostgreSQL (Citus) without any query crossing shops.
//!
//! Credentials: enrollment codes (80 random bits, single use, 7 days) and device secrets (244
//! random bits) are kept only as SHA-256; a device is revocable on its own.

pub mod approval;
pub mod approval_page;
mod credentials;
mod error;
pub mod metrics;
pub mod relay;
pub mod server;
pub mod sync;
mod tenancy;

pub use credentials::{DeviceToken, EnrollmentCode};
pub use error::{Error, Result};
pub use tenancy::{connect_as_app, enroll, Admin, DeviceInfo, Enrolled, Tenant};

/// The schema, applied by `dixon-cloud migrate`.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");
