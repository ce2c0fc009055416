//! The printed inspection report of a repair order: each checked item with its reading, note
//! and photos, and the newest reading from the car (codes, readiness) (the copies that go to the customer, marks included, at print size).

use chrono::NaiveDate;
use dixon_print::{InspectedItem, Paper, Photo};

use crate::Services;

/// Why the report could not be made.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("Nothing on repair order {0} was inspected yet: mark the items green, yellow or red first.")]
    NothingInspected(i64),
    #[error(transparent)]
    Shop(#[from] dixon_shop::Error),
    #[error(transparent)]
    Inspection(#[from] dixon_inspection::Error),
    #[error(transparent)]
    Photos(#[from] dixon_photos::Error),
    #[error(transparent)]
    Print(#[from] dixon_print::Error),
}

impl ReportError {
    pub fn kind(&self) -> &'static str {
        match self {
            ReportError::NothingInspected(_) => "invalid",
            ReportError::Shop(e) => e.kind(),
            ReportError::Inspection(e) => e.kind(),
            ReportError::Photos(e) => e.kind(),
            ReportError::Print(_) => "print",
        }
    }
}

/// The inspection report PDF of order `number`.
pub async fn render(services: &Services, number: i64, paper: Paper, date: NaiveDate) -> Result<Vec<u8>, ReportError> {
    let order = services.store.repair_order(number).await?;
    let settings = services.store.settings().await?;
    let inspection = services.inspections.show(number).await?;
    let photos = services.photos.of(number).await?;
    let mut items = Vec::new();
    for section in &inspection.sections {
        for item in &section.items {
            let Some(condition) = &item.status else { continue };
            let mut pictures = Vec::new();
            for photo in photos.iter().filter(|p| p.inspection_item.as_deref() == Some(item.key.as_str())) {
                let (jpeg, width, height) = services.photos.print_copy(photo).await?;
                pictures.push(Photo { jpeg, width, height });
            }
            items.push(InspectedItem {
                section: section.name.clone(),
                name: item.label.clone(),
                condition: condition.clone(),
                reading: item.reading(),
                note: Some(item.note.trim().to_string()).filter(|n| !n.is_empty()),
                photos: pictures,
            });
        }
    }
    if let Some(found) = services.inspections.computer_scan(number).await? {
        items.push(InspectedItem {
            section: dixon_inspection::scan::SECTION.into(),
            name: dixon_inspection::scan::NAME.into(),
            condition: found.condition.into(),
            reading: Some(found.reading),
            note: None,
            photos: vec![],
        });
    }
    if items.is_empty() {
        return Err(ReportError::NothingInspected(number));
    }
    Ok(dixon_print::render_inspection(&order, &settings, &items, paper, date)?)
}
