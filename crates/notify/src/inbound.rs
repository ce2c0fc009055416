//! What Twilio and SendGrid tell the shop through the Dixon cloud's relay: texts from customers
//! (a reply for the conversation, or STOP / START), and delivery reports of what we sent. Every
//! counter applies them; the results merge to the same records (an inbound text's id is
//! Twilio's own, an opt-out's time the moment the cloud received it).

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::error::Result;
use crate::provider::Report;
use crate::route::{Channel, Priority};
use crate::store::{self, NewMessage};
use crate::{sendgrid, twilio, Messenger};

/// The words that opt a number out of texts (CTIA and Twilio's defaults), and back in.
pub const STOP_WORDS: [&str; 8] = ["STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT"];
pub const START_WORDS: [&str; 3] = ["START", "UNSTOP", "YES"];

/// What an inbound text asks, judged on its whole body as carriers do ("stop" alone, any case).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keyword {
    Stop,
    Start,
    None,
}

pub fn keyword(body: &str) -> Keyword {
    let word = body.trim().trim_end_matches(['.', '!']).to_ascii_uppercase();
    if STOP_WORDS.contains(&word.as_str()) {
        Keyword::Stop
    } else if START_WORDS.contains(&word.as_str()) && word != "YES" {
        Keyword::Start
    } else {
        Keyword::None
    }
}

impl Messenger {
    /// Applies the Twilio and SendGrid events the cloud relayed that this counter has not acted on.
    pub async fn apply_relayed(&self) -> Result<usize> {
        let events: Vec<(i64, String, String, String)> = sqlx::query_as(
            "SELECT id, provider, payload, received_at FROM relayed_events
              WHERE provider IN ('twilio', 'sendgrid') AND handled_at IS NULL ORDER BY id",
        )
        .fetch_all(self.store().pool())
        .await?;
        let count = events.len();
        for (id, provider, payload, received_at) in events {
            let received = DateTime::parse_from_rfc3339(&received_at)
                .map(|t| t.with_timezone(&Utc))
                .unwrap_or_else(|_| self.now_utc());
            match serde_json::from_str::<Value>(&payload) {
                Ok(event) if provider == "twilio" => self.twilio_event(&event, received).await?,
                Ok(event) => self.sendgrid_event(&event).await?,
                Err(_) => tracing::warn!(event = id, "a relayed {provider} event is not JSON; skipped"),
            }
            sqlx::query("UPDATE relayed_events SET handled_at = ? WHERE id = ?")
                .bind(dixon_clock::to_stored(self.now_utc()))
                .bind(id)
                .execute(self.store().pool())
                .await?;
        }
        Ok(count)
    }

    fn now_utc(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// A Twilio status callback (MessageStatus) or an inbound text (SmsStatus=received).
    async fn twilio_event(&self, event: &Value, received: DateTime<Utc>) -> Result<()> {
        let field = |name: &str| event.get(name).and_then(Value::as_str).filter(|s| !s.is_empty());
        let Some(sid) = field("MessageSid").or(field("SmsSid")) else { return Ok(()) };
        if let Some(id) = store::by_provider_id(self.store(), Channel::Sms, sid).await? {
            let status = field("MessageStatus").or(field("SmsStatus")).unwrap_or_default();
            if let Some(state) = twilio::state_of(status) {
                let report = Report { state, error_code: field("ErrorCode").map(str::to_string) };
                self.apply_report(id, &report).await?;
            }
            return Ok(());
        }
        let status = field("SmsStatus").or(field("MessageStatus")).unwrap_or_default();
        let (Some(from), Some(body)) = (field("From"), event.get("Body").and_then(Value::as_str)) else {
            return Ok(());
        };
        if status != "received" {
            return Ok(()); // a report of a message another counter sent: applied there
        }
        match keyword(body) {
            Keyword::Stop => {
                self.opt_out(from, received).await?;
            }
            Keyword::Start => {
                self.opt_in(from).await?;
            }
            Keyword::None => {}
        }
        let (customer_id, repair_order_id) = store::who_texted(self.store(), from).await?;
        let new = NewMessage {
            customer_id,
            repair_order_id,
            direction: "in",
            channel: Channel::Sms,
            template: None,
            priority: Priority::Normal,
            to_address: from,
            subject: None,
            body,
            attachment: None,
            state: "received",
            not_before: None,
            provider_id: Some(sid),
            fallback_of: None,
        };
        // Twilio's id makes the same text one record on every counter
        store::insert(self.store(), &new, &format!("twilio:{sid}"), received).await?;
        Ok(())
    }

    /// A SendGrid event about an email we sent (our id is in its custom_args).
    async fn sendgrid_event(&self, event: &Value) -> Result<()> {
        let Some(uid) = event.get(sendgrid::MESSAGE_ID_ARG).and_then(Value::as_str) else { return Ok(()) };
        let Some(id) = store::by_uid(self.store(), uid).await? else { return Ok(()) };
        let Some(state) = event.get("event").and_then(Value::as_str).and_then(sendgrid::state_of) else {
            return Ok(());
        };
        let reason = event.get("reason").or(event.get("response")).and_then(Value::as_str);
        if matches!(state, "undelivered" | "failed") {
            let why = format!(
                "the customer's mail server refused it{}. Check the address with the customer.",
                reason.map(|r| format!(" ({r})")).unwrap_or_default()
            );
            let change = store::Change { state, error: Some(&why), ..store::Change::default() };
            store::advance(self.store(), id, &change, self.now_utc()).await?;
            return Ok(());
        }
        self.apply_report(id, &Report { state, error_code: None }).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stop_words_are_whole_bodies_in_any_case() {
        for word in STOP_WORDS {
            assert_eq!(keyword(word), Keyword::Stop);
            assert_eq!(keyword(&format!("  {}. ", word.to_lowercase())), Keyword::Stop);
        }
        assert_eq!(keyword("Start"), Keyword::Start);
        assert_eq!(keyword("please don't stop the work"), Keyword::None);
        assert_eq!(keyword("YES"), Keyword::None, "YES approves an estimate; it is not an opt-in");
    }
}
