//! Photos of the car on the repair order screen: taken with the webcam or added from files
//! (picker, drag-and-drop), shown as thumbnails on their inspection items, marked with arrows,
//! circles and labels on a copy.

use base64::Engine;
use dixon_photos::{Mark, Photo, Source};
use serde::Serialize;
use specta::Type;
use tauri::State;

use super::camera::CAMERA_FILES_ENV;
use super::{CommandError, CommandResult};
use crate::AppState;

impl From<dixon_photos::Error> for CommandError {
    fn from(e: dixon_photos::Error) -> CommandError {
        CommandError::new(e.kind(), e.to_string())
    }
}

/// A photo as the screen shows it.
#[derive(Debug, Clone, Serialize, Type)]
pub struct PhotoView {
    pub uid: String,
    pub inspection_item: Option<String>,
    pub marks: Vec<Mark>,
    pub sent: bool,
    pub source: Source,
    /// The thumbnail of what goes to the customer (marks included), as a data URL.
    pub thumbnail: String,
}

fn data_url(path: &str) -> String {
    let bytes = std::fs::read(path).unwrap_or_default();
    format!("data:image/jpeg;base64,{}", base64::engine::general_purpose::STANDARD.encode(bytes))
}

fn view(photo: &Photo) -> PhotoView {
    PhotoView {
        uid: photo.uid.clone(),
        inspection_item: photo.inspection_item.clone(),
        marks: photo.marks.clone(),
        sent: photo.sent_at.is_some(),
        source: photo.source,
        thumbnail: data_url(&photo.sending_thumbnail_path),
    }
}

#[tauri::command]
#[specta::specta]
pub async fn photos(state: State<'_, AppState>, repair_order: i64) -> CommandResult<Vec<PhotoView>> {
    Ok(state.services()?.photos.of(repair_order).await?.iter().map(view).collect())
}

/// Keeps a photo file (its bytes as base64) with the order, on `item` if given.
#[tauri::command]
#[specta::specta]
pub async fn add_photo(
    state: State<'_, AppState>,
    repair_order: i64,
    item: Option<String>,
    name: String,
    base64: String,
) -> CommandResult<PhotoView> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(base64.trim())
        .map_err(|_| CommandError::new("invalid", format!("{name} could not be read; add it again.")))?;
    let photo = state.services()?.photos.add(repair_order, bytes, &name, Source::File, item.as_deref(), None).await?;
    Ok(view(&photo))
}

/// Takes a photo with the webcam (or the folder camera of `DIXON_CAMERA_FILES`) onto `item`.
#[tauri::command]
#[specta::specta]
pub async fn take_photo(
    state: State<'_, AppState>,
    repair_order: i64,
    item: Option<String>,
) -> CommandResult<PhotoView> {
    let folder = std::env::var_os(CAMERA_FILES_ENV);
    // the camera blocks while it opens and settles: off the async threads
    let jpeg = tauri::async_runtime::spawn_blocking(move || match folder {
        Some(folder) => dixon_camera::FolderCamera::open(std::path::Path::new(&folder))?.take_photo(),
        None => dixon_camera::take_photo(0),
    })
    .await
    .map_err(|e| CommandError::new("camera", e.to_string()))?
    .map_err(|e| CommandError::new("camera", format!("{e}. Check the webcam is plugged in, or add a photo file.")))?;
    let name = format!("camera-{}.jpg", chrono::Local::now().format("%Y%m%d-%H%M%S"));
    let photo = state.services()?.photos.add(repair_order, jpeg, &name, Source::Camera, item.as_deref(), None).await?;
    Ok(view(&photo))
}

/// The picture to draw on (the working copy, upright, as a data URL).
#[tauri::command]
#[specta::specta]
pub async fn photo_picture(state: State<'_, AppState>, repair_order: i64, uid: String) -> CommandResult<String> {
    let photos = state.services()?.photos.of(repair_order).await?;
    let photo = photos
        .iter()
        .find(|p| p.uid == uid)
        .ok_or_else(|| CommandError::new("not_found", "That photo is not on this repair order."))?;
    Ok(data_url(&photo.working_path))
}

/// Replaces the marks drawn on a photo (none clears them).
#[tauri::command]
#[specta::specta]
pub async fn mark_photo(state: State<'_, AppState>, uid: String, marks: Vec<Mark>) -> CommandResult<PhotoView> {
    Ok(view(&state.services()?.photos.mark(&uid, &marks).await?))
}
