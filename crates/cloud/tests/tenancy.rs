//! The cloud's tenancy against a real PostgreSQL (started by the test, on 127.0.0.1) and the
//! real server over HTTP: shops, one-time enrollment codes, device credentials, revocation, and
//! one shop never reaching another's rows — by the credential, and by row-level security behind
//! it.

mod support;

use dixon_cloud::{connect_as_app, Tenant};
use serde_json::json;
use support::cloud;

#[tokio::test(flavor = "multi_thread")]
async fn a_counter_enrolls_once_with_a_code_and_its_credential_names_its_shop() {
    let cloud = cloud().await;
    let health = cloud.http.get(format!("{}/healthz", cloud.base)).send().await.unwrap();
    assert_eq!(health.status(), 200);

    let (shop, code) = cloud.admin.create_shop("Dixon Auto Repair").await.unwrap();
    // typed the way people type it: lower case, spaces instead of dashes
    let typed = code.0.to_lowercase().replace('-', " ");
    let (status, enrolled) = cloud.enroll(&typed, "Front counter").await;
    assert_eq!(status, 200, "{enrolled}");
    assert_eq!(enrolled["shop_id"], shop.to_string());
    let token = enrolled["token"].as_str().unwrap().to_string();

    let (status, me) = cloud.whoami(&token).await;
    assert_eq!(status, 200, "{me}");
    assert_eq!((me["shop_name"].as_str(), me["name"].as_str()), (Some("Dixon Auto Repair"), Some("Front counter")));

    // the code is single-use
    let (status, again) = cloud.enroll(&code.0, "Back counter").await;
    assert_eq!(status, 403);
    assert!(again["message"].as_str().unwrap().contains("enroll-code"), "{again}");
    // a second counter with a new code
    let second = cloud.admin.enrollment_code(shop).await.unwrap();
    assert_eq!(cloud.enroll(&second.0, "Back counter").await.0, 200);
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_codes_names_and_credentials_are_refused_with_what_to_do() {
    let cloud = cloud().await;
    let (_, code) = cloud.admin.create_shop("Shop A").await.unwrap();
    for (bad_code, name, status) in [
        ("AAAA-BBBB-CCCC-DDDD", "Counter", 403),
        ("short", "Counter", 403),
        (code.0.as_str(), "", 400),
        (code.0.as_str(), &"x".repeat(101), 400),
    ] {
        let (got, body) = cloud.enroll(bad_code, name).await;
        assert_eq!(got, status, "{bad_code} {name}: {body}");
        assert!(body["message"].as_str().is_some_and(|m| !m.is_empty()), "{body}");
    }
    // the refused names did not use the code up
    assert_eq!(cloud.enroll(&code.0, "Front counter").await.0, 200);
    let malformed = cloud
        .http
        .post(format!("{}/v1/enroll", cloud.base))
        .body("{not json")
        .header("content-type", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(malformed.status(), 400);
    // on a client of its own: the server answers 413 without reading the body and closes that
    // connection, which a shared pool could otherwise hand to the next request
    let oversized = reqwest::Client::new()
        .post(format!("{}/v1/enroll", cloud.base))
        .json(&json!({ "code": "x".repeat(2_000_000), "name": "n" }))
        .send()
        .await
        .unwrap();
    assert_eq!(oversized.status(), 413);
    for token in ["", "Bearer", "dxd.x.y.z", "dxd.00000000-0000-0000-0000-000000000000.00000000-0000-0000-0000-000000000000.0000000000000000000000000000000000000000000000000000000000000000"] {
        assert_eq!(cloud.whoami(token).await.0, 401, "{token}");
    }
    assert_eq!(cloud.http.get(format!("{}/v1/device", cloud.base)).send().await.unwrap().status(), 401);
    assert!(cloud.admin.create_shop("  ").await.is_err());
    assert!(cloud.admin.enrollment_code(uuid::Uuid::new_v4()).await.is_err(), "no code for a shop that isn't there");
}

#[tokio::test(flavor = "multi_thread")]
async fn one_shop_never_reaches_another_and_a_revoked_counter_is_refused() {
    let cloud = cloud().await;
    let (shop_a, code_a) = cloud.admin.create_shop("Shop A").await.unwrap();
    let (shop_b, code_b) = cloud.admin.create_shop("Shop B").await.unwrap();
    let token_a = cloud.enroll(&code_a.0, "A front").await.1["token"].as_str().unwrap().to_string();
    let token_b = cloud.enroll(&code_b.0, "B front").await.1["token"].as_str().unwrap().to_string();
    let device_b: uuid::Uuid = token_b.split('.').nth(2).unwrap().parse().unwrap();

    // the credential: A's secret with B's shop and device ids is nobody
    let secret_a = token_a.rsplit('.').next().unwrap();
    let forged = format!("dxd.{shop_b}.{device_b}.{secret_a}");
    assert_eq!(cloud.whoami(&forged).await.0, 401);
    let a_claiming_b = token_a.replacen(&shop_a.to_string(), &shop_b.to_string(), 1);
    assert_eq!(cloud.whoami(&a_claiming_b).await.0, 401);

    // the second guard: working as dixon_app for shop A, shop B's rows do not exist
    let pool = connect_as_app(&cloud.app_url, 2).await.unwrap();
    let mut tenant = Tenant::begin(&pool, shop_a).await.unwrap();
    let visible: Vec<uuid::Uuid> =
        sqlx::query_scalar("SELECT shop_id FROM devices").fetch_all(&mut *tenant.tx).await.unwrap();
    assert_eq!(visible, [shop_a], "only shop A's device is visible");
    let shops: i64 = sqlx::query_scalar("SELECT count(*) FROM shops").fetch_one(&mut *tenant.tx).await.unwrap();
    assert_eq!(shops, 1);
    let write = sqlx::query("INSERT INTO devices (shop_id, id, name, secret_hash) VALUES ($1, $2, 'sneaky', 'x')")
        .bind(shop_b)
        .bind(uuid::Uuid::new_v4())
        .execute(&mut *tenant.tx)
        .await;
    assert!(write.is_err(), "row-level security refuses a row of another shop");
    drop(tenant);
    // and with no shop set, nothing at all
    let nothing: i64 = sqlx::query_scalar("SELECT count(*) FROM devices").fetch_one(&pool).await.unwrap();
    assert_eq!(nothing, 0);
    let codes = sqlx::query("SELECT * FROM enrollment_codes").fetch_all(&pool).await;
    assert!(codes.is_err(), "the server's role can't read enrollment codes at all");

    // revoked: refused at once; the other shop's counter carries on
    assert!(cloud.admin.revoke_device(shop_b, device_b).await.unwrap());
    assert_eq!(cloud.whoami(&token_b).await.0, 401);
    assert_eq!(cloud.whoami(&token_a).await.0, 200);
    assert!(!cloud.admin.revoke_device(shop_a, device_b).await.unwrap(), "shop A can't revoke B's device");
}
