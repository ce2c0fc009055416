//! Stoplight Prism serving a vendor's own OpenAPI description on 127.0.0.1: it refuses (422) any
//! request that breaks the vendor's schema and answers with the spec's examples, so a client
//! that passes here sends only requests the vendor accepts. Installed by
//! `scripts/setup.sh --test` (npm ci in tests/peers).

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

/// The repository's test peers folder (tests/peers), found from the package under test (cargo
/// names it at run time): the path this crate was compiled at may be another checkout's when
/// several share one target folder.
pub fn peers_dir() -> PathBuf {
    let compiled = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let running = std::env::var_os("CARGO_MANIFEST_DIR").map(PathBuf::from);
    running
        .iter()
        .flat_map(|dir| dir.ancestors())
        .map(|dir| dir.join("tests/peers"))
        .find(|peers| peers.join("package.json").exists())
        .unwrap_or_else(|| compiled.join("tests/peers"))
}

/// A running Prism, killed when dropped.
pub struct Prism {
    child: Child,
    /// `http://127.0.0.1:PORT`, the base URL to point the client at.
    pub url: String,
}

impl Prism {
    /// Serves `spec` (a file in tests/peers/specs) on a free port, once Prism says it listens.
    pub async fn start(spec: &str) -> Prism {
        let prism = peers_dir().join("node_modules/.bin/prism");
        assert!(prism.exists(), "Prism is not installed: run `scripts/setup.sh --test` (npm ci in tests/peers)");
        let spec = peers_dir().join("specs").join(spec);
        assert!(spec.exists(), "no OpenAPI file at {}", spec.display());
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let mut child = Command::new(prism)
            .args(["mock", "-h", "127.0.0.1", "-p", &port.to_string()])
            .arg(&spec)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .expect("prism starts");
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let ready = tokio::time::timeout(Duration::from_secs(120), async {
            while let Ok(Some(line)) = lines.next_line().await {
                if line.contains("Prism is listening") {
                    return true;
                }
            }
            false
        })
        .await;
        assert!(matches!(ready, Ok(true)), "prism did not start within 120 s");
        // keep draining its log so it never blocks on a full pipe
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        Prism { child, url: format!("http://127.0.0.1:{port}") }
    }
}

impl Drop for Prism {
    fn drop(&mut self) {
        let _ = self.child.start_kill();
    }
}
