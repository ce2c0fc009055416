//! Texting and emailing the customer from a repair order (template, channel, segments, preview,
//! the conversation with each message's delivery), and Settings → Messaging.

use dixon_notify::{Channel, Compose, Draft, Message, MessagingSettings, Template};
use dixon_services::MessagingAccount;
use serde::{Deserialize, Serialize};
use specta::Type;
use tauri::State;

use super::{CommandError, CommandResult};
use crate::AppState;

impl From<dixon_notify::Error> for CommandError {
    fn from(e: dixon_notify::Error) -> CommandError {
        if matches!(e, dixon_notify::Error::Database(_)) {
            tracing::error!("message store error: {e}");
        }
        CommandError::new(e.kind(), e.to_string())
    }
}

/// A channel and whether this counter has its account.
#[derive(Debug, Clone, Serialize, Type)]
pub struct ChannelState {
    pub channel: Channel,
    pub connected: bool,
}

/// The repair order's messages panel.
#[derive(Debug, Clone, Serialize, Type)]
pub struct MessagePanel {
    pub messages: Vec<Message>,
    pub templates: Vec<Template>,
}

/// Settings → Messaging.
#[derive(Debug, Clone, Serialize, Type)]
pub struct MessagingPanel {
    pub settings: MessagingSettings,
    pub templates: Vec<Template>,
    pub channels: Vec<ChannelState>,
    /// Placeholders a template may use, with what fills them.
    pub placeholders: Vec<(String, String)>,
}

/// A messaging account typed in Settings → Messaging. Twilio: id = account SID, secret = auth
/// token, from = the shop's number. SendGrid: secret = API key, from = the verified sender.
/// SNS: id = access key id, secret = secret key, region.
#[derive(Debug, Clone, Deserialize, Type)]
pub struct ConnectMessaging {
    pub provider: String,
    pub id: String,
    pub secret: String,
    pub from: String,
    pub region: String,
}

#[tauri::command]
#[specta::specta]
pub async fn message_panel(state: State<'_, AppState>, repair_order: i64) -> CommandResult<MessagePanel> {
    let messenger = &state.services()?.messenger;
    Ok(MessagePanel {
        messages: messenger.messages(Some(repair_order)).await?,
        templates: messenger.templates().await?,
    })
}

/// Customers' replies and the owner's alerts, newest first (the counter screen's inbox).
#[tauri::command]
#[specta::specta]
pub async fn message_inbox(state: State<'_, AppState>) -> CommandResult<Vec<Message>> {
    Ok(state.services()?.messenger.inbox(20).await?)
}

/// The message as the customer will see it: channel (and why others are not offered), segments.
#[tauri::command]
#[specta::specta]
pub async fn preview_message(state: State<'_, AppState>, request: Compose) -> CommandResult<Draft> {
    Ok(state.services()?.messenger.compose(&request).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn send_message(state: State<'_, AppState>, request: Compose) -> CommandResult<Vec<Message>> {
    Ok(state.services()?.messenger.send(&request).await?)
}

/// Records that the customer agreed to texts, and how.
#[tauri::command]
#[specta::specta]
pub async fn record_text_consent(state: State<'_, AppState>, repair_order: i64, how: String) -> CommandResult<()> {
    Ok(state.services()?.messenger.record_consent(repair_order, &how).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn messaging_panel(state: State<'_, AppState>) -> CommandResult<MessagingPanel> {
    let messenger = &state.services()?.messenger;
    let channels = [Channel::Sms, Channel::Email, Channel::Push]
        .into_iter()
        .map(|channel| ChannelState { channel, connected: messenger.connected(channel) })
        .collect();
    Ok(MessagingPanel {
        settings: messenger.settings().await?,
        templates: messenger.templates().await?,
        channels,
        placeholders: dixon_notify::template::PLACEHOLDERS
            .iter()
            .map(|(p, what)| (p.to_string(), what.to_string()))
            .collect(),
    })
}

#[tauri::command]
#[specta::specta]
pub async fn save_messaging_settings(
    state: State<'_, AppState>,
    settings: MessagingSettings,
) -> CommandResult<MessagingSettings> {
    Ok(state.services()?.messenger.save_settings(&settings).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn save_message_template(state: State<'_, AppState>, template: Template) -> CommandResult<()> {
    Ok(state.services()?.messenger.save_template(&template).await?)
}

/// Saves a messaging account in the OS keychain; it is used at once.
#[tauri::command]
#[specta::specta]
pub async fn connect_messaging(state: State<'_, AppState>, account: ConnectMessaging) -> CommandResult<()> {
    let required = |value: &str, field: &str, what: &str| {
        if value.trim().is_empty() {
            Err(CommandError::invalid(field, what.to_string()))
        } else {
            Ok(value.trim().to_string())
        }
    };
    let account = match account.provider.as_str() {
        "twilio" => MessagingAccount::Twilio(dixon_notify::TwilioAccount {
            account_sid: required(&account.id, "id", "Type the Twilio account SID (AC…).")?,
            auth_token: required(&account.secret, "secret", "Type the Twilio auth token.")?,
            from: required(&account.from, "from", "Type the shop's Twilio number (+1…).")?,
            messaging_service_sid: None,
        }),
        "sendgrid" => MessagingAccount::Sendgrid(dixon_notify::SendGridAccount {
            api_key: required(&account.secret, "secret", "Type the SendGrid API key (SG.…).")?,
            from_email: required(&account.from, "from", "Type the sender address verified in SendGrid.")?,
        }),
        "sns" => MessagingAccount::Sns(dixon_notify::SnsAccount {
            credentials: dixon_notify::sigv4::Credentials {
                access_key_id: required(&account.id, "id", "Type the AWS access key id.")?,
                secret_access_key: required(&account.secret, "secret", "Type the AWS secret access key.")?,
            },
            region: required(&account.region, "region", "Type the AWS region (us-east-1).")?,
        }),
        other => return Err(CommandError::invalid("provider", format!("'{other}' is not twilio, sendgrid or sns."))),
    };
    state.services()?.connect_messaging(account).map_err(|e| CommandError::new("keychain", e.to_string()))
}
