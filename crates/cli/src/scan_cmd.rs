//! `dixon scan …`: what a scan means, and a serial barcode gun on the command line.

use std::sync::atomic::AtomicBool;

use clap::Subcommand;
use dixon_scan::{classify, GunConfig, GunEvent, ScanMeaning, ScanSource};
use dixon_services::Services;

use crate::output::{CliError, Output};

#[derive(Subcommand)]
pub enum ScanCommand {
    /// Read barcodes in image files (webcam snapshots, photos): text, format, position, time.
    Decode {
        #[arg(required = true, value_name = "IMAGE")]
        images: Vec<std::path::PathBuf>,
        /// vin (Code 39, QR, Data Matrix), parts (UPC-A, EAN-13, Code 128) or all.
        #[arg(long, default_value = "all")]
        formats: String,
    },
    /// Read a VIN printed in a picture with no barcode (windshield plate, registration card,
    /// door-jamb label text): the VIN, how sure, other candidates to pick from, time per image.
    Ocr {
        #[arg(required = true, value_name = "IMAGE")]
        images: Vec<std::path::PathBuf>,
    },
    /// Say what a scanned text is: VIN, UPC/EAN, part number, dongle pairing code or unknown.
    /// A pairing code's dongle is remembered for the OBD screen.
    Classify { text: String },
    /// The OBD dongles remembered from their pairing codes.
    Dongles,
    /// Print every scan from a serial barcode gun (USB virtual COM or Bluetooth SPP) until Ctrl+C;
    /// unplugging and plugging it back in is handled.
    Listen {
        /// The gun's port, e.g. /dev/ttyACM0, /dev/rfcomm0 or COM5 (`dixon doctor` lists them).
        #[arg(long)]
        port: String,
        #[arg(long, default_value_t = 9600)]
        baud: u32,
        /// A prefix the gun puts before each scan, removed.
        #[arg(long)]
        prefix: Option<String>,
    },
}

pub async fn scan(command: ScanCommand, services: &Services, out: &Output) -> Result<(), CliError> {
    let year = dixon_clock::local_year(chrono::Utc::now());
    match command {
        ScanCommand::Ocr { images } => {
            let mut engine = dixon_ocr::Tesseract::new().map_err(|e| CliError::new("ocr", e.to_string()))?;
            let mut readings = Vec::new();
            for path in &images {
                let started = std::time::Instant::now();
                let picture = image::open(path).map_err(|e| {
                    CliError::new(
                        "invalid",
                        dixon_ocr::Error::Picture(path.display().to_string(), e.to_string()).to_string(),
                    )
                })?;
                let reading = dixon_ocr::read_vin(&mut engine, &picture, None, year)
                    .map_err(|e| CliError::new("ocr", e.to_string()))?;
                let ms = started.elapsed().as_millis() as u64;
                if let Some(vin) = &reading.vin {
                    // logged like any scan, with where it came from and how sure
                    if let Err(e) =
                        dixon_scan::record_ocr(services.store.pool(), vin, reading.confidence, None, chrono::Utc::now())
                            .await
                    {
                        eprintln!("warning: the reading was not logged ({e})");
                    }
                }
                if !out.json {
                    let what = match (&reading.vin, reading.candidates.as_slice()) {
                        (Some(vin), _) => format!("{vin} ({:.0} % sure)", reading.confidence * 100.0),
                        (None, []) => "no VIN found".to_string(),
                        (None, several) => format!(
                            "not sure — pick one: {}",
                            several.iter().map(|c| c.vin.as_str()).collect::<Vec<_>>().join(" or ")
                        ),
                    };
                    println!("{}: {what} · {ms} ms", path.display());
                }
                readings.push(serde_json::json!({ "image": path.display().to_string(), "ms": ms, "reading": reading }));
            }
            if out.json {
                out.print_json(&readings);
            }
        }
        ScanCommand::Decode { images, formats } => {
            let formats = dixon_camera::Formats::parse(&formats).ok_or_else(|| {
                CliError::new("invalid", format!("'{formats}' is not a set of formats; use vin, parts or all."))
            })?;
            let decoder = dixon_camera::FrameDecoder::new(formats);
            let mut results = Vec::new();
            for path in &images {
                let started = std::time::Instant::now();
                let result = dixon_camera::load_frame(path).map(|frame| decoder.decode(&frame));
                let millis = started.elapsed().as_secs_f64() * 1000.0;
                let meaning = match &result {
                    Ok(Some(decoded)) => {
                        let meaning = classify(&decoded.text, year);
                        log(services, ScanSource::Camera, &decoded.text, &meaning).await;
                        Some(meaning)
                    }
                    _ => None,
                };
                results.push(ImageResult {
                    image: path.display().to_string(),
                    decoded: result.as_ref().ok().cloned().flatten(),
                    meaning,
                    error: result.err().map(|e| e.to_string()),
                    millis,
                });
            }
            out.decoded_images(&results);
            if results.iter().all(|r| r.decoded.is_none()) {
                return Err(CliError::quiet());
            }
        }
        ScanCommand::Classify { text } => {
            let meaning = classify(&text, year);
            log(services, ScanSource::Typed, &text, &meaning).await;
            if let ScanMeaning::Pairing { pairing } = &meaning {
                let remembered = dixon_scan::remember(services.store.pool(), pairing, chrono::Utc::now())
                    .await
                    .map_err(|e| CliError::from(dixon_shop::Error::Database(e)))?;
                if let Some(problem) = remembered.key_problem {
                    eprintln!("warning: the dongle's key was not kept: {problem}");
                }
            }
            out.scan_meaning(&meaning);
        }
        ScanCommand::Dongles => {
            let dongles = dixon_scan::dongles(services.store.pool())
                .await
                .map_err(|e| CliError::from(dixon_shop::Error::Database(e)))?;
            if out.json {
                out.print_json(&dongles);
            } else if dongles.is_empty() {
                println!("No dongles yet: scan a dongle's pairing code (or `dixon scan classify 'DIXON-PAIR:1;…'`).");
            } else {
                for d in &dongles {
                    let about =
                        [d.name.clone(), d.address.clone()].into_iter().flatten().collect::<Vec<_>>().join(" · ");
                    println!(
                        "{:<20} {:?}  {about}{}",
                        d.id,
                        d.kind,
                        if d.has_key { "  (key in keychain)" } else { "" }
                    );
                }
            }
        }
        ScanCommand::Listen { port, baud, prefix } => {
            let config = GunConfig { baud, prefix, ..GunConfig::new(&port) };
            let (sender, mut events) = tokio::sync::mpsc::unbounded_channel();
            let reader = std::thread::spawn(move || {
                let never = AtomicBool::new(false); // Ctrl+C ends the process
                dixon_scan::listen(&config, &never, |event| drop(sender.send(event)))
            });
            while let Some(event) = events.recv().await {
                match &event {
                    GunEvent::Scan { text } => {
                        let meaning = classify(text, year);
                        log(services, ScanSource::Serial, text, &meaning).await;
                        out.scan_meaning(&meaning);
                    }
                    GunEvent::Junk { bytes } => eprintln!("dropped {bytes} byte(s) of line noise"),
                    GunEvent::Connected { port } => eprintln!("listening on {port} (Ctrl+C to stop)"),
                    GunEvent::Disconnected { reason } => eprintln!("the gun went away ({reason}); waiting for it"),
                }
            }
            reader
                .join()
                .map_err(|_| CliError::new("scan", "The gun reader stopped unexpectedly."))?
                .map_err(|e| CliError::new("no_port", e.to_string()))?;
        }
    }
    Ok(())
}

/// What `dixon scan decode` found in one image.
#[derive(serde::Serialize)]
pub struct ImageResult {
    pub image: String,
    pub decoded: Option<dixon_camera::Decoded>,
    pub meaning: Option<ScanMeaning>,
    pub error: Option<String>,
    pub millis: f64,
}

/// Every scan is logged before it is acted on; a log failure is reported, never fatal.
async fn log(services: &Services, source: ScanSource, text: &str, meaning: &ScanMeaning) {
    if let Err(e) =
        dixon_scan::record(services.store.pool(), source, text, meaning, None, None, chrono::Utc::now()).await
    {
        eprintln!("warning: the scan was not logged: {e}");
    }
}
