//! How fast and how small a printed estimate is: `cargo bench -p dixon-print --bench estimate_pdf`.
//! Renders a 2-page estimate (US Letter, logo, 30 lines) repeatedly after a warm-up and prints
//! the median and p95 render time and the file size. Targets: ≤ 20 ms and ≤ 100 KB.

#[path = "../tests/support/mod.rs"]
mod support;

use std::time::{Duration, Instant};

use dixon_print::{render, DocumentKind, Paper};

fn main() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let (_dir, order, shop) = runtime.block_on(support::order(30));
    let date = chrono::NaiveDate::from_ymd_opt(2026, 11, 25).unwrap();
    let first = Instant::now();
    let pdf = render(&order, &shop, DocumentKind::Estimate, Paper::Letter, date).unwrap();
    println!("first render (includes parsing the two fonts once per process): {:?}", first.elapsed());
    let pages = String::from_utf8_lossy(&pdf).matches("/Type /Page\n").count()
        + String::from_utf8_lossy(&pdf).matches("/Type/Page/").count();
    for _ in 0..5 {
        std::hint::black_box(render(&order, &shop, DocumentKind::Estimate, Paper::Letter, date).unwrap());
    }
    let mut times: Vec<Duration> = (0..40)
        .map(|_| {
            let started = Instant::now();
            std::hint::black_box(render(&order, &shop, DocumentKind::Estimate, Paper::Letter, date).unwrap());
            started.elapsed()
        })
        .collect();
    times.sort();
    let median = times[times.len() / 2];
    let p95 = times[times.len() * 95 / 100];
    println!(
        "estimate PDF, {} lines{}:",
        order.lines.len(),
        if pages > 0 { format!(", {pages} pages") } else { String::new() }
    );
    println!("  render: median {median:?}, p95 {p95:?} over {} runs (target ≤ 20 ms)", times.len());
    println!("  size:   {} KB (target ≤ 100 KB)", pdf.len() / 1024);
    let out = std::env::temp_dir().join("dixon-estimate-bench.pdf");
    std::fs::write(&out, &pdf).unwrap();
    println!("  written to {} (pdftoppm -png -r 80 it to look at it)", out.display());
}
