//! The Dixon Counter desktop shell: wires Tauri to the services in `crates/`. It parses, calls and
//! maps errors — nothing more. Domain rules live in `dixon-shop`; paths and logging in `dixon-home`.

pub mod commands;

use std::path::PathBuf;

use dixon_home::{Home, Program};
use dixon_services::Services;
use tauri::Runtime;

/// What every command can reach.
pub struct AppState {
    /// The services, or why the store could not be opened (shown on screen instead of a crash).
    services: Result<Services, commands::CommandError>,
    home: Home,
    /// Stops the live camera scan, while one runs.
    camera_stop: std::sync::Mutex<Option<std::sync::Arc<std::sync::atomic::AtomicBool>>>,
    /// The OBD adapter the diagnostics screen is connected to.
    obd: commands::obd::ObdState,
    /// Bumped when something arrived from the Dixon cloud or the sync status moved; the window
    /// watches it to refresh without being asked.
    sync_changes: tokio::sync::watch::Sender<u64>,
    /// Ends the app the way closing its window does (set once the app runs).
    quit: std::sync::OnceLock<Box<dyn Fn() + Send + Sync>>,
}

impl AppState {
    pub fn new(home: Home, services: Result<Services, dixon_shop::Error>) -> AppState {
        AppState {
            services: services.map_err(commands::CommandError::from),
            home,
            camera_stop: Default::default(),
            obd: Default::default(),
            sync_changes: tokio::sync::watch::Sender::new(0),
            quit: std::sync::OnceLock::new(),
        }
    }

    /// Ends the app (its tasks stop, the window closes); nothing when it does not run a window.
    fn quit(&self) {
        match self.quit.get() {
            Some(quit) => quit(),
            None => tracing::warn!("asked to quit, but no window runs"),
        }
    }

    fn sync_changed(&self) {
        self.sync_changes.send_modify(|n| *n += 1);
    }

    /// Keeps this counter in sync with its shop in the background (it idles until enrolled); a
    /// Stripe event the cloud relayed makes the payment it is about be read back from Stripe, a
    /// customer's answer from the approval page becomes their authorization.
    fn start_sync(&self) {
        if let Ok(services) = &self.services {
            let (sync, changes, payments, approvals) = (
                services.sync.clone(),
                self.sync_changes.clone(),
                services.payments.clone(),
                services.approvals.clone(),
            );
            let changed = move || {
                let (payments, approvals, changes) = (payments.clone(), approvals.clone(), changes.clone());
                tauri::async_runtime::spawn(async move {
                    if let Err(e) = payments.apply_relayed().await {
                        tracing::warn!("relayed Stripe events not applied yet: {e}");
                    }
                    // a customer's answer from the approval page is recorded before the screens
                    // refresh, so they show it with the change that brought it
                    if let Err(e) = approvals.apply_relayed().await {
                        tracing::warn!("answers from the approval page not recorded yet: {e}");
                    }
                    changes.send_modify(|n| *n += 1);
                });
            };
            tauri::async_runtime::spawn(sync.run(std::sync::Arc::new(changed)));
            // texts and emails waiting (quiet hours, a restart), delivery reports, relayed replies
            tauri::async_runtime::spawn(services.messenger.clone().run(std::time::Duration::from_secs(5)));
        }
    }
}

/// Adds Dixon Counter's state and commands to a Tauri builder on any runtime: the real webview
/// (`tauri::Builder::default()`), or Tauri's mock runtime in tests (`tauri::test::mock_builder()`).
pub fn configure<R: Runtime>(builder: tauri::Builder<R>, state: AppState) -> tauri::Builder<R> {
    let commands = commands::specta_builder::<R>();
    builder.manage(state).invoke_handler(commands.invoke_handler())
}

/// Starts the desktop app: `dixon-counter [--data-dir FOLDER]`.
pub fn run() {
    let data_dir = match data_dir_argument(std::env::args().skip(1)) {
        Ok(dir) => dir,
        Err(message) => {
            eprintln!("{message}");
            std::process::exit(2);
        }
    };
    let home = match Home::resolve(data_dir.as_deref()).and_then(|home| home.ensure().map(|()| home)) {
        Ok(home) => home,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1);
        }
    };
    let _log_guard =
        dixon_home::init_logging(&home, Program::App).map_err(|e| eprintln!("{e}; logging to stderr only")).ok();
    tracing::info!(data_dir = %home.data_dir().display(), "Dixon Counter starting");

    let services = tauri::async_runtime::block_on(async {
        let services = Services::open(&home).await;
        match &services {
            Ok(services) => {
                // the demo shop fills itself the first time it opens
                if dixon_services::demo::is_demo(&home) {
                    match dixon_services::demo::seed(services, &home).await {
                        Ok(Some(seeded)) => tracing::info!("demo shop filled: {} repair orders", seeded.orders.len()),
                        Ok(None) => {}
                        Err(e) => tracing::error!("{e}"),
                    }
                }
                drop(services.start_monitoring());
                // a verified backup of the data folder every day while the app runs
                tauri::async_runtime::spawn(dixon_backup::keep_daily(home.data_dir().to_path_buf()));
                // card payments whose outcome was not known when the app last stopped
                let payments = services.payments.clone();
                tauri::async_runtime::spawn(async move {
                    match payments.resume().await {
                        Ok(resumed) if !resumed.is_empty() => {
                            tracing::info!("resumed {} card payment(s)", resumed.len())
                        }
                        Ok(_) => {}
                        Err(e) => tracing::warn!("card payments not resumed yet: {e}"),
                    }
                });
            }
            Err(e) => tracing::error!("database not available: {e}"),
        }
        services
    });
    let state = AppState::new(home, services);
    state.start_sync();
    configure(tauri::Builder::default(), state)
        .setup(|app| {
            use tauri::Manager;
            let handle = app.handle().clone();
            let _ = app.state::<AppState>().quit.set(Box::new(move || handle.exit(0)));
            Ok(())
        })
        .run(tauri::generate_context!())
        .expect("the window system failed to start Dixon Counter");
}

/// Reads `--data-dir DIR` / `--data-dir=DIR`; ignores arguments meant for the webview driver.
fn data_dir_argument(mut args: impl Iterator<Item = String>) -> Result<Option<PathBuf>, String> {
    let mut data_dir = None;
    while let Some(arg) = args.next() {
        if arg == "--data-dir" {
            let dir = args.next().ok_or("--data-dir needs a folder, e.g. --data-dir /srv/dixon")?;
            data_dir = Some(PathBuf::from(dir));
        } else if let Some(dir) = arg.strip_prefix("--data-dir=") {
            data_dir = Some(PathBuf::from(dir));
        } else if arg == "--help" || arg == "-h" {
            println!("Dixon Counter\n\nUsage: dixon-counter [--data-dir FOLDER]\n\nThe data folder defaults to $DIXON_DATA_DIR, else the OS app-data folder.");
            std::process::exit(0);
        }
    }
    Ok(data_dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_dir_argument_forms() {
        let args = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>().into_iter();
        assert_eq!(data_dir_argument(args(&["--data-dir", "/x"])).unwrap(), Some(PathBuf::from("/x")));
        assert_eq!(data_dir_argument(args(&["--data-dir=/y"])).unwrap(), Some(PathBuf::from("/y")));
        assert_eq!(data_dir_argument(args(&[])).unwrap(), None);
        assert!(data_dir_argument(args(&["--data-dir"])).is_err());
    }
}
