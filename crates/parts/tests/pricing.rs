//! Parts pricing end to end: the CSV import, and the strategy with PartsTech played by a real
//! HTTP peer on 127.0.0.1 answering well, slowly, wrongly or not at all (the eight fault
//! scenarios), with the local catalog and the estimator behind it.

use std::sync::Arc;
use std::time::{Duration, Instant};

use dixon_clock::SystemClock;
use dixon_parts::{
    Availability, LocalCatalog, MarkupMatrix, PartQuery, PartSearch, PartsPricing, PartsTech, PartsTechCredentials,
    Tier,
};
use dixon_resilience::{Integrations, Outcome, Policy, RetryPolicy};
use dixon_shop::{Cents, Store};
use dixon_test_peer::{closed_port_url, Peer, Reply, Request};

const VIN: &str = "1HGCM82633A004352";

const CATALOG_CSV: &str = "\
part_number,brand,upc,description,category,cost,list,quantity
D1234,Wagner,012345678905,Front brake pads ceramic,Brake pads,31.50,59.99,4
D1234-X,Wagner,,Front brake pads economy,Brake pads,18.00,,0
R500,Brembo,,Front brake rotor,Brake rotors,42.00,79.99,2
OF-77,Fram,,Oil filter,Filters,3.10,8.99,25
";

struct Shop {
    _dir: tempfile::TempDir,
    store: Store,
    hub: Arc<Integrations>,
}

impl Shop {
    async fn new() -> Shop {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("dixon.sqlite3")).await.unwrap();
        let hub = Integrations::new(store.pool().clone(), Arc::new(SystemClock));
        Shop { _dir: dir, store, hub }
    }

    fn catalog(&self) -> LocalCatalog {
        LocalCatalog::new(self.store.pool().clone(), Arc::new(SystemClock))
    }

    async fn pricing(&self, partstech_url: Option<&str>) -> PartsPricing {
        let catalog = self.catalog();
        catalog.import_csv(CATALOG_CSV.as_bytes()).await.unwrap();
        let partstech = partstech_url.map(|url| {
            let policy = Policy {
                timeout: Duration::from_millis(400),
                retry: RetryPolicy {
                    base: Duration::from_millis(30),
                    cap: Duration::from_millis(100),
                    max_retry_after: Duration::from_secs(2),
                    ..RetryPolicy::default()
                },
                cost_per_request_microusd: 2_000,
                ..Policy::default()
            };
            PartsTech::register_with_policy(&self.hub, url, credentials(&[1]), policy)
        });
        PartsPricing::new(catalog, partstech, self.store.pool().clone())
    }

    async fn partstech_events(&self) -> Vec<dixon_resilience::Event> {
        self.hub.monitor().events(Some("partstech"), None, 1000).await.unwrap()
    }
}

fn credentials(stores: &[i64]) -> PartsTechCredentials {
    PartsTechCredentials {
        partner_id: "dixon".into(),
        partner_key: "partner-key-S3CRET".into(),
        user_id: "shop-42".into(),
        user_key: "user-key-S3CRET".into(),
        store_ids: stores.to_vec(),
    }
}

const TOKEN: &str = r#"{"tokenType":"bearer","accessToken":"jwt-1","expiresIn":3600,"partner":"dixon"}"#;

fn quote_body(cost: f64, part_number: &str) -> String {
    format!(
        r#"{{"parts":[{{"status":"IN_STOCK","quantity":6,"partNumber":"{part_number}","partName":"Ceramic brake pads",
            "brand":{{"brandID":"BBHK","brandName":"Bosch"}},"supplier":{{"id":1,"name":"AutoZone","allowStoreSelect":true,"availabilitySelect":false}},
            "store":{{"id":1,"name":"5254 - Waltham, MA"}},"lineCardId":1,
            "price":{{"cost":{cost},"list":64.99,"core":0,"fet":null}}}}],"filters":[]}}"#
    )
}

/// PartsTech as a peer: tokens always; quotes as `quote` says (told how many quotes came before).
async fn partstech(quote: impl Fn(&Request, usize) -> Reply + Send + Sync + 'static) -> Peer {
    let quotes = std::sync::atomic::AtomicUsize::new(0);
    Peer::start(move |request, _| match request.path.as_str() {
        "/oauth/access" => Reply::json(200, TOKEN),
        "/catalog/quote" => quote(request, quotes.fetch_add(1, std::sync::atomic::Ordering::SeqCst)),
        _ => Reply::json(404, "{}"),
    })
    .await
}

fn pads() -> PartQuery {
    PartQuery::keyword("front brake pads", Some(VIN))
}

#[tokio::test]
async fn csv_import_keeps_good_rows_and_reports_bad_ones_by_line() {
    let shop = Shop::new().await;
    let catalog = shop.catalog();
    let csv = "Part Number;Brand;UPC;Description;Category;Cost;List;Qty\n\
               A1;ACME;;Wiper blade 22in;Wipers;4.00;9.99;10\n\
               ;ACME;;No number;Wipers;1.00;;1\n\
               A3;ACME;;Bad cost;Wipers;four;;1\n\
               A4;ACME;12345;Bad UPC;Wipers;1.00;;1\n\
               A5;ACME;;;Wipers;1.00;;1\n\
               A6;ACME;;Negative;Wipers;-1.00;;1\n\
               \n\
               A7;ACME;036000291452;Wiper blade 24in;Wipers;4.50;;3\n";
    let report = catalog.import_csv(csv.as_bytes()).await.unwrap();
    assert_eq!((report.added, report.updated), (2, 0));
    let lines: Vec<u64> = report.problems.iter().map(|p| p.line).collect();
    assert_eq!(lines, [3, 4, 5, 6, 7], "{:?}", report.problems);
    assert!(report.problems[1].message.contains("'four'"), "{}", report.problems[1].message);
    assert!(report.problems[2].message.contains("UPC"));

    // importing again updates instead of duplicating
    let again =
        catalog.import_csv("part_number,description,cost,brand\nA1,Wiper blade 22 in,4.25,ACME\n".as_bytes()).await;
    assert_eq!(again.unwrap().updated, 1);
    let found = catalog.search(&PartSearch::PartNumber("a-1".into())).await.unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].cost, Cents(425));
    let by_upc = catalog.search(&PartSearch::Upc("036000291452".into())).await.unwrap();
    assert_eq!(by_upc[0].part_number, "A7");

    // a European export: semicolons and decimal commas
    let european = "SKU;Description;Cost;MSRP\nE1;Oil filter;3,10;8,99\nE2;Air filter;1.450,00;\n";
    let report = catalog.import_csv(european.as_bytes()).await.unwrap();
    assert_eq!(report.added, 1);
    assert_eq!(report.problems[0].line, 3, "1.450,00 is refused, not guessed");
    assert_eq!(catalog.search(&PartSearch::PartNumber("E1".into())).await.unwrap()[0].cost, Cents(310));

    for (bad, why) in [
        (&b"\xff\xfe\x00garbage"[..], "not text"),
        (&b"sku,name\nA1,thing\n"[..], "no cost column"),
        (&b""[..], "no part_number"),
    ] {
        let error = catalog.import_csv(bad).await.unwrap_err().to_string();
        assert!(error.contains(why), "{error}");
    }
}

#[tokio::test]
async fn scenario_1_happy_path_compares_partstech_with_the_shelf_and_records_cost() {
    let shop = Shop::new().await;
    let peer = partstech(|_, _| Reply::json(200, quote_body(28.0, "BC905"))).await;
    let pricing = shop.pricing(Some(&peer.url(""))).await;
    let priced = pricing.price(&pads(), Tier::Budget).await.unwrap();
    assert!(priced.failures.is_empty(), "{:?}", priced.failures);
    assert!(!priced.estimated);
    let best = priced.best.unwrap();
    assert_eq!(best.provider, "partstech", "$28.00 at AutoZone beats $31.50 on the shelf");
    assert_eq!(best.cost, Cents(2_800));
    assert_eq!(best.price, Cents(4_620), "$28 × 1.65 by the default matrix");
    assert_eq!(best.supplier, "AutoZone · 5254 - Waltham, MA");
    assert!(priced.offers.iter().any(|o| o.provider == "catalog"), "the shelf's offer is listed too");
    let sent = &peer.requests()[1];
    assert_eq!(sent.header("authorization"), Some("Bearer jwt-1"));
    let body: serde_json::Value = serde_json::from_slice(&sent.body).unwrap();
    assert_eq!(body["searchParams"]["vin"], VIN);
    assert_eq!(body["storeId"], 1);
    let events = shop.partstech_events().await;
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].cost_microusd, 2_000, "each request's cost is recorded");

    // Standard and premium pick from the same answers, from the cache: no new request
    let premium = pricing.price(&pads(), Tier::Premium).await.unwrap();
    assert_eq!(premium.best.unwrap().provider, "catalog", "$31.50 is the dearer offer");
    assert_eq!(peer.hits("/catalog/quote"), 1, "the 1 h cache answered");
}

#[tokio::test]
async fn scenario_2_slow_partstech_times_out_and_the_shelf_answers() {
    let shop = Shop::new().await;
    let peer =
        partstech(|_, _| Reply::Delayed(Duration::from_secs(3), Box::new(Reply::json(200, quote_body(1.0, "X")))))
            .await;
    let pricing = shop.pricing(Some(&peer.url(""))).await;
    let priced = pricing.price(&pads(), Tier::Standard).await.unwrap();
    assert_eq!(priced.best.as_ref().unwrap().provider, "catalog");
    assert_eq!(priced.failures[0].provider, "partstech");
    assert!(priced.failures[0].message.contains("did not answer"), "{}", priced.failures[0].message);
}

#[tokio::test]
async fn scenario_3_partstech_down_falls_back_to_the_next_provider() {
    let shop = Shop::new().await;
    let pricing = shop.pricing(Some(&closed_port_url("").await)).await;
    let priced = pricing.price(&pads(), Tier::Standard).await.unwrap();
    assert_eq!(priced.best.unwrap().part_number, "D1234");
    assert_eq!(priced.failures.len(), 1);
    assert!(!priced.estimated);
}

#[tokio::test]
async fn scenario_4_partial_failure_one_store_fails_the_other_answers() {
    let shop = Shop::new().await;
    let peer = partstech(|request, _| {
        let body: serde_json::Value = serde_json::from_slice(&request.body).unwrap();
        if body["storeId"] == 2 {
            Reply::json(503, "{}")
        } else {
            Reply::json(200, quote_body(25.0, "BC905"))
        }
    })
    .await;
    let catalog = shop.catalog();
    catalog.import_csv(CATALOG_CSV.as_bytes()).await.unwrap();
    let partstech = PartsTech::register_with_policy(
        &shop.hub,
        &peer.url(""),
        credentials(&[1, 2]),
        Policy { retry: RetryPolicy { max_retries: 0, ..RetryPolicy::default() }, ..Policy::default() },
    );
    let offers = partstech.quote(&pads()).await.unwrap();
    assert_eq!(offers.len(), 1, "store 1 answered while store 2 failed");
}

#[tokio::test]
async fn scenario_5_flaky_network_and_429_are_retried_until_partstech_answers() {
    let shop = Shop::new().await;
    let peer = partstech(|_, hit| match hit {
        0 => Reply::Reset,
        1 => Reply::json(429, r#"{"error":{"code":"TooManyRequests","message":"slow down"}}"#)
            .with_header("Retry-After", "1"),
        _ => Reply::json(200, quote_body(20.0, "BC905")),
    })
    .await;
    let pricing = shop.pricing(Some(&peer.url(""))).await;
    let priced = pricing.price(&pads(), Tier::Budget).await.unwrap();
    assert_eq!(priced.best.unwrap().provider, "partstech");
    assert_eq!(peer.hits("/catalog/quote"), 3);
    assert_eq!(shop.partstech_events().await[0].retries, 2);
}

#[tokio::test]
async fn scenario_6_a_refused_token_is_renewed_once_then_auth_failures_fall_back() {
    let shop = Shop::new().await;
    // the first quote's token is refused once; a new token works
    let peer =
        partstech(|_, hit| if hit == 0 { Reply::json(401, "{}") } else { Reply::json(200, quote_body(20.0, "B")) })
            .await;
    let pricing = shop.pricing(Some(&peer.url(""))).await;
    assert_eq!(pricing.price(&pads(), Tier::Budget).await.unwrap().best.unwrap().provider, "partstech");
    assert_eq!(peer.hits("/oauth/access"), 2, "one renewal after the 401");

    let shop = Shop::new().await;
    let peer = partstech(|_, _| Reply::json(401, r#"{"error":{"code":"InvalidToken","message":"no"}}"#)).await;
    let pricing = shop.pricing(Some(&peer.url(""))).await;
    let priced = pricing.price(&pads(), Tier::Budget).await.unwrap();
    assert_eq!(priced.best.unwrap().provider, "catalog");
    assert_eq!(peer.hits("/catalog/quote"), 2, "never retried past one renewal");
    let message = &priced.failures[0].message;
    assert!(!message.contains("S3CRET"), "{message}");
}

#[tokio::test]
async fn scenario_7_a_corrupt_answer_is_an_error_not_a_price() {
    let shop = Shop::new().await;
    let peer = partstech(|_, _| Reply::json(200, r#"{"parts":[{"status":"IN_ST"#)).await;
    let pricing = shop.pricing(Some(&peer.url(""))).await;
    let priced = pricing.price(&pads(), Tier::Budget).await.unwrap();
    assert_eq!(priced.best.unwrap().provider, "catalog");
    assert!(
        priced.failures[0].message.contains("garbled") || priced.failures[0].message.contains("invalid"),
        "{:?}",
        priced.failures
    );
    let events = shop.partstech_events().await;
    assert_eq!(events[0].outcome, Outcome::Error);
}

#[tokio::test]
async fn scenario_8_everything_down_gives_an_estimate_marked_as_such() {
    let shop = Shop::new().await;
    let pricing = shop.pricing(Some(&closed_port_url("").await)).await;
    // nobody carries "brake caliper"; the estimator prices it from the brake category
    let priced = pricing.price(&PartQuery::keyword("brake caliper", Some(VIN)), Tier::Standard).await.unwrap();
    assert!(priced.estimated);
    let best = priced.best.unwrap();
    assert!(best.is_estimate);
    assert_eq!(best.provider, "estimator");
    assert_eq!(best.availability, Availability::Unknown);
    let line = best.to_line(1_000, true);
    assert!(line.description.contains("estimated price"), "{}", line.description);
    // nothing at all to go on: no price, said plainly
    let nothing = pricing.price(&PartQuery::keyword("flux capacitor", Some(VIN)), Tier::Standard).await.unwrap();
    assert!(nothing.best.is_none());
}

#[tokio::test]
async fn twenty_parts_cost_one_round_trip_and_one_token() {
    let shop = Shop::new().await;
    let peer = partstech(|request, _| {
        let body: serde_json::Value = serde_json::from_slice(&request.body).unwrap();
        let keyword = body["searchParams"]["keyword"].as_str().unwrap_or("x").to_string();
        Reply::Delayed(Duration::from_millis(200), Box::new(Reply::json(200, quote_body(10.0, &keyword))))
    })
    .await;
    let pricing = shop.pricing(Some(&peer.url(""))).await;
    let queries: Vec<PartQuery> = (0..20).map(|i| PartQuery::keyword(&format!("part {i}"), Some(VIN))).collect();
    let started = Instant::now();
    let priced = pricing.price_all(&queries, Tier::Standard).await.unwrap();
    let took = started.elapsed();
    assert_eq!(priced.len(), 20);
    for (i, part) in priced.iter().enumerate() {
        assert_eq!(part.best.as_ref().unwrap().part_number, format!("part {i}"), "answers in the order asked");
    }
    assert_eq!(peer.hits("/oauth/access"), 1, "one token for all twenty");
    // generous bound for a busy CI machine; the bench measures the real figure
    assert!(took < Duration::from_millis(2_000), "20 parts took {took:?}");
}

#[tokio::test]
async fn the_shops_markup_matrix_is_saved_and_used() {
    let shop = Shop::new().await;
    let pricing = shop.pricing(None).await;
    MarkupMatrix::parse("50:2,*:1.5").unwrap().save(shop.store.pool(), "2026-11-25T00:00:00Z").await.unwrap();
    let oil = pricing.price(&PartQuery::keyword("oil filter", None), Tier::Budget).await.unwrap();
    assert_eq!(oil.best.unwrap().price, Cents(620), "$3.10 × 2 (list $8.99 is higher)");
    assert_eq!(MarkupMatrix::load(shop.store.pool()).await.unwrap().bands.len(), 2);
}
