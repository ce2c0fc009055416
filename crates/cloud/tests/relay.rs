//! The relay: Stripe, Twilio and SendGrid call the cloud for a shop; a call with a valid signature
//! is handed to the shop's counters through its feed, once however often the service retries;
//! forged, stale and unknown-shop calls are refused and nothing is relayed.

mod support;

use base64::Engine;
use p256::ecdsa::signature::Signer;
use p256::ecdsa::{Signature, SigningKey, VerifyingKey};
use p256::pkcs8::EncodePublicKey;
use serde_json::Value;
use support::cloud;

fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64
}

async fn relayed_events(cloud: &support::Cloud, token: &str) -> Vec<Value> {
    let (_, page) = cloud.pull(token, "after=0").await;
    page["changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["topic"] == "relay_event.put")
        .map(|c| c["record"]["fields"].clone())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn signed_calls_reach_the_counters_once_and_forged_or_stale_ones_do_not() {
    let cloud = cloud().await;
    let (shop, front) = cloud.shop_with_counter("Shop A").await;
    let (other_shop, other) = cloud.shop_with_counter("Shop B").await;
    let signing = SigningKey::random(&mut rand_core::OsRng);
    let public = VerifyingKey::from(&signing).to_public_key_der().unwrap();
    let public = base64::engine::general_purpose::STANDARD.encode(public.as_bytes());
    cloud.admin.set_relay_secret(shop, "stripe", "whsec_shop_a").await.unwrap();
    cloud.admin.set_relay_secret(shop, "twilio", "twilio_token_a").await.unwrap();
    cloud.admin.set_relay_secret(shop, "sendgrid", &public).await.unwrap();
    cloud.admin.set_relay_secret(other_shop, "stripe", "whsec_shop_b").await.unwrap();
    assert!(cloud.admin.set_relay_secret(shop, "paypal", "x").await.is_err());
    let post = |path: String, body: Vec<u8>, headers: Vec<(&'static str, String)>| {
        let mut request = cloud.http.post(format!("{}{path}", cloud.base)).body(body);
        for (name, value) in headers {
            request = request.header(name, value);
        }
        async move {
            let reply = request.send().await.unwrap();
            (reply.status().as_u16(), reply.json::<Value>().await.unwrap_or(Value::Null))
        }
    };

    // Stripe: valid (twice: Stripe retries), forged, stale, and shop A's event sent to shop B
    let event = br#"{"id":"evt_1","type":"payment_intent.succeeded","data":{"object":{"id":"pi_1"}}}"#.to_vec();
    let stripe = format!("/v1/relay/{shop}/stripe");
    let signed = dixon_webhooks::stripe::sign(&event, "whsec_shop_a", now());
    let (status, answer) = post(stripe.clone(), event.clone(), vec![("stripe-signature", signed.clone())]).await;
    assert_eq!((status, answer["relayed"].as_i64()), (200, Some(1)), "{answer}");
    let (_, again) = post(stripe.clone(), event.clone(), vec![("stripe-signature", signed.clone())]).await;
    assert_eq!(again["relayed"], 0, "a retried event is not relayed twice");
    let forged = dixon_webhooks::stripe::sign(&event, "whsec_attacker", now());
    let (status, refused) = post(stripe.clone(), event.clone(), vec![("stripe-signature", forged)]).await;
    assert_eq!(status, 403);
    assert!(refused["message"].as_str().unwrap().contains("no signature matches"), "{refused}");
    let stale = dixon_webhooks::stripe::sign(&event, "whsec_shop_a", now() - 3600);
    let (status, refused) = post(stripe.clone(), event.clone(), vec![("stripe-signature", stale)]).await;
    assert_eq!(status, 403);
    assert!(refused["message"].as_str().unwrap().contains("more than the 300 s"), "{refused}");
    let (status, _) =
        post(format!("/v1/relay/{other_shop}/stripe"), event.clone(), vec![("stripe-signature", signed)]).await;
    assert_eq!(status, 403, "shop A's event, signed with A's secret, is not taken for shop B");
    let (status, _) = post(format!("/v1/relay/{}/stripe", uuid::Uuid::new_v4()), event.clone(), vec![]).await;
    assert_eq!(status, 403, "an unknown shop looks like a shop without the service");

    // Twilio: the customer's reply, signed over the URL Twilio called and the form fields
    let twilio = format!("/v1/relay/{shop}/twilio");
    let url = format!("{}{twilio}", cloud.base);
    let fields = [("MessageSid", "SM1"), ("From", "+15552345678"), ("Body", "Yes, go ahead")];
    let params: Vec<(String, String)> = fields.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    let body = "MessageSid=SM1&From=%2B15552345678&Body=Yes%2C+go+ahead".as_bytes().to_vec();
    let signature = dixon_webhooks::twilio::sign(&url, &params, "twilio_token_a");
    let form = ("content-type", "application/x-www-form-urlencoded".to_string());
    let (status, answer) =
        post(twilio.clone(), body.clone(), vec![form.clone(), ("x-twilio-signature", signature.clone())]).await;
    assert_eq!((status, answer["relayed"].as_i64()), (200, Some(1)), "{answer}");
    let tampered = "MessageSid=SM1&From=%2B15552345678&Body=No".as_bytes().to_vec();
    let (status, _) = post(twilio.clone(), tampered, vec![form.clone(), ("x-twilio-signature", signature)]).await;
    assert_eq!(status, 403);
    let wrong_token = dixon_webhooks::twilio::sign(&url, &params, "another_token");
    let (status, _) = post(twilio.clone(), body, vec![form, ("x-twilio-signature", wrong_token)]).await;
    assert_eq!(status, 403);

    // SendGrid: a signed batch of two events; a forged and a stale one
    let batch = br#"[{"email":"pat@example.com","event":"delivered","sg_event_id":"e1"},{"email":"pat@example.com","event":"open","sg_event_id":"e2"}]"#.to_vec();
    let sign = |at: i64, body: &[u8], key: &SigningKey| {
        let mut signed = at.to_string().into_bytes();
        signed.extend_from_slice(body);
        let signature: Signature = key.sign(&signed);
        base64::engine::general_purpose::STANDARD.encode(signature.to_der().as_bytes())
    };
    let sendgrid = format!("/v1/relay/{shop}/sendgrid");
    let headers = |at: i64, signature: String| {
        vec![
            ("x-twilio-email-event-webhook-signature", signature),
            ("x-twilio-email-event-webhook-timestamp", at.to_string()),
        ]
    };
    let at = now();
    let (status, answer) = post(sendgrid.clone(), batch.clone(), headers(at, sign(at, &batch, &signing))).await;
    assert_eq!((status, answer["relayed"].as_i64()), (200, Some(2)), "{answer}");
    let impostor = SigningKey::random(&mut rand_core::OsRng);
    let (status, _) = post(sendgrid.clone(), batch.clone(), headers(at, sign(at, &batch, &impostor))).await;
    assert_eq!(status, 403);
    let old = now() - 3600;
    let (status, _) = post(sendgrid.clone(), batch.clone(), headers(old, sign(old, &batch, &signing))).await;
    assert_eq!(status, 403);

    // the shop's counters get each event once, through the feed; the other shop gets none
    let events = relayed_events(&cloud, &front).await;
    let keys: Vec<(&str, &str)> =
        events.iter().map(|e| (e["provider"].as_str().unwrap(), e["event_key"].as_str().unwrap())).collect();
    assert_eq!(keys, [("stripe", "evt_1"), ("twilio", "SM1:received"), ("sendgrid", "e1"), ("sendgrid", "e2")]);
    assert!(
        events[0]["signature"].as_str().unwrap().starts_with("t="),
        "the counter can check Stripe's signature itself"
    );
    assert!(events[1]["payload"].as_str().unwrap().contains("Yes, go ahead"));
    assert!(relayed_events(&cloud, &other).await.is_empty());
    // a counter can't make up relayed calls
    let forged = serde_json::json!({ "protocol": 2, "changes": [{
        "id": uuid::Uuid::new_v4(), "device_seq": 1, "topic": "relay_event.put", "entity_uid": "stripe:evt_9",
        "payload": { "fields": { "provider": "stripe", "event_key": "evt_9", "payload": "{}", "received_at": "x" } },
        "hlc": "1.0.front" }] });
    let (_, answer) = cloud.push(&front, forged).await;
    assert!(answer["results"][0]["reason"].as_str().unwrap().contains("recorded by the cloud"), "{answer}");
}
