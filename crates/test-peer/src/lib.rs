//! Real HTTP/1.1 peers on 127.0.0.1 for integration tests — never a mock object: the client
//! under test opens real sockets and reads real bytes, including the bad ones.
//!
//! [`Peer::start`] takes a handler that sees each [`Request`] (and how many times its path was
//! hit) and answers with a [`Reply`]: a status and body, a reset connection, or a delay first.
//! [`recorded`] builds a handler that replays recorded responses keyed by path and query.
//! [`Prism`] serves a vendor's own OpenAPI description (contract tests). [`Postgres`] runs a
//! throw-away PostgreSQL cluster (the Dixon cloud's tests).
//!
//! ```no_run
//! # async fn demo() {
//! use dixon_test_peer::{Peer, Reply};
//! let peer = Peer::start(|request, _hit| match request.path.as_str() {
//!     "/ok" => Reply::json(200, r#"{"value":"hello"}"#),
//!     _ => Reply::Reset,
//! })
//! .await;
//! let url = peer.url("/ok");
//! # }
//! ```

mod postgres;
mod prism;

pub use postgres::Postgres;
pub use prism::{peers_dir, Prism};

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// What the peer received.
#[derive(Debug, Clone)]
pub struct Request {
    pub method: String,
    /// Path and query as sent, e.g. `/api/vehicles/DecodeVinValues/1FT…?format=json`.
    pub target: String,
    /// The path without the query.
    pub path: String,
    pub query: String,
    /// Header names lower-cased.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Request {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }
}

/// How the peer answers one request.
#[derive(Debug, Clone)]
pub enum Reply {
    Answer {
        status: u16,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
    },
    /// Close the connection with a TCP reset, answering nothing.
    Reset,
    /// Wait, then reply.
    Delayed(Duration, Box<Reply>),
}

impl Reply {
    pub fn json(status: u16, body: impl Into<String>) -> Reply {
        Reply::Answer {
            status,
            headers: vec![("Content-Type".into(), "application/json".into())],
            body: body.into().into_bytes(),
        }
    }

    pub fn with_header(self, name: &str, value: &str) -> Reply {
        match self {
            Reply::Answer { status, mut headers, body } => {
                headers.push((name.into(), value.into()));
                Reply::Answer { status, headers, body }
            }
            other => other,
        }
    }
}

type Handler = dyn Fn(&Request, usize) -> Reply + Send + Sync;

/// A running peer; it stops with the test's runtime.
#[derive(Clone)]
pub struct Peer {
    addr: SocketAddr,
    hits: Arc<Mutex<HashMap<String, usize>>>,
    requests: Arc<Mutex<Vec<Request>>>,
}

impl Peer {
    pub async fn start(handler: impl Fn(&Request, usize) -> Reply + Send + Sync + 'static) -> Peer {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("a free port on 127.0.0.1");
        let peer = Peer { addr: listener.local_addr().unwrap(), hits: Arc::default(), requests: Arc::default() };
        let handler: Arc<Handler> = Arc::new(handler);
        let serving = peer.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let (peer, handler) = (serving.clone(), handler.clone());
                tokio::spawn(async move { peer.serve(stream, handler).await });
            }
        });
        peer
    }

    /// `http://127.0.0.1:PORT` + `path`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Requests seen for `path` (resets included).
    pub fn hits(&self, path: &str) -> usize {
        self.hits.lock().unwrap().get(path).copied().unwrap_or(0)
    }

    /// Every request seen, in order.
    pub fn requests(&self) -> Vec<Request> {
        self.requests.lock().unwrap().clone()
    }

    async fn serve(&self, mut stream: TcpStream, handler: Arc<Handler>) {
        let Some(request) = read_request(&mut stream).await else { return };
        let hit = {
            let mut hits = self.hits.lock().unwrap();
            let n = hits.entry(request.path.clone()).or_default();
            *n += 1;
            *n
        };
        self.requests.lock().unwrap().push(request.clone());
        let mut reply = handler(&request, hit);
        loop {
            match reply {
                Reply::Delayed(wait, next) => {
                    tokio::time::sleep(wait).await;
                    reply = *next;
                }
                Reply::Reset => {
                    // Linger 0 makes the close a TCP reset; with a zero linger it does not block.
                    #[allow(deprecated)]
                    let _ = stream.set_linger(Some(Duration::ZERO));
                    return;
                }
                Reply::Answer { status, headers, body } => {
                    let mut head =
                        format!("HTTP/1.1 {status} Peer\r\nContent-Length: {}\r\nConnection: close\r\n", body.len());
                    for (name, value) in headers {
                        head.push_str(&format!("{name}: {value}\r\n"));
                    }
                    head.push_str("\r\n");
                    let _ = stream.write_all(head.as_bytes()).await;
                    let _ = stream.write_all(&body).await;
                    let _ = stream.shutdown().await;
                    return;
                }
            }
        }
    }
}

async fn read_request(stream: &mut TcpStream) -> Option<Request> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => return None,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
    let mut lines = head.lines();
    let mut first = lines.next()?.split_whitespace();
    let (method, target) = (first.next()?.to_string(), first.next()?.to_string());
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let length: usize =
        headers.iter().find(|(n, _)| n == "content-length").and_then(|(_, v)| v.parse().ok()).unwrap_or(0);
    let mut body = buf[head_end..].to_vec();
    while body.len() < length {
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => break,
            Ok(n) => body.extend_from_slice(&chunk[..n]),
        }
    }
    let (path, query) =
        target.split_once('?').map(|(p, q)| (p.to_string(), q.to_string())).unwrap_or((target.clone(), String::new()));
    Some(Request { method, target, path, query, headers, body })
}

/// A handler replaying recorded responses: every `*.json` file under `dir` that holds
/// `{"url": "https://host/prefix/…", "method", "status", "content"}` answers requests whose path
/// and query (after `strip_prefix` of the recorded URL's origin and `prefix`) match exactly.
/// Anything else gets a 404 naming what was asked, so a wrong request fails the test loudly.
pub fn recorded(dir: &Path, origin_prefix: &str) -> impl Fn(&Request, usize) -> Reply + Send + Sync + 'static {
    let mut answers: HashMap<(String, String), (u16, String)> = HashMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("fixtures at {}: {e}", dir.display())) {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            if path.extension().is_none_or(|e| e != "json") {
                continue;
            }
            let Ok(record) = serde_json::from_str::<serde_json::Value>(&std::fs::read_to_string(&path).unwrap()) else {
                continue;
            };
            let (Some(url), Some(content)) = (record["url"].as_str(), record.get("content")) else { continue };
            let Some(target) = url.strip_prefix(origin_prefix) else { continue };
            let method = record["method"].as_str().unwrap_or("GET").to_string();
            let status = record["status"].as_u64().unwrap_or(200) as u16;
            let body = if let Some(text) = content.as_str() { text.to_string() } else { content.to_string() };
            answers.insert((method, target.to_string()), (status, body));
        }
    }
    move |request, _| match answers.get(&(request.method.clone(), request.target.clone())) {
        Some((status, body)) => Reply::json(*status, body.clone()),
        None => Reply::json(404, format!("{{\"error\":\"no recording for {} {}\"}}", request.method, request.target)),
    }
}

/// A URL where nothing listens.
pub async fn closed_port_url(path: &str) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    format!("http://{addr}{path}")
}
