//! The customer's approval end to end, without a browser: a real PostgreSQL, the real cloud
//! server on 127.0.0.1, a counter with its own SQLite data folder enrolled through the real
//! keychain. The counter publishes an order with a marked photo on a red inspection item; the
//! page is read and its form posted the way a phone without JavaScript does it; the answer
//! comes back through the feed and is recorded as an online authorization. Then the ways it must
//! not work: expired, replaced, unknown and guessed tokens, another shop's link, a photo not on
//! the page, a double submit, a tampered answer — and a supplementary authorization.

#[path = "../../sync/tests/support/mod.rs"]
mod cloud;

use std::collections::BTreeMap;
use std::sync::Arc;

use dixon_approval::Approvals;
use dixon_home::Home;
use dixon_photos::{Mark, Photos, Point, Source};
use dixon_resilience::Integrations;
use dixon_shop::{
    AuthorizationKind, AuthorizationMethod, Cents, ContactMethod, LineKind, NewCustomer, NewLine, NewRepairOrder,
    NewVehicle, Rate, Status, Store, SystemClock,
};
use dixon_sync::SyncClient;

struct Counter {
    store: Store,
    sync: SyncClient,
    photos: Photos,
    inspections: dixon_inspection::Inspections,
    approvals: Approvals,
    _dir: tempfile::TempDir,
}

async fn counter(cloud_url: &str, code: &str, shop_name: &str) -> Counter {
    let dir = tempfile::tempdir().unwrap();
    let home = Home::resolve(Some(dir.path())).unwrap();
    home.ensure().unwrap();
    let clock = Arc::new(SystemClock);
    let store = Store::open_with_clock(&home.database_path(), clock.clone()).await.unwrap();
    let mut settings = store.settings().await.unwrap();
    settings.name = shop_name.into();
    settings.phone = "+15595550123".into();
    settings.address_line1 = "12 Main St".into();
    settings.city = "Fresno".into();
    settings.state = "CA".into();
    settings.postal_code = "93721".into();
    settings.parts_tax_rate = Rate(79_750);
    store.save_settings(&settings).await.unwrap();
    let integrations = Integrations::new(store.pool().clone(), clock.clone());
    let sync = SyncClient::register(store.pool().clone(), &integrations)
        .await
        .keep_secrets_in(dixon_secrets::Keychain::of(&home));
    sync.enroll(cloud_url, code, "Front counter").await.unwrap();
    let photos = Photos::new(store.clone(), home.data_dir(), clock.clone());
    let inspections = dixon_inspection::Inspections::new(store.clone());
    let approvals = Approvals::new(store.clone(), photos.clone(), inspections.clone(), sync.clone(), clock);
    Counter { store, sync, photos, inspections, approvals, _dir: dir }
}

fn line(description: &str, kind: LineKind, price: i64) -> NewLine {
    NewLine {
        kind,
        description: description.into(),
        quantity_milli: 1_000,
        unit_price: Cents(price),
        taxable: kind == LineKind::Part,
        part: None,
        technician: None,
    }
}

/// A photo-like JPEG (smooth shading and grain).
fn photo_jpeg() -> Vec<u8> {
    let picture = image::RgbImage::from_fn(2400, 1800, |x, y| {
        let grain = ((x * 7919 + y * 104_729) % 37) as u8;
        image::Rgb([(x / 10) as u8 ^ grain, (y / 8) as u8, ((x + y) % 256) as u8 / 2 + grain])
    });
    let mut out = std::io::Cursor::new(Vec::new());
    picture.write_to(&mut out, image::ImageFormat::Jpeg).unwrap();
    out.into_inner()
}

/// A repair order with pads and wipers on the estimate, front brakes red with a marked photo.
async fn order_with_a_red_finding(counter: &Counter) -> i64 {
    let order = NewRepairOrder {
        customer: NewCustomer {
            name: "Pat Lee".into(),
            phone: "(559) 234-5678".into(),
            preferred_contact: ContactMethod::Text,
            sms_consent: true,
            ..NewCustomer::default()
        },
        vehicle: NewVehicle { year: Some(2019), make: "Honda".into(), model: "Civic".into(), ..NewVehicle::default() },
        concern: "Squeal when braking".into(),
    };
    let number = counter.store.create_repair_order(&order).await.unwrap().number;
    let readings = BTreeMap::from([("pads_mm".to_string(), 2.0)]);
    counter.inspections.set(number, "brakes.front", None, Some("Metal on metal soon"), &readings).await.unwrap();
    counter.inspections.set(number, "wipers", Some("yellow"), Some("Streaking"), &BTreeMap::new()).await.unwrap();
    counter.inspections.recommend(number).await.unwrap();
    counter.store.add_lines(number, &[line("Front brake pads (ceramic)", LineKind::Part, 8_999)], None).await.unwrap();
    let photo = counter
        .photos
        .add(number, photo_jpeg(), "IMG_0042.JPG", Source::Camera, Some("brakes.front"), None)
        .await
        .unwrap();
    let marks = [
        Mark::Arrow { from: Point { x: 0.2, y: 0.2 }, to: Point { x: 0.45, y: 0.45 } },
        Mark::Text { at: Point { x: 0.05, y: 0.85 }, text: "2 mm left".into() },
    ];
    counter.photos.mark(&photo.uid, &marks).await.unwrap();
    number
}

fn client() -> reqwest::Client {
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

/// The `name="line:…"` uids of a page, in order, with the legend before each.
fn lines_of(html: &str) -> Vec<(String, String)> {
    html.split("<fieldset><legend>")
        .skip(1)
        .map(|part| {
            let legend = part.split("</legend>").next().unwrap().to_string();
            let uid = part.split("name=\"line:").nth(1).unwrap().split('"').next().unwrap().to_string();
            (legend, uid)
        })
        .collect()
}

fn shown_of(html: &str) -> String {
    html.split("name=\"shown\" value=\"").nth(1).unwrap().split('"').next().unwrap().to_string()
}

fn form(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| {
            let enc = |s: &str| {
                s.bytes()
                    .map(|b| if b.is_ascii_alphanumeric() { (b as char).to_string() } else { format!("%{b:02X}") })
                    .collect::<String>()
            };
            format!("{}={}", enc(k), enc(v))
        })
        .collect::<Vec<_>>()
        .join("&")
}

async fn post(url: &str, body: String) -> reqwest::Response {
    client()
        .post(url)
        .header("content-type", "application/x-www-form-urlencoded")
        .header("user-agent", "Mozilla/5.0 (Linux; Android 14; Pixel 8) Mobile")
        .body(body)
        .send()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_customer_approves_from_the_link_without_javascript_and_the_counter_records_it() {
    if std::env::var_os("DIXON_REQUIRE_KEYRING").is_none() {
        eprintln!("not under scripts/test.sh (DIXON_REQUIRE_KEYRING unset): no keychain to keep the credentials");
        return;
    }
    let (_pg, admin, shop, cloud_url, database_url) = cloud::shop_cloud_and_database().await;
    let code = admin.enrollment_code(shop).await.unwrap();
    let counter = counter(&cloud_url, &code.0, "Dixon Auto Repair").await;
    let number = order_with_a_red_finding(&counter).await;

    // no lines yet on another order: nothing to approve, said so
    let link = counter.approvals.publish(number, None).await.unwrap();
    assert_eq!(link.kind, AuthorizationKind::Initial);
    assert_eq!(link.lines, 3, "pads repair, wipers, the pads part");
    assert_eq!((link.photos, link.photos_uploaded), (2, 2), "the marked copy and its thumbnail");
    assert!(link.url.starts_with(&format!("{cloud_url}/a/")), "{}", link.url);
    let token = link.url.rsplit('/').next().unwrap().to_string();
    assert_eq!(token.len(), 32);

    // the page, as a phone without JavaScript gets it
    let page = client().get(&link.url).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert_eq!(page.headers()["referrer-policy"], "no-referrer");
    assert_eq!(page.headers()["cache-control"], "no-store");
    let html = page.text().await.unwrap();
    assert!(html.len() < 100 * 1024, "the page itself is {} bytes", html.len());
    for expected in [
        "Dixon Auto Repair",
        "tel:+15595550123",
        "2019 Honda Civic",
        "Hello Pat",
        "Needs attention now (1)",
        "Front pads and rotors",
        "Pad thickness 2 mm",
        "Metal on metal soon",
        "loading=\"lazy\"",
        "I agree to the above",
    ] {
        assert!(html.contains(expected), "the page shows {expected:?}");
    }
    let lines = lines_of(&html);
    assert_eq!(lines.len(), 3, "{lines:?}");
    let uid = |needle: &str| lines.iter().find(|(legend, _)| legend.contains(needle)).unwrap().1.clone();
    let (repair, wipers, pads) = (uid("Replace front brake pads"), uid("wiper"), uid("ceramic"));
    let shown = shown_of(&html);

    // the photos: this page's only, with the marks on them
    let thumb = html.split("<img src=\"").nth(1).unwrap().split('"').next().unwrap();
    let photo = client().get(format!("{cloud_url}{thumb}")).send().await.unwrap();
    assert_eq!(photo.status(), 200);
    assert_eq!(photo.headers()["content-type"], "image/jpeg");
    let bytes = photo.bytes().await.unwrap();
    assert!(image::load_from_memory(&bytes).unwrap().width() <= 320);
    let not_on_page = format!("{cloud_url}/a/{token}/photos/{}", "0".repeat(64));
    assert_eq!(client().get(&not_on_page).send().await.unwrap().status(), 404);

    // "Show my total": the same page, with the total of what is approved
    let repair_key = format!("line:{repair}");
    let wipers_key = format!("line:{wipers}");
    let pads_key = format!("line:{pads}");
    let answer = |step: &'static str, name: &'static str| {
        form(&[
            ("shown", &shown),
            (&repair_key, "approve"),
            (&pads_key, "approve"),
            (&wipers_key, "decline"),
            ("name", name),
            ("agree", "yes"),
            ("step", step),
        ])
    };
    let total_page = post(&link.url, answer("total", "")).await;
    assert_eq!(total_page.status(), 200);
    let total_html = total_page.text().await.unwrap();
    // pads repair 1.5 h at the posted rate, the part $89.99 + 7.975 % tax
    let order = counter.store.repair_order(number).await.unwrap();
    let repair_amount = order.lines.iter().find(|l| l.uid == repair).unwrap().amount;
    let expected = repair_amount + Cents(8_999) + Cents(8_999).at_rate(Rate(79_750));
    assert!(total_html.contains(&format!("Total of approved work</dt><dd class=\"total\">{expected}")), "{expected}");
    assert!(total_html.contains("value=\"decline\" required checked"), "the choices are kept");

    // signing without a name: said what to do, nothing recorded
    let unsigned = post(&link.url, answer("sign", "")).await;
    assert_eq!(unsigned.status(), 422);
    assert!(unsigned.text().await.unwrap().contains("Type your full name to sign."));
    // a line from somewhere else
    let stranger = form(&[
        ("shown", &shown),
        ("line:not-a-line", "approve"),
        ("name", "Pat Lee"),
        ("agree", "yes"),
        ("step", "sign"),
    ]);
    let refused = post(&link.url, stranger).await;
    assert_eq!(refused.status(), 422);
    assert!(refused.text().await.unwrap().contains("is not a line on this estimate"));

    // signed
    let signed = post(&link.url, answer("sign", "Pat Lee")).await;
    assert_eq!(signed.status(), 303, "post, then redirect to the page (a refresh sends nothing again)");
    let thanks = client().get(&link.url).send().await.unwrap().text().await.unwrap();
    assert!(thanks.contains("Dixon Auto Repair has your answer"), "{thanks}");
    assert!(thanks.contains(&expected.to_string()));
    // a double tap: the first answer stands
    assert_eq!(post(&link.url, answer("sign", "Someone Else")).await.status(), 303);

    // the counter receives it through the feed and records it once
    counter.sync.sync_now().await.unwrap();
    assert_eq!(counter.approvals.apply_relayed().await.unwrap(), 1);
    assert_eq!(counter.approvals.apply_relayed().await.unwrap(), 0);
    let order = counter.store.repair_order(number).await.unwrap();
    assert_eq!(order.status, Status::Approved);
    assert_eq!(order.authorizations.len(), 1);
    let authorization = &order.authorizations[0];
    assert_eq!(authorization.method, AuthorizationMethod::Online);
    assert_eq!(authorization.authorized_by, "Pat Lee");
    assert_eq!(authorization.amount, expected);
    assert_eq!(order.totals.total, expected, "the declined wipers count in no total");
    let declined: Vec<_> = order.lines.iter().filter(|l| l.declined).map(|l| l.uid.clone()).collect();
    assert_eq!(declined, vec![wipers.clone()], "declined, and kept on the order");
    let status = counter.approvals.status(number).await.unwrap();
    assert!(status.summary.starts_with("Approved by Pat Lee from their phone at"), "{}", status.summary);
    assert_eq!(status.answers.len(), 1, "once, however often it was sent");
    let answer_kept = &status.answers[0];
    assert_eq!(answer_kept.ip, "127.0.0.1");
    assert!(answer_kept.user_agent.contains("Android"));
    assert!(!answer_kept.signed, "no JavaScript: the typed name is the signature");
    assert_eq!(status.links[0].state, "answered");

    // the evidence kept proves what was shown
    let evidence: String = sqlx::query_scalar("SELECT evidence FROM authorizations WHERE method = 'online'")
        .fetch_one(counter.store.pool())
        .await
        .unwrap();
    let evidence: serde_json::Value = serde_json::from_str(&evidence).unwrap();
    let submission: dixon_shop::approval::Submission = serde_json::from_value(evidence["submission"].clone()).unwrap();
    let shown_doc: dixon_shop::approval::Document = serde_json::from_value(evidence["shown"].clone()).unwrap();
    assert!(submission.is_intact(&shown_doc));
    assert_eq!(submission.shown_sha256, link.shown_sha256);
    let mut forged = submission.clone();
    forged.amount = Cents(1);
    assert!(!forged.is_intact(&shown_doc), "a changed amount shows");

    // a tampered answer that reaches a counter is not recorded, and says why
    let mut tampered = submission.clone();
    tampered.link_id = "forged-link".into();
    tampered.approved.push(wipers.clone());
    let payload = serde_json::json!({ "submission": tampered, "document": serde_json::to_string(&shown_doc).unwrap() });
    sqlx::query(
        "INSERT INTO relayed_events (uid, provider, event_key, payload, received_at) VALUES ('approval:forged', 'approval', 'forged', ?, '2026-12-03T10:00:00Z')",
    )
    .bind(payload.to_string())
    .execute(counter.store.pool())
    .await
    .unwrap();
    assert_eq!(counter.approvals.apply_relayed().await.unwrap(), 0);
    let problem: Option<String> =
        sqlx::query_scalar("SELECT problem FROM relayed_events WHERE uid = 'approval:forged'")
            .fetch_one(counter.store.pool())
            .await
            .unwrap();
    assert!(problem.unwrap().contains("does not match the page it was given on"));
    // a page other than the one this counter published, under its link's id
    let mut swapped = submission.clone();
    let mut other_page = shown_doc.clone();
    other_page.lines[0].line.unit_price = Cents(1);
    swapped.shown_sha256 = other_page.sha256();
    swapped.seal = swapped.compute_seal();
    let payload = serde_json::json!({ "submission": swapped, "document": serde_json::to_string(&other_page).unwrap() });
    sqlx::query(
        "INSERT INTO relayed_events (uid, provider, event_key, payload, received_at) VALUES ('approval:swapped', 'approval', 'swapped', ?, '2026-12-03T10:00:00Z')",
    )
    .bind(payload.to_string())
    .execute(counter.store.pool())
    .await
    .unwrap();
    assert_eq!(counter.approvals.apply_relayed().await.unwrap(), 0);
    let problem: Option<String> =
        sqlx::query_scalar("SELECT problem FROM relayed_events WHERE uid = 'approval:swapped'")
            .fetch_one(counter.store.pool())
            .await
            .unwrap();
    assert!(problem.unwrap().contains("not the one this counter published"));
    assert_eq!(counter.store.repair_order(number).await.unwrap().authorizations.len(), 1);

    // work found during the job: proposed, then a supplementary authorization the same way
    let proposed =
        counter.store.propose_lines(number, &[line("Brake fluid flush", LineKind::Labor, 9_500)]).await.unwrap();
    assert_eq!(proposed.totals.total, expected, "proposed work counts in no total until approved");
    let flush = proposed.lines.iter().find(|l| l.proposed).unwrap().uid.clone();
    let second = counter.approvals.publish(number, Some(2)).await.unwrap();
    assert_eq!(second.kind, AuthorizationKind::Supplementary);
    assert_eq!(second.lines, 2, "the flush, and the wipers declined before (offered again)");
    assert_eq!(second.photos_uploaded, 0, "the cloud holds the photos already");
    let html = client().get(&second.url).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("We found more work while your car was with us."));
    assert!(html.contains("Approved before"), "earlier work shown, not asked about again");
    let shown = shown_of(&html);
    let flush_key = format!("line:{flush}");
    let body = form(&[
        ("shown", &shown),
        (&flush_key, "approve"),
        (&wipers_key, "decline"),
        ("name", "Pat Lee"),
        ("agree", "yes"),
        ("step", "sign"),
        ("signature", "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="),
    ]);
    assert_eq!(post(&second.url, body).await.status(), 303);
    counter.sync.sync_now().await.unwrap();
    assert_eq!(counter.approvals.apply_relayed().await.unwrap(), 1);
    let order = counter.store.repair_order(number).await.unwrap();
    assert_eq!(order.authorizations.len(), 2);
    assert_eq!(order.authorizations[1].kind, AuthorizationKind::Supplementary);
    assert_eq!(order.totals.total, expected + Cents(9_500), "the flush now counts");
    assert_eq!(order.authorizations[1].amount, order.totals.total);
    assert!(counter.approvals.status(number).await.unwrap().answers.last().unwrap().signed, "drawn signature kept");

    // links that can't be used any more
    let first_again = client().get(&link.url).send().await.unwrap();
    assert_eq!(first_again.status(), 200, "an answered link still shows its answer");
    // following up on declined work later: a link that offers it again
    let replaced = counter.approvals.publish(number, None).await.unwrap();
    assert_eq!(replaced.lines, 1, "the wipers, declined twice, offered again");
    let newest = counter.approvals.publish(number, None).await.unwrap();
    let gone = client().get(&replaced.url).send().await.unwrap();
    assert_eq!(gone.status(), 410);
    let gone = gone.text().await.unwrap();
    assert!(gone.contains("This link was replaced") && gone.contains("tel:+15595550123"), "says to call the shop");
    let admin_db = sqlx::PgPool::connect(&database_url).await.unwrap();
    sqlx::query("UPDATE approval_links SET expires_at = now() - interval '1 minute' WHERE id = $1::uuid")
        .bind(&newest.id)
        .execute(&admin_db)
        .await
        .unwrap();
    let expired = client().get(&newest.url).send().await.unwrap();
    assert_eq!(expired.status(), 410);
    assert!(expired.text().await.unwrap().contains("This link has expired"));
    let late = form(&[("shown", &shown), ("name", "Pat Lee"), ("agree", "yes"), ("step", "sign")]);
    assert_eq!(post(&newest.url, late).await.status(), 410, "an expired link takes no answer");
    let status = counter.approvals.status(number).await.unwrap();
    let states: Vec<&str> = status.links.iter().map(|l| l.state.as_str()).collect();
    assert_eq!(states, ["answered", "answered", "replaced", "waiting"], "expiry is read from the counter's clock");

    // the token only stores as a hash
    let stored: i64 =
        sqlx::query_scalar("SELECT count(*) FROM approval_links WHERE token_hash = $1 OR document LIKE $2")
            .bind(&token)
            .bind(format!("%{token}%"))
            .fetch_one(&admin_db)
            .await
            .unwrap();
    assert_eq!(stored, 0);

    // another shop: its link never opens this shop's photos
    let (other_shop, _) = admin.create_shop("Other Garage").await.unwrap();
    let other_code = admin.enrollment_code(other_shop).await.unwrap();
    let other = counter_at(&cloud_url, &other_code.0, "Other Garage").await;
    let other_number = other
        .store
        .create_repair_order(&NewRepairOrder {
            customer: NewCustomer { name: "Sam Roe".into(), phone: "(559) 555-0188".into(), ..NewCustomer::default() },
            vehicle: NewVehicle {
                year: Some(2015),
                make: "Ford".into(),
                model: "F-150".into(),
                ..NewVehicle::default()
            },
            concern: "Oil change".into(),
        })
        .await
        .unwrap()
        .number;
    other.store.add_lines(other_number, &[line("Oil change", LineKind::Labor, 4_999)], None).await.unwrap();
    let other_link = other.approvals.publish(other_number, None).await.unwrap();
    let other_token = other_link.url.rsplit('/').next().unwrap();
    let sha = thumb.rsplit('/').next().unwrap();
    let crossed = client().get(format!("{cloud_url}/a/{other_token}/photos/{sha}")).send().await.unwrap();
    assert_eq!(crossed.status(), 404, "another shop's link opens none of this shop's photos");
    let other_html = client().get(&other_link.url).send().await.unwrap().text().await.unwrap();
    assert!(
        other_html.contains("Other Garage") && !other_html.contains("Dixon Auto Repair") && !other_html.contains("Pat")
    );

    // unknown and guessed tokens: not found, and guessing soon runs out of tries
    let unknown = client().get(format!("{cloud_url}/a/{}", "0".repeat(32))).send().await.unwrap();
    assert_eq!(unknown.status(), 404);
    assert!(unknown.text().await.unwrap().contains("open an estimate"));
    let mut statuses = Vec::new();
    for guess in 0..8 {
        let url = format!("{cloud_url}/a/{guess:0>32}");
        statuses.push(client().get(url).send().await.unwrap().status().as_u16());
    }
    assert!(statuses.ends_with(&[429, 429]), "{statuses:?}");
    assert_eq!(client().get(&other_link.url).send().await.unwrap().status(), 429, "the budget is per address");
}

/// A second shop's counter (its own data folder and credential).
async fn counter_at(cloud_url: &str, code: &str, name: &str) -> Counter {
    counter(cloud_url, code, name).await
}
