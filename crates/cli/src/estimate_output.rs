//! How `dixon estimate` and `dixon parts` print.

use std::path::Path;

use dixon_parts::{ImportReport, MarkupMatrix, PricedPart};
use dixon_scan::ScanMeaning;
use dixon_shop::{CannedJob, LineKind, RepairOrder};

use crate::output::{local, truncate, Output};

impl Output {
    /// The estimate as the customer will read it, with line ids for `remove-line`.
    pub fn estimate(&self, ro: &RepairOrder) {
        if self.json {
            return self.print_json(ro);
        }
        println!("Estimate for RO {} · {} · {} · {}", ro.number, ro.status, ro.customer.name, ro.vehicle.label());
        if ro.lines.is_empty() {
            println!("  no lines yet: `dixon estimate add {} labor \"…\" --qty 1.5`", ro.number);
        }
        for line in &ro.lines {
            let qty = line.quantity_milli as f64 / 1000.0;
            let unit = if line.kind == LineKind::Labor { " h" } else { "" };
            let tax = if line.taxable { "T" } else { " " };
            println!(
                "  #{:<5} {:<8} {:<44} {:>7}{unit:<2} × {:>10} = {:>11} {tax}",
                line.id,
                line.kind.as_str(),
                truncate(&line.description, 44),
                qty,
                line.unit_price.to_string(),
                line.amount.to_string()
            );
            if let Some(part) = &line.part {
                let mut about = vec![part.condition.to_string()];
                about.extend(part.part_number.clone());
                about.extend(part.brand.clone());
                about.extend(part.supplier.clone());
                if part.core_charge.0 > 0 {
                    about.push(format!("core {} each", part.core_charge));
                }
                println!("          {}", about.join(" · "));
            }
            if let Some(technician) = &line.technician {
                println!("          technician {technician}");
            }
        }
        for fee in &ro.shop_fees {
            println!(
                "          fee      {:<44} {:>36} {}",
                fee.description,
                fee.amount.to_string(),
                if fee.taxable { "T" } else { " " }
            );
        }
        let t = &ro.totals;
        println!(
            "  Labor {}  Parts {}  Fees {}  Sublet {}  Discounts {}  Tax {}",
            t.labor, t.parts, t.fees, t.sublet, t.discounts, t.tax
        );
        println!("  Total {}", t.total);
        for a in &ro.authorizations {
            println!(
                "  Revision {}: {} authorized {} on {} for up to {}",
                a.revision,
                a.authorized_by,
                a.method,
                local(a.authorized_at),
                a.amount
            );
        }
        match ro.authorized_limit {
            Some(limit) => {
                println!("  Authorized up to {limit} (with the state's allowance); more needs --authorized-by.")
            }
            None => println!("  Not authorized yet: `dixon estimate authorize {} --authorized-by NAME`", ro.number),
        }
    }

    pub fn priced(&self, parts: &[PricedPart]) {
        if self.json {
            return self.print_json(&parts);
        }
        for part in parts {
            println!(
                "{} ({} tier{})",
                part.query.search.text(),
                part.tier.as_str(),
                part.query.vin.as_ref().map(|v| format!(", VIN {v}")).unwrap_or_default()
            );
            if part.offers.is_empty() {
                println!("  no price found: enter it by hand");
            }
            for (i, offer) in part.offers.iter().enumerate() {
                let mark = if i == 0 && part.best.is_some() { "→" } else { " " };
                let estimate = if offer.is_estimate { "  ESTIMATE" } else { "" };
                println!(
                    "  {mark} {:>10}  cost {:>10}  {:<12} {:<10} {:<28} {}{estimate}",
                    offer.price.to_string(),
                    offer.cost.to_string(),
                    truncate(&offer.part_number, 12),
                    truncate(&offer.brand, 10),
                    truncate(&offer.supplier, 28),
                    offer.availability
                );
            }
            for failure in &part.failures {
                println!("  ! {} did not answer: {}", failure.provider, failure.message);
            }
        }
    }

    pub fn written(&self, path: &Path, bytes: usize) {
        if self.json {
            return self.print_json(&serde_json::json!({ "path": path, "bytes": bytes }));
        }
        println!("Wrote {} ({} KB)", path.display(), bytes.div_ceil(1024));
    }

    pub fn canned_jobs(&self, jobs: &[CannedJob]) {
        if self.json {
            return self.print_json(&jobs);
        }
        if jobs.is_empty() {
            println!("No canned jobs yet: `dixon estimate canned save NAME --from RO`.");
        }
        for job in jobs {
            println!("#{:<4} {} ({} lines)", job.id, job.name, job.lines.len());
        }
    }

    pub fn import_report(&self, report: &ImportReport) {
        if self.json {
            return self.print_json(report);
        }
        println!("Imported: {} new, {} updated, {} skipped", report.added, report.updated, report.problems.len());
        for problem in &report.problems {
            println!("  line {}: {}", problem.line, problem.message);
        }
    }

    pub fn markup(&self, matrix: &MarkupMatrix) {
        if self.json {
            return self.print_json(matrix);
        }
        println!("Markup matrix (cost → retail, never above list):");
        for band in &matrix.bands {
            let limit = band.up_to.map(|c| format!("up to {c}")).unwrap_or_else(|| "above".into());
            println!("  {limit:<16} × {}", band.multiplier_milli as f64 / 1000.0);
        }
    }

    pub fn scan_meaning(&self, meaning: &ScanMeaning) {
        if self.json {
            return self.print_json(meaning);
        }
        match meaning {
            ScanMeaning::Vin { vin, warnings } => {
                println!("VIN {vin}");
                for warning in warnings {
                    println!("  warning: {warning}");
                }
            }
            ScanMeaning::BadVin { text, problem, .. } => println!("not a valid VIN: {text}: {problem}"),
            ScanMeaning::ProductCode { code, format } => println!(
                "{} {code}",
                if matches!(format, dixon_scan::ProductFormat::UpcA) { "UPC-A" } else { "EAN-13" }
            ),
            ScanMeaning::BadProductCode { code } => {
                println!("misread product code {code}: its check digit is wrong; scan it again")
            }
            ScanMeaning::PartNumber { part_number } => println!("part number {part_number}"),
            ScanMeaning::Pairing { pairing } => println!(
                "dongle pairing: {:?} '{}'{}{}",
                pairing.kind,
                pairing.id,
                pairing.name.as_ref().map(|n| format!(", name {n}")).unwrap_or_default(),
                pairing.address.as_ref().map(|a| format!(", address {a}")).unwrap_or_default()
            ),
            ScanMeaning::BadPairing { problem, .. } => println!("unreadable pairing code: {problem}"),
            ScanMeaning::Unknown { text } => println!("unknown: {text:?}"),
        }
    }

    pub fn decoded_images(&self, results: &[crate::scan_cmd::ImageResult]) {
        if self.json {
            return self.print_json(&results);
        }
        for r in results {
            match (&r.decoded, &r.error) {
                (Some(d), _) => {
                    let turned = d.turned.map(|t| format!(", turned {t:.0}°")).unwrap_or_default();
                    println!(
                        "{}: {} {} at ({:.0}, {:.0}){turned} in {:.1} ms",
                        r.image, d.format, d.text, d.position.0, d.position.1, r.millis
                    );
                }
                (None, Some(error)) => eprintln!("{}: {error}", r.image),
                (None, None) => println!("{}: no barcode found ({:.1} ms)", r.image, r.millis),
            }
        }
    }
}
