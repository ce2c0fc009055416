//! Backups of a real store: taken while another task writes (nothing torn, every committed order
//! there), restored row for row with the current database kept aside, a damaged backup refused.

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use dixon_backup::{backup, list, restore, verify, Error, Reason};
use dixon_shop::{NewRepairOrder, Store};

fn order(n: usize) -> NewRepairOrder {
    let mut form = NewRepairOrder::default();
    form.customer.name = format!("Customer {n}");
    form.customer.phone = "(559) 234-5678".into();
    form.vehicle.vin = "1HGCM82633A004352".into();
    form
}

async fn dump(database: &Path) -> Vec<String> {
    let store = Store::open(database).await.unwrap();
    let rows: Vec<String> = sqlx::query_scalar(
        "SELECT ro.number || ' ' || ro.uid || ' ' || c.name || ' ' || ro.status FROM repair_orders ro
           JOIN customers c ON c.id = ro.customer_id ORDER BY ro.number",
    )
    .fetch_all(store.pool())
    .await
    .unwrap();
    store.close().await;
    rows
}

#[tokio::test(flavor = "multi_thread", worker_threads = 3)]
async fn a_backup_taken_while_orders_are_written_holds_every_committed_one_and_restores_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let database = dir.path().join("dixon.sqlite3");
    let documents = dir.path().join("documents");
    std::fs::create_dir_all(&documents).unwrap();
    std::fs::write(documents.join("Estimate-1001.pdf"), b"%PDF-1.7 test").unwrap();
    let store = Store::open(&database).await.unwrap();
    for n in 0..20 {
        store.create_repair_order(&order(n)).await.unwrap();
    }

    // another writer keeps opening orders during the backup
    let stop = Arc::new(AtomicBool::new(false));
    let writer = {
        let (store, stop) = (store.clone(), stop.clone());
        tokio::spawn(async move {
            let mut n = 1000;
            while !stop.load(Ordering::SeqCst) {
                store.create_repair_order(&order(n)).await.unwrap();
                n += 1;
            }
            n - 1000
        })
    };
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    let committed_before = dump(&database).await.len();
    let backups = dir.path().join("backups");
    let taken = backup(&database, Some(&documents), &backups, Reason::Manual, chrono::Utc::now()).await.unwrap();
    stop.store(true, Ordering::SeqCst);
    let written = writer.await.unwrap();
    assert!(written > 0, "the other writer really wrote");
    let in_backup = taken.repair_orders() as usize;
    assert!(in_backup >= committed_before, "every order committed before the backup is in it");
    assert!(taken.path.join("documents/Estimate-1001.pdf").exists());
    assert_eq!(list(&backups).await.len(), 1);

    // later work, then a restore: the database is the backup's, the later one kept aside
    let before_restore = dump(&database).await;
    store.close().await;
    let aside = restore(&taken.path, &database, chrono::Utc::now()).await.unwrap();
    let restored = dump(&database).await;
    assert_eq!(restored.len(), in_backup);
    assert_eq!(restored[..], before_restore[..in_backup], "row for row what the backup held");
    assert_eq!(dump(&aside.join("dixon.sqlite3")).await, before_restore, "the replaced database is kept");

    // a damaged backup is refused, and restoring it changes nothing
    let copy = taken.path.join("dixon.sqlite3");
    let mut bytes = std::fs::read(&copy).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle..middle + 4096].fill(0x5a);
    std::fs::write(&copy, bytes).unwrap();
    let error = verify(&taken.path).await.unwrap_err();
    assert!(matches!(error, Error::Damaged { .. }), "{error}");
    assert!(error.to_string().contains("pick another one"), "{error}");
    assert!(restore(&taken.path, &database, chrono::Utc::now()).await.is_err());
    assert_eq!(dump(&database).await, restored);
}

#[tokio::test]
async fn a_store_is_backed_up_before_its_schema_changes() {
    let dir = tempfile::tempdir().unwrap();
    let database = dir.path().join("dixon.sqlite3");
    let store = Store::open(&database).await.unwrap();
    store.create_repair_order(&order(1)).await.unwrap();
    store.close().await;
    // make it look like a store from the build before the newest migration: its row removed and
    // what it added dropped (migrations here only add tables and columns)
    let newest = dixon_shop::MIGRATOR.iter().max_by_key(|m| m.version).unwrap();
    let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", database.display())).await.unwrap();
    sqlx::query("DELETE FROM _sqlx_migrations WHERE version = ?").bind(newest.version).execute(&pool).await.unwrap();
    let mut added_tables = Vec::new();
    let sql: String = newest.sql.lines().filter(|l| !l.trim_start().starts_with("--")).collect::<Vec<_>>().join("\n");
    for statement in sql.split(';') {
        let words: Vec<&str> = statement.split_whitespace().collect();
        let undo = match words.as_slice() {
            ["CREATE", "TABLE", table, ..] => {
                added_tables.push(table.to_string());
                format!("DROP TABLE {table}")
            }
            ["ALTER", "TABLE", table, "ADD", "COLUMN", column, ..] => {
                format!("ALTER TABLE {table} DROP COLUMN {column}")
            }
            _ => continue,
        };
        sqlx::query(&undo).execute(&pool).await.unwrap();
    }
    assert!(!added_tables.is_empty(), "the newest migration adds a table");
    pool.close().await;
    assert!(list(&dir.path().join("backups")).await.is_empty());

    let store = Store::open(&database).await.unwrap();
    store.close().await;
    let backups = list(&dir.path().join("backups")).await;
    assert_eq!(backups.len(), 1, "one backup, taken before the update");
    let backup = backups[0].as_ref().unwrap();
    assert_eq!(backup.manifest.reason, Reason::BeforeMigration);
    assert_eq!(backup.repair_orders(), 1);
    for table in &added_tables {
        assert!(!backup.manifest.rows.contains_key(table), "the copy is the store as it was before ({table})");
    }
    // opening again changes nothing more
    Store::open(&database).await.unwrap().close().await;
    assert_eq!(list(&dir.path().join("backups")).await.len(), 1);
}
