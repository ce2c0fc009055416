//! The car's own computer scan as one more item of the inspection: the newest OBD-II reading
//! kept with the repair order (codes and readiness monitors), attached to the report and the
//! customer's page with the same green / yellow / red the technician uses.

use dixon_shop::{Diagnostic, TroubleCodeKind};

/// The scan as an inspection item would show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScanFinding {
    /// red: confirmed codes or the check-engine light on; yellow: pending codes or monitors not
    /// ready; green: clean.
    pub condition: &'static str,
    /// "P0301 Cylinder 1 misfire detected · 2 of 8 readiness monitors not complete (Catalyst, EVAP)".
    pub reading: String,
}

pub const SECTION: &str = "Computer scan";
pub const NAME: &str = "Check-engine codes (OBD-II)";

/// What the reading `diagnostic` says, in the inspection's terms; `detail` is the reading as
/// the OBD engine kept it (its readiness monitors).
pub fn finding(diagnostic: &Diagnostic, detail: &serde_json::Value) -> ScanFinding {
    let mut seen = std::collections::BTreeSet::new();
    // a code both stored and permanent is one fault: said once
    let confirmed: Vec<String> = diagnostic
        .codes
        .iter()
        .filter(|c| matches!(c.kind, TroubleCodeKind::Stored | TroubleCodeKind::Permanent))
        .filter(|c| seen.insert(c.code.clone()))
        .map(|c| format!("{} {}", c.code, c.description))
        .collect();
    let pending: Vec<String> = diagnostic
        .codes
        .iter()
        .filter(|c| c.kind == TroubleCodeKind::Pending)
        .map(|c| format!("{} {} (pending)", c.code, c.description))
        .collect();
    let monitors = detail["readiness"]["monitors"].as_array().cloned().unwrap_or_default();
    let available: Vec<&serde_json::Value> =
        monitors.iter().filter(|m| m["available"].as_bool().unwrap_or(false)).collect();
    let not_ready: Vec<&str> = available
        .iter()
        .filter(|m| !m["complete"].as_bool().unwrap_or(true))
        .filter_map(|m| m["name"].as_str())
        .collect();
    let mut parts: Vec<String> = confirmed.iter().chain(&pending).cloned().collect();
    if diagnostic.mil_on == Some(true) {
        parts.insert(0, "Check-engine light on".into());
    }
    if !not_ready.is_empty() {
        parts.push(format!(
            "{} of {} readiness monitors not complete ({})",
            not_ready.len(),
            available.len(),
            not_ready.join(", ")
        ));
    }
    if parts.is_empty() {
        parts.push("No trouble codes".into());
        if !available.is_empty() {
            parts.push("all readiness monitors complete".into());
        }
    }
    let condition = if !confirmed.is_empty() || diagnostic.mil_on == Some(true) {
        "red"
    } else if !pending.is_empty() || !not_ready.is_empty() {
        "yellow"
    } else {
        "green"
    };
    ScanFinding { condition, reading: parts.join(" · ") }
}

#[cfg(test)]
mod tests {
    use super::*;
    use dixon_shop::TroubleCode;

    fn diagnostic(codes: Vec<TroubleCode>, mil_on: bool, monitors: serde_json::Value) -> ScanFinding {
        let reading = Diagnostic {
            id: 1,
            taken_at: chrono::Utc::now(),
            adapter: "ELM327".into(),
            protocol: "ISO 15765-4".into(),
            vin: None,
            mil_on: Some(mil_on),
            odometer_km: None,
            codes,
        };
        finding(&reading, &serde_json::json!({ "readiness": { "monitors": monitors } }))
    }

    fn code(code: &str, kind: TroubleCodeKind, description: &str) -> TroubleCode {
        TroubleCode { code: code.into(), kind, ecu: "Engine (7E8)".into(), description: description.into() }
    }

    #[test]
    fn codes_and_monitors_colour_the_scan() {
        let monitors = serde_json::json!([
            { "name": "Catalyst", "available": true, "complete": false },
            { "name": "Misfire", "available": true, "complete": true },
            { "name": "EGR", "available": false, "complete": false }
        ]);
        let found =
            diagnostic(vec![code("P0301", TroubleCodeKind::Stored, "Cylinder 1 misfire detected")], true, monitors);
        assert_eq!(found.condition, "red");
        assert_eq!(
            found.reading,
            "Check-engine light on · P0301 Cylinder 1 misfire detected · 1 of 2 readiness monitors not complete (Catalyst)"
        );
        let pending = diagnostic(
            vec![code("P0420", TroubleCodeKind::Pending, "Catalyst efficiency below threshold")],
            false,
            serde_json::json!([]),
        );
        assert_eq!(pending.condition, "yellow");
        let clean =
            diagnostic(vec![], false, serde_json::json!([{ "name": "Misfire", "available": true, "complete": true }]));
        assert_eq!(
            clean,
            ScanFinding { condition: "green", reading: "No trouble codes · all readiness monitors complete".into() }
        );
    }
}
