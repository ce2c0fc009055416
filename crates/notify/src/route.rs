//! Which channel a message goes by, and when: the customer's preferred channel first, then the
//! others they can be reached on, each offered only when it is allowed (a text needs a mobile
//! number, recorded consent and no STOP) and connected on this counter. Texts and pushes that
//! are not urgent wait out the shop's quiet hours. Pure rules, no I/O.

use chrono::{DateTime, Duration, NaiveTime, TimeZone, Utc};
use serde::{Deserialize, Serialize};

use dixon_shop::ContactMethod;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
// the type's name in TypeScript, where Tauri has a `Channel` of its own (JSON is unchanged)
#[serde(rename = "MessageChannel", rename_all = "snake_case")]
pub enum Channel {
    Sms,
    Email,
    Push,
    /// A note on every counter of the shop (the owner's alerts, replies to read).
    InApp,
}

impl Channel {
    pub const CUSTOMER: [Channel; 3] = [Channel::Sms, Channel::Email, Channel::Push];

    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Sms => "sms",
            Channel::Email => "email",
            Channel::Push => "push",
            Channel::InApp => "in_app",
        }
    }

    pub fn parse(text: &str) -> Option<Channel> {
        match text.trim().to_ascii_lowercase().as_str() {
            "sms" | "text" | "mms" => Some(Channel::Sms),
            "email" | "e-mail" => Some(Channel::Email),
            "push" => Some(Channel::Push),
            "in_app" | "in-app" => Some(Channel::InApp),
            _ => None,
        }
    }

    /// "text", "email", "push notification".
    pub fn words(self) -> &'static str {
        match self {
            Channel::Sms => "text",
            Channel::Email => "email",
            Channel::Push => "push notification",
            Channel::InApp => "in-app note",
        }
    }
}

/// How urgent a message is. Urgent ones go out in quiet hours too, and fall back to the next
/// channel when the first one's delivery fails, not only when it can't be sent.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    #[default]
    Normal,
    High,
}

impl Priority {
    pub fn as_str(self) -> &'static str {
        match self {
            Priority::Normal => "normal",
            Priority::High => "high",
        }
    }
}

/// What routing needs to know about the person.
#[derive(Debug, Clone, Default)]
pub struct Recipient {
    pub phone: Option<String>,
    pub email: Option<String>,
    pub push_endpoint: Option<String>,
    pub preferred: ContactMethod,
    pub sms_consent: bool,
    /// When they texted STOP (or Twilio answered 21610).
    pub opted_out_at: Option<String>,
}

/// A channel not offered, and why, in words for the screen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct NotOffered {
    pub channel: Channel,
    pub why: String,
}

/// The channels to try, in order, and the ones left out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Plan {
    pub channels: Vec<Channel>,
    pub not_offered: Vec<NotOffered>,
}

/// Orders the customer's channels: preferred first (a customer who prefers calls is texted when
/// they agreed to texts, else emailed), then text, email, push. `connected` says whether this
/// counter has an account for a channel.
pub fn plan(recipient: &Recipient, connected: impl Fn(Channel) -> bool) -> Plan {
    let preferred = match recipient.preferred {
        ContactMethod::Text | ContactMethod::Call => Channel::Sms,
        ContactMethod::Email => Channel::Email,
    };
    let mut order = vec![preferred];
    order.extend(Channel::CUSTOMER.into_iter().filter(|c| *c != preferred));
    let mut plan = Plan { channels: Vec::new(), not_offered: Vec::new() };
    for channel in order {
        match why_not(recipient, channel, &connected) {
            None => plan.channels.push(channel),
            Some(why) => plan.not_offered.push(NotOffered { channel, why }),
        }
    }
    plan
}

fn why_not(recipient: &Recipient, channel: Channel, connected: &impl Fn(Channel) -> bool) -> Option<String> {
    let present = |v: &Option<String>| v.as_deref().is_some_and(|s| !s.trim().is_empty());
    match channel {
        Channel::Sms if !present(&recipient.phone) => Some("no mobile number on file".into()),
        Channel::Sms if recipient.opted_out_at.is_some() => Some(format!(
            "the customer texted STOP on {}: they are never texted until they text START",
            recipient.opted_out_at.as_deref().and_then(|at| at.get(..10)).unwrap_or("an earlier day")
        )),
        Channel::Sms if !recipient.sms_consent => Some(
            "no consent to texts on file: ask the customer, then record it (dixon customer consent, or the repair order's customer panel)"
                .into(),
        ),
        Channel::Email if !present(&recipient.email) => Some("no email address on file".into()),
        Channel::Push if !present(&recipient.push_endpoint) => Some("the customer has not installed the shop's app".into()),
        Channel::InApp => Some("in-app notes are for the shop, not the customer".into()),
        _ if !connected(channel) => Some(format!(
            "{} is not connected on this counter (Settings → Messaging)",
            match channel {
                Channel::Sms => "Twilio",
                Channel::Email => "SendGrid",
                _ => "AWS SNS",
            }
        )),
        _ => None,
    }
}

/// The shop's quiet hours: from `from` until `until` local time (they may cross midnight).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuietHours {
    pub from: NaiveTime,
    pub until: NaiveTime,
}

impl Default for QuietHours {
    /// 21:00 to 8:00.
    fn default() -> QuietHours {
        QuietHours {
            from: NaiveTime::from_hms_opt(21, 0, 0).unwrap(),
            until: NaiveTime::from_hms_opt(8, 0, 0).unwrap(),
        }
    }
}

impl QuietHours {
    /// When a message that must not go out now may go, in the shop's zone `tz`; `None` when
    /// `now` is outside quiet hours (or the message is urgent, or not a text or push).
    pub fn hold_until<Tz: TimeZone>(
        &self,
        now: DateTime<Utc>,
        tz: &Tz,
        channel: Channel,
        priority: Priority,
    ) -> Option<DateTime<Utc>> {
        if priority == Priority::High || !matches!(channel, Channel::Sms | Channel::Push) || self.from == self.until {
            return None;
        }
        let local = now.with_timezone(tz);
        let time = local.time();
        let quiet = if self.from < self.until {
            time >= self.from && time < self.until
        } else {
            time >= self.from || time < self.until
        };
        if !quiet {
            return None;
        }
        let mut day = local.date_naive();
        if time >= self.until {
            day += Duration::days(1);
        }
        // the first instant at or after `until` that day (a DST gap moves it forward)
        (0..4)
            .find_map(|hour| tz.from_local_datetime(&day.and_time(self.until + Duration::hours(hour))).earliest())
            .map(|at| at.with_timezone(&Utc))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn customer() -> Recipient {
        Recipient {
            phone: Some("+15555550100".into()),
            email: Some("pat@example.com".into()),
            push_endpoint: None,
            preferred: ContactMethod::Email,
            sms_consent: true,
            opted_out_at: None,
        }
    }

    #[test]
    fn preferred_channel_first_then_the_others_allowed() {
        let plan = plan(&customer(), |_| true);
        assert_eq!(plan.channels, [Channel::Email, Channel::Sms]);
        assert_eq!(plan.not_offered[0].channel, Channel::Push);
        let texter = Recipient { preferred: ContactMethod::Text, ..customer() };
        assert_eq!(super::plan(&texter, |_| true).channels, [Channel::Sms, Channel::Email]);
    }

    #[test]
    fn texts_need_consent_and_no_stop_and_twilio() {
        let no_consent = Recipient { sms_consent: false, preferred: ContactMethod::Text, ..customer() };
        let plan = plan(&no_consent, |_| true);
        assert_eq!(plan.channels, [Channel::Email]);
        assert!(plan.not_offered[0].why.contains("no consent"), "{:?}", plan.not_offered);

        let stopped = Recipient { opted_out_at: Some("2026-12-01T18:00:00Z".into()), ..customer() };
        let why = &super::plan(&stopped, |_| true).not_offered[0].why;
        assert!(why.contains("texted STOP on 2026-12-01"), "{why}");

        let why = &super::plan(&customer(), |c| c != Channel::Sms).not_offered[0].why;
        assert!(why.contains("Twilio is not connected"), "{why}");
        let nobody = Recipient { phone: None, email: None, ..customer() };
        assert!(super::plan(&nobody, |_| true).channels.is_empty());
    }

    #[test]
    fn quiet_hours_hold_texts_until_eight_in_the_shop_s_zone() {
        let tz = chrono_tz::America::Los_Angeles;
        let quiet = QuietHours::default();
        let at = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc);
        // 22:30 in Los Angeles (PST, UTC-8)
        let late = at("2026-12-04T06:30:00Z");
        assert_eq!(quiet.hold_until(late, &tz, Channel::Sms, Priority::Normal), Some(at("2026-12-04T16:00:00Z")));
        // 6:00 the same morning: held until 8:00 that day
        assert_eq!(
            quiet.hold_until(at("2026-12-04T14:00:00Z"), &tz, Channel::Sms, Priority::Normal),
            Some(at("2026-12-04T16:00:00Z"))
        );
        // noon: goes now
        assert_eq!(quiet.hold_until(at("2026-12-04T20:00:00Z"), &tz, Channel::Sms, Priority::Normal), None);
        assert_eq!(quiet.hold_until(late, &tz, Channel::Sms, Priority::High), None, "urgent goes now");
        assert_eq!(quiet.hold_until(late, &tz, Channel::Email, Priority::Normal), None, "email never waits");
        // 20:59 is not quiet, 21:00 is
        assert_eq!(quiet.hold_until(at("2026-12-04T04:59:00Z"), &tz, Channel::Push, Priority::Normal), None);
        assert!(quiet.hold_until(at("2026-12-04T05:00:00Z"), &tz, Channel::Push, Priority::Normal).is_some());
    }
}
