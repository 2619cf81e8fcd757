//! `sailpoint-v2025-emulator`: the testkit's emulator as a standalone server, for trying
//! programs written against the SDK (or any HTTP client) without a tenant.
//!
//! It listens on 127.0.0.1 (`--port`, default a free port), prints the three environment
//! variables that point `Client::from_env()` at it as `export` lines on standard output, and
//! serves the demo client, accounts and sources until it is stopped (Ctrl-C). Everything else it
//! says goes to standard error, so `sailpoint-v2025-emulator > emulator.env &` leaves a file
//! that `. ./emulator.env` reads.

use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

use sailpoint_v2025_testkit::{Emulator, ServerRateLimit, demo};

const USAGE: &str = "\
Usage: sailpoint-v2025-emulator [--port PORT] [--rate-limit REQUESTS/SECONDS | --no-rate-limit]

A local emulator of SailPoint ISC API v2025 (OAuth2 client credentials, account classification,
source jobs, account lists) on 127.0.0.1, with the demo client, accounts and sources of
sailpoint-v2025-testkit. Prints the SAIL_BASE_URL, SAIL_CLIENT_ID and SAIL_CLIENT_SECRET to
export on standard output, then serves until stopped (Ctrl-C).

Options:
  --port PORT                  listen on this port (default 0: a free port)
  --rate-limit REQUESTS/SECONDS
                               answer 429 past this many requests per client_id in any window
                               of SECONDS (default 100/10, ISC's limit)
  --no-rate-limit              never answer 429
  -h, --help                   this text
  -V, --version                the version

Exit status: 2 for a usage error, 1 when the port cannot be listened on.";

/// What the command line asks for.
#[derive(Debug, PartialEq)]
struct Options {
    port: u16,
    rate_limit: Option<ServerRateLimit>,
}

/// What to do instead of serving.
#[derive(Debug, PartialEq)]
enum Exit {
    Help,
    Version,
    Usage(String),
}

fn parse(args: impl IntoIterator<Item = String>) -> Result<Options, Exit> {
    let mut options = Options {
        port: 0,
        rate_limit: Some(ServerRateLimit::ISC),
    };
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let (name, inline) = match arg.split_once('=') {
            Some((name, value)) if name.starts_with("--") => {
                (name.to_owned(), Some(value.to_owned()))
            }
            _ => (arg.clone(), None),
        };
        let mut value = |what: &str| {
            inline
                .clone()
                .or_else(|| args.next())
                .ok_or_else(|| Exit::Usage(format!("{name} needs {what}")))
        };
        match name.as_str() {
            "-h" | "--help" => return Err(Exit::Help),
            "-V" | "--version" => return Err(Exit::Version),
            "--port" => {
                let text = value("a port number")?;
                options.port = text.parse().map_err(|_| {
                    Exit::Usage(format!("--port {text:?} is not a port number (0 to 65535)"))
                })?;
            }
            "--rate-limit" => {
                let text = value("REQUESTS/SECONDS, e.g. 100/10")?;
                options.rate_limit = Some(rate_limit(&text).ok_or_else(|| {
                    Exit::Usage(format!(
                        "--rate-limit {text:?} is not REQUESTS/SECONDS with both above 0, e.g. 100/10"
                    ))
                })?);
            }
            "--no-rate-limit" => options.rate_limit = None,
            other => return Err(Exit::Usage(format!("unknown argument {other:?}"))),
        }
    }
    Ok(options)
}

fn rate_limit(text: &str) -> Option<ServerRateLimit> {
    let (requests, seconds) = text.split_once('/')?;
    let requests: u32 = requests.trim().parse().ok().filter(|n| *n > 0)?;
    let seconds: f64 = seconds
        .trim()
        .parse()
        .ok()
        .filter(|s: &f64| s.is_finite() && *s > 0.0)?;
    let period = Duration::try_from_secs_f64(seconds).ok()?;
    Some(ServerRateLimit::new(requests, period))
}

/// The lines a shell evaluates to point `Client::from_env()` at `base_url`.
fn exports(base_url: &str) -> String {
    format!(
        "export SAIL_BASE_URL={base_url}\nexport SAIL_CLIENT_ID={}\nexport SAIL_CLIENT_SECRET={}\n",
        demo::CLIENT_ID,
        demo::CLIENT_SECRET
    )
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let options = match parse(std::env::args().skip(1)) {
        Ok(options) => options,
        Err(Exit::Help) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(Exit::Version) => {
            println!("sailpoint-v2025-emulator {}", env!("CARGO_PKG_VERSION"));
            return ExitCode::SUCCESS;
        }
        Err(Exit::Usage(message)) => {
            eprintln!("sailpoint-v2025-emulator: {message}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let emulator = match Emulator::builder()
        .port(options.port)
        .rate_limit(options.rate_limit)
        .start()
        .await
    {
        Ok(emulator) => emulator,
        Err(error) => {
            eprintln!(
                "sailpoint-v2025-emulator: cannot listen on 127.0.0.1:{}: {error}",
                options.port
            );
            return ExitCode::FAILURE;
        }
    };
    let mut stdout = std::io::stdout().lock();
    // Written and flushed at once, so a script reading the lines (or a file they are
    // redirected to) has them as soon as the server accepts connections.
    if stdout
        .write_all(exports(emulator.base_url()).as_bytes())
        .and_then(|()| stdout.flush())
        .is_err()
    {
        // Nobody can learn the address: serving would only leave a stray process.
        return ExitCode::FAILURE;
    }
    drop(stdout);
    let limit = match options.rate_limit {
        Some(limit) => format!("{} requests per {:?}", limit.requests, limit.window),
        None => "none".to_owned(),
    };
    eprintln!(
        "ISC API v2025 emulator at {} (rate limit: {limit}); Ctrl-C stops it.\n\
         Demo accounts: {} (machine) and {} (human); demo source: {}.",
        emulator.base_url(),
        demo::MACHINE_ID,
        demo::HUMAN_ID,
        demo::AD_SOURCE_ID,
    );
    std::future::pending::<()>().await;
    ExitCode::SUCCESS
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn defaults_are_a_free_port_and_isc_s_limit() {
        assert_eq!(
            parse(args(&[])),
            Ok(Options {
                port: 0,
                rate_limit: Some(ServerRateLimit::ISC)
            })
        );
    }

    #[test]
    fn options_in_both_spellings() {
        let expected = Options {
            port: 7100,
            rate_limit: Some(ServerRateLimit::new(20, Duration::from_millis(500))),
        };
        assert_eq!(
            parse(args(&["--port", "7100", "--rate-limit", "20/0.5"])),
            Ok(expected)
        );
        let expected = Options {
            port: 7100,
            rate_limit: None,
        };
        assert_eq!(
            parse(args(&["--port=7100", "--no-rate-limit"])),
            Ok(expected)
        );
    }

    #[test]
    fn bad_arguments_are_usage_errors_naming_them() {
        for (given, named) in [
            (&["--port"][..], "--port needs"),
            (&["--port", "70000"][..], "\"70000\""),
            (&["--port", "-1"][..], "\"-1\""),
            (&["--rate-limit", "0/10"][..], "\"0/10\""),
            (&["--rate-limit", "10/0"][..], "\"10/0\""),
            (&["--rate-limit", "10/NaN"][..], "\"10/NaN\""),
            (&["--rate-limit", "10"][..], "\"10\""),
            (&["--verbose"][..], "\"--verbose\""),
        ] {
            match parse(args(given)) {
                Err(Exit::Usage(message)) => {
                    assert!(message.contains(named), "{given:?}: {message}")
                }
                other => panic!("{given:?}: {other:?}"),
            }
        }
        assert_eq!(parse(args(&["--port", "1", "-h"])), Err(Exit::Help));
    }

    #[test]
    fn the_exports_name_the_demo_client() {
        assert_eq!(
            exports("http://127.0.0.1:7100"),
            "export SAIL_BASE_URL=http://127.0.0.1:7100\n\
             export SAIL_CLIENT_ID=demo-client\n\
             export SAIL_CLIENT_SECRET=demo-secret\n"
        );
    }
}
