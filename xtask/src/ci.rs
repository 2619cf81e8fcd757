//! `cargo xtask test [--no-prism] [--skip-lint]`: every check and test, in order, stopping at
//! the first failure. `.ci/run` calls exactly this, so CI and developers run the same thing.
//!
//! The steps, by the names their banners print (`==> [n] name`):
//!
//! 1. **cargo fmt --check**: `cargo fmt --all --check`
//! 2. **cargo clippy**: `cargo clippy --locked --workspace --all-targets -- -D warnings`
//! 3. **generated code is up to date**: what `cargo xtask generate` produces now
//! 4. **cargo doc**: `RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps`
//! 5. **feature builds**: `cargo check` of the facade per documented feature set
//!    (`--no-default-features --features native-tls`, `--no-default-features --features ring`,
//!    `--all-features`), and the `compile_error!` without TLS (`packaging.rs`)
//! 6. **cargo publish --dry-run**: the license files, then `cargo publish --dry-run --workspace
//!    --no-verify` (every publishable crate packaged, in dependency order) and `cargo package
//!    --workspace` (`packaging.rs`)
//! 7. **packaged crates, fresh project**: the publishable packages unpacked from their `.crate`
//!    files and built together in a fresh project outside the workspace that follows the
//!    published READMEs: their `cargo add` lines and every Rust program, plus the rustdoc's
//!    `no_run` programs and the testkit's emulator binary (`fresh_project.rs`);
//!    this replaces cargo's per-package verification, which costs about four cold builds
//! 8. **drop-in dependency** (`drop_in.rs`): in a typical application (reqwest with its
//!    defaults, tokio, serde) the SDK's default features add at most 25 crates and no crypto
//!    library, optional dependencies stay out unless turned on; that application and one with
//!    reqwest's default features off build their own `reqwest::Client`s around the SDK's and run
//! 9. **npm ci**: only when `node_modules` does not match `package-lock.json`
//! 10. **start Prism**: on a free loopback port with `tests/contract/sailpoint-v2025.prism.yaml`
//! 11. **start Redis**: a `redis-server` for the fleet-mode tests, installed with apt-get when
//!     missing, on a free loopback port without persistence, its URL passed as
//!     `SAILPOINT_TEST_REDIS_URL` (with `SAILPOINT_REQUIRE_REDIS=1`: a missing Redis fails the
//!     tests; `redis_server.rs`)
//! 12. **documented programs run**: every program of step 7's fresh project (the READMEs'
//!     Rust programs and the rustdoc's `no_run` examples) run there, each in a fresh directory
//!     with the files the programs read, against the packaged testkit's
//!     `sailpoint-v2025-emulator` with the variables it prints (and `REDIS_URL`): each must exit
//!     0 (`doc_programs.rs`)
//! 13. **tests**: `cargo nextest run --workspace --no-fail-fast` (or `cargo test` without
//!     nextest), with `SAILPOINT_PRISM_URL` pointing at Prism
//! 14. **doctests**: `cargo test --workspace --doc`, with the same variable
//! 15. **stop Redis** and **stop Prism**, and on every other path too: guards kill them on drop,
//!     and a watcher beside each stops it even when this process is killed (Ctrl-C, SIGKILL).
//!
//! Steps are numbered as they run, so a step added here needs no total updated elsewhere.
//! `--skip-lint` skips 1, 2 and 4; `--no-prism` skips 9, 10 and Prism's stop (the contract tests then skip
//! themselves, or fail under `CI`).

use std::fmt::Write as _;
use std::fs::{self, File};
use std::io::{Read as _, Write as _};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};

use std::thread;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use sha2::{Digest, Sha256};

use crate::command::{cargo, run_command, succeeds};
use crate::workspace::Workspace;

/// Arguments of `cargo xtask test`.
#[derive(Debug, clap::Args)]
pub struct TestArgs {
    /// Do not install or start Prism; the contract tests skip themselves (they fail under `CI`
    /// unless `SAILPOINT_PRISM_URL` already points at a running Prism).
    #[arg(long)]
    pub no_prism: bool,
    /// Skip formatting, clippy and rustdoc (steps 1, 2 and 4) for quicker iterations.
    #[arg(long)]
    pub skip_lint: bool,
}

/// The Prism spec, relative to the workspace root (written by `cargo xtask generate`).
const PRISM_SPEC: &str = "tests/contract/sailpoint-v2025.prism.yaml";
/// The Prism executable npm installs, relative to the workspace root.
const PRISM_BIN: &str = "node_modules/.bin/prism";
/// Written into `node_modules` after a successful `npm ci`: the hash of the npm manifests.
const NPM_STAMP: &str = "node_modules/.xtask-npm-ci.sha256";
/// The environment variable that tells the contract tests where Prism listens.
const PRISM_URL_VAR: &str = "SAILPOINT_PRISM_URL";
/// How long Prism may take to answer its first request.
const PRISM_READY_TIMEOUT: Duration = Duration::from_secs(60);
/// How often Prism is started again when it exits before answering (a lost port race).
const PRISM_START_ATTEMPTS: u32 = 3;

/// Entry point of `cargo xtask test`.
pub fn run(args: &TestArgs) -> Result<()> {
    let root = crate::workspace::root();
    let mut steps = Steps::new();

    if args.skip_lint {
        steps.skip("cargo fmt --check", "--skip-lint");
        steps.skip("cargo clippy", "--skip-lint");
    } else {
        steps.run("cargo fmt --check", || {
            run_command(cargo(&root).args(["fmt", "--all", "--check"]))
                .context("formatting differs: run `cargo fmt --all`")
        })?;
        steps.run("cargo clippy", || {
            run_command(cargo(&root).args([
                "clippy",
                "--locked",
                "--workspace",
                "--all-targets",
                "--",
                "-D",
                "warnings",
            ]))
        })?;
    }

    steps.run("generated code is up to date", || check_generated(&root))?;

    if args.skip_lint {
        steps.skip("cargo doc", "--skip-lint");
    } else {
        steps.run("cargo doc", || {
            run_command(
                cargo(&root)
                    .args(["doc", "--locked", "--workspace", "--no-deps"])
                    .env("RUSTDOCFLAGS", "-D warnings"),
            )
        })?;
    }

    // Publishing (see packaging.rs): cheap checks first.
    steps.run("feature builds", || crate::packaging::feature_builds(&root))?;
    steps.run("cargo publish --dry-run", || {
        crate::packaging::publish_dry_run(&root)
    })?;
    let documented = steps.run("packaged crates, fresh project", || {
        crate::fresh_project::packaged_crates_build(&root)
    })?;
    steps.run("drop-in dependency", || crate::drop_in::check(&root))?;

    // Dropped on every path out of this function, early returns included: stops Prism.
    let prism = if args.no_prism {
        None
    } else {
        steps.run("npm ci", || npm_ci(&root))?;
        Some(steps.run("start Prism", || Prism::start(&root))?)
    };
    let prism_url = match &prism {
        Some(prism) => Some(prism.url()),
        None => match std::env::var(PRISM_URL_VAR) {
            Ok(url) if !url.is_empty() => {
                println!("--no-prism: using {PRISM_URL_VAR}={url} from the environment");
                Some(url)
            }
            _ => {
                println!("--no-prism: the Prism contract tests will skip themselves");
                None
            }
        },
    };

    // Fleet mode's tests need Redis; dropped on every path out of this function: stops it.
    let redis = steps.run("start Redis", || {
        crate::redis_server::RedisServer::start(&root)
    })?;
    steps.run("documented programs run", || {
        documented.run(crate::redis_server::url())
    })?;
    steps.run("tests", || run_tests(&root, prism_url.as_deref()))?;
    steps.run("doctests", || {
        run_command(with_prism_url(
            cargo(&root).args(["test", "--locked", "--workspace", "--doc"]),
            prism_url.as_deref(),
        ))
    })?;

    steps.run("stop Redis", || {
        redis.stop();
        Ok(())
    })?;
    if let Some(prism) = prism {
        steps.run("stop Prism", || {
            prism.stop();
            Ok(())
        })?;
    }
    steps.summary();
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Steps: a numbered banner before each, its duration after, and which one failed. Steps are
// numbered as they run (no total to keep in step with the list above).

struct Steps {
    done: usize,
    started: Instant,
    timings: Vec<(String, Option<Duration>)>,
}

impl Steps {
    fn new() -> Self {
        Self {
            done: 0,
            started: Instant::now(),
            timings: Vec::new(),
        }
    }

    fn run<T>(&mut self, name: &str, f: impl FnOnce() -> Result<T>) -> Result<T> {
        self.done += 1;
        let n = self.done;
        println!();
        println!("==> [{n}] {name}");
        let start = Instant::now();
        let result = f();
        let elapsed = start.elapsed();
        match result {
            Ok(value) => {
                println!("<== [{n}] {name}: ok ({})", secs(elapsed));
                self.timings.push((name.to_string(), Some(elapsed)));
                Ok(value)
            }
            Err(err) => {
                eprintln!();
                eprintln!("<== [{n}] {name}: FAILED after {}", secs(elapsed));
                Err(err.context(format!("`cargo xtask test` failed at step {n} ({name})")))
            }
        }
    }

    fn skip(&mut self, name: &str, why: &str) {
        self.done += 1;
        println!();
        println!("==> [{}] {name}: skipped ({why})", self.done);
        self.timings.push((name.to_string(), None));
    }

    fn summary(&self) {
        let mut text = String::new();
        for (n, (name, elapsed)) in self.timings.iter().enumerate() {
            let time = elapsed.map_or_else(|| "skipped".to_string(), secs);
            let _ = writeln!(text, "    {:>2}. {name:<32} {time:>9}", n + 1);
        }
        println!();
        println!("All steps passed in {}:", secs(self.started.elapsed()));
        print!("{text}");
    }
}

fn secs(d: Duration) -> String {
    format!("{:.1}s", d.as_secs_f64())
}

// ---------------------------------------------------------------------------------------------
// Prism's address for the tests.

fn with_prism_url<'a>(command: &'a mut Command, url: Option<&str>) -> &'a mut Command {
    match url {
        Some(url) => command.env(PRISM_URL_VAR, url),
        None => command,
    }
}

// ---------------------------------------------------------------------------------------------
// Generated code.

fn check_generated(root: &Path) -> Result<()> {
    let files = crate::generate::generate(root, false)?;
    let stale = crate::generate::check(root, &files)?;
    if stale.is_empty() {
        println!("{} generated files are up to date", files.len());
        return Ok(());
    }
    for diff in &stale {
        print!("{diff}");
    }
    bail!(
        "{} generated file(s) are stale: run `cargo xtask generate` and commit the result",
        stale.len()
    )
}

// ---------------------------------------------------------------------------------------------
// npm and Prism.

/// Runs `npm ci` unless `node_modules` was installed from exactly the current manifests.
fn npm_ci(root: &Path) -> Result<()> {
    let mut hasher = Sha256::new();
    for name in ["package.json", "package-lock.json"] {
        let path = root.join(name);
        let bytes = fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
        hasher.update(name.as_bytes());
        hasher.update([0]);
        hasher.update(&bytes);
        hasher.update([0]);
    }
    let digest = hasher.finalize().iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    });
    let stamp = root.join(NPM_STAMP);
    let installed = fs::read_to_string(&stamp).is_ok_and(|s| s.trim() == digest);
    if installed && root.join(PRISM_BIN).is_file() {
        println!("node_modules matches package-lock.json; not running npm ci");
        return Ok(());
    }
    // No install scripts: Prism is plain JavaScript, and this skips a telemetry postinstall.
    let mut npm = Command::new("npm");
    npm.current_dir(root)
        .args(["ci", "--no-audit", "--no-fund", "--ignore-scripts"]);
    run_command(&mut npm).context(
        "npm ci failed (Node.js and npm are needed for the Prism contract tests; \
         `cargo xtask test --no-prism` skips them)",
    )?;
    if !root.join(PRISM_BIN).is_file() {
        bail!("npm ci did not install {PRISM_BIN}");
    }
    fs::write(&stamp, format!("{digest}\n"))
        .with_context(|| format!("writing {}", stamp.display()))?;
    Ok(())
}

/// A running Prism mock server; dropping it stops it.
struct Prism {
    port: u16,
    log: PathBuf,
    /// `sh`, the leader of Prism's process group.
    child: Child,
    /// Closed (with this process) to tell the watcher to stop Prism.
    _lifeline: Option<ChildStdin>,
    /// The wrapper has exited and been reaped.
    exited: bool,
    stopped: bool,
}

/// Runs Prism (`"$@"`) in the background and waits for it. A watcher reads the lifeline on
/// stdin: when `cargo xtask` ends for whatever reason, even SIGKILL, the pipe closes and the
/// watcher stops Prism. Everything runs in one process group, which the guard kills on drop.
const PRISM_WRAPPER: &str = r#"
exec 3<&0
"$@" </dev/null &
prism=$!
{ read -r _ <&3; kill -TERM "$prism" 2>/dev/null; } &
watcher=$!
wait "$prism"
status=$?
kill "$watcher" 2>/dev/null
exit "$status"
"#;

impl Prism {
    fn start(root: &Path) -> Result<Self> {
        let bin = root.join(PRISM_BIN);
        let spec = root.join(PRISM_SPEC);
        if !spec.is_file() {
            bail!("{} is missing: run `cargo xtask generate`", spec.display());
        }
        let log_dir = Workspace::load(root)?.target_dir().join("xtask");
        fs::create_dir_all(&log_dir).with_context(|| format!("creating {}", log_dir.display()))?;
        let log = log_dir.join("prism.log");

        let mut last_error = None;
        for attempt in 1..=PRISM_START_ATTEMPTS {
            let port = free_port()?;
            let mut prism = Self::spawn(root, &bin, &spec, port, &log)?;
            println!(
                "started Prism (pid {}) on 127.0.0.1:{port}, log {}",
                prism.child.id(),
                log.display()
            );
            match prism.wait_ready() {
                Ok(()) => {
                    println!("Prism answers at {}", prism.url());
                    return Ok(prism);
                }
                Err(err) => {
                    // Dropping `prism` stops whatever is left of it.
                    eprintln!("Prism attempt {attempt}/{PRISM_START_ATTEMPTS}: {err:#}");
                    eprintln!("--- last lines of {} ---", log.display());
                    eprintln!("{}", tail(&log, 40));
                    eprintln!("---");
                    // Only an early exit (say, a lost race for the port) is worth another try.
                    let exited_early = err.downcast_ref::<PrismExited>().is_some();
                    last_error = Some(err);
                    if !exited_early {
                        break;
                    }
                }
            }
        }
        Err(last_error
            .unwrap_or_else(|| anyhow::anyhow!("Prism was not started"))
            .context(format!("Prism did not start; its log is {}", log.display())))
    }

    #[cfg(unix)]
    fn spawn(root: &Path, bin: &Path, spec: &Path, port: u16, log: &Path) -> Result<Self> {
        use std::os::unix::process::CommandExt as _;

        let out = File::create(log).with_context(|| format!("creating {}", log.display()))?;
        let err = out
            .try_clone()
            .with_context(|| format!("opening {} twice", log.display()))?;
        let port_text = port.to_string();
        let mut command = Command::new("sh");
        command
            .current_dir(root)
            .arg("-c")
            .arg(PRISM_WRAPPER)
            .arg("prism-wrapper")
            .arg(bin)
            .args(["mock", "-h", "127.0.0.1", "-p", &port_text])
            .arg(spec)
            .stdin(Stdio::piped())
            .stdout(out)
            .stderr(err)
            // Its own process group, so the guard can kill Prism and everything it started.
            .process_group(0);
        let mut child = command
            .spawn()
            .with_context(|| format!("starting {}", bin.display()))?;
        let lifeline = child.stdin.take();
        Ok(Self {
            port,
            log: log.to_path_buf(),
            child,
            _lifeline: lifeline,
            exited: false,
            stopped: false,
        })
    }

    #[cfg(not(unix))]
    fn spawn(_: &Path, _: &Path, _: &Path, _: u16, _: &Path) -> Result<Self> {
        bail!("starting Prism needs a Unix system; run `cargo xtask test --no-prism`")
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Polls with a raw HTTP request until Prism answers, it exits, or the timeout passes.
    fn wait_ready(&mut self) -> Result<()> {
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, self.port));
        let deadline = Instant::now() + PRISM_READY_TIMEOUT;
        loop {
            if answers_http(addr) {
                return Ok(());
            }
            if let Some(status) = self.child.try_wait().context("checking on Prism")? {
                self.exited = true;
                return Err(
                    PrismExited(format!("Prism exited before answering ({status})")).into(),
                );
            }
            if Instant::now() >= deadline {
                bail!(
                    "Prism did not answer on {addr} within {}s",
                    PRISM_READY_TIMEOUT.as_secs()
                );
            }
            thread::sleep(Duration::from_millis(250));
        }
    }

    /// Stops Prism: SIGTERM to the process group, a grace period, then SIGKILL.
    fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        if self.stopped {
            return;
        }
        self.stopped = true;
        let pgid = self.child.id();
        signal_group(pgid, "TERM");
        let deadline = Instant::now() + Duration::from_secs(5);
        let mut reaped = self.exited;
        while !reaped && Instant::now() < deadline {
            match self.child.try_wait() {
                Ok(Some(_)) => {
                    reaped = true;
                    break;
                }
                Ok(None) => thread::sleep(Duration::from_millis(50)),
                Err(_) => break,
            }
        }
        // Anything left in the group (Prism itself if it ignored SIGTERM).
        signal_group(pgid, "KILL");
        if !reaped {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
        // Wait briefly for the group to vanish, then report any survivor.
        let deadline = Instant::now() + Duration::from_secs(2);
        while group_alive(pgid) && Instant::now() < deadline {
            thread::sleep(Duration::from_millis(50));
        }
        if group_alive(pgid) {
            eprintln!(
                "warning: processes of Prism's group {pgid} are still running; see {}",
                self.log.display()
            );
        } else {
            println!("stopped Prism (process group {pgid})");
        }
    }
}

impl Drop for Prism {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// Marks an exit of Prism before it answered: worth another try on another port.
#[derive(Debug)]
struct PrismExited(String);

impl std::fmt::Display for PrismExited {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for PrismExited {}

fn signal_group(pgid: u32, signal: &str) {
    let _ = Command::new("kill")
        .arg(format!("-{signal}"))
        .arg("--")
        .arg(format!("-{pgid}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
}

fn group_alive(pgid: u32) -> bool {
    Command::new("kill")
        .arg("-0")
        .arg("--")
        .arg(format!("-{pgid}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// A port that was free a moment ago: bind port 0 on loopback and release it.
fn free_port() -> Result<u16> {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .context("binding 127.0.0.1:0 to find a free port")?;
    let port = listener
        .local_addr()
        .context("reading the bound address")?
        .port();
    Ok(port)
}

/// Whether something answers a plain `GET /` with an HTTP status line.
fn answers_http(addr: SocketAddr) -> bool {
    let Ok(mut stream) = TcpStream::connect_timeout(&addr, Duration::from_millis(500)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let _ = stream.set_write_timeout(Some(Duration::from_secs(5)));
    let request = format!("GET / HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    if stream.write_all(request.as_bytes()).is_err() {
        return false;
    }
    let mut head = [0u8; 5];
    stream.read_exact(&mut head).is_ok() && &head == b"HTTP/"
}

/// The last `lines` lines of a file, or why it could not be read.
fn tail(path: &Path, lines: usize) -> String {
    match fs::read(path) {
        Ok(bytes) => {
            let text = String::from_utf8_lossy(&bytes);
            let all: Vec<&str> = text.lines().collect();
            let start = all.len().saturating_sub(lines);
            if all.is_empty() {
                "(empty)".to_string()
            } else {
                all[start..].join("\n")
            }
        }
        Err(err) => format!("(cannot read {}: {err})", path.display()),
    }
}

// ---------------------------------------------------------------------------------------------
// Tests.

fn run_tests(root: &Path, prism_url: Option<&str>) -> Result<()> {
    let nextest = succeeds(cargo(root).args(["nextest", "--version"]));
    let mut command = cargo(root);
    if nextest {
        command.args([
            "nextest",
            "run",
            "--locked",
            "--workspace",
            "--no-fail-fast",
        ]);
    } else {
        println!("cargo-nextest is not installed; using cargo test");
        command.args(["test", "--locked", "--workspace", "--no-fail-fast"]);
    }
    crate::redis_server::add_env(&mut command);
    run_command(with_prism_url(&mut command, prism_url))
}
