//! Mode 01 live data: the SAE J1979 PIDs a shop reads most, typed with their units; the
//! supported-PID bitmaps; and the readiness monitors of PID 01.

use serde::Serialize;

/// One live-data parameter.
pub struct Pid {
    pub pid: u8,
    pub name: &'static str,
    pub unit: &'static str,
    /// Data bytes after the service and PID bytes.
    pub bytes: usize,
    decode: fn(&[f64]) -> f64,
}

/// A decoded value.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Reading {
    pub pid: u8,
    pub name: &'static str,
    pub value: f64,
    pub unit: &'static str,
}

fn pct(v: &[f64]) -> f64 {
    v[0] * 100.0 / 255.0
}
fn temp(v: &[f64]) -> f64 {
    v[0] - 40.0
}
fn trim(v: &[f64]) -> f64 {
    (v[0] - 128.0) * 100.0 / 128.0
}
fn word(v: &[f64]) -> f64 {
    v[0] * 256.0 + v[1]
}
fn raw(v: &[f64]) -> f64 {
    v[0]
}

/// The PIDs this engine decodes (46 of them).
pub const PIDS: &[Pid] = &[
    Pid { pid: 0x04, name: "Calculated engine load", unit: "%", bytes: 1, decode: pct },
    Pid { pid: 0x05, name: "Engine coolant temperature", unit: "°C", bytes: 1, decode: temp },
    Pid { pid: 0x06, name: "Short term fuel trim, bank 1", unit: "%", bytes: 1, decode: trim },
    Pid { pid: 0x07, name: "Long term fuel trim, bank 1", unit: "%", bytes: 1, decode: trim },
    Pid { pid: 0x08, name: "Short term fuel trim, bank 2", unit: "%", bytes: 1, decode: trim },
    Pid { pid: 0x09, name: "Long term fuel trim, bank 2", unit: "%", bytes: 1, decode: trim },
    Pid { pid: 0x0A, name: "Fuel pressure", unit: "kPa", bytes: 1, decode: |v| v[0] * 3.0 },
    Pid { pid: 0x0B, name: "Intake manifold pressure", unit: "kPa", bytes: 1, decode: raw },
    Pid { pid: 0x0C, name: "Engine speed", unit: "rpm", bytes: 2, decode: |v| word(v) / 4.0 },
    Pid { pid: 0x0D, name: "Vehicle speed", unit: "km/h", bytes: 1, decode: raw },
    Pid { pid: 0x0E, name: "Timing advance", unit: "° before TDC", bytes: 1, decode: |v| v[0] / 2.0 - 64.0 },
    Pid { pid: 0x0F, name: "Intake air temperature", unit: "°C", bytes: 1, decode: temp },
    Pid { pid: 0x10, name: "Mass air flow", unit: "g/s", bytes: 2, decode: |v| word(v) / 100.0 },
    Pid { pid: 0x11, name: "Throttle position", unit: "%", bytes: 1, decode: pct },
    Pid { pid: 0x14, name: "O2 sensor 1 voltage, bank 1", unit: "V", bytes: 2, decode: |v| v[0] / 200.0 },
    Pid { pid: 0x15, name: "O2 sensor 2 voltage, bank 1", unit: "V", bytes: 2, decode: |v| v[0] / 200.0 },
    Pid { pid: 0x1F, name: "Run time since engine start", unit: "s", bytes: 2, decode: word },
    Pid { pid: 0x21, name: "Distance with MIL on", unit: "km", bytes: 2, decode: word },
    Pid {
        pid: 0x22,
        name: "Fuel rail pressure (relative to manifold)",
        unit: "kPa",
        bytes: 2,
        decode: |v| word(v) * 0.079,
    },
    Pid { pid: 0x23, name: "Fuel rail gauge pressure", unit: "kPa", bytes: 2, decode: |v| word(v) * 10.0 },
    Pid { pid: 0x2C, name: "Commanded EGR", unit: "%", bytes: 1, decode: pct },
    Pid { pid: 0x2D, name: "EGR error", unit: "%", bytes: 1, decode: trim },
    Pid { pid: 0x2E, name: "Commanded evaporative purge", unit: "%", bytes: 1, decode: pct },
    Pid { pid: 0x2F, name: "Fuel tank level", unit: "%", bytes: 1, decode: pct },
    Pid { pid: 0x30, name: "Warm-ups since codes cleared", unit: "", bytes: 1, decode: raw },
    Pid { pid: 0x31, name: "Distance since codes cleared", unit: "km", bytes: 2, decode: word },
    Pid {
        pid: 0x32,
        name: "Evap system vapor pressure",
        unit: "Pa",
        bytes: 2,
        decode: |v| ((word(v) as u16) as i16) as f64 / 4.0,
    },
    Pid { pid: 0x33, name: "Barometric pressure", unit: "kPa", bytes: 1, decode: raw },
    Pid {
        pid: 0x3C,
        name: "Catalyst temperature, bank 1 sensor 1",
        unit: "°C",
        bytes: 2,
        decode: |v| word(v) / 10.0 - 40.0,
    },
    Pid {
        pid: 0x3D,
        name: "Catalyst temperature, bank 2 sensor 1",
        unit: "°C",
        bytes: 2,
        decode: |v| word(v) / 10.0 - 40.0,
    },
    Pid { pid: 0x42, name: "Control module voltage", unit: "V", bytes: 2, decode: |v| word(v) / 1000.0 },
    Pid { pid: 0x43, name: "Absolute load", unit: "%", bytes: 2, decode: |v| word(v) * 100.0 / 255.0 },
    Pid {
        pid: 0x44,
        name: "Commanded air-fuel equivalence ratio",
        unit: "λ",
        bytes: 2,
        decode: |v| word(v) * 2.0 / 65536.0,
    },
    Pid { pid: 0x45, name: "Relative throttle position", unit: "%", bytes: 1, decode: pct },
    Pid { pid: 0x46, name: "Ambient air temperature", unit: "°C", bytes: 1, decode: temp },
    Pid { pid: 0x47, name: "Absolute throttle position B", unit: "%", bytes: 1, decode: pct },
    Pid { pid: 0x49, name: "Accelerator pedal position D", unit: "%", bytes: 1, decode: pct },
    Pid { pid: 0x4A, name: "Accelerator pedal position E", unit: "%", bytes: 1, decode: pct },
    Pid { pid: 0x4C, name: "Commanded throttle actuator", unit: "%", bytes: 1, decode: pct },
    Pid { pid: 0x4D, name: "Time run with MIL on", unit: "min", bytes: 2, decode: word },
    Pid { pid: 0x4E, name: "Time since codes cleared", unit: "min", bytes: 2, decode: word },
    Pid { pid: 0x52, name: "Ethanol fuel", unit: "%", bytes: 1, decode: pct },
    Pid { pid: 0x5A, name: "Relative accelerator pedal position", unit: "%", bytes: 1, decode: pct },
    Pid { pid: 0x5C, name: "Engine oil temperature", unit: "°C", bytes: 1, decode: temp },
    Pid { pid: 0x5E, name: "Engine fuel rate", unit: "L/h", bytes: 2, decode: |v| word(v) / 20.0 },
    Pid {
        pid: 0xA6,
        name: "Odometer",
        unit: "km",
        bytes: 4,
        decode: |v| (v[0] * 16_777_216.0 + v[1] * 65_536.0 + v[2] * 256.0 + v[3]) / 10.0,
    },
];

/// The table entry for `pid`.
pub fn pid(pid: u8) -> Option<&'static Pid> {
    PIDS.iter().find(|p| p.pid == pid)
}

/// Decodes the values in a mode 01 answer (`data` starts with `41`). A multi-PID answer
/// (`41 0C 1A F8 0D 32`) gives one reading per PID; a PID the table does not know, or one cut
/// short, ends the reading there (what came before is kept).
pub fn decode_readings(data: &[u8]) -> Vec<Reading> {
    let mut readings = Vec::new();
    let Some((&0x41, mut rest)) = data.split_first() else { return readings };
    while let Some((&number, after)) = rest.split_first() {
        let Some(entry) = pid(number) else { break };
        if after.len() < entry.bytes {
            break;
        }
        let values: Vec<f64> = after[..entry.bytes].iter().map(|b| *b as f64).collect();
        readings.push(Reading { pid: number, name: entry.name, value: (entry.decode)(&values), unit: entry.unit });
        rest = &after[entry.bytes..];
    }
    readings
}

/// The PIDs a supported-PIDs answer (`41 00 …`, `41 20 …`, `41 40 …`) says are supported.
pub fn supported_pids(data: &[u8]) -> Vec<u8> {
    match data {
        [0x41, base, a, b, c, d, ..] => {
            let mask = u32::from_be_bytes([*a, *b, *c, *d]);
            (0..32u8).filter(|i| mask & (1 << (31 - i)) != 0).map(|i| base.wrapping_add(i + 1)).collect()
        }
        _ => Vec::new(),
    }
}

/// One readiness monitor: whether the car has it, and whether it has finished its test.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Monitor {
    pub name: &'static str,
    pub available: bool,
    pub complete: bool,
}

/// PID 01: the check-engine light, how many codes are stored, and each readiness monitor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Readiness {
    pub mil_on: bool,
    pub dtc_count: u8,
    pub compression_ignition: bool,
    pub monitors: Vec<Monitor>,
}

/// Reads PID 01 (`41 01 A B C D`).
pub fn readiness(data: &[u8]) -> Option<Readiness> {
    let [0x41, 0x01, a, b, c, d, ..] = data else { return None };
    let (a, b, c, d) = (*a, *b, *c, *d);
    let bit = |byte: u8, n: u8| byte & (1 << n) != 0;
    let compression_ignition = bit(b, 3);
    // common monitors: available in B bits 0–2, incomplete in B bits 4–6
    let mut monitors = vec![
        Monitor { name: "Misfire", available: bit(b, 0), complete: !bit(b, 4) },
        Monitor { name: "Fuel system", available: bit(b, 1), complete: !bit(b, 5) },
        Monitor { name: "Components", available: bit(b, 2), complete: !bit(b, 6) },
    ];
    let specific: [&str; 8] = if compression_ignition {
        [
            "NMHC catalyst",
            "NOx/SCR",
            "Reserved",
            "Boost pressure",
            "Reserved",
            "Exhaust gas sensor",
            "PM filter",
            "EGR/VVT",
        ]
    } else {
        [
            "Catalyst",
            "Heated catalyst",
            "Evaporative system",
            "Secondary air",
            "A/C refrigerant",
            "Oxygen sensor",
            "Oxygen sensor heater",
            "EGR/VVT",
        ]
    };
    for (n, name) in specific.iter().enumerate() {
        if *name != "Reserved" && bit(c, n as u8) {
            monitors.push(Monitor { name, available: true, complete: !bit(d, n as u8) });
        }
    }
    Some(Readiness { mil_on: bit(a, 7), dtc_count: a & 0x7F, compression_ignition, monitors })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn single_and_multi_pid_answers_decode_with_units() {
        let r = decode_readings(&[0x41, 0x0C, 0x1A, 0xF8]);
        assert_eq!((r[0].value, r[0].unit), (1726.0, "rpm"));
        let many = decode_readings(&[0x41, 0x0C, 0x1A, 0xF8, 0x0D, 0x32, 0x05, 0x7B, 0x42, 0x39, 0xD6]);
        let values: Vec<f64> = many.iter().map(|r| r.value).collect();
        assert_eq!(values, [1726.0, 50.0, 83.0, 14.806]);
        assert_eq!(decode_readings(&[0x41, 0x0C, 0x1A]), [], "cut short: nothing made up");
        assert_eq!(decode_readings(&[0x41, 0x06, 0x80])[0].value, 0.0);
        assert_eq!(decode_readings(&[0x41, 0x32, 0xFF, 0xFC])[0].value, -1.0, "signed");
        assert!(PIDS.len() >= 40);
    }

    #[test]
    fn supported_pid_bitmaps() {
        // BE 3F A8 13: 01 03-07, 0B-10, 11 13 15 1C 1F 20
        let pids = supported_pids(&[0x41, 0x00, 0xBE, 0x3F, 0xA8, 0x13]);
        assert_eq!(
            pids,
            [
                0x01, 0x03, 0x04, 0x05, 0x06, 0x07, 0x0B, 0x0C, 0x0D, 0x0E, 0x0F, 0x10, 0x11, 0x13, 0x15, 0x1C, 0x1F,
                0x20
            ]
        );
        assert_eq!(supported_pids(&[0x41, 0x20, 0x80, 0, 0, 1]), [0x21, 0x40]);
    }

    #[test]
    fn readiness_reads_the_light_the_count_and_each_monitor() {
        // MIL on, 2 codes; misfire/fuel/components available, components incomplete;
        // catalyst and O2 available, catalyst incomplete
        let r = readiness(&[0x41, 0x01, 0x82, 0x47, 0x21, 0x01]).unwrap();
        assert!(r.mil_on);
        assert_eq!(r.dtc_count, 2);
        assert!(!r.compression_ignition);
        let state = |name| r.monitors.iter().find(|m| m.name == name).map(|m| (m.available, m.complete));
        assert_eq!(state("Components"), Some((true, false)));
        assert_eq!(state("Misfire"), Some((true, true)));
        assert_eq!(state("Catalyst"), Some((true, false)));
        assert_eq!(state("Oxygen sensor"), Some((true, true)));
        assert_eq!(state("Evaporative system"), None, "not on this car");
        assert!(readiness(&[0x41, 0x01, 0x00]).is_none());
    }
}
