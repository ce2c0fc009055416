//! Repair orders: their lifecycle, their lines and their totals.
//!
//! The lifecycle is `estimate → approved → in progress → completed → invoiced → paid → closed`,
//! with `canceled` reachable before the work is invoiced. [`Status::next`] is the single source of
//! which moves are legal; the store refuses every other move.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::customer::{Customer, NewCustomer};
use crate::error::FieldError;
use crate::estimate::{shop_fees, Authorization, PartDetails, ShopFee};
use crate::money::{Cents, Rate};
use crate::settings::ShopSettings;
use crate::validate;
use crate::vehicle::{NewVehicle, Vehicle};

/// Where a repair order stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Estimate,
    Approved,
    InProgress,
    Completed,
    Invoiced,
    Paid,
    Closed,
    Canceled,
}

impl Status {
    pub const ALL: [Status; 8] = [
        Status::Estimate,
        Status::Approved,
        Status::InProgress,
        Status::Completed,
        Status::Invoiced,
        Status::Paid,
        Status::Closed,
        Status::Canceled,
    ];

    /// The statuses a repair order may move to from this one.
    ///
    /// Going back is allowed where shops really do it: an approved job re-opened as an estimate
    /// (the customer wants a change), completed work re-opened (a comeback found before invoicing),
    /// a canceled order re-opened. Nothing moves out of `closed`; payments alone reverse `paid`.
    pub fn next(self) -> &'static [Status] {
        use Status::*;
        match self {
            Estimate => &[Approved, Canceled],
            Approved => &[InProgress, Estimate, Canceled],
            InProgress => &[Completed, Canceled],
            Completed => &[Invoiced, InProgress],
            Invoiced => &[Paid],
            Paid => &[Closed],
            Closed => &[],
            Canceled => &[Estimate],
        }
    }

    pub fn can_move_to(self, to: Status) -> bool {
        self.next().contains(&to)
    }

    /// Still on the shop's plate (shown on the counter screen whatever its date).
    pub fn is_active(self) -> bool {
        !matches!(self, Status::Closed | Status::Canceled)
    }

    /// The name stored in the database and used by the CLI (`in_progress`).
    pub fn as_str(self) -> &'static str {
        use Status::*;
        match self {
            Estimate => "estimate",
            Approved => "approved",
            InProgress => "in_progress",
            Completed => "completed",
            Invoiced => "invoiced",
            Paid => "paid",
            Closed => "closed",
            Canceled => "canceled",
        }
    }
}

impl fmt::Display for Status {
    /// The name a service writer reads ("In progress").
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use Status::*;
        f.write_str(match self {
            Estimate => "Estimate",
            Approved => "Approved",
            InProgress => "In progress",
            Completed => "Completed",
            Invoiced => "Invoiced",
            Paid => "Paid",
            Closed => "Closed",
            Canceled => "Canceled",
        })
    }
}

/// An unknown status name, with the list of known ones.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{0}' is not a repair order status. Use one of: estimate, approved, in_progress, completed, invoiced, paid, closed, canceled.")]
pub struct UnknownStatus(pub String);

impl FromStr for Status {
    type Err = UnknownStatus;

    /// Accepts `in_progress`, `in-progress`, `In progress`, `cancelled`; any case.
    fn from_str(text: &str) -> Result<Status, UnknownStatus> {
        let key: String =
            text.trim().to_ascii_lowercase().chars().map(|c| if c == '-' || c == ' ' { '_' } else { c }).collect();
        let key = if key == "cancelled" { "canceled".to_string() } else { key };
        Status::ALL.into_iter().find(|s| s.as_str() == key).ok_or_else(|| UnknownStatus(text.to_string()))
    }
}

/// What kind of charge a line is; decides its tax rate and where it prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum LineKind {
    Labor,
    Part,
    Fee,
    Sublet,
    Discount,
}

impl LineKind {
    pub fn as_str(self) -> &'static str {
        match self {
            LineKind::Labor => "labor",
            LineKind::Part => "part",
            LineKind::Fee => "fee",
            LineKind::Sublet => "sublet",
            LineKind::Discount => "discount",
        }
    }

    /// Whether a new line of this kind is taxed unless the writer says otherwise: parts and fees
    /// are, labor when the shop's state taxes labor, sublet work and discounts are not. (The
    /// estimate editor in ui/src/views/estimate.ts shows the same default.)
    pub fn taxed_by_default(self, settings: &ShopSettings) -> bool {
        match self {
            LineKind::Part | LineKind::Fee => true,
            LineKind::Labor => settings.labor_tax_rate > Rate::ZERO,
            LineKind::Sublet | LineKind::Discount => false,
        }
    }

    pub fn parse(text: &str) -> Option<LineKind> {
        [LineKind::Labor, LineKind::Part, LineKind::Fee, LineKind::Sublet, LineKind::Discount]
            .into_iter()
            .find(|k| k.as_str() == text)
    }
}

/// A line as entered, before validation.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct NewLine {
    pub kind: LineKind,
    pub description: String,
    /// Thousandths of a unit: 1.5 hours is 1500, two parts are 2000.
    pub quantity_milli: i64,
    /// Price of one unit (for labor: the hourly rate, the shop's posted rate unless this line
    /// overrides it); a discount is entered as a positive amount and subtracted.
    pub unit_price: Cents,
    pub taxable: bool,
    /// Part number, brand, supplier, condition and core charge (part lines only).
    #[serde(default)]
    pub part: Option<PartDetails>,
    /// Who does the work (labor lines).
    #[serde(default)]
    pub technician: Option<String>,
}

impl NewLine {
    /// A line of `kind` with no part details or technician.
    pub fn simple(kind: LineKind, description: &str, quantity_milli: i64, unit_price: Cents, taxable: bool) -> NewLine {
        NewLine {
            kind,
            description: description.to_string(),
            quantity_milli,
            unit_price,
            taxable,
            part: None,
            technician: None,
        }
    }

    pub(crate) fn validate(&self) -> Result<NewLine, Vec<FieldError>> {
        let mut errors = Vec::new();
        let description = validate::short_text("line.description", "description", &self.description, 200)
            .map_err(|e| errors.push(e))
            .ok()
            .flatten();
        if description.is_none() && errors.is_empty() {
            errors.push(FieldError::new("line.description", "Describe the line, e.g. \"Front brake pads\"."));
        }
        if !(1..=1_000_000_000).contains(&self.quantity_milli) {
            errors.push(FieldError::new("line.quantity", "The quantity must be more than 0 and at most 1,000,000."));
        }
        if !(0..=100_000_000_00).contains(&self.unit_price.0) {
            errors.push(FieldError::new("line.unit_price", "The price must be between $0.00 and $100,000,000.00."));
        }
        let part = match (&self.part, self.kind) {
            (Some(part), LineKind::Part) => Some(part.validate(&mut errors)),
            (Some(_), _) => {
                errors.push(FieldError::new("line.part", "Only part lines carry a part number, brand or core charge."));
                None
            }
            (None, _) => None,
        };
        let technician =
            validate::short_text("line.technician", "technician", self.technician.as_deref().unwrap_or(""), 60)
                .map_err(|e| errors.push(e))
                .ok()
                .flatten();
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(NewLine { description: description.unwrap_or_default(), part, technician, ..self.clone() })
    }
}

/// A stored line of a repair order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct LineItem {
    pub id: i64,
    /// The line's id everywhere (counters, cloud, the customer's approval page).
    #[serde(default)]
    pub uid: String,
    /// The customer declined this work: it stays on the order (the shop follows up on it later)
    /// but counts in no total.
    #[serde(default)]
    pub declined: bool,
    /// Work found during the job, waiting for the customer's approval: shown, counted in no
    /// total until approved.
    #[serde(default)]
    pub proposed: bool,
    pub kind: LineKind,
    pub description: String,
    pub quantity_milli: i64,
    pub unit_price: Cents,
    pub taxable: bool,
    pub part: Option<PartDetails>,
    pub technician: Option<String>,
    /// Quantity × (unit price + core charge), rounded half-up to the cent; negative for discounts.
    pub amount: Cents,
}

impl LineItem {
    pub fn new(
        id: i64,
        kind: LineKind,
        description: String,
        quantity_milli: i64,
        unit_price: Cents,
        taxable: bool,
    ) -> LineItem {
        let extended = unit_price.times_milli(quantity_milli);
        let amount = if kind == LineKind::Discount { -extended } else { extended };
        LineItem {
            id,
            uid: String::new(),
            declined: false,
            proposed: false,
            kind,
            description,
            quantity_milli,
            unit_price,
            taxable,
            part: None,
            technician: None,
            amount,
        }
    }

    /// The same line with its uid, and whether the customer declined it or is still to decide.
    pub fn with_decision(mut self, uid: String, declined: bool, proposed: bool) -> LineItem {
        self.uid = uid;
        self.declined = declined;
        self.proposed = proposed;
        self
    }

    /// Counts in the totals: neither declined nor waiting for the customer.
    pub fn counts(&self) -> bool {
        !self.declined && !self.proposed
    }

    /// The same line with its part details; the core charge joins the line's amount.
    pub fn with_part(mut self, part: Option<PartDetails>) -> LineItem {
        if let Some(part) = &part {
            self.amount += part.core_charge.times_milli(self.quantity_milli);
        }
        self.part = part;
        self
    }

    pub fn with_technician(mut self, technician: Option<String>) -> LineItem {
        self.technician = technician;
        self
    }

    /// The core charges on this line (quantity × core charge).
    pub fn core_total(&self) -> Cents {
        self.part.as_ref().map_or(Cents::ZERO, |p| p.core_charge.times_milli(self.quantity_milli))
    }

    /// The line as it would be entered again (for canned jobs and revisions).
    pub fn to_new(&self) -> NewLine {
        NewLine {
            kind: self.kind,
            description: self.description.clone(),
            quantity_milli: self.quantity_milli,
            unit_price: self.unit_price,
            taxable: self.taxable,
            part: self.part.clone(),
            technician: self.technician.clone(),
        }
    }
}

/// The money on a repair order, by kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Totals {
    pub labor: Cents,
    /// Parts including their core charges.
    pub parts: Cents,
    /// Fee lines and the shop's own fees (shop supplies, hazardous waste).
    pub fees: Cents,
    pub sublet: Cents,
    /// Zero or negative.
    pub discounts: Cents,
    pub tax: Cents,
    pub total: Cents,
}

impl Totals {
    /// Sums the lines, the shop's fees and their tax. Tax is computed per taxable line and
    /// rounded half-up there: labor lines at the labor rate, every other taxable line (parts,
    /// fees, sublet, a taxable discount) at the parts (sales) rate.
    pub fn of(lines: &[LineItem], settings: &ShopSettings) -> Totals {
        Totals::with_fees(lines, &shop_fees(lines, settings), settings)
    }

    /// As [`Totals::of`], with the shop fees already computed.
    pub fn with_fees(lines: &[LineItem], fees: &[ShopFee], settings: &ShopSettings) -> Totals {
        let mut totals = Totals::default();
        for line in lines.iter().filter(|l| l.counts()) {
            let amount = line.amount;
            match line.kind {
                LineKind::Labor => totals.labor += amount,
                LineKind::Part => totals.parts += amount,
                LineKind::Fee => totals.fees += amount,
                LineKind::Sublet => totals.sublet += amount,
                LineKind::Discount => totals.discounts += amount,
            }
            if line.taxable {
                let rate: Rate =
                    if line.kind == LineKind::Labor { settings.labor_tax_rate } else { settings.parts_tax_rate };
                totals.tax += amount.at_rate(rate);
            }
        }
        for fee in fees {
            totals.fees += fee.amount;
            if fee.taxable {
                totals.tax += fee.amount.at_rate(settings.parts_tax_rate);
            }
        }
        totals.total = totals.labor + totals.parts + totals.fees + totals.sublet + totals.discounts + totals.tax;
        totals
    }
}

/// Everything the counter form sends to open a repair order.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct NewRepairOrder {
    pub customer: NewCustomer,
    pub vehicle: NewVehicle,
    /// The customer's concern in their own words ("grinding noise when braking").
    #[serde(default)]
    pub concern: String,
}

/// One move of a repair order's status, kept forever.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct StatusChange {
    /// `None` for the order's creation.
    pub from: Option<Status>,
    pub to: Status,
    pub at: DateTime<Utc>,
    pub note: Option<String>,
}

/// A repair order with everything on it.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct RepairOrder {
    /// The number printed on paperwork and typed at the counter.
    pub number: i64,
    /// Opened at this counter and not confirmed by the Dixon cloud yet: if another counter took
    /// the same number while this one was offline, the cloud gives this order the next free one.
    pub provisional: bool,
    pub status: Status,
    /// Where the order may go from here (for the buttons on screen).
    pub next_statuses: Vec<Status>,
    pub customer: Customer,
    pub vehicle: Vehicle,
    pub concern: Option<String>,
    pub odometer_in: Option<i64>,
    pub lines: Vec<LineItem>,
    /// The fees the shop's settings add (shop supplies, hazardous waste), itemized.
    pub shop_fees: Vec<ShopFee>,
    pub totals: Totals,
    /// Every authorization, oldest first; each is a kept revision of the estimate.
    pub authorizations: Vec<Authorization>,
    /// The highest total the latest authorization covers (with the state's overage allowance);
    /// `None` until the customer authorizes the estimate.
    pub authorized_limit: Option<Cents>,
    pub history: Vec<StatusChange>,
    /// Readings from the car (OBD-II), newest first.
    pub diagnostics: Vec<crate::Diagnostic>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// One row of the counter screen's list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct RepairOrderSummary {
    pub number: i64,
    /// The number may still change: see [`RepairOrder::provisional`].
    pub provisional: bool,
    pub status: Status,
    pub customer_name: String,
    /// "2019 Honda Civic" or the VIN.
    pub vehicle: String,
    pub plate: Option<String>,
    pub total: Cents,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_status_round_trips_through_its_name() {
        for status in Status::ALL {
            assert_eq!(status.as_str().parse::<Status>(), Ok(status));
            assert_eq!(status.to_string().parse::<Status>(), Ok(status));
        }
        assert_eq!("In-Progress".parse::<Status>(), Ok(Status::InProgress));
        assert_eq!("cancelled".parse::<Status>(), Ok(Status::Canceled));
        assert!("done".parse::<Status>().is_err());
    }

    #[test]
    fn the_happy_path_is_legal_and_skipping_steps_is_not() {
        use Status::*;
        let path = [Estimate, Approved, InProgress, Completed, Invoiced, Paid, Closed];
        for pair in path.windows(2) {
            assert!(pair[0].can_move_to(pair[1]), "{} → {}", pair[0], pair[1]);
        }
        assert!(!Estimate.can_move_to(Paid));
        assert!(!Invoiced.can_move_to(Canceled), "invoiced work is refunded, not canceled");
        assert!(Closed.next().is_empty());
        for status in Status::ALL {
            assert!(!status.can_move_to(status), "{status} must not move to itself");
        }
    }

    #[test]
    fn totals_tax_labor_and_parts_at_their_own_rates() {
        let settings =
            ShopSettings { labor_tax_rate: Rate(0), parts_tax_rate: Rate(82_500), ..ShopSettings::default() };
        let line = |kind, qty, price, taxable| LineItem::new(0, kind, String::new(), qty, Cents(price), taxable);
        let lines = [
            line(LineKind::Labor, 1_500, 12_000, true),    // $180.00, labor untaxed here
            line(LineKind::Part, 2_000, 4_999, true),      // $99.98 → tax $8.25 (8.248 half-up)
            line(LineKind::Fee, 1_000, 350, false),        // $3.50
            line(LineKind::Discount, 1_000, 1_000, false), // -$10.00
        ];
        let totals = Totals::of(&lines, &settings);
        assert_eq!(totals.labor, Cents(18_000));
        assert_eq!(totals.parts, Cents(9_998));
        assert_eq!(totals.tax, Cents(825));
        assert_eq!(totals.discounts, Cents(-1_000));
        assert_eq!(totals.total, Cents(18_000 + 9_998 + 350 - 1_000 + 825));
    }
}
