//! A message's state in the words a service writer reads, with what to do when it went wrong.

use chrono::{DateTime, Local, Utc};

use crate::route::Channel;

pub fn state(channel: Channel, state: &str, not_before: Option<DateTime<Utc>>, error: Option<&str>) -> String {
    let what = match channel {
        Channel::Sms => "Text",
        Channel::Email => "Email",
        Channel::Push => "Push notification",
        Channel::InApp => "Note",
    };
    let why = error.map(|e| format!(": {e}")).unwrap_or_default();
    match state {
        "scheduled" => match not_before {
            Some(at) => format!(
                "Waiting for the end of quiet hours: goes out at {}",
                at.with_timezone(&Local).format("%-I:%M %p on %b %-d")
            ),
            None => "Waiting for the end of quiet hours".into(),
        },
        "queued" => format!("{what} written, about to be sent"),
        "sending" => format!("{what} being sent"),
        "unknown" => format!(
            "{what}: the answer was lost on the way back; checking whether it went out (it is never sent twice){why}"
        ),
        "sent" => match channel {
            Channel::Email => "Accepted by SendGrid; not confirmed delivered yet".into(),
            Channel::Push => "Sent to the customer's phone".into(),
            _ => format!("{what} sent; waiting for the delivery report"),
        },
        "delivered" => format!("{what} delivered"),
        "undelivered" => format!("{what} not delivered{why}"),
        "failed" => format!("{what} failed{why}"),
        "not_sent" => format!("{what} not sent{why}"),
        "received" => "Received".into(),
        other => other.to_string(),
    }
}
