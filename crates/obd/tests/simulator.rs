//! The whole engine against the built-in simulator: connecting, every service, clearing codes,
//! live data with multi-PID requests and the count digit, and a car with the ignition off.

use std::sync::atomic::AtomicBool;

use dixon_obd::{
    watch, AdapterAddress, CodeKind, ConnectStep, Error, Protocol, Session, SimConfig, SimScenario, WatchEvent, Watched,
};

async fn connect(scenario: SimScenario) -> Result<Session, Error> {
    Session::connect(AdapterAddress::Simulator(SimConfig::instant(scenario)), |_| {}).await
}

#[tokio::test]
async fn a_full_scan_of_the_shop_demo_car() {
    let mut steps = Vec::new();
    let mut session =
        Session::connect(AdapterAddress::Simulator(SimConfig::instant(SimScenario::ShopDemo)), |s| steps.push(s))
            .await
            .unwrap();
    assert!(matches!(steps.first(), Some(ConnectStep::Opening { .. })));
    assert!(matches!(steps.last(), Some(ConnectStep::Connected { protocol }) if protocol.contains("11 bit")));
    assert_eq!(session.protocol(), Protocol::Can11Bit500);
    assert_eq!(session.speedups(), (true, true), "the simulator supports multi-PID and the count digit");
    assert!(session.supported_pids().contains(&0xA6), "bitmaps past 0x20 are followed");
    assert_eq!(session.identity().chip, "ELM327 v1.5");
    assert_eq!(session.identity().battery_volts, Some(14.1));

    let snapshot = session.snapshot().await.unwrap();
    assert_eq!(snapshot.vin.as_deref(), Some("1HGCM82633A004352"));
    let codes: Vec<(String, CodeKind, &str)> =
        snapshot.codes.iter().map(|c| (c.code.clone(), c.kind, c.ecu.as_str())).collect();
    assert_eq!(
        codes,
        [
            ("P0301".into(), CodeKind::Stored, "Engine (7E8)"),
            ("P0420".into(), CodeKind::Stored, "Engine (7E8)"),
            ("P0715".into(), CodeKind::Stored, "Transmission (7E9)"),
            ("P0171".into(), CodeKind::Pending, "Engine (7E8)"),
            ("P0420".into(), CodeKind::Permanent, "Engine (7E8)"),
        ]
    );
    assert_eq!(snapshot.codes[0].description, "Cylinder 1 misfire detected");
    let freeze = snapshot.freeze_frame.as_ref().expect("a freeze frame");
    assert_eq!(freeze.code, "P0301");
    let rpm = freeze.readings.iter().find(|r| r.pid == 0x0C).unwrap();
    assert_eq!((rpm.value, rpm.unit), (2150.0, "rpm"));
    assert_eq!(freeze.readings.len(), 9);
    let readiness = snapshot.readiness.as_ref().unwrap();
    assert!(readiness.mil_on);
    assert_eq!(readiness.dtc_count, 2);
    let catalyst = readiness.monitors.iter().find(|m| m.name == "Catalyst").unwrap();
    assert!(catalyst.available && !catalyst.complete);
    assert_eq!(snapshot.odometer_km, Some(123_456.7));
    assert_eq!(snapshot.ecus.len(), 2);
    assert_eq!(snapshot.ecus[0].name.as_deref(), Some("ECM-EngineControl"));
    assert_eq!(snapshot.ecus[0].calibration_ids, ["37805-RCA-A530"]);
    assert_eq!(snapshot.ecus[0].cvns, ["1F2A449C"]);
    assert!(snapshot.warnings.is_empty(), "{:?}", snapshot.warnings);
    let json = serde_json::to_value(&snapshot).unwrap();
    assert_eq!(json["adapter"]["chip"], "ELM327 v1.5");
}

#[tokio::test]
async fn codes_are_cleared_only_after_typed_confirmation() {
    let mut session = connect(SimScenario::ShopDemo).await.unwrap();
    for refused in ["", "yes", "clear it"] {
        assert_eq!(session.clear_codes(refused).await, Err(Error::ConfirmationRequired));
    }
    assert_eq!(session.codes(CodeKind::Stored).await.unwrap().len(), 3, "nothing was cleared");
    session.clear_codes("clear").await.unwrap();
    assert!(session.codes(CodeKind::Stored).await.unwrap().is_empty());
    assert!(session.codes(CodeKind::Pending).await.unwrap().is_empty());
    assert_eq!(session.codes(CodeKind::Permanent).await.unwrap().len(), 1, "permanent codes stay");
    assert_eq!(session.freeze_frame().await.unwrap(), None);
    let readiness = session.readiness().await.unwrap();
    assert!(!readiness.mil_on);
    assert!(readiness.monitors.iter().filter(|m| m.name != "Misfire").any(|m| !m.complete));
}

#[tokio::test]
async fn twenty_nine_bit_can_and_a_healthy_car() {
    let mut session = connect(SimScenario::Can29Bit).await.unwrap();
    assert_eq!(session.protocol(), Protocol::Can29Bit500);
    let codes = session.codes(CodeKind::Stored).await.unwrap();
    assert_eq!(
        codes.iter().map(|c| c.ecu.as_str()).collect::<Vec<_>>(),
        ["Engine (18DAF110)", "Engine (18DAF110)", "Transmission (18DAF118)"]
    );
    assert_eq!(session.vin().await.unwrap(), "1HGCM82633A004352");

    let mut healthy = connect(SimScenario::Healthy).await.unwrap();
    let snapshot = healthy.snapshot().await.unwrap();
    assert!(snapshot.codes.is_empty());
    assert_eq!(snapshot.freeze_frame, None);
    assert!(snapshot.readiness.unwrap().monitors.iter().all(|m| m.complete));
}

#[tokio::test]
async fn ignition_off_is_a_clear_error() {
    let error = connect(SimScenario::IgnitionOff).await.err().unwrap();
    assert_eq!(error, Error::UnableToConnect);
    assert!(error.to_string().contains("Turn the ignition on"), "{error}");
}

#[tokio::test]
async fn live_data_packs_six_pids_per_request() {
    let mut session = connect(SimScenario::ShopDemo).await.unwrap();
    let readings = session.read(&[0x0C, 0x0D, 0x05, 0x04, 0x11, 0x0F, 0x0B]).await.unwrap();
    assert_eq!(readings.len(), 7);
    let rpm = readings.iter().find(|r| r.pid == 0x0C).unwrap();
    assert!((600.0..=900.0).contains(&rpm.value), "{rpm:?}");
    // unsupported PIDs are left out, not made up
    assert!(session.read(&[0x5E]).await.unwrap().is_empty());

    let stop = AtomicBool::new(false);
    let mut events = Vec::new();
    let watched: Vec<Watched> = [0x0C, 0x0D, 0x05, 0x04, 0x11, 0x0F].map(|pid| Watched { pid, hz: None }).to_vec();
    let stats = watch(&mut session, &watched, &stop, Some(20), |e| events.push(e)).await.unwrap();
    assert_eq!(stats.requests, 20);
    assert_eq!(stats.values, 120, "six values from every request");
    assert!(events.iter().all(|e| matches!(e, WatchEvent::Readings { readings, .. } if readings.len() == 6)));
}

#[tokio::test(start_paused = true)]
async fn per_pid_rates_are_kept() {
    // with a paused clock the simulator's wire time and the scheduler's sleeps are exact
    let config = SimConfig { scenario: SimScenario::ShopDemo, baud: 38400, ecu_latency_ms: 10 };
    let mut session = Session::connect(AdapterAddress::Simulator(config), |_| {}).await.unwrap();
    let stop = AtomicBool::new(false);
    let mut counts = std::collections::HashMap::<u8, u32>::new();
    let watched = [Watched::at(0x0C, 10.0), Watched::at(0x05, 1.0)];
    let started = tokio::time::Instant::now();
    watch(&mut session, &watched, &stop, Some(40), |e| {
        if let WatchEvent::Readings { readings, .. } = e {
            for r in readings {
                *counts.entry(r.pid).or_default() += 1;
            }
        }
    })
    .await
    .unwrap();
    let seconds = started.elapsed().as_secs_f64();
    let rpm_rate = counts[&0x0C] as f64 / seconds;
    let coolant_rate = counts[&0x05] as f64 / seconds;
    assert!((9.0..=11.0).contains(&rpm_rate), "rpm at {rpm_rate:.1} Hz");
    assert!((0.7..=1.4).contains(&coolant_rate), "coolant at {coolant_rate:.2} Hz");
}
