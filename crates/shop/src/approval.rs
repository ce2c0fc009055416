//! The customer's approval from a link, as data. The counter publishes a [`Document`] for one
//! repair order (the shop, the vehicle, the inspection with its photos, the lines offered with
//! their prices); the Dixon cloud shows it on the customer's phone and hands back a
//! [`Submission`] (each offered line approved or declined, the typed name, the drawn signature,
//! when and from where). Pure: the cloud and the counter compute the same totals from the same
//! code, and both hash the document the same way — the authorization keeps that hash, so what
//! the customer was shown can be proven later (tamper-evident: [`Submission::is_intact`]).

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::estimate::AuthorizationKind;
use crate::money::{Cents, Rate};
use crate::repair_order::{LineItem, Totals};
use crate::settings::ShopSettings;
use crate::settings::{HazardousWasteFee, ShopSuppliesRule};

/// What the customer agrees to by submitting (shown above the signature, kept in the hash).
pub const CONSENT: &str = "By signing I authorize the work I approved above and the charges shown, \
including parts, labor, fees and tax. The shop will not do work I declined, and will ask me again \
before the total goes above the amount shown. I agree that my typed name and signature on this page \
are my electronic signature.";

/// The longest a typed name may be.
pub const MAX_NAME: usize = 100;
/// The largest drawn signature kept (a PNG data URL).
pub const MAX_SIGNATURE_BYTES: usize = 64 * 1024;

/// The page one link shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Document {
    pub shop: ShopHeader,
    pub order_uid: String,
    pub order_number: i64,
    /// How the shop greets the customer ("Pat Lee").
    pub customer_name: String,
    /// "2019 Honda Civic EX", and the VIN's last six characters when known.
    pub vehicle: String,
    pub kind: AuthorizationKind,
    pub lines: Vec<OfferedLine>,
    pub pricing: Pricing,
    /// The inspection, worst first.
    pub inspection: Vec<InspectedItem>,
    pub consent: String,
    /// The shop's IANA time zone ("America/Los_Angeles"): the page's times are the shop's.
    pub time_zone: String,
    pub published_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShopHeader {
    pub name: String,
    /// E.164; the page shows it as a tap-to-call link.
    pub phone: String,
    pub email: String,
    pub address: String,
}

/// The rules the totals follow (from the shop's settings when published).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Pricing {
    pub parts_tax_rate: Rate,
    pub labor_tax_rate: Rate,
    pub shop_supplies: ShopSuppliesRule,
    pub hazardous_waste: HazardousWasteFee,
}

impl Pricing {
    pub fn of(settings: &ShopSettings) -> Pricing {
        Pricing {
            parts_tax_rate: settings.parts_tax_rate,
            labor_tax_rate: settings.labor_tax_rate,
            shop_supplies: settings.shop_supplies,
            hazardous_waste: settings.hazardous_waste,
        }
    }

    fn settings(&self) -> ShopSettings {
        ShopSettings {
            parts_tax_rate: self.parts_tax_rate,
            labor_tax_rate: self.labor_tax_rate,
            shop_supplies: self.shop_supplies,
            hazardous_waste: self.hazardous_waste,
            ..ShopSettings::default()
        }
    }
}

/// A line of the estimate on the page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OfferedLine {
    pub line: LineItem,
    /// `false` for work approved before (a supplementary page shows it, not asks again).
    pub decidable: bool,
    /// Why it is recommended (the inspection item's finding), if it came from one.
    pub finding: Option<String>,
    pub photos: Vec<PhotoRef>,
}

/// An inspection item on the page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InspectedItem {
    pub section: String,
    pub name: String,
    /// `red`, `yellow` or `green`.
    pub condition: String,
    pub note: Option<String>,
    /// "3 mm (replace at 3)".
    pub reading: Option<String>,
    pub photos: Vec<PhotoRef>,
}

/// A photo the cloud holds (content-addressed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PhotoRef {
    /// The copy sent (marked, or the working copy): tapped to enlarge.
    pub sha256: String,
    pub thumbnail_sha256: String,
    pub width: u32,
    pub height: u32,
}

impl Document {
    /// SHA-256 of the document as published: the bytes the cloud keeps and the page shows.
    pub fn sha256(&self) -> String {
        hex(&Sha256::digest(serde_json::to_vec(self).unwrap_or_default()))
    }

    /// Every photo the page shows (each once).
    pub fn photos(&self) -> BTreeSet<&str> {
        let lines = self.lines.iter().flat_map(|l| &l.photos);
        let items = self.inspection.iter().flat_map(|i| &i.photos);
        lines.chain(items).flat_map(|p| [p.sha256.as_str(), p.thumbnail_sha256.as_str()]).collect()
    }

    /// The lines the customer decides on.
    pub fn decidable(&self) -> impl Iterator<Item = &OfferedLine> {
        self.lines.iter().filter(|l| l.decidable)
    }

    /// The totals if the customer approves `approved` (uids of decidable lines) and declines the
    /// rest; work approved before always counts.
    pub fn totals(&self, approved: &BTreeSet<String>) -> Totals {
        let lines: Vec<LineItem> = self
            .lines
            .iter()
            .map(|offered| {
                let mut line = offered.line.clone();
                line.proposed = false;
                line.declined = offered.decidable && !approved.contains(&line.uid);
                line
            })
            .collect();
        Totals::of(&lines, &self.pricing.settings())
    }

    /// The customer's choices checked against the page: every uid must be a line offered here.
    pub fn decide(&self, approved: &[String]) -> Result<Decision, String> {
        let offered: BTreeSet<&str> = self.decidable().map(|l| l.line.uid.as_str()).collect();
        let approved: BTreeSet<String> = approved.iter().map(|u| u.trim().to_string()).collect();
        if let Some(stranger) = approved.iter().find(|uid| !offered.contains(uid.as_str())) {
            return Err(format!("'{stranger}' is not a line on this estimate."));
        }
        let declined = offered.iter().filter(|uid| !approved.contains(**uid)).map(|uid| uid.to_string()).collect();
        let totals = self.totals(&approved);
        Ok(Decision { approved: approved.into_iter().collect(), declined, amount: totals.total, totals })
    }
}

/// Lines approved and declined, and what that comes to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Decision {
    pub approved: Vec<String>,
    pub declined: Vec<String>,
    pub totals: Totals,
    /// What the customer authorizes: the total of everything approved.
    pub amount: Cents,
}

/// What the customer sent back, as the cloud received it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Submission {
    /// The cloud's id of the link (one submission per link).
    pub link_id: String,
    pub order_uid: String,
    pub kind: AuthorizationKind,
    /// [`Document::sha256`] of the page the customer was shown.
    pub shown_sha256: String,
    pub approved: Vec<String>,
    pub declined: Vec<String>,
    pub amount: Cents,
    /// The name the customer typed.
    pub name: String,
    /// The drawn signature, a `data:image/png;base64,…` URL (none when the page ran without
    /// JavaScript: the typed name is then the signature).
    pub signature_png: Option<String>,
    pub submitted_at: DateTime<Utc>,
    pub ip: String,
    pub user_agent: String,
    /// SHA-256 over everything above: changing any of it afterwards shows.
    pub seal: String,
}

impl Submission {
    /// The seal of this submission's contents (everything but the seal itself).
    pub fn compute_seal(&self) -> String {
        let contents = serde_json::json!([
            self.link_id,
            self.order_uid,
            self.kind,
            self.shown_sha256,
            self.approved,
            self.declined,
            self.amount,
            self.name,
            self.signature_png,
            self.submitted_at,
            self.ip,
            self.user_agent,
        ]);
        hex(&Sha256::digest(contents.to_string()))
    }

    /// Nothing was changed since the cloud sealed it, and `shown` is the page it was given on.
    pub fn is_intact(&self, shown: &Document) -> bool {
        self.seal == self.compute_seal() && self.shown_sha256 == shown.sha256()
    }
}

/// The typed name, checked: what to fix when it is not right.
pub fn check_name(name: &str) -> Result<String, String> {
    let name = name.split_whitespace().collect::<Vec<_>>().join(" ");
    if name.is_empty() {
        return Err("Type your full name to sign.".into());
    }
    if name.chars().count() > MAX_NAME || name.chars().any(char::is_control) {
        return Err(format!("Your name can be at most {MAX_NAME} letters."));
    }
    Ok(name)
}

/// The drawn signature, checked: a PNG data URL of reasonable size, or none.
pub fn check_signature(signature: &str) -> Result<Option<String>, String> {
    let signature = signature.trim();
    if signature.is_empty() {
        return Ok(None);
    }
    let Some(data) = signature.strip_prefix("data:image/png;base64,") else {
        return Err("The signature could not be read; clear it and sign again.".into());
    };
    if signature.len() > MAX_SIGNATURE_BYTES
        || data.is_empty()
        || !data.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'='))
    {
        return Err("The signature could not be read; clear it and sign again.".into());
    }
    Ok(Some(signature.to_string()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::repair_order::LineKind;

    fn line(uid: &str, kind: LineKind, price: i64) -> LineItem {
        LineItem::new(0, kind, format!("{uid} work"), 1_000, Cents(price), true).with_decision(uid.into(), false, false)
    }

    fn document() -> Document {
        let offered = |uid, kind, price, decidable| OfferedLine {
            line: line(uid, kind, price),
            decidable,
            finding: None,
            photos: vec![],
        };
        Document {
            shop: ShopHeader {
                name: "Dixon Auto".into(),
                phone: "+15552345678".into(),
                email: String::new(),
                address: String::new(),
            },
            order_uid: "ro-1".into(),
            order_number: 1001,
            customer_name: "Pat Lee".into(),
            vehicle: "2019 Honda Civic".into(),
            kind: AuthorizationKind::Initial,
            lines: vec![
                offered("pads", LineKind::Part, 8_000, true),
                offered("labor", LineKind::Labor, 12_000, true),
                offered("wipers", LineKind::Part, 3_000, true),
                offered("oil", LineKind::Part, 5_000, false),
            ],
            pricing: Pricing {
                parts_tax_rate: Rate(100_000),
                labor_tax_rate: Rate::ZERO,
                shop_supplies: ShopSuppliesRule::default(),
                hazardous_waste: HazardousWasteFee::default(),
            },
            inspection: vec![],
            consent: CONSENT.into(),
            time_zone: "America/Los_Angeles".into(),
            published_at: DateTime::from_timestamp(1_800_000_000, 0).unwrap(),
            expires_at: DateTime::from_timestamp(1_800_604_800, 0).unwrap(),
        }
    }

    #[test]
    fn totals_follow_the_lines_approved_and_earlier_work_always_counts() {
        let doc = document();
        let decision = doc.decide(&["pads".into(), "labor".into()]).unwrap();
        assert_eq!(decision.declined, vec!["wipers".to_string()]);
        // pads $80 + tax $8, labor $120, oil (approved before) $50 + tax $5
        assert_eq!(decision.amount, Cents(26_300));
        assert_eq!(doc.decide(&[]).unwrap().amount, Cents(5_500), "only the earlier work");
        let stranger = doc.decide(&["oil".into()]).unwrap_err();
        assert!(stranger.contains("'oil' is not a line on this estimate"), "approved before: not decided again");
    }

    #[test]
    fn the_hash_and_the_seal_show_any_change() {
        let doc = document();
        let decision = doc.decide(&["pads".into()]).unwrap();
        let mut submission = Submission {
            link_id: "l1".into(),
            order_uid: doc.order_uid.clone(),
            kind: doc.kind,
            shown_sha256: doc.sha256(),
            approved: decision.approved,
            declined: decision.declined,
            amount: decision.amount,
            name: "Pat Lee".into(),
            signature_png: None,
            submitted_at: DateTime::from_timestamp(1_800_000_100, 0).unwrap(),
            ip: "203.0.113.7".into(),
            user_agent: "Phone".into(),
            seal: String::new(),
        };
        submission.seal = submission.compute_seal();
        assert!(submission.is_intact(&doc));
        let mut changed = submission.clone();
        changed.amount = Cents(1);
        assert!(!changed.is_intact(&doc), "the amount changed after signing");
        let mut other_page = doc.clone();
        other_page.lines[0].line.unit_price = Cents(1);
        assert!(!submission.is_intact(&other_page), "a different page than the one shown");
        assert_eq!(doc.sha256(), document().sha256(), "the same page hashes the same");
    }

    #[test]
    fn names_and_signatures_are_checked() {
        assert_eq!(check_name("  Pat   Lee ").unwrap(), "Pat Lee");
        assert!(check_name(" ").is_err());
        assert!(check_name(&"x".repeat(101)).is_err());
        assert_eq!(check_signature("").unwrap(), None);
        assert!(check_signature("data:image/png;base64,iVBORw0KGgo=").unwrap().is_some());
        assert!(check_signature("javascript:alert(1)").is_err());
        assert!(check_signature("data:image/png;base64,<script>").is_err());
        assert!(check_signature(&format!("data:image/png;base64,{}", "A".repeat(MAX_SIGNATURE_BYTES))).is_err());
    }
}
