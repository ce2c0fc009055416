//! `dixon photo`: photos of the car kept with a repair order (the original untouched, a working
//! copy for sending, a thumbnail), from files.

use std::path::PathBuf;

use clap::Subcommand;
use dixon_photos::{Photo, Source};
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
            "{} {}×{} {} KB (working copy {} KB){} {}",
            p.original_name,
            p.width,
            p.height,
            p.original_bytes / 1024,
            p.working_bytes / 1024,
            p.inspection_item.as_deref().map(|i| format!(" [{i}]")).unwrap_or_default(),
            p.working_path
        );
    }
}
