//! Readings from the car kept with repair orders: the OBD engine's [`Snapshot`] as the store
//! keeps it.

use dixon_obd::{CodeKind, Snapshot};
use dixon_shop::{Diagnostic, NewDiagnostic, Store, TroubleCode, TroubleCodeKind};

/// What the store keeps of a snapshot: the columns the repair order shows, and all of it as JSON.
pub fn reading_of(snapshot: &Snapshot) -> NewDiagnostic {
    let chip = &snapshot.adapter.identity.chip;
    NewDiagnostic {
        adapter: if chip.is_empty() {
            snapshot.adapter.address.clone()
        } else {
            format!("{} · {chip}", snapshot.adapter.address)
        },
        protocol: snapshot.protocol.clone(),
        vin: snapshot.vin.clone(),
        mil_on: snapshot.readiness.as_ref().map(|r| r.mil_on),
        odometer_km: snapshot.odometer_km.filter(|km| km.is_finite() && *km >= 0.0).map(|km| km.round() as i64),
        codes: snapshot
            .codes
            .iter()
            .map(|c| TroubleCode {
                code: c.code.clone(),
                kind: match c.kind {
                    CodeKind::Stored => TroubleCodeKind::Stored,
                    CodeKind::Pending => TroubleCodeKind::Pending,
                    CodeKind::Permanent => TroubleCodeKind::Permanent,
                },
                ecu: c.ecu.clone(),
                description: c.description.clone(),
            })
            .collect(),
        detail: serde_json::to_value(snapshot).unwrap_or_default(),
    }
}

/// Keeps `snapshot` with repair order `number`.
pub async fn keep(store: &Store, number: i64, snapshot: &Snapshot) -> Result<Diagnostic, dixon_shop::Error> {
    store.save_diagnostic(number, &reading_of(snapshot)).await
}
