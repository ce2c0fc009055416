//! A serial barcode gun on a real pseudo-terminal pair (socat): scans with each terminator, line
//! noise, a cable pulled mid-scan, and the gun plugged back in.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};

use dixon_scan::{listen, Error, GunConfig, GunEvent};

/// socat joining two ptys: `gun` (what the app opens) and `host` (where the test types).
struct Cable(Child);

impl Cable {
    fn plug(dir: &Path) -> Cable {
        let (gun, host) = (dir.join("gun"), dir.join("host"));
        let _ = std::fs::remove_file(&gun);
        let _ = std::fs::remove_file(&host);
        let child = Command::new("socat")
            .arg(format!("pty,raw,echo=0,link={}", gun.display()))
            .arg(format!("pty,raw,echo=0,link={}", host.display()))
            .stderr(Stdio::null())
            .spawn()
            .expect("socat is installed (scripts/setup.sh --test)");
        let deadline = Instant::now() + Duration::from_secs(10);
        while !(gun.exists() && host.exists()) {
            assert!(Instant::now() < deadline, "socat made no ptys");
            std::thread::sleep(Duration::from_millis(20));
        }
        Cable(child)
    }

    fn pull(mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Drop for Cable {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn type_on_gun(dir: &Path, bytes: &[u8]) {
    let mut host = std::fs::OpenOptions::new().write(true).open(dir.join("host")).unwrap();
    host.write_all(bytes).unwrap();
    host.flush().unwrap();
}

fn next(events: &mpsc::Receiver<GunEvent>) -> GunEvent {
    events.recv_timeout(Duration::from_secs(10)).expect("an event within 10 s")
}

#[test]
fn a_serial_gun_scans_survives_noise_and_a_pulled_cable() {
    let dir = tempfile::tempdir().unwrap();
    let cable = Cable::plug(dir.path());
    let port: PathBuf = dir.path().join("gun");
    let stop = Arc::new(AtomicBool::new(false));
    let (sender, events) = mpsc::channel();
    let listener = {
        let (stop, config) = (
            stop.clone(),
            GunConfig { reconnect_every: Duration::from_millis(100), ..GunConfig::new(port.to_str().unwrap()) },
        );
        std::thread::spawn(move || listen(&config, &stop, |event| drop(sender.send(event))))
    };
    assert!(matches!(next(&events), GunEvent::Connected { .. }));

    type_on_gun(dir.path(), b"1HGCM82633A004352\r036000291452\nBP-1234\r\nDDD\t\x00\x07\x1bEEE\r");
    let mut got = Vec::new();
    while got.len() < 6 {
        got.push(next(&events));
    }
    assert_eq!(
        got,
        [
            GunEvent::Scan { text: "1HGCM82633A004352".into() },
            GunEvent::Scan { text: "036000291452".into() },
            GunEvent::Scan { text: "BP-1234".into() },
            GunEvent::Scan { text: "DDD".into() },
            GunEvent::Junk { bytes: 3 },
            GunEvent::Scan { text: "EEE".into() },
        ]
    );

    // the cable comes out half-way through a scan
    type_on_gun(dir.path(), b"HALF");
    std::thread::sleep(Duration::from_millis(300));
    cable.pull();
    assert_eq!(next(&events), GunEvent::Junk { bytes: 4 }, "the half scan is dropped, not sent");
    assert!(matches!(next(&events), GunEvent::Disconnected { .. }));

    // and goes back in
    let _cable = Cable::plug(dir.path());
    assert!(matches!(next(&events), GunEvent::Connected { .. }));
    type_on_gun(dir.path(), b"AFTER\r");
    assert_eq!(next(&events), GunEvent::Scan { text: "AFTER".into() });

    stop.store(true, Ordering::Relaxed);
    listener.join().unwrap().unwrap();
}

#[test]
fn a_port_that_does_not_exist_says_what_to_do() {
    let stop = AtomicBool::new(false);
    let error = listen(&GunConfig::new("/dev/ttyNOPE9"), &stop, |_| {}).unwrap_err();
    assert!(matches!(error, Error::NoSuchPort { .. }));
    assert!(error.to_string().contains("Plug the barcode gun in"), "{error}");
}

#[tokio::test]
async fn every_scan_is_logged_with_its_source_and_no_pairing_key() {
    let dir = tempfile::tempdir().unwrap();
    let store = dixon_shop::Store::open(&dir.path().join("dixon.sqlite3")).await.unwrap();
    let now = chrono::Utc::now();
    for (source, text) in [
        (dixon_scan::ScanSource::Serial, "036000291452"),
        (dixon_scan::ScanSource::Wedge, "I1HGCM82633A004352"),
        (dixon_scan::ScanSource::Camera, "DIXON-PAIR:1;kind=ble;id=Bay 3;name=OBDII;key=9876"),
        (dixon_scan::ScanSource::Typed, "???"),
    ] {
        let meaning = dixon_scan::classify(text, 2026);
        dixon_scan::record(store.pool(), source, text, &meaning, Some(1001), None, now).await.unwrap();
    }
    let logged = dixon_scan::recent(store.pool(), 10).await.unwrap();
    let kinds: Vec<(&str, &str)> = logged.iter().map(|s| (s.source.as_str(), s.meaning.as_str())).collect();
    assert_eq!(kinds, [("typed", "unknown"), ("camera", "pairing"), ("wedge", "vin"), ("serial", "product_code")]);
    assert!(!logged[1].payload.contains("9876"), "{}", logged[1].payload);
    assert_eq!(logged[2].payload, "I1HGCM82633A004352", "the payload as received");
}

#[tokio::test]
async fn a_scanned_pairing_code_remembers_the_dongle_without_its_key_in_the_database() {
    let dir = tempfile::tempdir().unwrap();
    let store = dixon_shop::Store::open(&dir.path().join("dixon.sqlite3")).await.unwrap();
    let dixon_scan::ScanMeaning::Pairing { pairing } =
        dixon_scan::classify("DIXON-PAIR:1;kind=ble;id=Bay 3;name=OBDII;addr=aa:bb:cc:dd:ee:ff", 2026)
    else {
        panic!("a pairing code");
    };
    let remembered = dixon_scan::remember(store.pool(), &pairing, chrono::Utc::now()).await.unwrap();
    assert_eq!(remembered.key_problem, None, "no key, no keychain needed");
    let again = dixon_scan::DonglePairing { name: Some("OBDII-2".into()), ..pairing };
    dixon_scan::remember(store.pool(), &again, chrono::Utc::now()).await.unwrap();
    let dongles = dixon_scan::dongles(store.pool()).await.unwrap();
    assert_eq!(dongles.len(), 1, "the same dongle id is replaced, not doubled");
    assert_eq!(dongles[0].name.as_deref(), Some("OBDII-2"));
    assert_eq!(dongles[0].address.as_deref(), Some("AA:BB:CC:DD:EE:FF"));
    assert!(!dongles[0].has_key);
}
