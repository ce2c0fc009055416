//! The vPIC client against NHTSA's own answers, recorded and replayed by a real HTTP peer on
//! 127.0.0.1 (the peer answers 404 to any request that differs from the recorded one).

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use dixon_clock::ManualClock;
use dixon_resilience::{Integrations, Policy, RetryPolicy, Source};
use dixon_test_peer::{recorded, Peer, Reply};
use dixon_vehicle::{OfflineDecoder, VehicleInfo, Vpic, OFFLINE_SOURCE};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/vpic");

struct Bench {
    _dir: tempfile::TempDir,
    store: dixon_shop::Store,
    clock: Arc<ManualClock>,
}

impl Bench {
    async fn new() -> Bench {
        let dir = tempfile::tempdir().unwrap();
        let clock = Arc::new(ManualClock::starting_now());
        let store = dixon_shop::Store::open_with_clock(&dir.path().join("db.sqlite3"), clock.clone()).await.unwrap();
        Bench { _dir: dir, store, clock }
    }

    fn vpic(&self, base_url: &str) -> Vpic {
        let hub = Integrations::new(self.store.pool().clone(), self.clock.clone());
        let policy = Policy {
            retry: RetryPolicy { base: Duration::from_millis(20), ..RetryPolicy::default() },
            ..Policy::default()
        };
        Vpic::register_with_policy(&hub, base_url, policy)
    }
}

async fn recorded_vpic() -> Peer {
    Peer::start(recorded(Path::new(FIXTURES), "https://vpic.nhtsa.dot.gov")).await
}

#[tokio::test]
async fn a_clean_decode_maps_every_field() {
    let (bench, peer) = (Bench::new().await, recorded_vpic().await);
    let vpic = bench.vpic(&peer.url("/api"));
    let answer = vpic.decode("1ftmw1t88mfa00001", None).await.unwrap();
    assert_eq!(answer.source, Source::Live);
    let info = answer.value;
    assert!(info.decoded_clean());
    assert_eq!(info.label(), "2021 FORD F-150 SuperCrew-SSV");
    assert_eq!(info.engine.as_deref(), Some("3.5 L V6 GTDI, 375 hp"));
    assert_eq!(info.body_class.as_deref(), Some("Pickup"));
    assert_eq!(info.fuel.as_deref(), Some("Gasoline"));
    assert_eq!(info.drive.as_deref(), Some("4WD/4-Wheel Drive/4x4"));
    assert_eq!(info.plant.as_deref(), Some("DEARBORN, MICHIGAN, UNITED STATES (USA)"));
    assert_eq!(info.vehicle_type.as_deref(), Some("TRUCK"), "vPIC's trailing spaces are trimmed");
    assert_eq!(info.suggested_vin, None, "empty strings are unknown");
    assert_eq!(peer.requests()[0].target, "/api/vehicles/DecodeVinValues/1FTMW1T88MFA00001?format=json");
}

#[tokio::test]
async fn the_model_year_hint_and_partial_vins_are_sent_as_vpic_expects() {
    let (bench, peer) = (Bench::new().await, recorded_vpic().await);
    let vpic = bench.vpic(&peer.url("/api"));
    let with_year = vpic.decode("1FTMW1T88MFA00001", Some(2021)).await.unwrap().value;
    assert_eq!(with_year.model_year, Some(2021));
    let partial = vpic.decode("5UXWX7C5*BA", Some(2011)).await.unwrap().value;
    assert_eq!(partial.error_codes, [6]);
    assert!(!partial.decoded_clean());
    assert!(partial.error_text.unwrap().contains("Incomplete VIN"));
    let targets: Vec<String> = peer.requests().into_iter().map(|r| r.target).collect();
    assert_eq!(
        targets,
        [
            "/api/vehicles/DecodeVinValues/1FTMW1T88MFA00001?modelyear=2021&format=json",
            "/api/vehicles/DecodeVinValues/5UXWX7C5*BA?modelyear=2011&format=json"
        ]
    );
}

#[tokio::test]
async fn a_decode_survives_a_restart_with_the_network_down() {
    let (bench, peer) = (Bench::new().await, recorded_vpic().await);
    bench.vpic(&peer.url("/api")).decode("1FTMW1T88MFA00001", None).await.unwrap();

    // Next day, after a restart, vPIC is unreachable.
    bench.clock.advance(Duration::from_secs(25 * 3600));
    let offline = bench.vpic(&dixon_test_peer::closed_port_url("/api").await);
    let answer = offline.decode("1FTMW1T88MFA00001", None).await.unwrap();
    assert!(matches!(answer.source, Source::StaleCache { .. }), "{:?}", answer.source);
    assert_eq!(answer.value.make.as_deref(), Some("FORD"));
    let never_seen = offline.clone().without_offline_decoder().decode("1HGCM82633A004352", None).await;
    assert!(never_seen.is_err(), "never seen, and no offline data: no answer");
}

#[tokio::test]
async fn an_answer_of_the_wrong_shape_is_a_clear_error_or_an_offline_answer() {
    let bench = Bench::new().await;
    let peer = Peer::start(|_, _| Reply::json(200, r#"{"Count":0,"Message":"ok","Results":[]}"#)).await;
    let vpic = bench.vpic(&peer.url("/api"));
    let err = vpic.clone().without_offline_decoder().decode("1FTMW1T88MFA00001", None).await.unwrap_err();
    assert_eq!(err.kind(), "corrupt");
    assert!(err.to_string().contains("NHTSA vPIC") && err.to_string().contains("no result"), "{err}");
    let answer = vpic.decode("1FTMW1T88MFA00001", None).await.unwrap();
    assert_eq!(answer.source, Source::Fallback { name: OFFLINE_SOURCE.into() });
}

#[tokio::test]
async fn a_batch_is_one_form_post_per_fifty_vins_in_the_order_asked() {
    let (bench, peer) = (Bench::new().await, recorded_vpic().await);
    let vpic = bench.vpic(&peer.url("/api"));
    let infos = vpic.decode_batch(&[("5UXWX7C5*BA".into(), Some(2011)), ("5YJSA3DS*EF".into(), None)]).await.unwrap();
    let makes: Vec<Option<&str>> = infos.iter().map(|i| i.make.as_deref()).collect();
    assert_eq!(makes, [Some("BMW"), Some("TESLA")]);
    let request = &peer.requests()[0];
    assert_eq!(
        (request.method.as_str(), request.target.as_str()),
        ("POST", "/api/vehicles/DecodeVINValuesBatch?format=json")
    );
    assert_eq!(request.header("content-type"), Some("application/x-www-form-urlencoded"));
    assert_eq!(String::from_utf8_lossy(&request.body), "format=json&data=5UXWX7C5*BA%2C2011%3B5YJSA3DS*EF");

    // 120 VINs: three requests of at most 50, sent concurrently.
    let many: Vec<(String, Option<i32>)> = (0..120).map(|_| ("5UXWX7C5*BA".to_string(), Some(2011))).collect();
    let counting = Peer::start(|request, _| {
        let data = String::from_utf8_lossy(&request.body).to_string();
        let n = data.matches("%3B").count() + 1;
        let result = r#"{"VIN":"5UXWX7C5*BA","Make":"BMW","ErrorCode":"6"}"#;
        Reply::json(200, format!(r#"{{"Count":{n},"Message":"ok","Results":[{}]}}"#, vec![result; n].join(",")))
    })
    .await;
    let decoded = bench.vpic(&counting.url("/api")).decode_batch(&many).await.unwrap();
    assert_eq!(decoded.len(), 120);
    let sizes: Vec<usize> =
        counting.requests().iter().map(|r| String::from_utf8_lossy(&r.body).matches("%3B").count() + 1).collect();
    let mut sorted = sizes.clone();
    sorted.sort();
    assert_eq!(sorted, [20, 50, 50]);
}

#[tokio::test]
async fn makes_and_models_for_pick_lists() {
    let (bench, peer) = (Bench::new().await, recorded_vpic().await);
    let vpic = bench.vpic(&peer.url("/api"));
    let makes = vpic.makes_for_vehicle_type("Car").await.unwrap().value;
    assert!(makes.len() > 100 && makes.iter().any(|m| m.name == "TESLA"));
    let models = vpic.models_for_make_year("TESLA", 2020).await.unwrap().value;
    let names: Vec<&str> = models.iter().map(|m| m.name.as_str()).collect();
    assert!(names.contains(&"Model 3") && names.contains(&"Model S"), "{names:?}");
    assert!(matches!(vpic.models_for_make_year("TESLA", 2020).await.unwrap().source, Source::Cache { .. }));
}

#[tokio::test]
async fn with_vpic_down_and_nothing_saved_the_offline_decoder_answers_marked_as_such() {
    let bench = Bench::new().await;
    let vpic = bench.vpic(&dixon_test_peer::closed_port_url("/api").await);
    let answer = vpic.decode("1HGCM82633A004352", Some(2003)).await.unwrap();
    assert_eq!(answer.source, Source::Fallback { name: OFFLINE_SOURCE.into() });
    let info = answer.value;
    assert_eq!(
        (info.model_year, info.make.as_deref(), info.model.as_deref()),
        (Some(2003), Some("Honda"), Some("Accord"))
    );
    assert_eq!(info.trim.as_deref(), Some("EX-V6"));
    assert_eq!(info.plant.as_deref(), Some("MARYSVILLE, OHIO, UNITED STATES (USA)"));
    assert!(vpic.decode("5UXWX7C5*BA", None).await.is_err(), "partial VINs need vPIC");
}

/// The offline decoder against vPIC's recorded answer for the same VIN, field by field. (The
/// comparison of candidate decoders, with timings, is in the note on issue 4.)
#[test]
fn the_offline_decoder_agrees_with_the_recorded_vpic_answer() {
    let recorded: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(format!("{FIXTURES}/test_decode/decode-vin.json")).unwrap())
            .unwrap();
    let vpic = &recorded["content"]["Results"][0];
    let offline = OfflineDecoder::open()
        .expect("the offline data is built with the crate")
        .decode("1FTMW1T88MFA00001", 2026)
        .unwrap();
    let same = |field: &str, ours: Option<&str>| {
        let theirs = vpic[field].as_str().unwrap().trim();
        ours.is_some_and(|o| o.eq_ignore_ascii_case(theirs))
    };
    let year = offline.model_year.map(|y| y.to_string());
    let agreeing = [
        same("ModelYear", year.as_deref()),
        same("Make", offline.make.as_deref()),
        same("Model", offline.model.as_deref()),
        same("BodyClass", offline.body_class.as_deref()),
        same("FuelTypePrimary", offline.fuel.as_deref()),
        same("DriveType", offline.drive.as_deref()),
        same("Series", offline.series.as_deref()),
        offline.engine.as_deref() == Some("3.5 L V6 GTDI, 375 hp"),
        offline.plant.as_deref() == Some("DEARBORN, MICHIGAN, UNITED STATES (USA)"),
    ];
    assert!(agreeing.iter().all(|a| *a), "field agreement: {agreeing:?} for {offline:?}");
    // the same facts as fields, for scripts and the cloud
    assert_eq!(offline.displacement_l, Some(3.5));
    assert_eq!(offline.cylinders, Some(6));
    assert_eq!(offline.horsepower, Some(375.0));
    assert_eq!(offline.engine_configuration.as_deref(), Some("V-Shaped"));
    assert_eq!(offline.engine_model.as_deref(), Some("GTDI"));
    assert_eq!(
        (offline.plant_city.as_deref(), offline.plant_state.as_deref(), offline.plant_country.as_deref()),
        (Some("DEARBORN"), Some("MICHIGAN"), Some("UNITED STATES (USA)"))
    );
    assert!(!offline.partial);
    assert_eq!(offline.trim, None, "known gap: vPIC's trim for this VIN (SuperCrew-SSV) is only in a note offline");
}

/// A VIN the offline tables don't know still says who made it, when and where (issue 12): a
/// 2008 Harley-Davidson and a 2000 Freightliner FL60.
#[test]
fn a_vin_the_offline_tables_lack_gives_what_the_vin_itself_says() {
    let decoder = OfflineDecoder::open().expect("offline data");
    let harley = decoder.decode("1HD1GP4558K319097", 2026).expect("the WMI table knows 1HD");
    assert!(harley.partial);
    assert_eq!(
        (harley.make.as_deref(), harley.model_year, harley.vehicle_type.as_deref()),
        (Some("Harley-Davidson"), Some(2008), Some("Motorcycle"))
    );
    assert_eq!(harley.plant_country.as_deref(), Some("UNITED STATES (USA)"));
    assert_eq!(harley.model, None, "nothing guessed past what the VIN says");
    let freightliner = decoder.decode("1FV3GFBC0YHA74039", 2026).expect("a decode");
    assert_eq!((freightliner.make.as_deref(), freightliner.model_year), (Some("Freightliner"), Some(2000)));
}

/// The measurement behind the offline targets of issue 4: for every recorded clean vPIC decode,
/// do make, model and year agree (target ≥ 95 %), and do the main fields vPIC filled in agree
/// (target ≥ 85 %)? Prints the table; `cargo test -p dixon-vehicle --test vpic agreement -- --nocapture`.
#[test]
fn offline_agreement_with_recorded_vpic_decodes() {
    const FIELDS: [&str; 12] = [
        "Make",
        "Model",
        "ModelYear",
        "Series",
        "Trim",
        "BodyClass",
        "DisplacementL",
        "EngineCylinders",
        "FuelTypePrimary",
        "DriveType",
        "PlantCountry",
        "Manufacturer",
    ];
    let mut recorded: Vec<serde_json::Value> = Vec::new();
    let f150: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(format!("{FIXTURES}/test_decode/decode-vin.json")).unwrap())
            .unwrap();
    recorded.push(f150["content"]["Results"][0].clone());
    for entry in std::fs::read_dir(format!("{FIXTURES}/quoted")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "json") {
            recorded.push(serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap());
        }
    }
    let decoder = OfflineDecoder::open().expect("offline data");
    let (mut core, mut core_total, mut main, mut main_total) = (0, 0, 0, 0);
    for vpic in recorded.iter().filter(|r| r["ErrorCode"] == "0") {
        let vin = vpic["VIN"].as_str().unwrap();
        let ours = decoder.decode_fields(vin).expect("a known maker");
        let mut misses = Vec::new();
        for field in FIELDS {
            let theirs = vpic[field].as_str().unwrap_or("").trim();
            if theirs.is_empty() {
                continue; // vPIC has no value: nothing to agree with
            }
            let mine = ours.get(field).map(String::as_str).unwrap_or("");
            let agree = match (theirs.parse::<f64>(), mine.parse::<f64>()) {
                (Ok(a), Ok(b)) => (a - b).abs() < 0.05,
                _ => theirs.eq_ignore_ascii_case(mine),
            };
            main_total += 1;
            main += agree as u32;
            if ["Make", "Model", "ModelYear"].contains(&field) {
                core_total += 1;
                core += agree as u32;
            }
            if !agree {
                misses.push(format!("{field}: vPIC '{theirs}', offline '{mine}'"));
            }
        }
        eprintln!("{vin}: {}", if misses.is_empty() { "all fields agree".to_string() } else { misses.join("; ") });
    }
    let pct = |a: u32, b: u32| 100.0 * a as f64 / b as f64;
    eprintln!(
        "make/model/year: {core}/{core_total} = {:.1} %; main fields: {main}/{main_total} = {:.1} %",
        pct(core, core_total),
        pct(main, main_total)
    );
    assert!(pct(core, core_total) >= 95.0);
    assert!(pct(main, main_total) >= 85.0);
}

/// The offline decoder on 73 real VINs (cars, light and heavy trucks, imports, a motorcycle) with
/// their make, model and year as established by python-libvin's authors (see
/// fixtures/known_vins/SOURCE.txt): the table is printed, and make and year must agree on at
/// least 95 %, the model on at least 90 % of the VINs whose model is known.
/// `cargo test -p dixon-vehicle --test vpic known_vins -- --nocapture`
#[test]
fn offline_decoder_on_known_vins() {
    let text =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/known_vins/known_vins.tsv"))
            .unwrap();
    let decoder = OfflineDecoder::open().expect("offline data");
    let simple = |s: &str| s.chars().filter(|c| c.is_ascii_alphanumeric()).collect::<String>().to_lowercase();
    let (mut makes, mut years, mut models, mut with_model, mut total) = (0, 0, 0, 0, 0);
    eprintln!("{:<17}  {:<32}  {:<40}  agree", "VIN", "known", "offline decoder");
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        let [vin, make, model, year, _kind] = line.split('\t').collect::<Vec<_>>()[..] else { panic!("{line}") };
        let ours = decoder.decode(vin, 2026);
        let got = |f: fn(&VehicleInfo) -> Option<String>| ours.as_ref().and_then(f).unwrap_or_default();
        let (our_make, our_model) = (got(|v| v.make.clone()), got(|v| v.model.clone()));
        let our_year = ours.as_ref().and_then(|v| v.model_year).map(|y| y.to_string()).unwrap_or_default();
        let make_ok = simple(&our_make) == simple(make);
        let year_ok = our_year == year;
        let model_ok = !model.is_empty()
            && !our_model.is_empty()
            && (simple(&our_model).contains(&simple(model)) || simple(model).contains(&simple(&our_model)));
        total += 1;
        makes += make_ok as u32;
        years += year_ok as u32;
        if !model.is_empty() {
            with_model += 1;
            models += model_ok as u32;
        }
        let marks: String = [(make_ok, 'M'), (model_ok || model.is_empty(), 'm'), (year_ok, 'y')]
            .iter()
            .map(|(ok, c)| if *ok { *c } else { '·' })
            .collect();
        let partial = if ours.as_ref().is_some_and(|v| v.partial) { " (partial)" } else { "" };
        eprintln!(
            "{vin}  {:<32}  {:<40}  {marks}",
            format!("{year} {make} {model}"),
            format!("{our_year} {our_make} {our_model}{partial}")
        );
    }
    let pct = |a: u32, b: u32| 100.0 * a as f64 / b as f64;
    eprintln!(
        "make {makes}/{total} = {:.1} %, year {years}/{total} = {:.1} %, model {models}/{with_model} = {:.1} %",
        pct(makes, total),
        pct(years, total),
        pct(models, with_model)
    );
    assert!(pct(makes, total) >= 95.0 && pct(years, total) >= 95.0, "make or year below 95 %");
    assert!(pct(models, with_model) >= 90.0, "model below 90 %");
}
