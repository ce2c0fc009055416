//! A fault-injecting HTTP peer on 127.0.0.1: real sockets, misbehaving on purpose.
//!
//! | path | behaviour |
//! |---|---|
//! | `/ok` | 200 `{"value":"hello"}` |
//! | `/slow` | waits 2 s, then 200 |
//! | `/partial/good`, `/partial/bad` | 200 / 500 |
//! | `/flaky` | the first two connections are reset without an answer, then 200 |
//! | `/rate` | 429 with `Retry-After: 1` once, then 200 |
//! | `/rate-long` | 429 with `Retry-After: 120` |
//! | `/unavailable` | 503 |
//! | `/auth` | 401 |
//! | `/corrupt` | 200 with a truncated JSON body |
//! | `/wrong-shape` | 200 with JSON of another shape |
//! | `/echo-phone` | 400 whose body echoes a phone number and an API key |

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

#[derive(Clone, Default)]
pub struct Peer {
    /// Requests seen per path (resets included).
    hits: Arc<Mutex<HashMap<String, usize>>>,
    /// `Idempotency-Key` headers seen, in order.
    pub idempotency_keys: Arc<Mutex<Vec<String>>>,
    pub addr: Option<SocketAddr>,
}

impl Peer {
    pub async fn start() -> Peer {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let peer = Peer { addr: Some(listener.local_addr().unwrap()), ..Peer::default() };
        let serving = peer.clone();
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else { return };
                let peer = serving.clone();
                tokio::spawn(async move { peer.serve(stream).await });
            }
        });
        peer
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr.unwrap())
    }

    pub fn hits(&self, path: &str) -> usize {
        self.hits.lock().unwrap().get(path).copied().unwrap_or(0)
    }

    async fn serve(&self, mut stream: TcpStream) {
        let mut buf = Vec::new();
        let mut chunk = [0u8; 4096];
        while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        }
        let head = String::from_utf8_lossy(&buf).to_string();
        let path = head.split_whitespace().nth(1).unwrap_or("/").to_string();
        for line in head.lines() {
            if let Some(key) = line.strip_prefix("idempotency-key: ").or_else(|| line.strip_prefix("Idempotency-Key: "))
            {
                self.idempotency_keys.lock().unwrap().push(key.trim().to_string());
            }
        }
        let hit = {
            let mut hits = self.hits.lock().unwrap();
            let n = hits.entry(path.clone()).or_default();
            *n += 1;
            *n
        };
        let (status, extra, body): (u16, &str, String) = match path.as_str() {
            "/ok" | "/partial/good" => (200, "", r#"{"value":"hello"}"#.into()),
            "/slow" => {
                tokio::time::sleep(Duration::from_secs(2)).await;
                (200, "", r#"{"value":"slow"}"#.into())
            }
            "/partial/bad" | "/unavailable" => (503, "", r#"{"error":"maintenance"}"#.into()),
            "/flaky" if hit <= 2 => {
                // Reset the connection: linger 0 makes close send RST instead of FIN (and with a
                // zero linger the close does not block).
                #[allow(deprecated)]
                let _ = stream.set_linger(Some(Duration::ZERO));
                return;
            }
            "/flaky" => (200, "", r#"{"value":"steady"}"#.into()),
            "/rate" if hit == 1 => (429, "Retry-After: 1\r\n", r#"{"error":"slow down"}"#.into()),
            "/rate" => (200, "", r#"{"value":"patient"}"#.into()),
            "/rate-long" => (429, "Retry-After: 120\r\n", r#"{"error":"slow down"}"#.into()),
            "/auth" => (401, "", r#"{"error":"invalid api key"}"#.into()),
            "/corrupt" => (200, "", r#"{"value": "hel"#.into()),
            "/wrong-shape" => (200, "", r#"{"values":[1,2,3]}"#.into()),
            "/echo-phone" => {
                (400, "", r#"{"error":"bad number +1 (559) 234-5678 for key sk_test_4eC39HqLyjWDarjtT1zdp7dc"}"#.into())
            }
            _ => (404, "", r#"{"error":"no such path"}"#.into()),
        };
        let response = format!(
            "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n{extra}\r\n{body}",
            body.len()
        );
        let _ = stream.write_all(response.as_bytes()).await;
        let _ = stream.shutdown().await;
    }
}

/// An address where nothing listens.
pub async fn closed_port_url() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    format!("http://{addr}/ok")
}
