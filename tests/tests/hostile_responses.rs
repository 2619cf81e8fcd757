//! Hostile servers, as raw TCP on 127.0.0.1 (no HTTP library between the test and the bytes):
//! floods with and without `Content-Length` stop at the body cap with a typed error, ids reach
//! the wire percent-encoded except for RFC 3986 unreserved characters, and the server's control
//! characters never reach an error's `Display`.

mod common;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use percent_encoding::percent_decode_str;
use sailpoint_v2025::{Client, Error, RetryConfig};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// How the raw server answers every request.
#[derive(Clone)]
enum Reply {
    /// These bytes (a complete response), then the connection is closed.
    Fixed(Vec<u8>),
    /// `head`, then `chunk` over and over (as HTTP chunks when `chunked`), up to `limit` bytes
    /// or until the client goes away.
    Flood {
        head: String,
        chunk: Vec<u8>,
        chunked: bool,
        limit: u64,
    },
}

/// A raw HTTP/1.1 server: records each request head, answers with [`Reply`], counts the body
/// bytes it managed to write.
struct RawServer {
    base_url: String,
    heads: Arc<Mutex<Vec<String>>>,
    sent: Arc<AtomicU64>,
}

impl RawServer {
    async fn start(reply: Reply) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let base_url = format!("http://{}", listener.local_addr().expect("addr"));
        let heads = Arc::new(Mutex::new(Vec::new()));
        let sent = Arc::new(AtomicU64::new(0));
        let (h, s) = (heads.clone(), sent.clone());
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(serve(stream, reply.clone(), h.clone(), s.clone()));
            }
        });
        Self {
            base_url,
            heads,
            sent,
        }
    }

    fn heads(&self) -> Vec<String> {
        self.heads.lock().expect("lock").clone()
    }

    /// The request lines (`POST /path HTTP/1.1`) received.
    fn request_lines(&self) -> Vec<String> {
        self.heads()
            .iter()
            .map(|h| h.lines().next().unwrap_or_default().to_string())
            .collect()
    }
}

async fn serve(
    mut stream: TcpStream,
    reply: Reply,
    heads: Arc<Mutex<Vec<String>>>,
    sent: Arc<AtomicU64>,
) {
    let mut buf = Vec::new();
    let mut byte = [0u8; 1024];
    // Read the head (the requests here have no body).
    while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
        match stream.read(&mut byte).await {
            Ok(0) | Err(_) => return,
            Ok(n) => buf.extend_from_slice(&byte[..n]),
        }
    }
    heads
        .lock()
        .expect("lock")
        .push(String::from_utf8_lossy(&buf).into_owned());
    match reply {
        Reply::Fixed(bytes) => {
            let _ = stream.write_all(&bytes).await;
        }
        Reply::Flood {
            head,
            chunk,
            chunked,
            limit,
        } => {
            if stream.write_all(head.as_bytes()).await.is_err() {
                return;
            }
            let framed = if chunked {
                let mut framed = format!("{:x}\r\n", chunk.len()).into_bytes();
                framed.extend_from_slice(&chunk);
                framed.extend_from_slice(b"\r\n");
                framed
            } else {
                chunk.clone()
            };
            while sent.load(Ordering::Relaxed) < limit {
                if stream.write_all(&framed).await.is_err() {
                    return;
                }
                sent.fetch_add(chunk.len() as u64, Ordering::Relaxed);
            }
        }
    }
    let _ = stream.shutdown().await;
}

fn client(server: &RawServer, max_response_bytes: usize) -> Client {
    common::isolated_builder()
        .base_url(server.base_url.clone())
        .access_token("raw-server-token")
        .retry(common::fast_retry(3))
        .max_response_bytes(max_response_bytes)
        .build()
        .expect("client")
}

const MIB: usize = 1024 * 1024;
/// What a flooding server would send if nobody stopped reading.
const FLOOD: u64 = 512 * MIB as u64;

fn flood(status: &str, chunked: bool) -> Reply {
    let length = if chunked {
        "Transfer-Encoding: chunked".to_string()
    } else {
        format!("Content-Length: {FLOOD}")
    };
    Reply::Flood {
        head: format!("HTTP/1.1 {status}\r\nContent-Type: application/json\r\n{length}\r\n\r\n"),
        chunk: vec![b' '; 64 * 1024],
        chunked,
        limit: FLOOD,
    }
}

/// A success body past the cap is `BodyTooLarge`; an error status past the cap keeps its
/// status (and so its retry: a 500 is retried, a 404 not), with only the text kept cut.
#[tokio::test]
async fn floods_stop_at_the_body_cap_with_a_typed_error() {
    for (status, code, chunked, attempts) in [
        ("200 OK", 200, true, 1),
        ("200 OK", 200, false, 1),
        ("500 Internal Server Error", 500, true, 3),
        ("404 Not Found", 404, false, 1),
    ] {
        let server = RawServer::start(flood(status, chunked)).await;
        let client = client(&server, MIB);
        let started = Instant::now();
        let err = common::classify_err(&client, "abc", "a flood").await;
        assert_eq!(err.status().map(|s| s.as_u16()), Some(code));
        if code == 200 {
            match &err {
                Error::BodyTooLarge { status, limit, .. } => {
                    assert_eq!(status.as_u16(), code);
                    assert_eq!(*limit, MIB);
                }
                other => panic!("{status} chunked={chunked}: expected BodyTooLarge, got {other:?}"),
            }
            assert_eq!(err.kind(), "body_too_large");
            assert!(err.to_string().contains("1048576-byte limit"), "{err}");
        } else {
            let response = err.response().expect("the kept start of the body");
            assert!(response.is_body_truncated(), "{err:?}");
            assert!(response.body().len() <= sailpoint_v2025::MAX_BODY_SNIPPET_BYTES);
        }
        assert_eq!(
            server.heads().len(),
            attempts,
            "{status}: retried as its status is"
        );
        // Reading stopped near the cap: the server could push only what the socket buffers
        // took before the client closed the connection (generous bound for loaded machines).
        tokio::time::sleep(Duration::from_millis(200)).await;
        let sent = server.sent.load(Ordering::Relaxed);
        assert!(
            sent < 128 * MIB as u64 * attempts as u64,
            "{sent} bytes sent"
        );
        assert!(started.elapsed() < Duration::from_secs(60));
    }
}

#[tokio::test]
async fn a_body_just_under_the_cap_is_read() {
    let cap = 64 * 1024;
    let json = br#"{"isMachine":true}"#;
    let mut body = vec![b' '; cap - json.len()];
    body.extend_from_slice(json);
    let mut response = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    response.extend_from_slice(&body);
    let server = RawServer::start(Reply::Fixed(response.clone())).await;
    let result = client(&server, cap)
        .send_classify_machine_account("abc")
        .await
        .expect("exactly at the cap");
    assert!(result.is_machine);

    // One byte more is over it.
    let server = RawServer::start(Reply::Fixed(response)).await;
    let err = common::classify_err(&client(&server, cap - 1), "abc", "over the cap").await;
    assert!(matches!(err, Error::BodyTooLarge { .. }), "{err:?}");
}

#[tokio::test]
async fn a_zero_body_cap_is_a_config_error() {
    let err = common::isolated_builder()
        .base_url("https://acme.api.identitynow.com")
        .access_token("t")
        .max_response_bytes(0)
        .build()
        .expect_err("zero cap");
    assert!(
        matches!(
            err,
            Error::Config {
                setting: "max response bytes",
                ..
            }
        ),
        "{err:?}"
    );
}

/// The request line as sent: every byte of the id outside RFC 3986's unreserved set is
/// percent-encoded, `;` included (`..;` is `..` to some servers), and it decodes back to the id.
#[tokio::test]
async fn ids_reach_the_wire_encoded_except_unreserved_characters() {
    let ok = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 18\r\n\r\n{\"isMachine\":true}".to_vec();
    let server = RawServer::start(Reply::Fixed(ok)).await;
    let client = client(&server, MIB);
    let cases = [
        ("..;", "..%3B"),
        (";", "%3B"),
        ("a;b=c", "a%3Bb%3Dc"),
        ("a:b@c", "a%3Ab%40c"),
        ("!$&'()*+,", "%21%24%26%27%28%29%2A%2B%2C"),
        ("a/b?c#d", "a%2Fb%3Fc%23d"),
        ("50%", "50%25"),
        ("%2e%2e", "%252e%252e"),
        ("a b", "a%20b"),
        ("[x]|^{}`<>\"", "%5Bx%5D%7C%5E%7B%7D%60%3C%3E%22"),
        ("ü", "%C3%BC"),
        ("Az09-._~", "Az09-._~"),
    ];
    for (id, _) in &cases {
        client
            .send_classify_machine_account(*id)
            .await
            .unwrap_or_else(|e| panic!("{id:?}: {e}"));
    }
    let lines = server.request_lines();
    assert_eq!(lines.len(), cases.len());
    for ((id, encoded), line) in cases.iter().zip(&lines) {
        assert_eq!(
            line,
            &format!("POST /v2025/accounts/{encoded}/classify?classificationMode=default HTTP/1.1"),
            "{id:?}"
        );
        assert_eq!(
            percent_decode_str(encoded).decode_utf8().expect("utf-8"),
            *id
        );
    }
    // The request carried the token and the experimental opt-in.
    let head = &server.heads()[0];
    assert!(
        head.contains("authorization: Bearer raw-server-token"),
        "{head}"
    );
    assert!(head.contains("x-sailpoint-experimental: true"), "{head}");
}

/// A body with ESC, CR and LF (forged log lines, terminal escapes) in every place an error
/// shows server text: Display escapes them; Debug and the raw snippet keep them escaped or raw.
#[tokio::test]
async fn control_characters_from_the_server_are_escaped_in_display() {
    let hostile = "\u{1b}[2J\r\n2026-01-01 INFO forged line\u{202e}";
    let bodies = [
        (
            "400 Bad Request",
            serde_json::json!({"detailCode": hostile, "trackingId": hostile,
                "messages": [{"text": hostile}]})
            .to_string(),
        ),
        (
            "401 Unauthorized",
            serde_json::json!({ "error": hostile }).to_string(),
        ),
        (
            "429 Too Many Requests",
            serde_json::json!({ "message": hostile }).to_string(),
        ),
        ("502 Bad Gateway", format!("<html>{hostile}</html>")),
        (
            "500 Internal Server Error",
            format!("{{\"trackingId\":\"t\",\"causes\":[null],\"x\":\"{hostile}\"}}"),
        ),
    ];
    for (status, body) in bodies {
        let response = format!(
            "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nRetry-After: 0\r\n\r\n{body}",
            body.len()
        );
        let server = RawServer::start(Reply::Fixed(response.into_bytes())).await;
        let client = common::isolated_builder()
            .base_url(server.base_url.clone())
            .access_token("raw-server-token")
            .retry(RetryConfig::disabled())
            .build()
            .expect("client");
        let err = common::classify_err(&client, "abc", status).await;
        let shown = err.to_string();
        assert!(
            !shown.chars().any(char::is_control) && !shown.contains('\u{202e}'),
            "{status}: {shown:?}"
        );
        assert!(shown.contains("forged line"), "{status}: {shown}");
        assert!(!format!("{err:?}").contains('\u{1b}'), "{status}");
        assert_eq!(err.status().map(|s| s.to_string()), Some(status.into()));
    }
}
