//! Who made a vehicle, from its World Manufacturer Identifier: every WMI NHTSA's vPIC knows
//! (about 12,800, from `assets/vin/wmi.tsv`, embedded), with the maker's make names, the
//! manufacturer, the kind of vehicle it registered the WMI for, and the country.

use std::collections::HashMap;
use std::sync::OnceLock;

use serde::Serialize;

/// vPIC's table, as `assets/vin/make_wmi.py` writes it.
const TABLE: &str = include_str!("../../../assets/vin/wmi.tsv");

/// The maker behind a WMI.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Maker {
    /// The make as vPIC names it ("Harley-Davidson"); several joined with " / ".
    pub make: String,
    /// "HARLEY-DAVIDSON MOTOR COMPANY".
    pub manufacturer: String,
    /// "Passenger Car", "Truck", "Motorcycle", "Trailer", "Bus", "Incomplete Vehicle", …
    pub vehicle_type: String,
    /// Where the maker registered the WMI: "UNITED STATES (USA)".
    pub country: String,
}

impl Maker {
    /// Whether the light-vehicle model-year rule (position 7, 49 CFR 565.15) may apply: passenger
    /// cars, MPVs and trucks. Motorcycles, trailers, buses, incomplete vehicles and low-speed
    /// vehicles don't follow it.
    pub fn light_vehicle_rules(&self) -> bool {
        matches!(self.vehicle_type.as_str(), "Passenger Car" | "Multipurpose Passenger Vehicle (MPV)" | "Truck")
    }
}

fn table() -> &'static HashMap<&'static str, Maker> {
    static TABLE_BY_WMI: OnceLock<HashMap<&'static str, Maker>> = OnceLock::new();
    TABLE_BY_WMI.get_or_init(|| {
        TABLE
            .lines()
            .filter(|line| !line.starts_with('#'))
            .filter_map(|line| {
                let mut fields = line.split('\t');
                let wmi = fields.next()?;
                let mut next = || fields.next().unwrap_or("").to_string();
                let (make, manufacturer, vehicle_type, country) = (next(), next(), next(), next());
                Some((wmi, Maker { make, manufacturer, vehicle_type, country }))
            })
            .collect()
    })
}

/// The maker of a 17-character VIN: small makers (a '9' in position 3) are known by positions
/// 1–3 and 12–14, everyone else by positions 1–3.
pub fn maker(vin: &str) -> Option<&'static Maker> {
    let vin = vin.as_bytes();
    if vin.len() != 17 || !vin.is_ascii() {
        return None;
    }
    let text = std::str::from_utf8(vin).ok()?;
    if vin[2] == b'9' {
        if let Some(maker) = table().get(format!("{}{}", &text[..3], &text[11..14]).as_str()) {
            return Some(maker);
        }
    }
    table().get(&text[..3])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn makers_of_cars_trucks_motorcycles_and_small_makers() {
        let harley = maker("1HD1GP4558K319097").unwrap();
        assert_eq!((harley.make.as_str(), harley.vehicle_type.as_str()), ("Harley-Davidson / LiveWire", "Motorcycle"));
        assert!(!harley.light_vehicle_rules());
        let honda = maker("1HGCM82633A004352").unwrap();
        assert_eq!(honda.make, "Honda");
        assert!(honda.light_vehicle_rules());
        assert_eq!(maker("1FV3GFBC0YHA74039").unwrap().make, "Freightliner");
        assert_eq!(maker("WVWZZZ1JZ3W386752").unwrap().country, "GERMANY");
        // a small maker: 109 + positions 12–14 (013)
        assert_eq!(maker("10901234567013123").unwrap().make, "Odom's Manufacturers");
        assert!(table().len() > 12_000);
        assert_eq!(maker("short"), None);
        assert_eq!(maker("ÄÖÜ11111111111111"), None);
    }
}
