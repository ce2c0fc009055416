use dixon_scan::{DonglePairing, Remembered, ScanMeaning, ScanSource};
use tauri::State;

use super::CommandResult;
use crate::AppState;

/// Says what a scan is, after writing it to the scan log with its source (and the repair order
/// open on screen, if any). A scan that can't be logged is still classified: it is never lost
/// on screen.
#[tauri::command]
#[specta::specta]
pub async fn classify_scan(
    state: State<'_, AppState>,
    text: String,
    source: ScanSource,
    repair_order: Option<i64>,
    confidence: Option<f32>,
) -> CommandResult<ScanMeaning> {
    let meaning = dixon_scan::classify(&text, dixon_clock::local_year(chrono::Utc::now()));
    let pool = state.store()?.pool();
    if let Err(e) =
        dixon_scan::record(pool, source, &text, &meaning, repair_order, confidence, chrono::Utc::now()).await
    {
        tracing::error!("scan not logged: {e}");
    }
    Ok(meaning)
}

/// Remembers a scanned dongle for the OBD screen (its key, if any, in the OS keychain).
#[tauri::command]
#[specta::specta]
pub async fn remember_dongle(state: State<'_, AppState>, pairing: DonglePairing) -> CommandResult<Remembered> {
    let pool = state.store()?.pool();
    dixon_scan::remember(pool, &pairing, chrono::Utc::now())
        .await
        .map_err(|e| super::CommandError::from(dixon_shop::Error::Database(e)))
}

/// One Tesseract for the app (its English data loads once), used by one reading at a time.
static OCR: std::sync::Mutex<Option<dixon_ocr::Tesseract>> = std::sync::Mutex::new(None);

/// Reads the VIN in `picture` with the app's Tesseract (started on first use).
pub fn read_vin(
    picture: &image::DynamicImage,
    region: Option<(f32, f32, f32, f32)>,
) -> Result<dixon_ocr::VinReading, String> {
    let mut engine = OCR.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    if engine.is_none() {
        *engine = Some(dixon_ocr::Tesseract::new().map_err(|e| e.to_string())?);
    }
    let engine = engine.as_mut().ok_or("Tesseract could not start")?;
    dixon_ocr::read_vin(engine, picture, region, dixon_clock::local_year(chrono::Utc::now())).map_err(|e| e.to_string())
}

/// A VIN read from a picture as the screen shows it.
#[derive(Debug, serde::Serialize, specta::Type)]
pub struct OcrVin {
    /// The VIN when one fits clearly; otherwise the person picks among `candidates` or types it.
    pub vin: Option<String>,
    /// 0–1.
    pub confidence: f32,
    pub candidates: Vec<String>,
    pub ms: u32,
}

/// Reads the VIN printed in a picture (base64 of a JPEG or PNG: a photo of the windshield plate,
/// the registration card). A VIN read is logged like a scan, with source OCR and how sure.
#[tauri::command]
#[specta::specta]
pub async fn ocr_vin(state: State<'_, AppState>, base64: String, repair_order: Option<i64>) -> CommandResult<OcrVin> {
    use base64::Engine;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(base64.trim())
        .map_err(|_| super::CommandError::new("invalid", "The picture could not be read; choose it again."))?;
    let started = std::time::Instant::now();
    let reading = tauri::async_runtime::spawn_blocking(move || -> Result<dixon_ocr::VinReading, String> {
        let picture = image::load_from_memory(&bytes)
            .map_err(|e| format!("This is not a photo we can read ({e}). Use a JPEG or PNG."))?;
        read_vin(&picture, None)
    })
    .await
    .map_err(|e| super::CommandError::new("ocr", e.to_string()))?
    .map_err(|e| super::CommandError::new("ocr", e))?;
    if let Some(vin) = &reading.vin {
        let pool = state.store()?.pool();
        if let Err(e) = dixon_scan::record_ocr(pool, vin, reading.confidence, repair_order, chrono::Utc::now()).await {
            tracing::error!("OCR scan not logged: {e}");
        }
    }
    Ok(OcrVin {
        vin: reading.vin,
        confidence: reading.confidence,
        candidates: reading.candidates.into_iter().map(|c| c.vin).collect(),
        ms: started.elapsed().as_millis() as u32,
    })
}
