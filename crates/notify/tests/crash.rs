//! The process killed between each pair of steps of a send (written → claimed → provider
//! accepted → recorded): after a restart, exactly one message reached the provider, or the
//! message says "not sent". The test runs itself again as a child process that sends with
//! `DIXON_NOTIFY_CRASH_AT` set, and aborts there, against a stateful Twilio peer on 127.0.0.1.

mod support;

use std::sync::Arc;

use dixon_clock::SystemClock;
use dixon_notify::{Compose, Messenger, Priority, Twilio, TwilioAccount, CRASH_AT_ENV};
use dixon_resilience::Integrations;
use dixon_shop::Store;
use support::{TwilioPeer, ACCOUNT_SID};

const CHILD_DB: &str = "DIXON_CRASH_CHILD_DB";
const CHILD_TWILIO: &str = "DIXON_CRASH_CHILD_TWILIO";
const CHILD_RO: &str = "DIXON_CRASH_CHILD_RO";

/// A counter of the shop as the app opens it: a store on the file, Twilio at the peer.
async fn counter(db: &std::path::Path, twilio_url: &str) -> Messenger {
    let clock = Arc::new(SystemClock);
    let store = Store::open_with_clock(db, clock.clone()).await.unwrap();
    let integrations = Integrations::new(store.pool().clone(), clock.clone());
    let account = TwilioAccount {
        account_sid: ACCOUNT_SID.into(),
        auth_token: "token".into(),
        from: "+15595550199".into(),
        messaging_service_sid: None,
    };
    let twilio = Twilio::register(&integrations, twilio_url, account, support::quick());
    Messenger::new(store, clock).with(Arc::new(twilio)).with_look_up_after(std::time::Duration::from_millis(10))
}

fn urgent(number: i64) -> Compose {
    // urgent, so the real clock's quiet hours never hold it
    Compose { repair_order: number, template: "ready".into(), priority: Priority::High, ..Compose::default() }
}

/// The child: sends one text and crashes where it was told (does nothing when not a child).
#[test]
fn crash_child() {
    let (Ok(db), Ok(url), Ok(ro)) = (std::env::var(CHILD_DB), std::env::var(CHILD_TWILIO), std::env::var(CHILD_RO))
    else {
        return;
    };
    tokio::runtime::Runtime::new().unwrap().block_on(async {
        let messenger = counter(std::path::Path::new(&db), &url).await;
        messenger.send(&urgent(ro.parse().unwrap())).await.unwrap();
    });
}

#[tokio::test(flavor = "multi_thread")]
async fn a_crash_between_any_two_steps_ends_in_exactly_one_text() {
    const RUNS: usize = 4;
    let mut table = Vec::new();
    for step in ["after_write", "after_claim", "after_provider"] {
        let (mut one, mut not_sent) = (0, 0);
        for _ in 0..RUNS {
            let shop = support::shop(true).await;
            let db = shop.store.path().to_path_buf();
            shop.store.close().await;
            let twilio = TwilioPeer::start().await;
            let child = tokio::process::Command::new(std::env::current_exe().unwrap())
                .args(["--exact", "crash_child", "--nocapture", "--test-threads=1"])
                .env(CHILD_DB, &db)
                .env(CHILD_TWILIO, &twilio.url)
                .env(CHILD_RO, shop.number.to_string())
                .env(CRASH_AT_ENV, step)
                .output()
                .await
                .unwrap();
            assert!(!child.status.success(), "{step}: the child was to crash");
            assert!(String::from_utf8_lossy(&child.stderr).contains(&format!("crashing at {step}")), "{step}");

            // the restart: a new process opens the same store and picks up where it stopped
            let messenger = counter(&db, &twilio.url).await;
            messenger.resume().await.unwrap();
            let messages = messenger.messages(Some(shop.number)).await.unwrap();
            assert_eq!(messages.len(), 1, "{step}: one message written");
            match (messages[0].state.as_str(), twilio.count()) {
                ("sent", 1) => one += 1,
                ("not_sent", 0) => not_sent += 1,
                (state, n) => panic!("{step}: {state} with {n} message(s) at Twilio: {}", messages[0].state_words),
            }
            messenger.store().close().await;
        }
        assert_eq!(one, RUNS, "{step}: Twilio answers, so every run ends in exactly one text");
        table.push(format!("{step}: {one}/{RUNS} exactly one text, {not_sent} not sent, 0 twice"));
    }
    println!("crash runs:\n  {}", table.join("\n  "));
}
