//! The PDFs an email carries (the estimate, the receipt), made the way the print commands make
//! them, when the message goes out (again after a restart, if need be).

use dixon_notify::{Attachment, Documents};
use dixon_print::Paper;
use dixon_resilience::BoxFuture;

use crate::Services;

/// Renders repair orders' PDFs for the messenger.
pub struct Pdfs(pub Services);

impl Documents for Pdfs {
    fn render(&self, kind: &str, number: i64) -> BoxFuture<'_, Result<Attachment, String>> {
        let kind = kind.to_string();
        Box::pin(async move {
            let today = chrono::Local::now().date_naive();
            let bytes = match kind.as_str() {
                "receipt" => {
                    crate::receipts::render(&self.0, number, Paper::Letter, today).await.map_err(|e| e.to_string())?
                }
                _ => {
                    let order = self.0.store.repair_order(number).await.map_err(|e| e.to_string())?;
                    let settings = self.0.store.settings().await.map_err(|e| e.to_string())?;
                    dixon_print::render(&order, &settings, dixon_print::DocumentKind::Estimate, Paper::Letter, today)
                        .map_err(|e| e.to_string())?
                }
            };
            Ok(Attachment { filename: format!("{kind}-{number}.pdf"), mime: "application/pdf".into(), bytes })
        })
    }
}
