//! The relay: outside services call the cloud for a shop (a counter behind the shop's router
//! can't be reached), the cloud checks the call's signature with the secret the shop's operator
//! set (`dixon-cloud relay set`), and hands it to the shop's counters through the same feed as
//! every change — as a `relay_event` record, once per event however often the service retries.
//!
//! `POST /v1/relay/{shop}/stripe` (Stripe-Signature, 5 minutes), `/twilio` (X-Twilio-Signature
//! over the URL Twilio called — the `Host` and `X-Forwarded-Proto` headers give it behind a proxy
//! — and the form fields; an event is a message id and its status), `/sendgrid` (a batch of
//! signed events, each its own record by `sg_event_id`).

use serde_json::{json, Value};
use uuid::Uuid;

use dixon_shop::replica::{self, Edit, Kind};

use crate::sync::{append, lock_feed, set_feed_end, Change, Feeds};
use crate::{Error, Result, Tenant};

/// The feed's "device" for calls relayed from outside services.
pub const RELAY_DEVICE: Uuid = Uuid::nil();

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Provider {
    Stripe,
    Twilio,
    SendGrid,
    /// The customer's answer from the approval page (the cloud's own page, never a relay URL).
    Approval,
}

impl Provider {
    pub fn parse(name: &str) -> Option<Provider> {
        match name {
            "stripe" => Some(Provider::Stripe),
            "twilio" => Some(Provider::Twilio),
            "sendgrid" => Some(Provider::SendGrid),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Provider::Stripe => "stripe",
            Provider::Twilio => "twilio",
            Provider::SendGrid => "sendgrid",
            Provider::Approval => "approval",
        }
    }
}

/// One call as it arrived.
pub struct Call<'a> {
    pub body: &'a [u8],
    /// The full URL the service called (Twilio signs it).
    pub url: String,
    pub header: &'a (dyn Fn(&str) -> Option<String> + Sync),
    pub now: i64,
}

/// One event to hand on: its key (for once-only), what the counters get, and the signature.
pub(crate) struct Event {
    pub key: String,
    pub payload: String,
    pub signature: Option<String>,
}

/// Checks `call` for `shop` and appends its events to the shop's feed; how many were new.
pub async fn receive(
    pool: &sqlx::PgPool,
    feeds: &Feeds,
    shop: Uuid,
    provider: Provider,
    call: Call<'_>,
) -> Result<usize> {
    let mut tenant = Tenant::begin(pool, shop).await?;
    let secret: Option<String> =
        sqlx::query_scalar("SELECT secret FROM relay_secrets WHERE shop_id = $1 AND provider = $2")
            .bind(shop)
            .bind(provider.as_str())
            .fetch_optional(&mut *tenant.tx)
            .await?;
    // the same answer for an unknown shop and a shop without this service: nothing to learn
    let secret = secret.ok_or(Error::Forbidden(format!("This address takes no {} calls.", provider.as_str())))?;
    let events = check(provider, &call, &secret)?;
    let new = append_events(&mut tenant, provider, events, call.now).await?;
    tenant.tx.commit().await?;
    if new > 0 {
        feeds.wake(shop);
    }
    tracing::info!(%shop, provider = provider.as_str(), new, "relayed a call");
    Ok(new)
}

fn refused(e: dixon_webhooks::Error) -> Error {
    match e {
        dixon_webhooks::Error::Malformed(_) => Error::BadRequest(format!("Refused: {e}.")),
        other => Error::Forbidden(format!("Refused: {other}.")),
    }
}

fn check(provider: Provider, call: &Call<'_>, secret: &str) -> Result<Vec<Event>> {
    let unreadable = |what: &str| Error::BadRequest(format!("The {what} can't be read; nothing was relayed."));
    match provider {
        Provider::Stripe => {
            let signature = (call.header)("stripe-signature").unwrap_or_default();
            dixon_webhooks::stripe::verify(call.body, &signature, secret, call.now).map_err(refused)?;
            let event: Value = serde_json::from_slice(call.body).map_err(|_| unreadable("Stripe event"))?;
            let id = event["id"].as_str().ok_or_else(|| unreadable("Stripe event's id"))?;
            let payload = String::from_utf8(call.body.to_vec()).map_err(|_| unreadable("Stripe event"))?;
            Ok(vec![Event { key: id.to_string(), payload, signature: Some(signature) }])
        }
        Provider::Twilio => {
            let params: Vec<(String, String)> = form_urlencoded(call.body);
            let signature = (call.header)("x-twilio-signature").unwrap_or_default();
            dixon_webhooks::twilio::verify(&call.url, &params, &signature, secret).map_err(refused)?;
            let field = |name: &str| params.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
            let sid = field("MessageSid").or(field("SmsSid")).ok_or_else(|| unreadable("Twilio message id"))?;
            let status = field("MessageStatus").or(field("SmsStatus")).unwrap_or("received");
            let fields: serde_json::Map<String, Value> =
                params.iter().map(|(k, v)| (k.clone(), Value::from(v.as_str()))).collect();
            Ok(vec![Event {
                key: format!("{sid}:{status}"),
                payload: Value::Object(fields).to_string(),
                signature: None,
            }])
        }
        Provider::Approval => Err(Error::Forbidden("This address takes no calls.".into())),
        Provider::SendGrid => {
            let signature = (call.header)(dixon_webhooks::sendgrid::SIGNATURE_HEADER).unwrap_or_default();
            let timestamp = (call.header)(dixon_webhooks::sendgrid::TIMESTAMP_HEADER).unwrap_or_default();
            dixon_webhooks::sendgrid::verify(call.body, &signature, &timestamp, secret, call.now).map_err(refused)?;
            let events: Vec<Value> =
                serde_json::from_slice(call.body).map_err(|_| unreadable("SendGrid event batch"))?;
            events
                .into_iter()
                .map(|event| {
                    let id = event["sg_event_id"].as_str().ok_or_else(|| unreadable("SendGrid event's sg_event_id"))?;
                    Ok(Event { key: id.to_string(), payload: event.to_string(), signature: None })
                })
                .collect()
        }
    }
}

/// Appends the events not seen before to the shop's feed; how many that was.
pub(crate) async fn append_events(
    tenant: &mut Tenant,
    provider: Provider,
    events: Vec<Event>,
    now: i64,
) -> Result<usize> {
    let shop = tenant.shop;
    let tx = &mut tenant.tx;
    let mut last_seq = lock_feed(tx, shop).await?;
    let mut device_seq: i64 =
        sqlx::query_scalar("SELECT coalesce(max(device_seq), 0) FROM changes WHERE shop_id = $1 AND device_id = $2")
            .bind(shop)
            .bind(RELAY_DEVICE)
            .fetch_one(&mut **tx)
            .await?;
    let mut new = 0;
    for event in events {
        let uid = format!("{}:{}", provider.as_str(), event.key);
        let seen: bool = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM records WHERE shop_id = $1 AND kind = 'relay_event' AND uid = $2)",
        )
        .bind(shop)
        .bind(&uid)
        .fetch_one(&mut **tx)
        .await?;
        if seen {
            continue; // the service retried: its event is in the feed already
        }
        // to the microsecond, like every time the counters store: a reply sorts after the text
        // it answers even within the same second
        let received_at = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
        let fields = json!({
            "provider": provider.as_str(), "event_key": event.key, "payload": event.payload,
            "signature": event.signature, "received_at": received_at,
        });
        let fields = fields.as_object().cloned().unwrap_or_default();
        let edit = Edit::put(Kind::RelayEvent, &uid, fields);
        let hlc = format!("{}.0.relay", now * 1000);
        let record = replica::merge(None, &edit, &hlc).map_err(Error::Internal)?;
        (last_seq, device_seq) = (last_seq + 1, device_seq + 1);
        let change = Change {
            id: Uuid::new_v4(),
            device_seq,
            topic: edit.topic(),
            entity_uid: uid,
            payload: edit.payload(),
            hlc,
        };
        append(tx, shop, last_seq, RELAY_DEVICE, &change, &record).await?;
        new += 1;
    }
    set_feed_end(tx, shop, last_seq).await?;
    Ok(new)
}

/// `a=1&b=two+words` → pairs, percent-decoded.
pub(crate) fn form_urlencoded(body: &[u8]) -> Vec<(String, String)> {
    fn decode(text: &str) -> String {
        let bytes = text.as_bytes();
        let mut out = Vec::with_capacity(bytes.len());
        let mut i = 0;
        while i < bytes.len() {
            match bytes[i] {
                b'+' => out.push(b' '),
                b'%' if i + 3 <= bytes.len() => {
                    let hex = |b: u8| (b as char).to_digit(16).map(|d| d as u8);
                    match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                        (Some(high), Some(low)) => {
                            out.push(high * 16 + low);
                            i += 2;
                        }
                        _ => out.push(b'%'),
                    }
                }
                b => out.push(b),
            }
            i += 1;
        }
        String::from_utf8_lossy(&out).into_owned()
    }
    String::from_utf8_lossy(body)
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| match pair.split_once('=') {
            Some((k, v)) => (decode(k), decode(v)),
            None => (decode(pair), String::new()),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_read_right() {
        let pairs = form_urlencoded(b"Body=Yes%2C+go+ahead&From=%2B15552345678&Empty=&Bad=%zz");
        assert_eq!(pairs[0], ("Body".into(), "Yes, go ahead".into()));
        assert_eq!(pairs[1], ("From".into(), "+15552345678".into()));
        assert_eq!(pairs[2], ("Empty".into(), "".into()));
        assert_eq!(pairs[3], ("Bad".into(), "%zz".into()));
        assert_eq!(form_urlencoded("Body=caf%C3%A9%E2%82".as_bytes())[0].1, "café\u{fffd}");
    }
}
