//! How `dixon` prints: readable text by default, JSON with `--json`; errors on stderr.

use std::process::ExitCode;

use chrono::{DateTime, Local, Utc};
use dixon_doctor::{CheckState, Report};
use dixon_resilience::{Alert, Answer, Event, HealthState, ServiceStatus, Source};
use dixon_shop::{group_thousands, validate::display_phone, FieldError, RepairOrder, RepairOrderSummary, ShopSettings};
use dixon_vehicle::VehicleInfo;
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

impl From<dixon_resilience::Error> for CliError {
    fn from(e: dixon_resilience::Error) -> CliError {
        CliError::new(e.kind(), e.to_string())
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

    pub(crate) fn print_json<T: Serialize>(&self, value: &T) {
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
        for reading in &ro.diagnostics {
            let codes: Vec<String> = reading
                .codes
                .iter()
                .map(|c| match c.kind {
                    dixon_shop::TroubleCodeKind::Stored => c.code.clone(),
                    dixon_shop::TroubleCodeKind::Pending => format!("{} (pending)", c.code),
                    dixon_shop::TroubleCodeKind::Permanent => format!("{} (permanent)", c.code),
                })
                .collect();
            let mil = match reading.mil_on {
                Some(true) => "check-engine light ON · ",
                _ => "",
            };
            let codes = if codes.is_empty() { "no trouble codes".to_string() } else { codes.join(", ") };
            println!("Car read  {}  {mil}{codes}", local(reading.taken_at));
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
        let o = &s.overage;
        if o.rate.0 == 0 && o.flat.0 == 0 {
            println!("Overage allowance   none: any increase needs the customer's consent");
        } else {
            let cap = o.cap.map(|c| format!(", at most {c}")).unwrap_or_default();
            println!("Overage allowance   {} or {}, whichever is more{cap}", o.rate, o.flat);
        }
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

impl Output {
    pub fn health(&self, services: &[ServiceStatus], alerts: &[Alert]) {
        if self.json {
            return self.print_json(&serde_json::json!({ "services": services, "alerts": alerts }));
        }
        println!(
            "{:<32} {:<15} {:<10} {:>8} {:>7} {:>6} {:>8}  {}",
            "SERVICE", "STATE", "BREAKER", "P95", "ERRORS", "CALLS", "COST", "LAST SUCCESS"
        );
        for s in services {
            let state = format!("{:?}", s.state).to_lowercase().replace("notconfigured", "not configured");
            let breaker = if s.state == HealthState::NotConfigured {
                "-".to_string()
            } else {
                format!("{:?}", s.breaker).to_lowercase()
            };
            println!(
                "{:<32} {:<15} {:<10} {:>8} {:>7} {:>6} {:>8}  {}",
                truncate(&s.label, 32),
                state,
                breaker.replace("halfopen", "half-open"),
                s.p95_ms.map(|p| format!("{p} ms")).unwrap_or_else(|| "-".into()),
                s.error_rate.map(|r| format!("{:.0}%", r * 100.0)).unwrap_or_else(|| "-".into()),
                s.calls_today,
                format!("${:.2}", s.cost_today_microusd as f64 / 1e6),
                s.last_success_at.map(local).unwrap_or_else(|| "-".into()),
            );
            if let Some(detail) = s.state_detail.as_ref().filter(|_| s.state != HealthState::Healthy) {
                println!("{:<32} {detail}", "");
            }
        }
        if !alerts.is_empty() {
            println!();
            self.alerts(alerts);
        }
    }

    pub fn alerts(&self, alerts: &[Alert]) {
        if self.json {
            return self.print_json(&alerts);
        }
        if alerts.is_empty() {
            println!("No alerts.");
        }
        for a in alerts {
            let state = a.cleared_at.map(|t| format!("cleared {}", local(t))).unwrap_or_else(|| "active".into());
            println!(
                "#{:<4} {:<8} {}  ({}, raised {}; dixon alerts ack {})",
                a.id,
                a.severity.as_str(),
                a.message,
                state,
                local(a.raised_at),
                a.id
            );
        }
    }

    pub fn events(&self, events: &[Event]) {
        if self.json {
            return self.print_json(&events);
        }
        if events.is_empty() {
            println!("No calls to outside services in that range.");
        }
        for e in events {
            let status = e.http_status.map(|s| format!(" HTTP {s}")).unwrap_or_default();
            let error = e.error_kind.as_ref().map(|k| format!(" {k}")).unwrap_or_default();
            println!(
                "{}  {:<10} {:<16} {:<12}{error}{status}  {} ms, {} retries{}",
                local(e.started_at),
                e.service,
                e.operation,
                e.outcome.as_str(),
                e.latency_ms,
                e.retries,
                e.detail.as_ref().map(|d| format!("  {d}")).unwrap_or_default()
            );
        }
    }

    pub fn decoded(&self, answer: &Answer<VehicleInfo>) {
        if self.json {
            return self.print_json(&serde_json::json!({ "info": answer.value, "source": answer.source }));
        }
        let v = &answer.value;
        println!("{}", v.label());
        for (label, value) in [
            ("VIN", Some(&v.vin)),
            ("Body", v.body_class.as_ref()),
            ("Engine", v.engine.as_ref()),
            ("Fuel", v.fuel.as_ref()),
            ("Drive", v.drive.as_ref()),
            ("Plant", v.plant.as_ref()),
            ("Type", v.vehicle_type.as_ref().filter(|_| v.partial)),
            ("Maker", v.manufacturer.as_ref().filter(|_| v.partial)),
            ("Country", v.plant_country.as_ref().filter(|_| v.partial)),
        ] {
            if let Some(value) = value {
                println!("  {label:<8} {value}");
            }
        }
        if v.partial {
            println!("  (partial: only what the VIN itself says — the offline data doesn't know this model)");
        }
        if v.has_vpic_problems() {
            println!("  vPIC says: {}", v.error_text.as_deref().unwrap_or("the VIN has problems"));
            if let Some(suggested) = &v.suggested_vin {
                println!("  Suggested VIN: {suggested}");
            }
        }
        match &answer.source {
            Source::Live => {}
            Source::Cache { .. } => println!("  (saved answer from NHTSA vPIC)"),
            Source::StaleCache { stored_at } => {
                println!("  (vPIC unreachable: saved answer from {})", local(*stored_at))
            }
            Source::Fallback { name } => println!("  (vPIC unreachable: {name})"),
        }
    }
}

impl Output {
    pub fn vin_check(&self, c: &dixon_vin::VinCheck) {
        if self.json {
            return self.print_json(c);
        }
        println!("{}  valid", c.vin);
        match &c.maker {
            Some(maker) => {
                println!("  Maker (WMI)  {} — {}, {} ({})", c.wmi, maker.make, maker.vehicle_type, maker.country)
            }
            None => println!("  Maker (WMI)  {} ({})", c.wmi, c.region),
        }
        let digit = match c.check_digit_ok {
            Some(true) => format!("{} (correct)", c.expected_check_digit),
            Some(false) => format!("does not match (expected {})", c.expected_check_digit),
            None => "not used".into(),
        };
        println!("  Check digit  {digit}");
        let years: Vec<String> = c.model_years.iter().map(|y| y.to_string()).collect();
        println!("  Model year   {}", if years.is_empty() { "unknown".into() } else { years.join(" or ") });
        for warning in &c.warnings {
            println!("  warning: {warning}");
        }
    }

    pub fn decoded_list(&self, results: &[crate::vin_batch::Decoded]) {
        if self.json {
            return self.print_json(&results);
        }
        for r in results {
            match (&r.vehicle, &r.problem) {
                (Some(v), _) => println!("{:<17}  {}", v.vin, v.label()),
                (None, Some(problem)) => println!("{:<17}  error: {problem}", truncate(&r.input, 17)),
                (None, None) => println!("{:<17}  no answer", truncate(&r.input, 17)),
            }
        }
    }
}

/// `30m`, `2h`, `1d`, or an RFC 3339 time.
pub fn parse_since(text: &str) -> Result<DateTime<Utc>, CliError> {
    let bad = || CliError::new("invalid", format!("'{text}' is not a time; use 30m, 2h, 1d or 2026-11-25T08:00:00Z."));
    if let Ok(at) = DateTime::parse_from_rfc3339(text) {
        return Ok(at.with_timezone(&Utc));
    }
    let (number, unit) = text.split_at(text.len().saturating_sub(1));
    let n: i64 = number.parse().map_err(|_| bad())?;
    let span = match unit {
        "m" => chrono::Duration::minutes(n),
        "h" => chrono::Duration::hours(n),
        "d" => chrono::Duration::days(n),
        _ => return Err(bad()),
    };
    Ok(Utc::now() - span)
}

pub(crate) fn local(time: DateTime<Utc>) -> String {
    time.with_timezone(&Local).format("%Y-%m-%d %H:%M").to_string()
}

pub(crate) fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_string()
    } else {
        let mut cut: String = text.chars().take(max - 1).collect();
        cut.push('…');
        cut
    }
}
