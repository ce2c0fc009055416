//! Contract tests: our Twilio and SendGrid requests against Prism serving the vendors' own
//! OpenAPI files (a request that breaks the schema is answered 422 and fails here), and SNS
//! against moto's server, which checks the SigV4-signed calls and keeps what was published.

mod support;

use std::process::Stdio;
use std::time::Duration;

use chrono::Utc;
use dixon_notify::{
    Accepted, Attachment, Found, Outgoing, Provider, SendGrid, SendGridAccount, Sns, SnsAccount, Twilio, TwilioAccount,
};
use dixon_resilience::{Call, HealthState, Integrations, Policy};
use dixon_test_peer::{peers_dir, Prism};

/// The service's state on the Integrations screen after a health check now.
async fn health(integrations: &Integrations, id: &str) -> (HealthState, Option<String>) {
    integrations.check_health().await;
    let status = integrations.overview().await.unwrap().into_iter().find(|s| s.id == id).unwrap();
    (status.state, status.state_detail)
}

fn outgoing(to: &str) -> Outgoing {
    Outgoing {
        uid: "0b7c9a52-6f1e-4f1a-9d53-3c1f2b8e7a10".into(),
        to: to.into(),
        subject: Some("Your estimate from Dixon Auto Repair".into()),
        body: "Hi Pat, the estimate for your 2019 Honda Civic is ready: $412.50.".into(),
        attachment: Some(Attachment {
            filename: "estimate-1001.pdf".into(),
            mime: "application/pdf".into(),
            bytes: b"%PDF-1.7 test".to_vec(),
        }),
        shop_name: "Dixon Auto Repair".into(),
        shop_email: Some("service@dixonauto.example".into()),
        status_callback: Some("https://cloud.example/v1/relay/shop/twilio".into()),
    }
}

#[tokio::test]
async fn twilio_requests_match_twilio_s_openapi() {
    let prism = Prism::start("twilio_messages_subset.json").await;
    let shop = support::shop(true).await;
    let account = TwilioAccount {
        account_sid: "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".into(),
        auth_token: "token".into(),
        from: "+15595550199".into(),
        messaging_service_sid: None,
    };
    let twilio = Twilio::register(&shop.integrations, &prism.url, account, Policy::default());
    let message = outgoing("+15592345678");
    let Accepted { provider_id } = twilio.send(&message).await.expect("Prism accepts the create");
    assert!(provider_id.starts_with("SM"), "{provider_id}");
    let found = twilio.look_up(&message, Utc::now(), &[]).await.expect("Prism accepts the list");
    assert!(matches!(found, Found::Sent(_) | Found::NotSent), "{found:?}");
    twilio.report(&provider_id).await.expect("Prism accepts the fetch");
    assert_eq!(health(&shop.integrations, "twilio").await, (HealthState::Healthy, None));
    // the peer does check: a create without its required To is refused
    let url = format!("{}/2010-04-01/Accounts/ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/Messages.json", prism.url);
    let refused =
        reqwest::Client::new().post(url).basic_auth("AC", Some("t")).form(&[("Body", "hi")]).send().await.unwrap();
    assert_eq!(refused.status().as_u16(), 422);
}

#[tokio::test]
async fn sendgrid_mail_send_matches_sendgrid_s_openapi() {
    let prism = Prism::start("tsg_mail_v3.json").await;
    let shop = support::shop(true).await;
    let account = SendGridAccount { api_key: "SG.test".into(), from_email: "service@dixonauto.example".into() };
    let sendgrid = SendGrid::register(&shop.integrations, &prism.url, account, Policy::default());
    let message = outgoing("pat@example.com");
    sendgrid.send(&message).await.expect("Prism accepts the mail, attachment and reply-to included");
    assert_eq!(health(&shop.integrations, "sendgrid").await, (HealthState::Healthy, None), "a sandbox-mode mail/send");
    // the Email Activity API is an add-on outside mail/send: without it the look-up says so
    assert_eq!(sendgrid.look_up(&message, Utc::now(), &[]).await.unwrap(), Found::CannotTell);
}

/// moto's server on a free port, killed when dropped.
struct Moto(tokio::process::Child, String);

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.0.start_kill();
    }
}

async fn moto() -> Moto {
    let server = peers_dir().join(".venv/bin/moto_server");
    assert!(server.exists(), "moto is not installed: run `scripts/setup.sh --test`");
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let child = tokio::process::Command::new(server)
        .args(["-H", "127.0.0.1", "-p", &port.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("moto starts");
    let url = format!("http://127.0.0.1:{port}");
    for _ in 0..200 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
            return Moto(child, url);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("moto did not start within 10 s");
}

#[tokio::test]
async fn sns_push_to_a_platform_endpoint_and_a_disabled_one_through_moto() {
    let moto = moto().await;
    let shop = support::shop(true).await;
    let account = SnsAccount {
        credentials: dixon_notify::sigv4::Credentials {
            access_key_id: "AKIDEXAMPLE".into(),
            secret_access_key: "secret".into(),
        },
        region: "us-east-1".into(),
    };
    let sns = Sns::register(&shop.integrations, &moto.1, account, support::quick());
    let xml = sns
        .action(
            Call::unrepeatable_write("create app"),
            &[
                ("Action", "CreatePlatformApplication"),
                ("Name", "dixon-shop-app"),
                ("Platform", "GCM"),
                ("Attributes.entry.1.key", "PlatformCredential"),
                ("Attributes.entry.1.value", "server-key"),
            ],
        )
        .await
        .expect("moto takes our SigV4-signed call");
    let app = dixon_notify::sns::xml_text(&xml, "PlatformApplicationArn").unwrap().to_string();
    let endpoint = sns.register_device(&app, "device-token-1").await.unwrap();
    assert!(endpoint.starts_with("arn:aws:sns:us-east-1:"), "{endpoint}");

    assert_eq!(health(&shop.integrations, "sns").await, (HealthState::Healthy, None));
    let sent = sns.send(&outgoing(&endpoint)).await.expect("published");
    assert!(!sent.provider_id.is_empty());
    // moto keeps what was published: read it back
    let data: serde_json::Value =
        reqwest::get(format!("{}/moto-api/data.json", moto.1)).await.unwrap().json().await.unwrap();
    let text = data.to_string();
    assert!(text.contains("2019 Honda Civic is ready"), "the push is at moto: {}", &text[..text.len().min(400)]);

    sns.action(
        Call::unrepeatable_write("disable"),
        &[
            ("Action", "SetEndpointAttributes"),
            ("EndpointArn", &endpoint),
            ("Attributes.entry.1.key", "Enabled"),
            ("Attributes.entry.1.value", "false"),
        ],
    )
    .await
    .unwrap();
    let error = sns.send(&outgoing(&endpoint)).await.unwrap_err();
    assert_eq!(sns.error_code(&error).as_deref(), Some("EndpointDisabled"), "{error}");
    assert!(!error.is_transient(), "a disabled endpoint is never retried");
    assert!(dixon_notify::sns::explain("EndpointDisabled").contains("no longer takes notifications"));
}
