//! The `redis-server` that `cargo xtask test` runs for the fleet-mode tests: installed with
//! apt-get when missing (Debian package `redis-server`, as root), started on a free loopback
//! port without persistence, its URL handed to the tests, and stopped whatever happens (a guard
//! on drop, and a watcher that stops it when this process dies, even by SIGKILL).

use std::io::{Read as _, Write as _};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::OnceLock;
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

/// Tells the tests where Redis listens (read by the testkit's `TestRedis`).
pub(crate) const TEST_REDIS_URL_VAR: &str = "SAILPOINT_TEST_REDIS_URL";
/// Tells the tests that a missing Redis is a failure, not a reason to skip.
pub(crate) const REQUIRE_REDIS_VAR: &str = "SAILPOINT_REQUIRE_REDIS";

/// How long the server may take to answer `PING`.
const READY_TIMEOUT: Duration = Duration::from_secs(30);

/// The URL of the server this run started, for [`add_env`].
static URL: OnceLock<String> = OnceLock::new();

/// Runs `redis-server "$@"` in the background; when this process's end of the lifeline (stdin)
/// closes, for whatever reason, the watcher stops it.
const WRAPPER: &str = r#"
exec 3<&0
"$@" </dev/null &
server=$!
{ read -r _ <&3; kill -TERM "$server" 2>/dev/null; } &
watcher=$!
wait "$server"
status=$?
kill "$watcher" 2>/dev/null
exit "$status"
"#;

/// A running `redis-server`; dropping it stops it.
pub(crate) struct RedisServer {
    port: u16,
    /// `sh`, the leader of the server's process group.
    child: Child,
    _lifeline: Option<ChildStdin>,
    stopped: bool,
}

/// The URL of the server this process started, once it answers.
pub(crate) fn url() -> Option<&'static str> {
    URL.get().map(String::as_str)
}

/// The tests' environment: the server's URL and that Redis is required.
pub(crate) fn add_env(command: &mut Command) -> &mut Command {
    match URL.get() {
        Some(url) => command
            .env(TEST_REDIS_URL_VAR, url)
            .env(REQUIRE_REDIS_VAR, "1"),
        None => command,
    }
}

impl RedisServer {
    /// Installs `redis-server` if needed, starts it and waits until it answers.
    pub(crate) fn start(root: &Path) -> Result<Self> {
        ensure_installed()?;
        let dir = root.join("target").join("xtask").join("redis");
        std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        let mut last = None;
        for attempt in 1..=3 {
            let port = free_port()?;
            let mut server = Self::spawn(&dir, port)?;
            match server.wait_ready() {
                Ok(()) => {
                    let url = format!("redis://127.0.0.1:{port}");
                    println!(
                        "redis-server answers at {url} (pid group {})",
                        server.child.id()
                    );
                    let _ = URL.set(url);
                    return Ok(server);
                }
                Err(err) => {
                    eprintln!("redis-server attempt {attempt}/3: {err:#}");
                    last = Some(err);
                }
            }
        }
        Err(last.unwrap_or_else(|| anyhow::anyhow!("redis-server was not started")))
    }

    #[cfg(unix)]
    fn spawn(dir: &PathBuf, port: u16) -> Result<Self> {
        use std::os::unix::process::CommandExt as _;

        let mut command = Command::new("sh");
        command
            .current_dir(dir)
            .arg("-c")
            .arg(WRAPPER)
            .arg("redis-wrapper")
            .arg("redis-server")
            .args(["--bind", "127.0.0.1", "--port", &port.to_string()])
            .args(["--save", "", "--appendonly", "no", "--daemonize", "no"])
            .arg("--dir")
            .arg(dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0);
        let mut child = command.spawn().context("starting redis-server")?;
        let lifeline = child.stdin.take();
        Ok(Self {
            port,
            child,
            _lifeline: lifeline,
            stopped: false,
        })
    }

    #[cfg(not(unix))]
    fn spawn(_: &PathBuf, _: u16) -> Result<Self> {
        bail!("starting redis-server needs a Unix system")
    }

    fn wait_ready(&mut self) -> Result<()> {
        let deadline = Instant::now() + READY_TIMEOUT;
        loop {
            if ping(self.port) {
                return Ok(());
            }
            if let Some(status) = self.child.try_wait().context("checking on redis-server")? {
                self.stopped = true;
                bail!("redis-server exited before answering ({status})");
            }
            if Instant::now() >= deadline {
                self.shutdown();
                bail!(
                    "redis-server did not answer within {}s",
                    READY_TIMEOUT.as_secs()
                );
            }
            thread::sleep(Duration::from_millis(50));
        }
    }

    /// Stops the server (SIGTERM to its process group, then SIGKILL).
    pub(crate) fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        if self.stopped {
            return;
        }
        self.stopped = true;
        let group = format!("-{}", self.child.id());
        for signal in ["-TERM", "-KILL"] {
            let _ = Command::new("kill")
                .args([signal, "--", &group])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status();
            // Gone when the wrapper is reaped and the port no longer answers.
            let deadline = Instant::now() + Duration::from_secs(3);
            while Instant::now() < deadline {
                let reaped = matches!(self.child.try_wait(), Ok(Some(_)));
                if reaped && !ping(self.port) {
                    println!("stopped redis-server (port {})", self.port);
                    return;
                }
                thread::sleep(Duration::from_millis(50));
            }
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        eprintln!(
            "warning: redis-server on port {} may still be running",
            self.port
        );
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// `redis-server` on `PATH`, else installed with apt-get (as root).
pub(crate) fn ensure_installed() -> Result<()> {
    let installed = || {
        Command::new("redis-server")
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    };
    if installed() {
        return Ok(());
    }
    let root = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0");
    if !root {
        bail!(
            "redis-server is not installed and this is not root: install the Debian package \
             (`sudo apt-get install -y redis-server`) for the fleet-mode tests"
        );
    }
    println!("redis-server is missing: installing the Debian package redis-server");
    for args in [
        &["update"][..],
        &["install", "-y", "--no-install-recommends", "redis-server"][..],
    ] {
        crate::command::run_command(
            Command::new("apt-get")
                .args(args)
                .env("DEBIAN_FRONTEND", "noninteractive"),
        )
        .context("installing redis-server with apt-get")?;
    }
    if !installed() {
        bail!("apt-get installed redis-server, but `redis-server --version` still fails");
    }
    Ok(())
}

/// Whether Redis answers `PING` on this loopback port.
fn ping(port: u16) -> bool {
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

fn free_port() -> Result<u16> {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).context("binding 127.0.0.1:0")?;
    Ok(listener.local_addr()?.port())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Started, answering on its port, and gone after `stop` (skipped without redis-server:
    /// this test does not install packages).
    #[test]
    fn starts_answers_and_stops() {
        let installed = Command::new("redis-server")
            .arg("--version")
            .stdout(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !installed {
            eprintln!("skipped: redis-server is not installed");
            return;
        }
        let root = crate::workspace::root();
        let server = RedisServer::start(&root).expect("redis-server starts");
        let port = server.port;
        assert!(ping(port));
        let mut command = Command::new("true");
        add_env(&mut command);
        let vars: Vec<_> = command
            .get_envs()
            .map(|(k, v)| (k.to_owned(), v.map(ToOwned::to_owned)))
            .collect();
        assert!(
            vars.iter().any(|(k, v)| k == TEST_REDIS_URL_VAR
                && v.as_deref() == Some(format!("redis://127.0.0.1:{port}").as_ref())),
            "{vars:?}"
        );
        server.stop();
        assert!(!ping(port), "still answering after stop");
    }
}
