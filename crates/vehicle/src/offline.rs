//! The offline decoder: NHTSA's vPIC data on this PC, so a VIN decodes with the internet down.
//!
//! The data comes from the `corgi-rs` crate: its build script turns the vPIC tables it ships
//! (5.4 MB compressed) into memory-mapped lookup tables (about 57 MB, in `$MAPS_DIR` or
//! `~/.corgi-rs-cache`) when Dixon Counter is built. Opening them takes well under a
//! millisecond; a decode a fraction of one. Its answers carry the same element names as vPIC's
//! `DecodeVinValues`, so one mapping ([`crate::vpic`]'s) serves both.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::VehicleInfo;

/// Where an installed Dixon Counter keeps the vPIC tables, relative to its programs' folder:
/// the .deb and the AppImage put resources in `../lib/<product name>/` (Tauri's layout), Windows
/// installers beside the program.
const BUNDLED_TABLES: [&str; 3] = ["../lib/Dixon Counter/vpic", "../lib/dixon-counter/vpic", "vpic"];

/// Points the offline decoder at the tables an installer put beside the program (the build
/// machine's `~/.corgi-rs-cache` is not on a shop's PC), unless `MAPS_DIR` already says where
/// they are. Call it first thing in `main`, before any thread starts: it sets an environment
/// variable, which is only sound while the process has one thread.
pub fn use_installed_tables() {
    if std::env::var_os("MAPS_DIR").is_some() {
        return;
    }
    let Some(programs) = std::env::current_exe().ok().and_then(|exe| exe.parent().map(Path::to_path_buf)) else {
        return;
    };
    if let Some(tables) = installed_tables(&programs) {
        std::env::set_var("MAPS_DIR", tables);
    }
}

/// The installed tables' folder for programs in `programs`, if an installer put them there.
pub fn installed_tables(programs: &Path) -> Option<PathBuf> {
    BUNDLED_TABLES.iter().map(|relative| programs.join(relative)).find(|dir| dir.join("wmi.fst").is_file())
}

/// How an offline answer is labelled wherever it is shown.
pub const OFFLINE_SOURCE: &str = "offline decoder (NHTSA vPIC data on this PC)";

pub struct OfflineDecoder(corgi_rs::VinDecoder);

impl OfflineDecoder {
    /// Opens the lookup tables; the error says where they were looked for and how to rebuild them.
    pub fn open() -> Result<OfflineDecoder, String> {
        corgi_rs::VinDecoder::try_new().map(OfflineDecoder).map_err(|e| {
            format!(
                "The offline VIN data is missing ({e}). Run scripts/setup.sh, or set MAPS_DIR to where the tables are."
            )
        })
    }

    /// Decodes a checked 17-character VIN. When the tables don't know the vehicle, what the VIN
    /// itself says — the maker from NHTSA's WMI table, the model year, the maker's country — is
    /// still given, marked [`VehicleInfo::partial`]; `None` only when even the WMI is unknown.
    pub fn decode(&self, vin: &str, current_year: i32) -> Option<VehicleInfo> {
        let Some(fields) = self.decode_fields(vin) else { return from_the_vin_alone(vin, current_year) };
        let fields: HashMap<String, serde_json::Value> =
            fields.into_iter().map(|(k, v)| (k, serde_json::Value::String(v))).collect();
        let mut info = crate::vpic::parse_result(&fields).ok()?;
        // No vPIC verdict offline: the VIN's own check already ran.
        info.error_codes.clear();
        Some(info)
    }

    /// The decode as vPIC's element names and values (`Make`, `DisplacementL`, …), for
    /// comparing with vPIC's own answers.
    pub fn decode_fields(&self, vin: &str) -> Option<HashMap<String, String>> {
        let decoded = self.0.decode(vin).ok()?;
        let mut fields: HashMap<String, String> =
            decoded.attributes.iter().map(|(k, v)| (k.to_string(), v.clone())).collect();
        fields.insert("VIN".into(), vin.to_string());
        fields.entry("Make".into()).or_insert_with(|| decoded.make.clone());
        fields.entry("ModelYear".into()).or_insert_with(|| decoded.year.to_string());
        Some(fields)
    }
}

/// A partial answer from the VIN's own characters: maker (WMI table), model year (when
/// position 10 names one year), the maker's country.
fn from_the_vin_alone(vin: &str, current_year: i32) -> Option<VehicleInfo> {
    let checked = dixon_vin::check(vin, current_year).ok()?;
    let maker = checked.maker?;
    Some(VehicleInfo {
        vin: checked.vin,
        model_year: match checked.model_years.as_slice() {
            [only] => Some(*only),
            _ => None,
        },
        // "Harley-Davidson / LiveWire": the WMI's first make
        make: maker.make.split(" / ").next().map(str::to_string).filter(|m| !m.is_empty()),
        manufacturer: Some(maker.manufacturer.clone()),
        vehicle_type: Some(maker.vehicle_type.clone()).filter(|t| !t.is_empty()),
        plant_country: Some(maker.country.clone()).filter(|c| !c.is_empty()),
        partial: true,
        ..VehicleInfo::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn installed_tables_are_found_where_the_installers_put_them() {
        let root = tempfile::tempdir().unwrap();
        let programs = root.path().join("usr/bin");
        std::fs::create_dir_all(&programs).unwrap();
        assert_eq!(installed_tables(&programs), None, "a build tree has none beside it");
        let deb = root.path().join("usr/lib/Dixon Counter/vpic");
        std::fs::create_dir_all(&deb).unwrap();
        assert_eq!(installed_tables(&programs), None, "an empty folder is not the tables");
        std::fs::write(deb.join("wmi.fst"), b"").unwrap();
        assert_eq!(installed_tables(&programs).map(|p| p.ends_with("Dixon Counter/vpic")), Some(true));
        // Windows: beside the program
        let windows = root.path().join("Dixon Counter");
        std::fs::create_dir_all(windows.join("vpic")).unwrap();
        std::fs::write(windows.join("vpic/wmi.fst"), b"").unwrap();
        assert_eq!(installed_tables(&windows), Some(windows.join("vpic")));
    }
}
