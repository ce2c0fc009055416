//! One Dixon cloud for a test: a fresh PostgreSQL cluster, the schema, and the server on a free
//! port of 127.0.0.1, all stopped when the test ends.

// each test binary uses part of the harness
#![allow(dead_code)]

use dixon_cloud::{connect_as_app, server, Admin};
use dixon_test_peer::Postgres;
use serde_json::{json, Value};

pub struct Cloud {
    _pg: Postgres,
    pub admin: Admin,
    pub app_url: String,
    pub base: String,
    pub http: reqwest::Client,
}

pub async fn cloud() -> Cloud {
    let pg = Postgres::start();
    let url = pg.create_database("dixon");
    let admin = Admin::connect(&url).await.unwrap();
    admin.migrate().await.unwrap();
    admin.migrate().await.unwrap(); // twice: nothing to do the second time
    let pool = connect_as_app(&url, 8).await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { server::serve(listener, pool).await });
    Cloud { _pg: pg, admin, app_url: url, base, http: reqwest::Client::new() }
}

impl Cloud {
    pub async fn enroll(&self, code: &str, name: &str) -> (u16, Value) {
        let reply = self
            .http
            .post(format!("{}/v1/enroll", self.base))
            .json(&json!({ "code": code, "name": name }))
            .send()
            .await
            .unwrap();
        (reply.status().as_u16(), reply.json().await.unwrap())
    }

    pub async fn whoami(&self, token: &str) -> (u16, Value) {
        let reply = self.http.get(format!("{}/v1/device", self.base)).bearer_auth(token).send().await.unwrap();
        (reply.status().as_u16(), reply.json().await.unwrap())
    }

    /// A new shop with one enrolled counter: (shop id, the counter's token).
    pub async fn shop_with_counter(&self, name: &str) -> (uuid::Uuid, String) {
        let (shop, code) = self.admin.create_shop(name).await.unwrap();
        let (status, enrolled) = self.enroll(&code.0, "Front counter").await;
        assert_eq!(status, 200, "{enrolled}");
        (shop, enrolled["token"].as_str().unwrap().to_string())
    }

    /// Another counter of `shop`.
    pub async fn another_counter(&self, shop: uuid::Uuid, name: &str) -> String {
        let code = self.admin.enrollment_code(shop).await.unwrap();
        self.enroll(&code.0, name).await.1["token"].as_str().unwrap().to_string()
    }

    pub async fn push(&self, token: &str, batch: Value) -> (u16, Value) {
        let reply =
            self.http.post(format!("{}/v1/push", self.base)).bearer_auth(token).json(&batch).send().await.unwrap();
        (reply.status().as_u16(), reply.json().await.unwrap())
    }

    pub async fn pull(&self, token: &str, query: &str) -> (u16, Value) {
        let reply = self.http.get(format!("{}/v1/changes?{query}", self.base)).bearer_auth(token).send().await.unwrap();
        (reply.status().as_u16(), reply.json().await.unwrap())
    }
}

/// An edit of `entity` (a customer: it needs no other record) as a counter's outbox sends it.
pub fn change(device_seq: i64, entity: &str) -> Value {
    json!({
        "id": uuid::Uuid::new_v4(),
        "device_seq": device_seq,
        "topic": "customer.put",
        "entity_uid": entity,
        "payload": { "fields": { "name": format!("Customer {entity}"), "notes": "brakes squeal" } },
        "hlc": format!("{}.0.front", 1_780_000_000_000i64 + device_seq),
    })
}
