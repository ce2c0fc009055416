//! The printed estimate and invoice, read back with poppler's `pdftotext` (what a customer's
//! PDF viewer would show): every line, every total, names with accents, page breaks.

mod support;

use std::process::Command;

use chrono::NaiveDate;
use dixon_print::{render, DocumentKind, Paper};

fn date() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 25).unwrap()
}

/// The text of each page, as pdftotext lays it out.
fn pages_of(pdf: &[u8]) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("doc.pdf");
    std::fs::write(&path, pdf).unwrap();
    let out = Command::new("pdftotext")
        .args(["-layout", "-enc", "UTF-8"])
        .arg(&path)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils) is installed by scripts/setup.sh --test");
    assert!(out.status.success(), "pdftotext failed: {}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    text.split('\u{c}').filter(|p| !p.trim().is_empty()).map(str::to_string).collect()
}

#[tokio::test]
async fn an_estimate_prints_every_line_fee_and_total_with_accents() {
    let (_dir, order, shop) = support::order(8).await;
    let pdf = render(&order, &shop, DocumentKind::Estimate, Paper::Letter, date()).unwrap();
    assert!(pdf.starts_with(b"%PDF-"));
    if let Some(dir) = std::env::var_os("DIXON_KEEP_PDF") {
        std::fs::write(std::path::Path::new(&dir).join("estimate-8-lines.pdf"), &pdf).unwrap();
    }
    let pages = pages_of(&pdf);
    assert_eq!(pages.len(), 1, "8 lines fit on one page");
    let text = &pages[0];
    for expected in [
        "Dixon Smart Repair",
        "ESTIMATE",
        "No. 1001",
        "Date Nov 25, 2026",
        "State reg. ARD 00291834",
        "EPA ID CAL000412345",
        "José Núñez-Søren",
        "(555) 234-5678",
        "2003 Honda Accord",
        "VIN 1HGCM82633A004352",
        "Plate 7ABC123",
        "Odometer in 184,213 mi",
        "Technician: Zoë Ångström",
        "Part no. BP-0001",
        "Rebuilt",
        "Core charge $45.00 × 1",
        "Shop supplies (5% of labor, max $35.00)",
        "Hazardous waste disposal",
        "Loyalty discount",
        "Customer signature",
        "Page 1 of 1",
    ] {
        assert!(text.contains(expected), "'{expected}' missing from:\n{text}");
    }
    for line in &order.lines {
        let first_words: String = line.description.split_whitespace().take(3).collect::<Vec<_>>().join(" ");
        assert!(text.contains(&first_words), "line '{}' missing", line.description);
        assert!(text.contains(&line.amount.to_string()), "amount {} missing", line.amount);
    }
    let t = &order.totals;
    for (label, amount) in
        [("Labor", t.labor), ("Parts", t.parts), ("Fees", t.fees), ("Tax", t.tax), ("Estimated total", t.total)]
    {
        let row = text.lines().find(|l| l.contains(label) && l.contains(&amount.to_string()));
        assert!(row.is_some(), "total row '{label} {amount}' missing from:\n{text}");
    }
    assert!(text.contains("Revision 1: José Núñez-Søren authorized by phone ((555) 234-5678)"), "{text}");
}

#[tokio::test]
async fn a_sixty_line_estimate_breaks_across_pages_with_the_header_repeated() {
    let (_dir, order, shop) = support::order(60).await;
    for paper in [Paper::Letter, Paper::A4] {
        let pdf = render(&order, &shop, DocumentKind::Estimate, paper, date()).unwrap();
        let pages = pages_of(&pdf);
        let n = pages.len();
        assert!(n >= 3, "60 lines take several pages, got {n}");
        for (i, page) in pages.iter().enumerate() {
            assert!(page.contains(&format!("Page {} of {n}", i + 1)), "footer missing on page {}", i + 1);
            if i + 1 < n {
                assert!(page.contains("Description") && page.contains("Unit price"), "table header on page {}", i + 1);
            }
            if i > 0 {
                assert!(
                    page.contains("ESTIMATE 1001 · José Núñez-Søren · 2003 Honda Accord (continued)"),
                    "page {}",
                    i + 1
                );
            }
        }
        let all = pages.join("\n");
        for i in 0..60 {
            assert!(
                all.contains(&format!("item {i}"))
                    || all.contains(&format!("set {i}"))
                    || all.contains(&format!(" {i}"))
            );
        }
        // each line printed once: the 60th line's description appears exactly once
        assert_eq!(all.matches("Wheel alignment (sublet) 59").count(), 1);
        assert!(pages.last().unwrap().contains("Estimated total"));
        assert!(pages.last().unwrap().contains(&order.totals.total.to_string()));
    }
}

#[tokio::test]
async fn an_invoice_says_total_due_and_prints_without_a_logo() {
    let (_dir, order, mut shop) = support::order(3).await;
    shop.logo_data_url = None;
    shop.state_registration_number.clear();
    let pdf = render(&order, &shop, DocumentKind::Invoice, Paper::A4, date()).unwrap();
    let text = pages_of(&pdf).join("\n");
    assert!(text.contains("INVOICE"));
    assert!(text.contains("Total due"));
    assert!(!text.contains("State reg."), "empty registration is left out, not printed blank");
    assert!(!text.contains("Estimated total"));
}

#[tokio::test]
async fn a_receipt_lists_each_payment_and_what_is_left() {
    use dixon_print::{render_receipt, Received};
    use dixon_shop::Cents;
    let (_dir, order, shop) = support::order(3).await;
    let at = chrono::DateTime::parse_from_rfc3339("2026-11-25T17:30:00Z").unwrap().to_utc();
    let total = order.totals.total;
    let payments = [
        Received {
            at,
            how: "Cash (handed over $120.00, change $20.00)".into(),
            amount: Cents(10_000),
            refunded: Cents(0),
        },
        Received {
            at,
            how: "Visa •••• 4242 (Apple Pay)".into(),
            amount: Cents(total.0 - 10_000),
            refunded: Cents(500),
        },
    ];
    let pdf = render_receipt(&order, &shop, &payments, Paper::Letter, date()).unwrap();
    let text = pages_of(&pdf).join("\n");
    for expected in [
        "RECEIPT",
        "Cash (handed over $120.00, change $20.00)",
        "Visa •••• 4242 (Apple Pay)",
        "Refunded $5.00",
        &format!("Invoice total {}", total).replace("Invoice total ", ""),
        "Balance due",
        "$5.00",
        "Page 1 of 1",
    ] {
        assert!(text.contains(expected), "{expected} missing from:\n{text}");
    }
    let paid_off = [Received { at, how: "Check #1047".into(), amount: total, refunded: Cents(0) }];
    let text = pages_of(&render_receipt(&order, &shop, &paid_off, Paper::A4, date()).unwrap()).join("\n");
    assert!(text.contains("Paid in full") && text.contains("Check #1047"), "{text}");
}

/// A photo-like JPEG (gradient and grain) of `width` × `height`.
fn photo(width: u32, height: u32, seed: u32) -> dixon_print::Photo {
    let picture = image::RgbImage::from_fn(width, height, |x, y| {
        let grain = ((x * 7919 + y * 104_729 + seed * 31) % 29) as u8;
        image::Rgb([(x * 200 / width) as u8 + grain, (y * 180 / height) as u8 + grain, 90 + grain])
    });
    let mut jpeg = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 80).encode_image(&picture).unwrap();
    dixon_print::Photo { jpeg, width, height }
}

#[tokio::test]
async fn the_inspection_report_embeds_its_photos_as_the_jpegs_they_are() {
    let (_dir, order, shop) = support::order(2).await;
    let item = |name: &str, condition: &str, photos: Vec<dixon_print::Photo>| dixon_print::InspectedItem {
        section: "Brakes".into(),
        name: name.into(),
        condition: condition.into(),
        reading: Some("Pad thickness 2 mm".into()).filter(|_| condition == "red"),
        note: Some("Metal on metal soon".into()).filter(|_| condition == "red"),
        photos,
    };
    let photos: Vec<_> = (0..3).map(|seed| photo(1200, 900, seed)).collect();
    let items = vec![
        item("Wiper blades", "yellow", vec![photo(900, 1200, 7)]),
        item("Battery", "green", vec![]),
        item("Front pads and rotors", "red", photos.clone()),
    ];
    let pdf = dixon_print::render_inspection(&order, &shop, &items, Paper::Letter, date()).unwrap();
    for p in &photos {
        let found = pdf.windows(p.jpeg.len()).any(|w| w == p.jpeg.as_slice());
        assert!(found, "each photo is in the PDF byte for byte (never decoded and encoded again)");
    }
    let images = pdf.windows(b"/DCTDecode".len()).filter(|w| *w == b"/DCTDecode").count();
    assert_eq!(images, 4, "four JPEG images");
    let text = pages_of(&pdf).join("\n");
    for expected in [
        "VEHICLE INSPECTION",
        "1 need attention now · 1 soon · 1 checked and OK",
        "NOW",
        "Front pads and rotors — Brakes",
        "Pad thickness 2 mm",
        "SOON",
    ] {
        assert!(text.contains(expected), "the report says {expected:?}");
    }
    // worst first: the red item before the yellow one
    assert!(text.find("Front pads").unwrap() < text.find("Wiper blades").unwrap());
    // poppler renders every page (the images decode)
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("report.pdf"), &pdf).unwrap();
    let status = Command::new("pdftoppm")
        .args(["-r", "20", "-png"])
        .arg(dir.path().join("report.pdf"))
        .arg(dir.path().join("page"))
        .status()
        .unwrap();
    assert!(status.success());

    let not_a_jpeg =
        vec![item("Battery", "green", vec![dixon_print::Photo { jpeg: b"GIF89a".to_vec(), width: 1, height: 1 }])];
    let error = dixon_print::render_inspection(&order, &shop, &not_a_jpeg, Paper::Letter, date()).unwrap_err();
    assert!(error.to_string().contains("not a JPEG"), "{error}");
}
