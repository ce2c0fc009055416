//! The shop: customers, vehicles, repair orders and their lifecycle, money, the shop's profile,
//! and the local SQLite store that keeps all of it on the counter PC.
//!
//! The desktop app and the `dixon` CLI both go through [`Store`]; nothing else writes the database.
//!
//! - [`Store::open`] creates or migrates the database (WAL, foreign keys on) and refuses damaged
//!   files and files from a newer Dixon Counter with an [`Error`] that says what to do.
//! - [`NewRepairOrder`] is what the counter form sends; [`Store::create_repair_order`] validates
//!   all of it (collecting every [`FieldError`]) and stores customer, vehicle and order at once.
//! - [`Status`] is the lifecycle (`estimate → approved → in progress → completed → invoiced →
//!   paid → closed`, plus `canceled`); [`Store::change_status`] refuses every other move.
//! - [`Cents`] and [`Rate`] are the money types: integers, rounded half-up once per line.
//!
//! ```no_run
//! # async fn demo() -> Result<(), dixon_shop::Error> {
//! use dixon_shop::{NewRepairOrder, Status, Store};
//! let store = Store::open("shop.sqlite3".as_ref()).await?;
//! let mut form = NewRepairOrder::default();
//! form.customer.name = "Pat Lee".into();
//! form.customer.phone = "(555) 234-5678".into();
//! form.vehicle.vin = "1HGCM82633A004352".into();
//! let ro = store.create_repair_order(&form).await?;
//! store.change_status(ro.number, Status::Approved, Some("approved by phone")).await?;
//! # Ok(()) }
//! ```

pub mod approval;
mod customer;
mod diagnostic;
mod error;
mod estimate;
mod money;
mod repair_order;
pub mod replica;
mod settings;
mod store;
pub mod validate;
mod vehicle;

pub use customer::{ContactMethod, Customer, NewCustomer};
pub use diagnostic::{Diagnostic, NewDiagnostic, TroubleCode, TroubleCodeKind};
pub use dixon_clock::{Clock, FixedClock, ManualClock, SystemClock};
pub use error::{Error, FieldError, Result};
pub use estimate::{
    shop_fees, Authorization, AuthorizationKind, AuthorizationMethod, CannedJob, NewAuthorization, OverageRule,
    PartCondition, PartDetails, ShopFee,
};
pub use money::{group_thousands, Cents, ParseAmountError, Rate};
pub use repair_order::{
    LineItem, LineKind, NewLine, NewRepairOrder, RepairOrder, RepairOrderSummary, Status, StatusChange, Totals,
    UnknownStatus,
};
pub use settings::{logo_data_url, HazardousWasteFee, ShopSettings, ShopSuppliesRule, SuppliesBasis, MAX_LOGO_BYTES};
pub use store::{outbox, records, ListScope, RepairOrderQuery, SchemaStatus, Store, MIGRATOR};
pub use vehicle::{NewVehicle, Vehicle};
