//! Redaction in the logs, in a test binary of its own: tracing caches per call site whether
//! anyone listens, and a test-local subscriber races with the other scenarios' threads hitting
//! the same call sites first (they then stay silent for this test's subscriber too).

mod support;

use std::sync::{Arc, Mutex};

use support::{fault_peer, quick_policy, Harness};

#[derive(Clone, Default)]
struct LogBuffer(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for LogBuffer {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test(flavor = "current_thread")]
async fn no_secret_or_phone_number_reaches_the_events_table_or_the_logs() {
    let logs = LogBuffer::default();
    let writer = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let (h, peer) = (Harness::new().await, fault_peer().await);
    h.hub.monitor().register_secret("sk_test_4eC39HqLyjWDarjtT1zdp7dc");
    let service = h.service(quick_policy());
    let err = h.get(&service, &peer.url("/echo-phone")).await.unwrap_err();
    assert_eq!(err.kind(), "rejected");
    let rows: Vec<Option<String>> =
        sqlx::query_scalar("SELECT detail FROM integration_events").fetch_all(h.store.pool()).await.unwrap();
    let stored = rows.into_iter().flatten().collect::<Vec<_>>().join("\n");
    assert!(stored.contains("bad number [number] for key [secret]"), "{stored}");
    let logged = String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();
    assert!(logged.contains("integration call did not get a live answer"), "the failure is logged: {logged}");
    for leak in ["5592345678", "234-5678", "sk_test_4eC39HqLyjWDarjtT1zdp7dc"] {
        assert!(!stored.contains(leak), "{leak} leaked into the events: {stored}");
        assert!(!logged.contains(leak), "{leak} leaked into the logs: {logged}");
    }
}
