//! Texts and emails against stateful Twilio and SendGrid peers on 127.0.0.1: the delivery
//! lifecycle, an answer lost after the provider accepted (no second message), STOP / START and
//! 21610, fallback from text to email, quiet hours, consent, and the eight fault scenarios.

mod support;

use std::time::Duration;

use dixon_notify::{Channel, Compose, Priority};
use serde_json::json;
use support::{relay, shop, Mode, SendGridPeer, TwilioPeer, EMAIL, PHONE};

fn ready(number: i64) -> Compose {
    Compose { repair_order: number, template: "ready".into(), ..Compose::default() }
}

async fn customer_opted_out(store: &dixon_shop::Store) -> Option<String> {
    sqlx::query_scalar("SELECT sms_opted_out_at FROM customers").fetch_one(store.pool()).await.unwrap()
}

#[tokio::test]
async fn a_text_goes_once_and_its_delivery_only_moves_forward() {
    let shop = shop(true).await;
    let twilio = TwilioPeer::start().await;
    let messenger = shop.messenger().with(shop.twilio(&twilio));

    let draft = messenger.compose(&ready(shop.number)).await.unwrap();
    assert_eq!(draft.channel, Some(Channel::Sms));
    assert_eq!(draft.segments.as_ref().unwrap().segments, 2, "{}", draft.body);
    assert!(
        draft.body.contains(
            "Hi Pat, your 2019 Honda Civic is ready for pickup at Dixon Auto Repair, 12 Main St, Fresno, CA 93721"
        ),
        "{}",
        draft.body
    );
    assert!(draft.body.contains("Balance due: $412.50"), "{}", draft.body);

    let sent = messenger.send(&ready(shop.number)).await.unwrap();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].state, "sent", "{}", sent[0].state_words);
    assert_eq!(sent[0].to_hint, "•••5678");
    assert_eq!(twilio.count(), 1);
    let sid = twilio.sent.lock().unwrap()[0].sid.clone();
    assert_eq!(twilio.sent.lock().unwrap()[0].to, PHONE);

    twilio.report(&sid, "delivered", None);
    messenger.poll_delivery().await.unwrap();
    let conversation = messenger.messages(Some(shop.number)).await.unwrap();
    assert_eq!(conversation[0].state, "delivered");
    // Twilio's "sent" callback arrives after "delivered": the message stays delivered
    relay(&shop.store, "twilio", "late", json!({"MessageSid": sid, "MessageStatus": "sent"})).await;
    messenger.apply_relayed().await.unwrap();
    assert_eq!(messenger.messages(Some(shop.number)).await.unwrap()[0].state, "delivered");
    assert_eq!(twilio.count(), 1, "polling and reports never send again");
}

#[tokio::test]
async fn an_answer_lost_after_twilio_accepted_is_looked_up_not_sent_again() {
    let shop = shop(true).await;
    let twilio = TwilioPeer::start().await;
    let messenger = shop.messenger().with(shop.twilio(&twilio));
    for mode in [Mode::AcceptThenReset, Mode::AcceptSlowly, Mode::AcceptCorrupt] {
        twilio.set(mode);
        let before = twilio.count();
        let sent = messenger.send(&ready(shop.number)).await.unwrap();
        assert_eq!(twilio.count(), before + 1, "{mode:?}: exactly one message reached Twilio");
        assert_eq!(sent.len(), 1, "{mode:?}: no fallback, it went");
        assert_eq!(sent[0].state, "sent", "{mode:?}: {}", sent[0].state_words);
    }
    // a drop before Twilio kept anything: the look-up finds nothing, so it is sent again (once)
    twilio.set(Mode::ResetOnce);
    let before = twilio.count();
    let sent = messenger.send(&ready(shop.number)).await.unwrap();
    assert_eq!(twilio.count(), before + 1);
    assert_eq!(sent[0].state, "sent", "{}", sent[0].state_words);
    // every create dropped: tried three times, then "not sent", said so (a fresh counter: the
    // failures above have opened this one's circuit breaker, which leaves a message "unknown")
    let shop = support::shop(true).await;
    let twilio = TwilioPeer::start().await;
    let messenger = shop.messenger().with(shop.twilio(&twilio));
    twilio.set(Mode::Reset);
    let sent = messenger.send(&ready(shop.number)).await.unwrap();
    assert_eq!(twilio.count(), 0);
    assert_eq!(sent[0].state, "not_sent", "{}", sent[0].state_words);
    assert!(sent[0].state_words.contains("did not take it after 3 tries"), "{}", sent[0].state_words);
}

#[tokio::test]
async fn a_500_that_kept_nothing_is_sent_again_after_the_look_up() {
    let shop = shop(true).await;
    let twilio = TwilioPeer::start().await;
    let messenger = shop.messenger().with(shop.twilio(&twilio));
    twilio.set(Mode::ServerError);
    let flip = twilio.clone();
    // Twilio recovers while the counter looks the message up
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(5)).await;
        flip.set(Mode::Accept);
    });
    let sent = messenger.send(&ready(shop.number)).await.unwrap();
    assert_eq!(sent[0].state, "sent", "{}", sent[0].state_words);
    assert_eq!(twilio.count(), 1);
}

#[tokio::test]
async fn stop_opts_the_number_out_everywhere_and_start_back_in() {
    let shop = shop(true).await;
    let twilio = TwilioPeer::start().await;
    let sendgrid = SendGridPeer::start().await;
    let messenger = shop.messenger().with(shop.twilio(&twilio)).with(shop.sendgrid(&sendgrid));

    let customer_edits = || async {
        let n: i64 = sqlx::query_scalar("SELECT count(*) FROM outbox WHERE topic = 'customer.put'")
            .fetch_one(shop.store.pool())
            .await
            .unwrap();
        n
    };
    let before = customer_edits().await;
    relay(
        &shop.store,
        "twilio",
        "SMin1:received",
        json!({"MessageSid": "SMin1", "SmsStatus": "received", "From": PHONE, "To": "+15595550199", "Body": "Stop"}),
    )
    .await;
    messenger.apply_relayed().await.unwrap();
    assert!(customer_opted_out(&shop.store).await.is_some());
    assert_eq!(customer_edits().await, before + 1, "the opt-out goes to the shop's other counters");

    let draft = messenger.compose(&ready(shop.number)).await.unwrap();
    assert_eq!(draft.channel, Some(Channel::Email), "never texted after STOP");
    let why = &draft.plan.not_offered.iter().find(|n| n.channel == Channel::Sms).unwrap().why;
    assert!(why.contains("texted STOP on 2026-12-04"), "{why}");
    let only_sms = Compose { channel: Some(Channel::Sms), ..ready(shop.number) };
    let refused = messenger.send(&only_sms).await.unwrap_err().to_string();
    assert!(refused.contains("texted STOP"), "{refused}");
    assert_eq!(twilio.count(), 0);

    relay(
        &shop.store,
        "twilio",
        "SMin2:received",
        json!({"MessageSid": "SMin2", "SmsStatus": "received", "From": PHONE, "Body": "START"}),
    )
    .await;
    relay(
        &shop.store,
        "twilio",
        "SMin3:received",
        json!({"MessageSid": "SMin3", "SmsStatus": "received", "From": PHONE, "Body": "Great, see you at 5"}),
    )
    .await;
    messenger.apply_relayed().await.unwrap();
    assert!(customer_opted_out(&shop.store).await.is_none());
    let conversation = messenger.messages(Some(shop.number)).await.unwrap();
    let replies: Vec<&str> = conversation.iter().filter(|m| m.direction == "in").map(|m| m.body.as_str()).collect();
    assert_eq!(replies, ["Stop", "START", "Great, see you at 5"], "replies show on the repair order");
    messenger.apply_relayed().await.unwrap();
    assert_eq!(messenger.messages(Some(shop.number)).await.unwrap().len(), 3, "an event is applied once");
}

#[tokio::test]
async fn twilio_21610_opts_out_and_falls_back_to_email() {
    let shop = shop(true).await;
    let twilio = TwilioPeer::start().await;
    let sendgrid = SendGridPeer::start().await;
    let messenger = shop.messenger().with(shop.twilio(&twilio)).with(shop.sendgrid(&sendgrid));
    twilio.set(Mode::OptedOut);
    let estimate = Compose { template: "estimate_ready".into(), ..ready(shop.number) };
    let sent = messenger.send(&estimate).await.unwrap();
    assert_eq!(sent.len(), 2, "the text failed, the email went");
    assert_eq!((sent[0].channel, sent[0].state.as_str()), (Channel::Sms, "failed"));
    assert_eq!(sent[0].error_code.as_deref(), Some("21610"));
    assert!(sent[0].state_words.contains("opted out"), "{}", sent[0].state_words);
    assert_eq!((sent[1].channel, sent[1].state.as_str()), (Channel::Email, "sent"));
    assert_eq!(sent[1].fallback_of.as_deref(), Some(sent[0].uid.as_str()));
    assert!(customer_opted_out(&shop.store).await.is_some());
    let (_, to, subject, _) = sendgrid.sent.lock().unwrap()[0].clone();
    assert_eq!((to.as_str(), subject.as_str()), (EMAIL, "Your estimate from Dixon Auto Repair"));
}

#[tokio::test]
async fn an_urgent_text_not_delivered_falls_back_to_email_a_normal_one_says_so() {
    let shop = shop(true).await;
    let twilio = TwilioPeer::start().await;
    let sendgrid = SendGridPeer::start().await;
    let messenger = shop.messenger().with(shop.twilio(&twilio)).with(shop.sendgrid(&sendgrid));

    let normal = messenger.send(&ready(shop.number)).await.unwrap();
    let sid = twilio.sent.lock().unwrap()[0].sid.clone();
    twilio.report(&sid, "undelivered", Some(30003));
    messenger.poll_delivery().await.unwrap();
    let after = messenger.messages(Some(shop.number)).await.unwrap();
    assert_eq!(after.len(), 1);
    assert_eq!(after[0].state, "undelivered");
    assert!(after[0].state_words.contains("phone is off"), "{}", after[0].state_words);
    assert_eq!(normal[0].id, after[0].id);

    let urgent = Compose { priority: Priority::High, ..ready(shop.number) };
    messenger.send(&urgent).await.unwrap();
    let sid = twilio.sent.lock().unwrap()[1].sid.clone();
    twilio.report(&sid, "failed", Some(30005));
    messenger.poll_delivery().await.unwrap();
    let after = messenger.messages(Some(shop.number)).await.unwrap();
    assert_eq!(after.len(), 3);
    assert_eq!((after[2].channel, after[2].state.as_str()), (Channel::Email, "sent"));
    assert_eq!(sendgrid.count(), 1);
}

#[tokio::test]
async fn quiet_hours_hold_a_text_until_eight_urgent_goes_now() {
    let shop = shop(true).await;
    let twilio = TwilioPeer::start().await;
    let messenger = shop.messenger().with(shop.twilio(&twilio));
    // 22:30 in Fresno
    shop.clock.advance(Duration::from_secs(10 * 3600 + 30 * 60));
    let held = messenger.send(&ready(shop.number)).await.unwrap();
    assert_eq!(held[0].state, "scheduled");
    assert_eq!(held[0].not_before.unwrap().to_rfc3339(), "2026-12-05T16:00:00+00:00", "8:00 the next morning, Pacific");
    assert_eq!(twilio.count(), 0);
    let urgent = messenger.send(&Compose { priority: Priority::High, ..ready(shop.number) }).await.unwrap();
    assert_eq!(urgent[0].state, "sent");
    messenger.resume().await.unwrap();
    assert_eq!(twilio.count(), 1, "still night");
    shop.clock.advance(Duration::from_secs(9 * 3600 + 31 * 60)); // 8:01
    messenger.resume().await.unwrap();
    assert_eq!(twilio.count(), 2);
    assert_eq!(messenger.messages(Some(shop.number)).await.unwrap()[0].state, "sent");
}

#[tokio::test]
async fn no_consent_no_text_and_the_screen_says_why() {
    let shop = shop(false).await;
    let twilio = TwilioPeer::start().await;
    let messenger = shop.messenger().with(shop.twilio(&twilio));
    let draft = messenger.compose(&ready(shop.number)).await.unwrap();
    assert_eq!(draft.channel, None);
    let reasons: Vec<String> =
        draft.plan.not_offered.iter().map(|n| format!("{}: {}", n.channel.as_str(), n.why)).collect();
    assert!(reasons.iter().any(|r| r.starts_with("sms: no consent")), "{reasons:?}");
    assert!(reasons.iter().any(|r| r.starts_with("email: SendGrid is not connected")), "{reasons:?}");
    let error = messenger.send(&ready(shop.number)).await.unwrap_err().to_string();
    assert!(error.contains("no consent"), "{error}");
    assert_eq!(twilio.count(), 0);
    messenger.record_consent(shop.number, "said yes on the phone").await.unwrap();
    assert_eq!(messenger.send(&ready(shop.number)).await.unwrap()[0].state, "sent");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_background_pass_never_looks_up_a_text_still_being_sent() {
    let shop = shop(true).await;
    let twilio = TwilioPeer::start().await;
    let messenger = shop.messenger().with(shop.twilio(&twilio));
    // the same counter's background pass, and `dixon notify resume` run beside the app
    let cli = shop.messenger().with(shop.twilio(&twilio));
    twilio.set(Mode::CreateSlowly);
    let sending = tokio::spawn({
        let messenger = messenger.clone();
        let number = shop.number;
        async move { messenger.send(&ready(number)).await.unwrap() }
    });
    tokio::time::sleep(Duration::from_millis(100)).await;
    messenger.resume().await.unwrap();
    cli.resume().await.unwrap();
    let sent = sending.await.unwrap();
    assert_eq!(sent[0].state, "sent", "{}", sent[0].state_words);
    assert_eq!(twilio.count(), 1, "looked up mid-send, it would have been sent twice");
}

#[tokio::test]
async fn a_critical_alert_reaches_the_owner_by_text_and_every_counter_as_a_note() {
    use dixon_resilience::{Alert, Notifier, Severity};
    let shop = shop(true).await;
    let twilio = TwilioPeer::start().await;
    let messenger = shop.messenger().with(shop.twilio(&twilio));
    let mut settings = messenger.settings().await.unwrap();
    settings.owner_phone = Some("(559) 555-0177".into());
    messenger.save_settings(&settings).await.unwrap();
    let alert = |severity| Alert {
        id: 1,
        service: "stripe".into(),
        rule: "unavailable".into(),
        severity,
        message: "Stripe (card payments) has been down for 5 minutes.".into(),
        raised_at: chrono::Utc::now(),
        cleared_at: None,
        acknowledged_at: None,
    };
    let owner = dixon_notify::OwnerAlerts { messenger: messenger.clone() };
    owner.notify(&alert(Severity::Warning)).await;
    assert_eq!(twilio.count(), 0, "warnings stay on the screen");
    owner.notify(&alert(Severity::Critical)).await;
    assert_eq!(twilio.count(), 1);
    assert_eq!(twilio.sent.lock().unwrap()[0].to, "+15595550177", "the owner's phone, at night too (urgent)");
    let inbox = messenger.inbox(10).await.unwrap();
    assert_eq!(inbox.len(), 1);
    assert_eq!(
        (inbox[0].channel, inbox[0].subject.as_deref()),
        (Channel::InApp, Some("Dixon Counter: stripe needs attention"))
    );
    let bad = dixon_notify::MessagingSettings { quiet_from: "9pm".into(), ..settings.clone() };
    assert!(messenger.save_settings(&bad).await.unwrap_err().to_string().contains("not a time like 21:00"));
    let zone = dixon_notify::MessagingSettings { time_zone: "Mars/Olympus".into(), ..settings };
    assert!(messenger.save_settings(&zone).await.unwrap_err().to_string().contains("not a time zone"));
}

/// The eight fault scenarios for the email channel: exactly one email at SendGrid (found in its
/// activity feed when the answer was lost), or a clear "not sent" / "failed".
#[tokio::test]
async fn eight_fault_scenarios_for_email() {
    for (name, mode, state, at_sendgrid) in support::FAULTS {
        let shop = shop(false).await;
        let mut sendgrid = SendGridPeer::start().await;
        match mode {
            Some(mode) => sendgrid.set(mode),
            None => sendgrid.url = support::nothing_listening(),
        }
        let messenger = shop.messenger().with(shop.sendgrid(&sendgrid));
        let sent = messenger.send(&ready(shop.number)).await.unwrap();
        assert_eq!(sent.len(), 1, "{name}: no other channel to fall back to");
        assert_eq!(sent[0].state, state, "{name}: {}", sent[0].state_words);
        assert_eq!(sendgrid.count(), at_sendgrid, "{name}");
    }
}

/// The eight fault scenarios for push, against an SNS-shaped peer: SNS keeps no list to look a
/// publish up in, so a lost answer ends "not sent" (said so), never in a second push.
#[tokio::test]
async fn eight_fault_scenarios_for_push() {
    use dixon_test_peer::{Peer, Reply};
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    let published = "<PublishResponse><PublishResult><MessageId>m-1</MessageId></PublishResult></PublishResponse>";
    let cases: [(&str, Option<Reply>, &str); 8] = [
        ("happy path", Some(Reply::json(200, published)), "sent"),
        (
            "slow response",
            Some(Reply::Delayed(Duration::from_secs(3), Box::new(Reply::json(200, published)))),
            "not_sent",
        ),
        ("service down", None, "not_sent"),
        ("partial failure", Some(Reply::Reset), "not_sent"),
        (
            "flaky network",
            Some(Reply::json(503, "<ErrorResponse><Error><Code>ServiceUnavailable</Code></Error></ErrorResponse>")),
            "not_sent",
        ),
        (
            "rate limited",
            Some(Reply::json(429, "<ErrorResponse><Error><Code>Throttling</Code></Error></ErrorResponse>")),
            "not_sent",
        ),
        (
            "auth failure",
            Some(Reply::json(403, "<ErrorResponse><Error><Code>InvalidClientTokenId</Code></Error></ErrorResponse>")),
            "failed",
        ),
        ("corrupted body", Some(Reply::json(200, "<html>proxy error</html>")), "not_sent"),
    ];
    for (name, reply, state) in cases {
        let shop = shop(false).await;
        sqlx::query("UPDATE customers SET push_endpoint = 'arn:aws:sns:us-east-1:123456789012:endpoint/GCM/app/1', email = NULL")
            .execute(shop.store.pool())
            .await
            .unwrap();
        let hits = Arc::new(AtomicUsize::new(0));
        let url = match reply {
            Some(reply) => {
                let counted = hits.clone();
                Peer::start(move |_, _| {
                    counted.fetch_add(1, Ordering::SeqCst);
                    reply.clone()
                })
                .await
                .url("")
            }
            None => support::nothing_listening(),
        };
        let account = dixon_notify::SnsAccount {
            credentials: dixon_notify::sigv4::Credentials {
                access_key_id: "AKID".into(),
                secret_access_key: "secret".into(),
            },
            region: "us-east-1".into(),
        };
        let sns = dixon_notify::Sns::register(&shop.integrations, &url, account, support::quick());
        let messenger = shop.messenger().with(std::sync::Arc::new(sns));
        let sent = messenger.send(&ready(shop.number)).await.unwrap();
        assert_eq!(
            (sent[0].channel, sent[0].state.as_str()),
            (Channel::Push, state),
            "{name}: {}",
            sent[0].state_words
        );
        assert!(hits.load(Ordering::SeqCst) <= 1, "{name}: a publish is never repeated");
        if state == "not_sent" && hits.load(Ordering::SeqCst) == 1 {
            assert!(
                sent[0].state_words.contains("never twice") || sent[0].state_words.contains("not sent"),
                "{name}: {}",
                sent[0].state_words
            );
        }
    }
}

/// The eight fault scenarios for the text channel, each ending in exactly one message at
/// Twilio or a clear "not sent"/"failed" with the next channel tried.
#[tokio::test]
async fn eight_fault_scenarios_for_texts() {
    for (name, mode, state, at_twilio) in support::FAULTS {
        let shop = shop(true).await;
        let mut twilio = TwilioPeer::start().await;
        let sendgrid = SendGridPeer::start().await;
        match mode {
            Some(mode) => twilio.set(mode),
            None => twilio.url = support::nothing_listening(),
        }
        let messenger = shop.messenger().with(shop.twilio(&twilio)).with(shop.sendgrid(&sendgrid));
        let sent = messenger.send(&ready(shop.number)).await.unwrap();
        assert_eq!(sent[0].state, state, "{name}: {}", sent[0].state_words);
        assert_eq!(twilio.count(), at_twilio, "{name}");
        let fell_back = sent.get(1).map(|m| (m.channel, m.state.as_str()));
        let expected = (state != "sent").then_some((Channel::Email, "sent"));
        assert_eq!(fell_back, expected, "{name}: a text that did not go is emailed");
        assert_eq!(twilio.count() + sendgrid.count(), 1, "{name}: the customer got exactly one message");
    }
}

#[tokio::test]
async fn an_email_s_delivery_comes_from_relayed_events_and_a_refusal_says_why() {
    let shop = shop(false).await;
    let sendgrid = SendGridPeer::start().await;
    let messenger = shop.messenger().with(shop.sendgrid(&sendgrid));
    let sent = messenger.send(&ready(shop.number)).await.unwrap();
    assert_eq!((sent[0].channel, sent[0].state.as_str()), (Channel::Email, "sent"));
    // SendGrid's processed, then delivered event, relayed by the cloud
    for (n, event) in ["processed", "delivered"].into_iter().enumerate() {
        relay(
            &shop.store,
            "sendgrid",
            &format!("e{n}"),
            json!({"event": event, "dixon_message_id": sent[0].uid, "sg_event_id": format!("e{n}")}),
        )
        .await;
    }
    messenger.apply_relayed().await.unwrap();
    assert_eq!(messenger.messages(Some(shop.number)).await.unwrap()[0].state, "delivered");
    sendgrid.set(Mode::OptedOut); // a 400: the sender is not verified
    let refused = messenger.send(&ready(shop.number)).await.unwrap();
    assert_eq!(refused[0].state, "failed", "{}", refused[0].state_words);
    assert!(refused[0].state_words.contains("refused"), "{}", refused[0].state_words);
}
