//! A throwaway `redis-server` for tests of the SDK's fleet mode (the rate limit shared through
//! Redis): started on `127.0.0.1` on a free port, without persistence, stopped on drop.

use std::io::{self, Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Environment variable: the URL of a running Redis the tests use instead of starting one
/// (`cargo xtask test` starts one and sets it).
pub const TEST_REDIS_URL_VAR: &str = "SAILPOINT_TEST_REDIS_URL";

/// Environment variable: when `1`, a test that needs Redis and finds none fails instead of
/// skipping (`cargo xtask test` sets it).
pub const REQUIRE_REDIS_VAR: &str = "SAILPOINT_REQUIRE_REDIS";

/// Environment variable: the `redis-server` executable (default: `redis-server` on `PATH`).
pub const REDIS_SERVER_BIN_VAR: &str = "SAILPOINT_REDIS_SERVER";

/// How long a started server may take to answer `PING`.
const READY_TIMEOUT: Duration = Duration::from_secs(20);

/// A `redis-server` child process on `127.0.0.1`, with no persistence (`--save ''
/// --appendonly no`) and its working directory in a fresh temporary directory. Dropping it
/// kills the process.
///
/// ```no_run
/// use sailpoint_v2025_testkit::RedisServer;
///
/// # fn main() -> std::io::Result<()> {
/// let redis = RedisServer::start()?;
/// println!("SAIL_REDIS_URL={}", redis.url());
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct RedisServer {
    child: Option<Child>,
    port: u16,
    /// The TLS port of a server started with [`RedisServer::start_tls`].
    tls_port: Option<u16>,
    dir: PathBuf,
}

impl RedisServer {
    /// Whether a `redis-server` executable can be started.
    pub fn available() -> bool {
        Command::new(Self::program())
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    }

    /// Starts a server on a free loopback port and waits until it answers `PING`.
    pub fn start() -> io::Result<Self> {
        let mut last = None;
        // A port found free can be taken by someone else before the server binds it.
        for _ in 0..3 {
            match Self::start_on(free_port()?) {
                Ok(server) => return Ok(server),
                Err(err) => last = Some(err),
            }
        }
        Err(last.unwrap_or_else(|| io::Error::other("redis-server did not start")))
    }

    /// Starts a server that also speaks TLS, for `rediss://` URLs: on a free TLS port with
    /// this certificate chain and key (PEM files; clients are not asked for certificates), and
    /// on a plain port for [`ping`] and for looking inside ([`url`](Self::url)). Needs a
    /// `redis-server` built with TLS (Debian's is).
    pub fn start_tls(cert_file: &Path, key_file: &Path) -> io::Result<Self> {
        let mut last = None;
        for _ in 0..3 {
            let tls = vec![
                "--tls-port".into(),
                free_port()?.to_string().into(),
                "--tls-cert-file".into(),
                cert_file.as_os_str().to_owned(),
                "--tls-key-file".into(),
                key_file.as_os_str().to_owned(),
                "--tls-auth-clients".into(),
                "no".into(),
            ];
            match Self::spawn(free_port()?, &tls) {
                Ok(mut server) => {
                    server.tls_port = tls[1].to_str().and_then(|p| p.parse().ok());
                    return Ok(server);
                }
                Err(err) => last = Some(err),
            }
        }
        Err(last.unwrap_or_else(|| io::Error::other("redis-server did not start with TLS")))
    }

    /// `rediss://127.0.0.1:<TLS port>` for a server started with [`start_tls`](Self::start_tls).
    pub fn tls_url(&self) -> Option<String> {
        self.tls_port
            .map(|port| format!("rediss://127.0.0.1:{port}"))
    }

    /// Starts a server on this loopback port (e.g. again after [`kill`](Self::kill), for a
    /// restart on the same URL).
    pub fn start_on(port: u16) -> io::Result<Self> {
        Self::spawn(port, &[])
    }

    fn spawn(port: u16, extra: &[std::ffi::OsString]) -> io::Result<Self> {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let dir = std::env::temp_dir().join(format!(
            "sailpoint-testkit-redis-{}-{}-{port}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir)?;
        let child = Command::new(Self::program())
            .args(["--bind", "127.0.0.1", "--port", &port.to_string()])
            .args(["--save", "", "--appendonly", "no", "--daemonize", "no"])
            .args(extra)
            .arg("--dir")
            .arg(&dir)
            .current_dir(&dir)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| io::Error::new(e.kind(), format!("cannot start redis-server: {e}")))?;
        let mut server = Self {
            child: Some(child),
            port,
            tls_port: None,
            dir,
        };
        server.wait_ready()?;
        Ok(server)
    }

    /// `redis://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// The port it listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The number of keys in its database (`DBSIZE`, over the plain port), to see whether a
    /// client wrote through it.
    pub fn key_count(&self) -> io::Result<u64> {
        let mut stream = TcpStream::connect((Ipv4Addr::LOCALHOST, self.port))?;
        stream.set_read_timeout(Some(Duration::from_secs(5)))?;
        stream.write_all(b"DBSIZE\r\n")?;
        let mut reply = Vec::new();
        let mut byte = [0u8; 1];
        while reply.last() != Some(&b'\n') {
            if stream.read(&mut byte)? == 0 {
                break;
            }
            reply.push(byte[0]);
        }
        let text = String::from_utf8_lossy(&reply);
        text.trim()
            .strip_prefix(':')
            .and_then(|n| n.parse().ok())
            .ok_or_else(|| io::Error::other(format!("DBSIZE answered {text:?}")))
    }

    /// Kills the server at once (SIGKILL: no shutdown, connections reset), as a crash would.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    fn program() -> String {
        std::env::var(REDIS_SERVER_BIN_VAR)
            .ok()
            .filter(|v| !v.is_empty())
            .unwrap_or_else(|| "redis-server".to_string())
    }

    fn wait_ready(&mut self) -> io::Result<()> {
        let deadline = Instant::now() + READY_TIMEOUT;
        loop {
            if ping(self.port) {
                return Ok(());
            }
            if let Some(child) = self.child.as_mut()
                && let Some(status) = child.try_wait()?
            {
                self.child = None;
                return Err(io::Error::other(format!(
                    "redis-server exited before answering ({status})"
                )));
            }
            if Instant::now() >= deadline {
                self.kill();
                return Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    "redis-server did not answer PING in time",
                ));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.kill();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Whether a Redis answers `PING` with `+PONG` on this loopback port.
pub fn ping(port: u16) -> bool {
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let Ok(mut stream) = TcpStream::connect_timeout(&addr, Duration::from_millis(300)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
    if stream.write_all(b"PING\r\n").is_err() {
        return false;
    }
    let mut reply = [0u8; 7];
    stream.read_exact(&mut reply).is_ok() && &reply == b"+PONG\r\n"
}

/// The Redis a test uses: the one at [`TEST_REDIS_URL_VAR`], or one started for it.
#[derive(Debug)]
pub enum TestRedis {
    /// A server someone else runs (its URL).
    External(String),
    /// A server started for this test, stopped on drop.
    Owned(RedisServer),
}

impl TestRedis {
    /// The URL to give the SDK.
    pub fn url(&self) -> String {
        match self {
            TestRedis::External(url) => url.clone(),
            TestRedis::Owned(server) => server.url(),
        }
    }

    /// The Redis for a test: [`TEST_REDIS_URL_VAR`] if set, else a [`RedisServer`] when
    /// `redis-server` can be started. `None` (after printing why) when neither, unless
    /// [`REQUIRE_REDIS_VAR`] is `1`: then this panics, so a missing Redis fails the run.
    pub fn for_test() -> Option<Self> {
        if let Ok(url) = std::env::var(TEST_REDIS_URL_VAR)
            && !url.trim().is_empty()
        {
            return Some(TestRedis::External(url));
        }
        let required = std::env::var(REQUIRE_REDIS_VAR).is_ok_and(|v| v == "1");
        match RedisServer::start() {
            Ok(server) => Some(TestRedis::Owned(server)),
            Err(err) if required => {
                panic!(
                    "{REQUIRE_REDIS_VAR}=1 but no Redis: {TEST_REDIS_URL_VAR} is unset and {err}"
                )
            }
            Err(err) => {
                eprintln!(
                    "skipped: this test needs Redis ({TEST_REDIS_URL_VAR} unset, and {err}; \
                     install the Debian package redis-server, or run `cargo xtask test`)"
                );
                None
            }
        }
    }
}

/// A port that was free a moment ago.
fn free_port() -> io::Result<u16> {
    Ok(TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?
        .local_addr()?
        .port())
}
