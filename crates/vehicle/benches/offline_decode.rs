//! How fast the offline decoder answers: `cargo bench -p dixon-vehicle --bench offline_decode`.
//! Prints the median and 95th percentile of single decodes after a warm-up (target: median
//! ≤ 200 µs), over VINs of different makers and ages.

use std::time::{Duration, Instant};

use dixon_vehicle::OfflineDecoder;

const VINS: [&str; 6] = [
    "1FTMW1T88MFA00001",
    "1HGCM82633A004352",
    "1C6RR7LT2JS179571",
    "5UXWX7C5XBA000000",
    "WUAAU34248N006164",
    "5XYRLDLC3NG097496",
];

fn main() {
    let opened = Instant::now();
    let decoder = OfflineDecoder::open().expect("offline VIN data");
    println!("open: {:?}", opened.elapsed());
    for vin in VINS.iter().cycle().take(600) {
        std::hint::black_box(decoder.decode(vin, 2026));
    }
    let mut times: Vec<Duration> = Vec::with_capacity(6_000);
    for vin in VINS.iter().cycle().take(6_000) {
        let started = Instant::now();
        std::hint::black_box(decoder.decode(std::hint::black_box(vin), 2026));
        times.push(started.elapsed());
    }
    times.sort();
    let at = |p: f64| times[((times.len() as f64 * p) as usize).min(times.len() - 1)];
    println!(
        "offline decode over {} calls: median {:?}, p95 {:?}, max {:?}",
        times.len(),
        at(0.5),
        at(0.95),
        times[times.len() - 1]
    );
    for vin in VINS {
        let label = decoder.decode(vin, 2026).map(|v| v.label()).unwrap_or_else(|| "unknown maker".into());
        println!("  {vin}  {label}");
    }
}
