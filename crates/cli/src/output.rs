//! How `dixon` prints: readable text by default, JSON with `--json`; errors on stderr.

use std::process::ExitCode;

use chrono::{DateTime, Local, Utc};
use dixon_doctor::{CheckState, Report};
use dixon_shop::{validate::display_phone, FieldError, RepairOrder, RepairOrderSummary, ShopSettings};
use serde::Serialize;

/// A refusal or failure, with what to do next.
#[derive(Debug, Serialize)]
pub struct CliError {
    pub kind: String,
    pub message: String,
    pub fields: Vec<FieldError>,
    /// Already reported on stdout (e.g. by `doctor`): only the exit status is left to set.
    #[serde(skip)]
    quiet: bool,
}

impl CliError {
    pub fn new(kind: &str, message: impl Into<String>) -> CliError {
        CliError { kind: kind.into(), message: message.into(), fields: Vec::new(), quiet: false }
    }

    pub fn quiet() -> CliError {
        CliError { quiet: true, ..CliError::new("reported", "") }
    }
}

impl From<dixon_shop::Error> for CliError {
    fn from(e: dixon_shop::Error) -> CliError {
        CliError { fields: e.field_errors().to_vec(), quiet: false, ..CliError::new(e.kind(), e.to_string()) }
    }
}

impl From<dixon_home::Error> for CliError {
    fn from(e: dixon_home::Error) -> CliError {
        CliError::new("data_dir", e.to_string())
    }
}

pub struct Output {
    pub json: bool,
}

impl Output {
    pub fn fail(&self, error: &CliError) -> ExitCode {
        if error.quiet {
            return ExitCode::FAILURE;
        }
        if self.json {
            eprintln!("{}", serde_json::json!({ "error": error }));
        } else if error.fields.len() > 1 {
            eprintln!("error: {} fields need attention:", error.fields.len());
            for field in &error.fields {
                eprintln!("  {}: {}", field.field, field.message);
            }
        } else {
            eprintln!("error: {}", error.message);
        }
        ExitCode::FAILURE
    }

    fn print_json<T: Serialize>(&self, value: &T) {
        println!("{}", serde_json::to_string_pretty(value).expect("output serialises"));
    }

    pub fn repair_order(&self, ro: &RepairOrder) {
        if self.json {
            return self.print_json(ro);
        }
        let c = &ro.customer;
        let v = &ro.vehicle;
        println!("RO {} · {}", ro.number, ro.status);
        let contact: Vec<String> =
            [c.phone.as_deref().map(display_phone), c.email.clone()].into_iter().flatten().collect();
        println!("Customer  {} · {} · prefers {}", c.name, contact.join(" · "), c.preferred_contact.as_str());
        let mut vehicle = vec![v.label()];
        vehicle.extend(v.vin.as_ref().filter(|_| v.year.is_some()).map(|vin| format!("VIN {vin}")));
        vehicle.extend(v.plate.as_ref().map(|p| format!("plate {p}")));
        vehicle.extend(ro.odometer_in.map(|o| format!("{} mi", group_thousands(o))));
        println!("Vehicle   {}", vehicle.join(" · "));
        if let Some(concern) = &ro.concern {
            println!("Concern   {concern}");
        }
        if ro.lines.is_empty() {
            println!("Lines     none yet");
        } else {
            println!("Lines");
            for line in &ro.lines {
                println!("  {:<8} {:<40} {:>12}", line.kind.as_str(), line.description, line.amount.to_string());
            }
        }
        let t = &ro.totals;
        println!(
            "Totals    labor {}  parts {}  fees {}  tax {}  total {}",
            t.labor,
            t.parts,
            t.fees + t.sublet + t.discounts,
            t.tax,
            t.total
        );
        if ro.next_statuses.is_empty() {
            println!("Next      none: the order is final");
        } else {
            let next: Vec<&str> = ro.next_statuses.iter().map(|s| s.as_str()).collect();
            println!("Next      {}   (dixon ro status {} STATUS)", next.join(", "), ro.number);
        }
        println!("History");
        for change in &ro.history {
            let what = match change.from {
                None => format!("opened as {}", change.to),
                Some(from) => format!("{from} → {}", change.to),
            };
            let note = change.note.as_ref().map(|n| format!("  ({n})")).unwrap_or_default();
            println!("  {}  {what}{note}", local(change.at));
        }
    }

    pub fn repair_orders(&self, list: &[RepairOrderSummary]) {
        if self.json {
            return self.print_json(&list);
        }
        if list.is_empty() {
            println!("No repair orders. Open one with `dixon ro new --name NAME --phone PHONE --vin VIN`.");
            return;
        }
        println!("{:>6}  {:<12} {:<24} {:<28} {:>12}", "RO", "STATUS", "CUSTOMER", "VEHICLE", "TOTAL");
        for ro in list {
            println!(
                "{:>6}  {:<12} {:<24} {:<28} {:>12}",
                ro.number,
                ro.status.to_string(),
                truncate(&ro.customer_name, 24),
                truncate(&ro.vehicle, 28),
                ro.total.to_string()
            );
        }
    }

    pub fn settings(&self, s: &ShopSettings) {
        if self.json {
            return self.print_json(s);
        }
        let or_unset = |v: &str| if v.is_empty() { "(not set)".to_string() } else { v.to_string() };
        println!("Shop                {}", or_unset(&s.name));
        let address: Vec<&str> = [
            s.address_line1.as_str(),
            s.address_line2.as_str(),
            s.city.as_str(),
            s.state.as_str(),
            s.postal_code.as_str(),
        ]
        .into_iter()
        .filter(|p| !p.is_empty())
        .collect();
        println!("Address             {}", or_unset(&address.join(", ")));
        println!("Phone               {}", or_unset(&display_phone(&s.phone)));
        println!("Email               {}", or_unset(&s.email));
        println!("Logo                {}", if s.logo_data_url.is_some() { "set" } else { "(not set)" });
        println!("Labor rate          {}/h", s.labor_rate);
        println!("Parts tax           {}", s.parts_tax_rate);
        println!("Labor tax           {}", s.labor_tax_rate);
        let sup = &s.shop_supplies;
        let cap = sup.cap.map(|c| format!(", cap {c}")).unwrap_or_default();
        println!(
            "Shop supplies       {} of {}, minimum {}{cap}{}",
            sup.rate,
            sup.basis.as_str().replace('_', " "),
            sup.minimum,
            if sup.taxable { ", taxable" } else { "" }
        );
        println!(
            "Hazardous waste     {}{}",
            s.hazardous_waste.amount,
            if s.hazardous_waste.taxable { ", taxable" } else { "" }
        );
        println!("State registration  {}", or_unset(&s.state_registration_number));
        println!("EPA ID              {}", or_unset(&s.epa_id));
    }

    pub fn doctor(&self, report: &Report) {
        if self.json {
            return self.print_json(report);
        }
        for check in &report.checks {
            let mark = match check.state {
                CheckState::Ok => "ok     ",
                CheckState::Warning => "warning",
                CheckState::Missing => "missing",
                CheckState::Failed => "FAILED ",
            };
            println!("{mark}  {:<14} {}", check.name, check.detail);
            if let Some(fix) = &check.fix {
                println!("         {:<14} fix: {fix}", "");
            }
        }
    }
}

fn local(time: DateTime<Utc>) -> String {
    time.with_timezone(&Local).format("%Y-%m-%d %H:%M").to_string()
}

fn group_thousands(n: i64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_string()
    } else {
        let mut cut: String = text.chars().take(max - 1).collect();
        cut.push('…');
        cut
    }
}
