//! The `sailpoint-v2025-emulator` binary as a user runs it: it prints the `export` lines that
//! point `Client::from_env()` at it, serves the demo accounts on that address until stopped, and
//! fails clearly on a port in use or a bad argument.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use sailpoint_v2025::Client;
use sailpoint_v2025_testkit::demo;

const BIN: &str = env!("CARGO_BIN_EXE_sailpoint-v2025-emulator");

/// Generous: a loaded 2-core machine starting a process and binding a socket.
const STARTUP: Duration = Duration::from_secs(60);

/// A running emulator process (killed on drop) and the variables it printed.
struct Running {
    child: Child,
    exports: Vec<(String, String)>,
}

impl Running {
    fn start(args: &[&str]) -> Running {
        let mut child = Command::new(BIN)
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("the emulator binary starts");
        let stdout = child.stdout.take().expect("piped stdout");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let lines: Vec<String> = BufReader::new(stdout)
                .lines()
                .take(3)
                .map_while(Result::ok)
                .collect();
            let _ = tx.send(lines);
        });
        let lines = rx
            .recv_timeout(STARTUP)
            .expect("three lines within a minute");
        let exports = lines
            .iter()
            .map(|line| {
                let assignment = line.strip_prefix("export ").expect("an export line");
                let (name, value) = assignment.split_once('=').expect("NAME=value");
                (name.to_owned(), value.to_owned())
            })
            .collect();
        Running { child, exports }
    }

    fn var(&self, name: &str) -> &str {
        self.exports
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or_else(|| panic!("{name} not exported: {:?}", self.exports))
    }

    fn client(&self) -> Client {
        Client::builder()
            .base_url(self.var("SAIL_BASE_URL"))
            .client_credentials(self.var("SAIL_CLIENT_ID"), self.var("SAIL_CLIENT_SECRET"))
            .build()
            .expect("a client from the printed variables")
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test]
async fn the_printed_variables_reach_a_serving_emulator() {
    let running = Running::start(&[]);
    let names: Vec<&str> = running.exports.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        ["SAIL_BASE_URL", "SAIL_CLIENT_ID", "SAIL_CLIENT_SECRET"]
    );
    assert!(
        running
            .var("SAIL_BASE_URL")
            .starts_with("http://127.0.0.1:")
    );

    let client = running.client();
    let machine = client
        .send_classify_machine_account(demo::MACHINE_ID)
        .await
        .expect("the demo machine account is classified");
    let human = client
        .send_classify_machine_account(demo::HUMAN_ID)
        .await
        .expect("the demo human account is classified");
    assert!(machine.is_machine);
    assert!(!human.is_machine);
    let accounts = client
        .list_accounts()
        .await
        .expect("the accounts are listed");
    assert_eq!(accounts.len(), demo::accounts().len());
}

#[tokio::test]
async fn a_port_in_use_fails_naming_it() {
    let running = Running::start(&["--no-rate-limit"]);
    let port = running
        .var("SAIL_BASE_URL")
        .rsplit(':')
        .next()
        .expect("a port")
        .to_owned();
    let second = Command::new(BIN)
        .args(["--port", &port])
        .stdin(Stdio::null())
        .output()
        .expect("runs");
    assert_eq!(second.status.code(), Some(1));
    assert!(
        second.stdout.is_empty(),
        "no variables printed for a server that is not there"
    );
    let stderr = String::from_utf8_lossy(&second.stderr);
    assert!(
        stderr.contains(&format!("cannot listen on 127.0.0.1:{port}")),
        "{stderr}"
    );
    // The first one still serves.
    running
        .client()
        .send_classify_machine_account(demo::MACHINE_ID)
        .await
        .expect("still serving");
}

#[test]
fn a_bad_argument_is_a_usage_error() {
    let output = Command::new(BIN)
        .args(["--port", "http"])
        .stdin(Stdio::null())
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(2));
    assert!(output.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("--port \"http\" is not a port number"),
        "{stderr}"
    );
    assert!(
        stderr.contains("Usage: sailpoint-v2025-emulator"),
        "{stderr}"
    );

    let help = Command::new(BIN).arg("--help").output().expect("runs");
    assert_eq!(help.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&help.stdout).contains("--rate-limit"));
}

/// The facade README's "No tenant yet?" commands: its `export` line is what the binary prints
/// for the port the README starts it on.
#[test]
fn the_readme_s_export_line_is_what_the_binary_prints() {
    let readme_path = concat!(env!("CARGO_MANIFEST_DIR"), "/../sailpoint-v2025/README.md");
    let readme = std::fs::read_to_string(readme_path).expect("the facade README");
    let start = readme
        .lines()
        .find_map(|line| line.trim().strip_prefix("sailpoint-v2025-emulator --port "))
        .expect("the README starts the emulator on a port");
    let port = start.trim_end_matches('&').trim();
    let exported: Vec<String> = readme
        .lines()
        .find_map(|line| line.trim().strip_prefix("export SAIL_BASE_URL="))
        .map(|rest| format!("SAIL_BASE_URL={rest}"))
        .expect("the README's export line")
        .split_whitespace()
        .map(str::to_owned)
        .collect();

    let running = Running::start(&["--no-rate-limit"]);
    let printed: Vec<String> = running
        .exports
        .iter()
        .map(|(name, value)| match name.as_str() {
            // The README's port, where this test's binary took a free one.
            "SAIL_BASE_URL" => format!("{name}=http://127.0.0.1:{port}"),
            _ => format!("{name}={value}"),
        })
        .collect();
    assert_eq!(exported, printed);
}
