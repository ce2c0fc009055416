//! A real PostgreSQL server for tests: a throw-away cluster in a temporary folder on a free port
//! of 127.0.0.1, stopped and removed when dropped. No Docker and nothing downloaded: it runs the
//! PostgreSQL binaries installed on this machine (Debian `postgresql-15`; `$DIXON_PG_BIN` names
//! another folder). `initdb` refuses to run as root, so as root the cluster belongs to the
//! `postgres` user.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;

/// A running PostgreSQL cluster; [`Postgres::url`] connects as the superuser `postgres`.
pub struct Postgres {
    bin: PathBuf,
    data: PathBuf,
    // kept for its Drop: the socket and data folders go with it
    _dir: TempFolder,
    port: u16,
    as_postgres_user: bool,
}

impl Postgres {
    /// Creates and starts a cluster (about 2 s). Panics with what to install when PostgreSQL is
    /// missing.
    pub fn start() -> Postgres {
        let bin = binaries();
        let dir = TempFolder::new();
        let data = dir.path.join("data");
        let as_postgres_user = is_root();
        if as_postgres_user {
            run(Command::new("chown").args(["-R", "postgres:postgres"]).arg(&dir.path));
        }
        let port =
            TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("a free port");
        let pg = Postgres { bin, data, _dir: dir, port, as_postgres_user };
        run(&mut pg
            .command("initdb")
            .args(["-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-sync", "-D"])
            .arg(&pg.data));
        let options = format!(
            "-k {} -p {} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200",
            pg._dir.path.display(),
            pg.port
        );
        run(&mut pg
            .command("pg_ctl")
            .args(["-w", "-l"])
            .arg(pg._dir.path.join("log"))
            .arg("-D")
            .arg(&pg.data)
            .args(["-o", &options, "start"]));
        pg
    }

    /// `postgres://postgres@127.0.0.1:PORT/DATABASE`.
    pub fn url(&self, database: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{database}", self.port)
    }

    /// Creates a database and returns its URL.
    pub fn create_database(&self, name: &str) -> String {
        run(self.command("createdb").args(["-h", "127.0.0.1", "-p", &self.port.to_string(), "-U", "postgres", name]));
        self.url(name)
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    fn command(&self, program: &str) -> Command {
        let path = self.bin.join(program);
        if self.as_postgres_user {
            let mut command = Command::new("runuser");
            command.args(["-u", "postgres", "--"]).arg(path);
            command
        } else {
            Command::new(path)
        }
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        let _ = self.command("pg_ctl").args(["-m", "immediate", "-D"]).arg(&self.data).arg("stop").output();
    }
}

fn binaries() -> PathBuf {
    if let Some(dir) = std::env::var_os("DIXON_PG_BIN") {
        return dir.into();
    }
    let debian = Path::new("/usr/lib/postgresql");
    let newest = std::fs::read_dir(debian).ok().and_then(|versions| {
        versions.filter_map(|v| v.ok()).map(|v| v.path().join("bin")).filter(|b| b.join("initdb").exists()).max()
    });
    newest.expect("PostgreSQL is not installed: run scripts/setup.sh --test (Debian package postgresql-15)")
}

fn is_root() -> bool {
    Command::new("id").arg("-u").output().map(|o| o.stdout.starts_with(b"0\n")).unwrap_or(false)
}

fn run(command: &mut Command) {
    let out = command.output().unwrap_or_else(|e| panic!("{command:?} did not start: {e}"));
    assert!(
        out.status.success(),
        "{command:?} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A folder under the system temp dir that the `postgres` user may enter, removed when dropped.
struct TempFolder {
    path: PathBuf,
}

impl TempFolder {
    fn new() -> TempFolder {
        let unique =
            format!("dixon-pg-{}-{}", std::process::id(), NEXT.fetch_add(1, std::sync::atomic::Ordering::SeqCst));
        let path = std::env::temp_dir().join(unique);
        std::fs::create_dir_all(&path).expect("a temporary folder");
        TempFolder { path }
    }
}

static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);

impl Drop for TempFolder {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}
