//! `dixon photo`: photos of the car kept with a repair order (the original untouched, a working
//! copy for sending, a thumbnail), from files.

use std::path::PathBuf;

use clap::Subcommand;
use dixon_photos::{Mark, Photo, Point, Source};
use dixon_services::Services;

use crate::output::{CliError, Output};

#[derive(Subcommand)]
pub enum PhotoCommand {
    /// Keep photo files (JPEG or PNG) with a repair order.
    Add {
        ro: i64,
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// The inspection item they show, e.g. brakes.front.
        #[arg(long)]
        item: Option<String>,
    },
    /// The photos of a repair order.
    List { ro: i64 },
    /// Draw on a copy of a photo (the original stays): positions from 0 to 1 across and down.
    /// The marks given replace the photo's earlier ones; none clears them. Refused once sent.
    Mark {
        /// The photo's id (`dixon photo list RO --json`).
        photo: String,
        /// An arrow from x1,y1 to x2,y2 (its head at the second point).
        #[arg(long, value_name = "X1,Y1,X2,Y2")]
        arrow: Vec<String>,
        /// A circle at x,y with radius r (a fraction of the longer side).
        #[arg(long, value_name = "X,Y,R")]
        circle: Vec<String>,
        /// A label at x,y.
        #[arg(long, value_name = "X,Y,WORDS")]
        text: Vec<String>,
    },
}

/// `"0.2,0.3,…"` → numbers, or what is wrong with it.
fn numbers(text: &str, count: usize, what: &str) -> Result<Vec<f32>, CliError> {
    let values: Vec<f32> = text.split(',').take(count).filter_map(|v| v.trim().parse().ok()).collect();
    if values.len() < count {
        return Err(CliError::new(
            "invalid",
            format!("'{text}' is not {what}: give {count} numbers between 0 and 1, separated by commas."),
        ));
    }
    Ok(values)
}

fn marks(arrows: &[String], circles: &[String], texts: &[String]) -> Result<Vec<Mark>, CliError> {
    let mut marks = Vec::new();
    for arrow in arrows {
        let v = numbers(arrow, 4, "an arrow (x1,y1,x2,y2)")?;
        marks.push(Mark::Arrow { from: Point { x: v[0], y: v[1] }, to: Point { x: v[2], y: v[3] } });
    }
    for circle in circles {
        let v = numbers(circle, 3, "a circle (x,y,r)")?;
        marks.push(Mark::Circle { center: Point { x: v[0], y: v[1] }, radius: v[2] });
    }
    for text in texts {
        let v = numbers(text, 2, "a label (x,y,words)")?;
        let words = text.splitn(3, ',').nth(2).unwrap_or("").trim().to_string();
        marks.push(Mark::Text { at: Point { x: v[0], y: v[1] }, text: words });
    }
    Ok(marks)
}

fn photo_error(e: dixon_photos::Error) -> CliError {
    CliError::new(e.kind(), e.to_string())
}

pub async fn photo(command: PhotoCommand, services: &Services, out: &Output) -> Result<(), CliError> {
    let photos = &services.photos;
    let kept = match command {
        PhotoCommand::Add { ro, files, item } => {
            let mut kept = Vec::new();
            let mut refused = Vec::new();
            // every file is tried; one bad file does not stop the others
            for file in files {
                let name = file
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_else(|| file.display().to_string());
                let result = match std::fs::read(&file) {
                    Ok(bytes) => {
                        photos.add(ro, bytes, &name, Source::File, item.as_deref(), None).await.map_err(photo_error)
                    }
                    Err(e) => Err(CliError::new("invalid", format!("Can't read {}: {e}.", file.display()))),
                };
                match result {
                    Ok(photo) => kept.push(photo),
                    Err(e) => refused.push(e),
                }
            }
            print(out, &kept);
            if let Some(first) = refused.into_iter().next() {
                return Err(first);
            }
            return Ok(());
        }
        PhotoCommand::List { ro } => photos.of(ro).await.map_err(photo_error)?,
        PhotoCommand::Mark { photo, arrow, circle, text } => {
            vec![photos.mark(&photo, &marks(&arrow, &circle, &text)?).await.map_err(photo_error)?]
        }
    };
    print(out, &kept);
    Ok(())
}

fn print(out: &Output, photos: &[Photo]) {
    if out.json {
        out.print_json(&photos);
        return;
    }
    for p in photos {
        println!(
            "{} {} {}×{} {} KB (working copy {} KB){}{} {}",
            p.uid,
            p.original_name,
            p.width,
            p.height,
            p.original_bytes / 1024,
            p.working_bytes / 1024,
            p.inspection_item.as_deref().map(|i| format!(" [{i}]")).unwrap_or_default(),
            if p.marks.is_empty() { String::new() } else { format!(" {} marks", p.marks.len()) },
            p.sending_path
        );
    }
}
