//! `dixon inspect`: the repair order's digital vehicle inspection — what each item looked like
//! (green / yellow / red, a note, readings), and its repairs onto the estimate.

use std::collections::BTreeMap;

use clap::Subcommand;
use dixon_inspection::Inspection;
use dixon_services::Services;

use crate::output::{CliError, Output};

#[derive(Subcommand)]
pub enum InspectCommand {
    /// Every item of the inspection, with what was found.
    Show { ro: i64 },
    /// Record what an item looks like: a colour, a note, readings (a reading past its limit sets
    /// the colour when none is given).
    Set {
        ro: i64,
        /// e.g. brakes.front, tires.tread, battery (`dixon inspect show` lists them).
        item: String,
        /// green, yellow or red.
        status: Option<String>,
        #[arg(long)]
        note: Option<String>,
        /// A reading, e.g. --reading pads_mm=3 (repeatable).
        #[arg(long = "reading", value_name = "KEY=VALUE")]
        readings: Vec<String>,
    },
    /// Put the repairs of the yellow and red items on the estimate (each once).
    Recommend { ro: i64 },
    /// The shop's inspection template: show it (`--json` to start a file from), replace it with
    /// a JSON file, or go back to the default multi-point inspection.
    #[command(subcommand)]
    Template(TemplateCommand),
    /// Write the inspection report as a PDF: each checked item, worst first, with its photos.
    Pdf {
        ro: i64,
        #[arg(long, value_name = "FILE.pdf")]
        out: std::path::PathBuf,
        /// letter (default) or a4.
        #[arg(long, default_value = "letter")]
        paper: String,
    },
}

#[derive(Subcommand)]
pub enum TemplateCommand {
    /// Every section and item, with readings, their limits and repairs.
    Show,
    /// Use the template in FILE (JSON, as `show --json` prints it); refused with every problem
    /// named, nothing changed.
    Set { file: std::path::PathBuf },
    /// Back to the built-in multi-point inspection.
    Reset,
}

fn inspect_error(e: dixon_inspection::Error) -> CliError {
    CliError::new(e.kind(), e.to_string())
}

pub async fn inspect(command: InspectCommand, services: &Services, out: &Output) -> Result<(), CliError> {
    let inspections = &services.inspections;
    let inspection = match command {
        InspectCommand::Show { ro } => inspections.show(ro).await.map_err(inspect_error)?,
        InspectCommand::Template(command) => {
            let sections = match command {
                TemplateCommand::Show => inspections.template().await.map_err(inspect_error)?,
                TemplateCommand::Set { file } => {
                    let text = std::fs::read_to_string(&file)
                        .map_err(|e| CliError::new("invalid", format!("Can't read {}: {e}.", file.display())))?;
                    let sections: Vec<dixon_inspection::Section> = serde_json::from_str(&text).map_err(|e| {
                        CliError::new(
                            "invalid",
                            format!(
                                "{} is not a template ({e}). Start from `dixon inspect template show --json`.",
                                file.display()
                            ),
                        )
                    })?;
                    inspections.set_template(&sections).await.map_err(inspect_error)?
                }
                TemplateCommand::Reset => inspections.reset_template().await.map_err(inspect_error)?,
            };
            print_template(out, &sections);
            return Ok(());
        }
        InspectCommand::Pdf { ro, out: file, paper } => {
            let paper = dixon_print::Paper::parse(&paper)
                .ok_or_else(|| CliError::new("invalid", format!("'{paper}' is not a paper size; use letter or a4.")))?;
            let today = chrono::Local::now().date_naive();
            let pdf = dixon_services::inspection_report::render(services, ro, paper, today)
                .await
                .map_err(|e| CliError::new(e.kind(), e.to_string()))?;
            dixon_print::save(&file, &pdf).map_err(|e| {
                CliError::new(
                    "io",
                    format!("Can't write {}: {e}. Check the folder exists and is writable.", file.display()),
                )
            })?;
            out.written(&file, pdf.len());
            return Ok(());
        }
        InspectCommand::Set { ro, item, status, note, readings } => {
            let mut parsed = BTreeMap::new();
            for reading in readings {
                let value = reading
                    .split_once('=')
                    .and_then(|(k, v)| v.trim().parse::<f64>().ok().map(|v| (k.trim().to_string(), v)));
                let (key, value) = value.ok_or_else(|| {
                    CliError::new("invalid", format!("'{reading}' is not a reading; write it like pads_mm=3."))
                })?;
                parsed.insert(key, value);
            }
            inspections.set(ro, &item, status.as_deref(), note.as_deref(), &parsed).await.map_err(inspect_error)?
        }
        InspectCommand::Recommend { ro } => {
            let (order, added) = inspections.recommend(ro).await.map_err(inspect_error)?;
            if out.json {
                out.print_json(&serde_json::json!({ "added": added, "total": order.totals.total }));
            } else {
                println!(
                    "{added} repair(s) from the inspection added to the estimate of repair order {ro}; total now {}.",
                    order.totals.total
                );
            }
            return Ok(());
        }
    };
    print(out, &inspection);
    Ok(())
}

fn print(out: &Output, inspection: &Inspection) {
    if out.json {
        out.print_json(inspection);
        return;
    }
    println!(
        "Repair order {}: {} red, {} yellow, {} green, {} not checked",
        inspection.repair_order, inspection.red, inspection.yellow, inspection.green, inspection.unchecked
    );
    for section in &inspection.sections {
        println!("{}", section.name);
        for item in &section.items {
            let readings = item.measurements.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(" ");
            println!(
                "  {:<8} {:<22} {}{}{}{}",
                item.status.as_deref().unwrap_or("-"),
                item.key,
                item.label,
                if readings.is_empty() { String::new() } else { format!(" [{readings}]") },
                if item.note.is_empty() { String::new() } else { format!(" — {}", item.note) },
                if item.on_estimate { " (on the estimate)" } else { "" }
            );
        }
    }
}

fn print_template(out: &Output, sections: &[dixon_inspection::Section]) {
    if out.json {
        out.print_json(&sections);
        return;
    }
    for section in sections {
        println!("{}", section.name);
        for item in &section.items {
            let readings: Vec<String> = item
                .measures
                .iter()
                .map(|m| format!("{} {} ({}: yellow {} red {})", m.key, m.label, m.unit, m.yellow, m.red))
                .collect();
            let repair = item
                .repair
                .as_ref()
                .map(|r| format!(" → {} ({} h)", r.description, r.hours_milli as f64 / 1000.0))
                .unwrap_or_default();
            println!(
                "  {:<22} {}{}{}",
                item.key,
                item.label,
                if readings.is_empty() { String::new() } else { format!(" · {}", readings.join(", ")) },
                repair
            );
        }
    }
}
