//! What the sync tests share: the shop's Dixon cloud on a throwaway PostgreSQL.

use dixon_cloud::{connect_as_app, server, Admin};
use dixon_test_peer::Postgres;

/// A Dixon cloud on a throwaway PostgreSQL, the server on 127.0.0.1.
#[allow(dead_code)]
pub async fn shop_cloud() -> (Postgres, Admin, uuid::Uuid, String) {
    let (pg, admin, shop, cloud_url, _) = shop_cloud_and_database().await;
    (pg, admin, shop, cloud_url)
}

/// As [`shop_cloud`], with the database's address (for a test that reaches behind the server).
pub async fn shop_cloud_and_database() -> (Postgres, Admin, uuid::Uuid, String, String) {
    let pg = Postgres::start();
    let url = pg.create_database("dixon");
    let admin = Admin::connect(&url).await.unwrap();
    admin.migrate().await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let cloud_url = format!("http://{}", listener.local_addr().unwrap());
    let pool = connect_as_app(&url, 4).await.unwrap();
    tokio::spawn(async move { server::serve(listener, pool).await });
    let (shop, _) = admin.create_shop("Dixon Auto Repair").await.unwrap();
    (pg, admin, shop, cloud_url, url)
}
