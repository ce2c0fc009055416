//! Messages are the shop's, not one counter's: a text sent at the front counter shows on the back
//! counter with its delivery; the customer's STOP, relayed by the Dixon cloud (signed by Twilio,
//! checked by the cloud), opts them out at every counter; the reply is one message everywhere.
//! A real PostgreSQL, the real cloud server, two SQLite data folders, a stateful Twilio peer.

mod support;
#[path = "../../notify/tests/support/mod.rs"]
mod twilio_peer;

use std::sync::Arc;

use dixon_home::Home;
use dixon_notify::{Channel, Compose, Messenger, Priority, Twilio, TwilioAccount};
use dixon_resilience::Integrations;
use dixon_shop::{ContactMethod, NewCustomer, NewRepairOrder, NewVehicle, Store, SystemClock};
use dixon_sync::SyncClient;
use twilio_peer::{TwilioPeer, ACCOUNT_SID, PHONE};

struct Counter {
    store: Store,
    sync: SyncClient,
    messenger: Messenger,
    _dir: tempfile::TempDir,
}

async fn counter(twilio: &TwilioPeer) -> Counter {
    let dir = tempfile::tempdir().unwrap();
    let home = Home::resolve(Some(dir.path())).unwrap();
    home.ensure().unwrap();
    let clock = Arc::new(SystemClock);
    let store = Store::open_with_clock(&home.database_path(), clock.clone()).await.unwrap();
    let integrations = Integrations::new(store.pool().clone(), clock.clone());
    let sync = SyncClient::register(store.pool().clone(), &integrations)
        .await
        .keep_secrets_in(dixon_secrets::Keychain::of(&home));
    let account = TwilioAccount {
        account_sid: ACCOUNT_SID.into(),
        auth_token: "token".into(),
        from: "+15595550199".into(),
        messaging_service_sid: None,
    };
    let messenger = Messenger::new(store.clone(), clock).with(Arc::new(Twilio::register(
        &integrations,
        &twilio.url,
        account,
        twilio_peer::quick(),
    )));
    Counter { store, sync, messenger, _dir: dir }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_text_its_delivery_and_the_customer_s_stop_reach_every_counter() {
    if std::env::var_os("DIXON_REQUIRE_KEYRING").is_none() {
        eprintln!("not under scripts/test.sh (DIXON_REQUIRE_KEYRING unset): no keychain to keep the credentials");
        return;
    }
    let (_pg, admin, shop, cloud_url) = support::shop_cloud().await;
    admin.set_relay_secret(shop, "twilio", "twilio_auth_token").await.unwrap();

    let twilio = TwilioPeer::start().await;
    let (front, back) = (counter(&twilio).await, counter(&twilio).await);
    for (c, name) in [(&front, "Front counter"), (&back, "Back counter")] {
        let code = admin.enrollment_code(shop).await.unwrap();
        c.sync.enroll(&cloud_url, &code.0, name).await.unwrap();
    }
    let order = NewRepairOrder {
        customer: NewCustomer {
            name: "Pat Lee".into(),
            phone: "(559) 234-5678".into(),
            email: String::new(),
            preferred_contact: ContactMethod::Text,
            sms_consent: true,
        },
        vehicle: NewVehicle { year: Some(2019), make: "Honda".into(), model: "Civic".into(), ..NewVehicle::default() },
        concern: "Brakes".into(),
    };
    let number = front.store.create_repair_order(&order).await.unwrap().number;
    let ready = Compose {
        repair_order: number,
        template: "free".into(),
        text: Some("Your Civic is ready.".into()),
        // urgent, so the real clock's quiet hours (the shop's evening) never hold it
        priority: Priority::High,
        ..Compose::default()
    };
    let sent = front.messenger.send(&ready).await.unwrap();
    assert_eq!(sent[0].state, "sent");
    front.sync.sync_now().await.unwrap();
    back.sync.sync_now().await.unwrap();
    let there = back.messenger.messages(Some(number)).await.unwrap();
    assert_eq!(there.len(), 1, "the text shows on the back counter");
    assert_eq!(
        (there[0].body.as_str(), there[0].state.as_str(), there[0].sent_here),
        ("Your Civic is ready.", "sent", false)
    );

    // Twilio reports it delivered, and the customer texts STOP: both through the cloud's relay
    let relay = format!("{cloud_url}/v1/relay/{shop}/twilio");
    let sid = twilio.sent.lock().unwrap()[0].sid.clone();
    for fields in [
        vec![("MessageSid", sid.as_str()), ("MessageStatus", "delivered"), ("To", PHONE)],
        vec![
            ("MessageSid", "SMreply1"),
            ("SmsStatus", "received"),
            ("From", PHONE),
            ("To", "+15595550199"),
            ("Body", "STOP"),
        ],
    ] {
        let params: Vec<(String, String)> = fields.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        let signature = dixon_webhooks::twilio::sign(&relay, &params, "twilio_auth_token");
        let answer = reqwest::Client::new()
            .post(&relay)
            .header("x-twilio-signature", signature)
            .form(&fields)
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status().as_u16(), 200, "{}", answer.text().await.unwrap());
    }
    for c in [&back, &front, &back] {
        c.sync.sync_now().await.unwrap();
        c.messenger.apply_relayed().await.unwrap();
        c.sync.sync_now().await.unwrap();
    }
    for (c, name) in [(&front, "front"), (&back, "back")] {
        let conversation = c.messenger.messages(Some(number)).await.unwrap();
        let states: Vec<(&str, &str)> = conversation.iter().map(|m| (m.direction.as_str(), m.state.as_str())).collect();
        let times: Vec<String> = conversation.iter().map(|m| m.created_at.to_rfc3339()).collect();
        assert_eq!(
            states,
            [("out", "delivered"), ("in", "received")],
            "{name}: one text, one reply, everywhere {times:?}"
        );
        let draft = c.messenger.compose(&ready).await.unwrap();
        assert_eq!(draft.channel, None, "{name}: never texted after STOP");
        assert!(
            draft.plan.not_offered.iter().any(|n| n.channel == Channel::Sms && n.why.contains("texted STOP")),
            "{name}"
        );
    }
    assert_eq!(twilio.count(), 1);
}
