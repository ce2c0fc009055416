//! How long a backup of a busy shop's store takes and how big it is: 10,000 repair orders with
//! 100,000 lines (customers and vehicles to match), written through the real schema, then
//! backed up (copy + verify) three times. Prints the figures; `cargo bench -p dixon-backup`.

use std::time::Instant;

#[tokio::main]
async fn main() {
    let dir = tempfile::tempdir().unwrap();
    let database = dir.path().join("dixon.sqlite3");
    let store = dixon_shop::Store::open(&database).await.unwrap();
    let started = Instant::now();
    let mut tx = store.pool().begin().await.unwrap();
    let at = "2026-12-03T12:00:00Z";
    sqlx::query(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10000)
         INSERT INTO customers (uid, name, phone, preferred_contact, created_at, updated_at)
         SELECT 'c' || i, 'Customer ' || i, '+1555' || printf('%07d', i), 'text', ?1, ?1 FROM n",
    )
    .bind(at)
    .execute(&mut *tx)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO vehicles (uid, customer_id, vin, year, make, model, odometer, created_at, updated_at)
         SELECT 'v' || id, id, '1HGCM82633A004352', 2003, 'Honda', 'Accord', 184213, ?1, ?1 FROM customers",
    )
    .bind(at)
    .execute(&mut *tx)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO repair_orders (uid, number, customer_id, vehicle_id, status, concern, created_at, updated_at)
         SELECT 'ro' || id, 1000 + id, id, id, 'invoiced', 'Grinding noise when braking', ?1, ?1 FROM customers",
    )
    .bind(at)
    .execute(&mut *tx)
    .await
    .unwrap();
    sqlx::query(
        "WITH RECURSIVE k(j) AS (SELECT 1 UNION ALL SELECT j + 1 FROM k WHERE j < 10)
         INSERT INTO line_items (uid, repair_order_id, position, kind, description, quantity_milli, unit_price_cents,
                                 taxable, part_number, brand, created_at, updated_at)
         SELECT 'l' || ro.id || '-' || j, ro.id, j, CASE WHEN j % 2 = 0 THEN 'part' ELSE 'labor' END,
                'Front brake pads and rotors, line ' || j, 1000, 5999 + j, 1, 'D' || (1000 + j), 'Wagner', ?1, ?1
           FROM repair_orders ro, k",
    )
    .bind(at)
    .execute(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();
    store.close().await;
    println!("store of 10,000 repair orders and 100,000 lines written in {:.1} s", started.elapsed().as_secs_f64());
    println!("database file: {:.1} MB", std::fs::metadata(&database).unwrap().len() as f64 / 1e6);

    for round in 1..=3 {
        let started = Instant::now();
        let backup = dixon_backup::backup(
            &database,
            None,
            &dir.path().join(format!("backups-{round}")),
            dixon_backup::Reason::Manual,
            chrono::Utc::now(),
        )
        .await
        .unwrap();
        println!(
            "backup {round}: {:.2} s (copy + integrity check + row counts), {:.1} MB, {} orders, {} lines",
            started.elapsed().as_secs_f64(),
            backup.size as f64 / 1e6,
            backup.repair_orders(),
            backup.manifest.rows["line_items"]
        );
    }
}
