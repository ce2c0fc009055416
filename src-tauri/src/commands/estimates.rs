use dixon_parts::{PartQuery, PartSearch, PricedPart, Tier};
use dixon_print::{DocumentKind, Paper};
use dixon_shop::{CannedJob, NewAuthorization, NewLine, RepairOrder};
use serde::{Deserialize, Serialize};
use specta::Type;
use tauri::State;

use super::{CommandError, CommandResult};
use crate::AppState;

impl From<dixon_parts::Error> for CommandError {
    fn from(e: dixon_parts::Error) -> CommandError {
        CommandError::new(e.kind(), e.to_string())
    }
}

/// Adds lines to the estimate; `authorization` is the customer's OK when the new total passes
/// what they authorized (the command fails with kind `authorization_required` without it).
#[tauri::command]
#[specta::specta]
pub async fn add_estimate_lines(
    state: State<'_, AppState>,
    number: i64,
    lines: Vec<NewLine>,
    authorization: Option<NewAuthorization>,
) -> CommandResult<RepairOrder> {
    Ok(state.store()?.add_lines(number, &lines, authorization.as_ref()).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn remove_estimate_line(state: State<'_, AppState>, number: i64, line_id: i64) -> CommandResult<RepairOrder> {
    Ok(state.store()?.remove_line(number, line_id).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn authorize_estimate(
    state: State<'_, AppState>,
    number: i64,
    authorization: NewAuthorization,
) -> CommandResult<RepairOrder> {
    Ok(state.store()?.authorize(number, &authorization).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn canned_jobs(state: State<'_, AppState>) -> CommandResult<Vec<CannedJob>> {
    Ok(state.store()?.canned_jobs().await?)
}

/// Saves the lines of repair order `from` as a canned job called `name`.
#[tauri::command]
#[specta::specta]
pub async fn save_canned_job(state: State<'_, AppState>, name: String, from: i64) -> CommandResult<CannedJob> {
    let store = state.store()?;
    let lines: Vec<NewLine> = store.repair_order(from).await?.lines.iter().map(|l| l.to_new()).collect();
    Ok(store.save_canned_job(&name, &lines).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn add_canned_job(
    state: State<'_, AppState>,
    number: i64,
    job_id: i64,
    authorization: Option<NewAuthorization>,
) -> CommandResult<RepairOrder> {
    Ok(state.store()?.add_canned_job(number, job_id, authorization.as_ref()).await?)
}

/// Prices a part for repair order `number`'s vehicle with every provider of the tier.
#[tauri::command]
#[specta::specta]
pub async fn search_parts(
    state: State<'_, AppState>,
    number: i64,
    search: PartSearch,
    tier: Tier,
) -> CommandResult<PricedPart> {
    let services = state.services()?;
    if search.text().is_empty() {
        return Err(CommandError::invalid("part.search", "Type what part you are looking for.".into()));
    }
    let vin = services.store.repair_order(number).await?.vehicle.vin;
    Ok(services.parts.price(&PartQuery { search, vin }, tier).await?)
}

/// Which document, on which paper.
#[derive(Debug, Clone, Copy, Deserialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum DocumentChoice {
    Estimate,
    Invoice,
    /// What was paid against the invoice.
    Receipt,
    /// The inspection report, with its photos.
    Inspection,
}

#[derive(Debug, Clone, Copy, Deserialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum PaperChoice {
    Letter,
    A4,
}

/// What to do with the PDF once it is saved.
#[derive(Debug, Clone, Copy, Deserialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum DocumentAction {
    /// Save it in the data folder's `documents/`.
    Save,
    /// Save it and open it in the PC's PDF viewer.
    Preview,
    /// Save it and send it to the default printer.
    Print,
}

#[derive(Debug, Serialize, Type)]
pub struct SavedDocument {
    pub path: String,
    pub bytes: u32,
}

/// Renders the estimate or invoice, saves it (never half-written), then previews or prints it.
#[tauri::command]
#[specta::specta]
pub async fn print_document(
    state: State<'_, AppState>,
    number: i64,
    document: DocumentChoice,
    paper: PaperChoice,
    action: DocumentAction,
) -> CommandResult<SavedDocument> {
    let paper = match paper {
        PaperChoice::Letter => Paper::Letter,
        PaperChoice::A4 => Paper::A4,
    };
    let today = chrono::Local::now().date_naive();
    let print_error = |e: &dyn std::fmt::Display| CommandError::new("print", e.to_string());
    let (pdf, name) = match document {
        DocumentChoice::Receipt => {
            let pdf = dixon_services::receipts::render(state.services()?, number, paper, today)
                .await
                .map_err(|e| print_error(&e))?;
            (pdf, format!("Receipt-{number}.pdf"))
        }
        DocumentChoice::Inspection => {
            let pdf = dixon_services::inspection_report::render(state.services()?, number, paper, today)
                .await
                .map_err(|e| CommandError::new(e.kind(), e.to_string()))?;
            (pdf, format!("Inspection-{number}.pdf"))
        }
        DocumentChoice::Estimate | DocumentChoice::Invoice => {
            let store = state.store()?;
            let order = store.repair_order(number).await?;
            let settings = store.settings().await?;
            let (kind, name) = match document {
                DocumentChoice::Invoice => (DocumentKind::Invoice, format!("Invoice-{number}.pdf")),
                _ => (DocumentKind::Estimate, format!("Estimate-{number}.pdf")),
            };
            (dixon_print::render(&order, &settings, kind, paper, today).map_err(|e| print_error(&e))?, name)
        }
    };
    let path = state.home.documents_dir().join(name);
    dixon_print::save(&path, &pdf).map_err(|e| {
        CommandError::new("io", format!("Can't save {}: {e}. Check the data folder is writable.", path.display()))
    })?;
    match action {
        DocumentAction::Save => {}
        DocumentAction::Preview => open_with_system(&path)?,
        DocumentAction::Print => print_with_system(&path)?,
    }
    tracing::info!(number, bytes = pdf.len(), "document saved");
    Ok(SavedDocument { path: path.display().to_string(), bytes: pdf.len() as u32 })
}

/// Opens the file in the PC's default viewer.
fn open_with_system(path: &std::path::Path) -> CommandResult<()> {
    let mut command = if cfg!(target_os = "windows") {
        let mut c = std::process::Command::new("cmd");
        c.args(["/C", "start", ""]);
        c
    } else if cfg!(target_os = "macos") {
        std::process::Command::new("open")
    } else {
        std::process::Command::new("xdg-open")
    };
    command.arg(path).spawn().map(drop).map_err(|e| {
        CommandError::new(
            "preview",
            format!("The PDF was saved to {} but no viewer could open it ({e}); open it from there.", path.display()),
        )
    })
}

/// Sends the file to the default printer (CUPS `lp` on Linux and macOS, the shell's Print verb
/// on Windows).
fn print_with_system(path: &std::path::Path) -> CommandResult<()> {
    let status = if cfg!(target_os = "windows") {
        std::process::Command::new("powershell")
            .args(["-NoProfile", "-Command", "Start-Process", "-Verb", "Print", "-FilePath"])
            .arg(path)
            .status()
    } else {
        std::process::Command::new("lp").arg(path).status()
    };
    match status {
        Ok(s) if s.success() => Ok(()),
        Ok(s) => Err(CommandError::new(
            "print",
            format!("The printer refused the job ({s}); the PDF is saved at {}. Check the default printer.", path.display()),
        )),
        Err(e) => Err(CommandError::new(
            "print",
            format!(
                "No print system was found ({e}); the PDF is saved at {}. Install CUPS (`sudo apt install cups-client`) or print it from a viewer.",
                path.display()
            ),
        )),
    }
}
