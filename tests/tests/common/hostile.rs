//! A small raw HTTP/1.1 server on 127.0.0.1 for the hostile cases the emulator does not cover:
//! any status with any headers and body, a stall before or in the middle of a response,
//! answers chosen per request. It records every request it reads (with its arrival time).
//!
//! Deliberately minimal: request line, headers, a `Content-Length` body, keep-alive.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use sailpoint_v2025::{Client, ClientBuilder, Error};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// Far above anything the behaviour under test needs, far below what the bug would take.
pub const GENEROUS: Duration = Duration::from_secs(20);

/// The path of the token endpoint under the base URL.
pub const TOKEN_PATH: &str = "/oauth/token";

/// One request as the server read it.
#[derive(Debug, Clone)]
pub struct Seen {
    /// `GET`, `POST`, ...
    pub method: String,
    /// The path without the query.
    pub path: String,
    /// Header names (lowercase) and values, in order.
    pub headers: Vec<(String, String)>,
    /// The body, lossily decoded.
    pub body: String,
    /// When the request was read completely.
    pub at: Instant,
}

impl Seen {
    /// The first value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Whether this is a token request.
    pub fn is_token(&self) -> bool {
        self.path == TOKEN_PATH
    }
}

/// What the server does with one request.
#[derive(Debug, Clone)]
pub enum Reply {
    /// A complete response; `Content-Length` is added.
    Http {
        /// The status code.
        status: u16,
        /// Extra headers.
        headers: Vec<(String, String)>,
        /// The body.
        body: String,
    },
    /// The status line, headers and a `Content-Length` of `length`, then only `prefix` of the
    /// body, then nothing: the client's body read stalls.
    StallInBody {
        /// The status code.
        status: u16,
        /// The announced body length.
        length: usize,
        /// What is sent of the body.
        prefix: String,
    },
    /// No answer at all; the connection stays open.
    Stall,
    /// Waits, then replies.
    Delayed(Duration, Box<Reply>),
}

/// A response with this status, headers and body.
pub fn reply(status: u16, headers: &[(&str, &str)], body: &str) -> Reply {
    Reply::Http {
        status,
        headers: headers
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect(),
        body: body.to_string(),
    }
}

/// A token response with `access_token` and the raw JSON `expires_in` (e.g. `"749"`, `"-5"`,
/// `"1.5e300"`).
pub fn token(access_token: &str, expires_in: &str) -> Reply {
    reply(
        200,
        &[("content-type", "application/json")],
        &format!(
            r#"{{"access_token":"{access_token}","token_type":"bearer","expires_in":{expires_in}}}"#
        ),
    )
}

/// A successful classify answer.
pub fn classified() -> Reply {
    reply(
        200,
        &[("content-type", "application/json")],
        r#"{"isMachine":true}"#,
    )
}

type Handler = dyn Fn(&Seen, usize) -> Reply + Send + Sync;

/// The running server; stops accepting when dropped.
pub struct Hostile {
    base_url: String,
    seen: Arc<Mutex<Vec<Seen>>>,
    accept: JoinHandle<()>,
}

impl Drop for Hostile {
    fn drop(&mut self) {
        self.accept.abort();
    }
}

impl Hostile {
    /// Starts a server answering with `handler(request, n)`, `n` counting the earlier requests
    /// to the same path (0 for the first).
    pub async fn start(handler: impl Fn(&Seen, usize) -> Reply + Send + Sync + 'static) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let base_url = format!("http://{}", listener.local_addr().expect("addr"));
        let seen = Arc::new(Mutex::new(Vec::new()));
        let handler: Arc<Handler> = Arc::new(handler);
        let accept = {
            let seen = seen.clone();
            tokio::spawn(async move {
                while let Ok((stream, _)) = listener.accept().await {
                    tokio::spawn(serve(stream, seen.clone(), handler.clone()));
                }
            })
        };
        Self {
            base_url,
            seen,
            accept,
        }
    }

    /// `http://127.0.0.1:<port>`.
    pub fn base_url(&self) -> String {
        self.base_url.clone()
    }

    /// Every request read so far.
    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().expect("log").clone()
    }

    /// Token requests read so far.
    pub fn token_requests(&self) -> usize {
        self.seen().iter().filter(|s| s.is_token()).count()
    }

    /// API (non-token) requests read so far.
    pub fn api_requests(&self) -> Vec<Seen> {
        self.seen().into_iter().filter(|s| !s.is_token()).collect()
    }
}

async fn serve(mut stream: TcpStream, seen: Arc<Mutex<Vec<Seen>>>, handler: Arc<Handler>) {
    let mut buffer = Vec::new();
    loop {
        let Some(request) = read_request(&mut stream, &mut buffer).await else {
            return;
        };
        let n = {
            let mut log = seen.lock().expect("log");
            let n = log.iter().filter(|s| s.path == request.path).count();
            log.push(request.clone());
            n
        };
        let mut answer = handler(&request, n);
        while let Reply::Delayed(wait, then) = answer {
            tokio::time::sleep(wait).await;
            answer = *then;
        }
        match answer {
            Reply::Delayed(..) | Reply::Stall => {
                std::future::pending::<()>().await;
            }
            Reply::StallInBody {
                status,
                length,
                prefix,
            } => {
                let head = format!(
                    "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {length}\r\n\r\n{prefix}"
                );
                let _ = stream.write_all(head.as_bytes()).await;
                let _ = stream.flush().await;
                std::future::pending::<()>().await;
            }
            Reply::Http {
                status,
                headers,
                body,
            } => {
                let mut out = format!("HTTP/1.1 {status} X\r\n");
                for (name, value) in &headers {
                    out.push_str(&format!("{name}: {value}\r\n"));
                }
                out.push_str(&format!("content-length: {}\r\n\r\n{body}", body.len()));
                if stream.write_all(out.as_bytes()).await.is_err() {
                    return;
                }
            }
        }
    }
}

/// Reads one request (head and `Content-Length` body); `None` at EOF or on garbage.
async fn read_request(stream: &mut TcpStream, buffer: &mut Vec<u8>) -> Option<Seen> {
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(pos) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            break pos;
        }
        if buffer.len() > 64 * 1024 {
            return None;
        }
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buffer.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buffer[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let mut request_line = lines.next()?.split(' ');
    let method = request_line.next()?.to_string();
    let target = request_line.next()?;
    let path = target.split('?').next().unwrap_or_default().to_string();
    let headers: Vec<(String, String)> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let length: usize = headers
        .iter()
        .find(|(n, _)| n == "content-length")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let body_start = head_end + 4;
    while buffer.len() < body_start + length {
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buffer.extend_from_slice(&chunk[..n]);
    }
    let body = String::from_utf8_lossy(&buffer[body_start..body_start + length]).into_owned();
    buffer.drain(..body_start + length);
    Some(Seen {
        method,
        path,
        headers,
        body,
        at: Instant::now(),
    })
}

/// A client builder for `server`, shut off from the environment, with its credentials.
pub fn hostile_builder(server: &Hostile) -> ClientBuilder {
    super::isolated_builder()
        .base_url(server.base_url())
        .client_credentials("hostile-id", "hostile-secret")
}

/// A server whose token endpoint always works (`token-<n>`, 749 s) and whose API answers
/// `api(request, n)`.
pub async fn api_server(api: impl Fn(&Seen, usize) -> Reply + Send + Sync + 'static) -> Hostile {
    Hostile::start(move |request, n| {
        if request.is_token() {
            token(&format!("token-{n}"), "749")
        } else {
            api(request, n)
        }
    })
    .await
}

/// Classifies the account `acct-1`: whether it is a machine account, or the error.
pub async fn classify(client: &Client) -> Result<bool, Error> {
    client
        .send_classify_machine_account("acct-1")
        .await
        .map(|r| r.is_machine)
}
