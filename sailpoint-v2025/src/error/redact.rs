//! Redaction of secrets (client secret, access tokens) from text that a server sent back, before
//! it is kept in an [`Error`](crate::Error) or logged.
//!
//! A server may echo a secret in whatever form it received or stores it, so a secret is
//! matched character by character, each character in any of these forms (mixed freely):
//! raw; percent-encoded, either hex case (`%2B`, `%2b`), as URLs and
//! `application/x-www-form-urlencoded` forms carry it, with `+` for a space; JSON string
//! escapes (`\/`, `\u002B`, surrogate pairs); and HTML character references (`&amp;`,
//! `&#43;`, `&#x2B;`).
//!
//! Two more layers are covered:
//!
//! * **Encoded twice or three times.** The text is also searched JSON-unescaped and
//!   percent-decoded, in every combination two layers deep (views that map back to the raw
//!   bytes), so a secret escaped twice (`\\\"`, `%252B`, a JSON escape of a percent
//!   escape...), even inside a JSON string of the body, is found in the raw bytes.
//! * **base64.** The standard and URL-safe base64 forms, padded or not, of each secret and of
//!   `client_id:client_secret` (HTTP Basic authentication's form) are secrets too, matched in all
//!   the forms above.
//!
//! Limit: text decoded one layer is read one way. A stray `%` or `\\` just before a secret
//! escaped twice (`%` + `0A%255C...`, `%0` + `A%255C...`) turns the secret's first characters
//! into another escape (`%0A`), so that secret is not found; a server echoing what it received never
//! produces such text (its own `%` would be `%25`).
//!
//! Each match is replaced by `[REDACTED]`. Text that was decoded from a body (the strings of a
//! typed error body) is redacted again after decoding (`Redactor::redact_json`), so one more
//! layer of escaping in the body does not hide a secret either.

use std::borrow::Cow;
use std::fmt;
use std::ops::Range;

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
use reqwest::header::HeaderValue;

/// What a secret is replaced with.
pub(crate) const REDACTED: &str = "[REDACTED]";

/// The secrets to remove from server text.
#[derive(Clone, Default)]
pub(crate) struct Redactor {
    secrets: Vec<Box<str>>,
}

impl fmt::Debug for Redactor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Redactor")
            .field("secrets", &self.secrets.len())
            .finish()
    }
}

impl Redactor {
    /// A redactor for these secrets and their base64 forms (empty ones are ignored;
    /// surrounding whitespace is matched with and without).
    pub(crate) fn new<'a>(secrets: impl IntoIterator<Item = &'a str>) -> Self {
        let mut redactor = Self::default();
        for secret in secrets {
            redactor.add(secret);
        }
        redactor
    }

    /// A redactor for an OAuth2 client's secret: the secret and the HTTP Basic form
    /// `client_id:client_secret`, each raw and base64-encoded.
    pub(crate) fn client_credentials(client_id: &str, client_secret: &str) -> Self {
        let mut redactor = Self::new([client_secret]);
        if !client_secret.trim().is_empty() {
            redactor.add_base64(&format!("{client_id}:{client_secret}"));
        }
        redactor
    }

    /// Adds a secret and its base64 forms.
    pub(crate) fn add(&mut self, secret: &str) {
        for candidate in [secret, secret.trim()] {
            if !candidate.is_empty() {
                self.add_literal(candidate);
                self.add_base64(candidate);
            }
        }
    }

    /// Adds the four base64 forms (standard or URL-safe alphabet, padded or not) of `value`.
    fn add_base64(&mut self, value: &str) {
        for engine in [STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD] {
            self.add_literal(&engine.encode(value));
        }
    }

    fn add_literal(&mut self, literal: &str) {
        if !literal.is_empty() && !self.secrets.iter().any(|s| &**s == literal) {
            self.secrets.push(literal.into());
        }
    }

    /// This redactor plus the token of a `Bearer <token>` header value.
    pub(crate) fn with_bearer(&self, header: &HeaderValue) -> Self {
        let mut redactor = self.clone();
        if let Ok(value) = header.to_str() {
            redactor.add(value.strip_prefix("Bearer ").unwrap_or(value));
        }
        redactor
    }

    /// `text` with every secret replaced by `[REDACTED]`.
    pub(crate) fn redact<'t>(&self, text: &'t str) -> Cow<'t, str> {
        match self.redact_bytes(text.as_bytes()) {
            Cow::Borrowed(_) => Cow::Borrowed(text),
            // Matches cover whole characters of the text, so the result is still UTF-8.
            Cow::Owned(bytes) => Cow::Owned(
                String::from_utf8(bytes)
                    .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()),
            ),
        }
    }

    /// Every string of a decoded JSON value (keys included) redacted, in place: text that was
    /// decoded from a body gets the same treatment as the raw body.
    pub(crate) fn redact_json(&self, value: &mut serde_json::Value) {
        use serde_json::Value;
        if self.secrets.is_empty() {
            return;
        }
        match value {
            Value::String(text) => {
                if let Cow::Owned(redacted) = self.redact(text) {
                    *text = redacted;
                }
            }
            Value::Array(items) => items.iter_mut().for_each(|item| self.redact_json(item)),
            Value::Object(map) => {
                let entries = std::mem::take(map);
                for (key, mut item) in entries {
                    self.redact_json(&mut item);
                    map.insert(self.redact(&key).into_owned(), item);
                }
            }
            Value::Null | Value::Bool(_) | Value::Number(_) => {}
        }
    }

    /// `bytes` with every secret replaced by `[REDACTED]`.
    pub(crate) fn redact_bytes<'t>(&self, bytes: &'t [u8]) -> Cow<'t, [u8]> {
        if self.secrets.is_empty() {
            return Cow::Borrowed(bytes);
        }
        let mut spans = Vec::new();
        self.find(bytes, &|span| span, UNESCAPE_LAYERS, &mut spans);
        if spans.is_empty() {
            return Cow::Borrowed(bytes);
        }
        spans.sort_unstable_by_key(|span| (span.start, std::cmp::Reverse(span.end)));
        let mut out = Vec::with_capacity(bytes.len());
        let mut copied = 0;
        for span in spans {
            if span.start < copied {
                // Overlaps a span already replaced: extend that replacement.
                copied = copied.max(span.end);
                continue;
            }
            out.extend_from_slice(&bytes[copied..span.start]);
            out.extend_from_slice(REDACTED.as_bytes());
            copied = span.end;
        }
        out.extend_from_slice(&bytes[copied..]);
        Cow::Owned(out)
    }

    /// Pushes the raw range (through `to_raw`) of every match in `bytes` and, `layers` deep, in
    /// its JSON-unescaped and percent-decoded views: a secret escaped once more than the
    /// matcher reads is a secret escaped as the matcher reads it in the unescaped text.
    fn find(
        &self,
        bytes: &[u8],
        to_raw: &dyn Fn(Range<usize>) -> Range<usize>,
        layers: usize,
        spans: &mut Vec<Range<usize>>,
    ) {
        spans.extend(self.matches(bytes).into_iter().map(to_raw));
        if layers == 0 {
            return;
        }
        let views = [
            View::json_unescaped(bytes, true),
            View::json_unescaped(bytes, false),
            View::percent_decoded(bytes),
        ];
        for view in views.into_iter().flatten() {
            let to_raw = |span| to_raw(view.raw(span));
            self.find(&view.bytes, &to_raw, layers - 1, spans);
        }
    }

    /// The leftmost-longest, non-overlapping matches of any form of any secret in `bytes`.
    fn matches(&self, bytes: &[u8]) -> Vec<Range<usize>> {
        // The bytes at which some form of some secret can start (raw first byte or an escape).
        let mut starts = [false; 256];
        for b in [b'%', b'+', b'\\', b'&'] {
            starts[usize::from(b)] = true;
        }
        for secret in &self.secrets {
            starts[usize::from(secret.as_bytes()[0])] = true;
        }
        let mut scratch = (Vec::new(), Vec::new());
        let mut found = Vec::new();
        let mut i = 0;
        while i < bytes.len() {
            if !starts[usize::from(bytes[i])] {
                i += 1;
                continue;
            }
            let longest = self
                .secrets
                .iter()
                .filter_map(|secret| match_at(bytes, i, secret, &mut scratch))
                .max();
            match longest {
                Some(end) => {
                    found.push(i..end);
                    i = end;
                }
                None => i += 1,
            }
        }
        found
    }
}

/// How many layers of escapes are removed before matching, on top of the one the matcher reads
/// itself: a secret escaped twice, inside a JSON string of a body (three layers), is found.
const UNESCAPE_LAYERS: usize = 2;

/// Text with one layer of escapes decoded, and where each decoded byte came from.
struct View {
    bytes: Vec<u8>,
    /// For each decoded byte, the start of the raw bytes it was decoded from, plus the raw
    /// length at the end. The bytes of one escape all map to its start, and a match always
    /// covers whole escapes (it ends on a character boundary), so `raw[end]` is where it ends.
    raw_starts: Vec<usize>,
}

impl View {
    /// The raw range a match in the view covers.
    fn raw(&self, span: Range<usize>) -> Range<usize> {
        let start = self.raw_starts[span.start];
        // Past every decoded byte of the escape the match ends in.
        let last = self.raw_starts[span.end - 1];
        let end = self.raw_starts[span.end..]
            .iter()
            .copied()
            .find(|&raw| raw != last)
            .unwrap_or(last);
        start..end
    }

    /// Builds a view with `decode`, which at a position returns the decoded bytes of the escape
    /// there and its raw length, or `None` for a byte taken as is. `None` when the text has no
    /// escape (the view would be the text itself).
    fn decoded(
        text: &[u8],
        escape: u8,
        decode: impl Fn(&[u8], usize, &mut Vec<u8>) -> Option<usize>,
    ) -> Option<Self> {
        if !text.contains(&escape) {
            return None;
        }
        let mut view = View {
            bytes: Vec::with_capacity(text.len()),
            raw_starts: Vec::with_capacity(text.len() + 1),
        };
        let mut at = 0;
        while at < text.len() {
            let before = view.bytes.len();
            let len = if text[at] == escape {
                decode(text, at, &mut view.bytes)
            } else {
                None
            };
            let len = len.unwrap_or_else(|| {
                view.bytes.truncate(before);
                view.bytes.push(text[at]);
                1
            });
            view.raw_starts
                .extend(std::iter::repeat_n(at, view.bytes.len() - before));
            at += len;
        }
        view.raw_starts.push(text.len());
        Some(view)
    }

    /// JSON string escapes decoded (`\"`, `\\`, `\/`, `\n`..., `\uXXXX` and surrogate pairs).
    ///
    /// With `pair_backslashes` false, `\\` is left as it is, so that a backslash just before an
    /// escaped secret (text ending in `\`, then `\u0025...`) cannot hide it by pairing with the
    /// escape's own backslash.
    fn json_unescaped(text: &[u8], pair_backslashes: bool) -> Option<Self> {
        Self::decoded(text, b'\\', |text, at, out| {
            let short = match *text.get(at + 1)? {
                b'"' => b'"',
                b'\\' if pair_backslashes => b'\\',
                b'/' => b'/',
                b'b' => 0x08,
                b'f' => 0x0c,
                b'n' => b'\n',
                b'r' => b'\r',
                b't' => b'\t',
                b'u' => {
                    let unit = |pos: usize| -> Option<u32> {
                        if text.get(pos..pos + 2)? != b"\\u" {
                            return None;
                        }
                        hex_value(text.get(pos + 2..pos + 6)?)
                    };
                    let high = unit(at)?;
                    let (c, len) = match char::from_u32(high) {
                        Some(c) => (c, 6),
                        None => {
                            let low = unit(at + 6)?;
                            let c = char::decode_utf16([high as u16, low as u16]).next()?.ok()?;
                            (c, 12)
                        }
                    };
                    out.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes());
                    return Some(len);
                }
                _ => return None,
            };
            out.push(short);
            Some(2)
        })
    }

    /// `%XX` escapes decoded (a `+` stays a `+`: the matcher reads it as a space itself).
    fn percent_decoded(text: &[u8]) -> Option<Self> {
        Self::decoded(text, b'%', |text, at, out| {
            let value = hex_value(text.get(at + 1..at + 3)?)?;
            out.push(u8::try_from(value).ok()?);
            Some(3)
        })
    }
}

/// Where a match of `secret` starting at `start` ends (the longest one), if there is one.
///
/// A small NFA simulation: the set of text positions reachable after each character of the
/// secret (usually one; escapes such as `%25` and a raw `%` can make it two).
fn match_at(
    text: &[u8],
    start: usize,
    secret: &str,
    (positions, next): &mut (Vec<usize>, Vec<usize>),
) -> Option<usize> {
    positions.clear();
    positions.push(start);
    for c in secret.chars() {
        next.clear();
        for &at in positions.iter() {
            char_forms(text, at, c, next);
        }
        if next.is_empty() {
            return None;
        }
        next.sort_unstable();
        next.dedup();
        std::mem::swap(positions, next);
    }
    positions.iter().copied().max()
}

/// Pushes every position where a form of `c` starting at `at` ends.
fn char_forms(text: &[u8], at: usize, c: char, ends: &mut Vec<usize>) {
    let mut utf8 = [0u8; 4];
    let encoded = c.encode_utf8(&mut utf8).as_bytes();
    bytes_forms(text, at, encoded, ends);
    match text.get(at) {
        Some(b'\\') => {
            if let Some(end) = json_escape(text, at, c) {
                ends.push(end);
            }
        }
        Some(b'&') => {
            if let Some(end) = html_reference(text, at, c) {
                ends.push(end);
            }
        }
        _ => {}
    }
}

/// Pushes the ends of every way to spell `encoded` at `at`, byte by byte: raw, `%XX`, or `+`
/// for a space (a raw `%` and an escape starting with `%` are both tried).
fn bytes_forms(text: &[u8], at: usize, encoded: &[u8], ends: &mut Vec<usize>) {
    let Some((&b, rest)) = encoded.split_first() else {
        ends.push(at);
        return;
    };
    let Some(&t) = text.get(at) else {
        return;
    };
    if t == b || (t == b'+' && b == b' ') {
        bytes_forms(text, at + 1, rest, ends);
    }
    if t == b'%'
        && text
            .get(at + 1..at + 3)
            .and_then(hex_value)
            .is_some_and(|v| v == u32::from(b))
    {
        bytes_forms(text, at + 3, rest, ends);
    }
}

fn json_escape(text: &[u8], at: usize, c: char) -> Option<usize> {
    let short = match c {
        '"' => Some(b'"'),
        '\\' => Some(b'\\'),
        '/' => Some(b'/'),
        '\u{8}' => Some(b'b'),
        '\u{c}' => Some(b'f'),
        '\n' => Some(b'n'),
        '\r' => Some(b'r'),
        '\t' => Some(b't'),
        _ => None,
    };
    if short.is_some() && text.get(at + 1).copied() == short {
        return Some(at + 2);
    }
    let unit = |pos: usize| -> Option<u32> {
        if text.get(pos..pos + 2)? != b"\\u" {
            return None;
        }
        hex_value(text.get(pos + 2..pos + 6)?)
    };
    let mut units = [0u16; 2];
    match c.encode_utf16(&mut units) {
        [one] => (unit(at)? == u32::from(*one)).then_some(at + 6),
        [high, low] => {
            (unit(at)? == u32::from(*high) && unit(at + 6)? == u32::from(*low)).then_some(at + 12)
        }
        _ => None,
    }
}

fn html_reference(text: &[u8], at: usize, c: char) -> Option<usize> {
    let rest = &text[at..];
    let named: &[&[u8]] = match c {
        '&' => &[b"&amp;"],
        '<' => &[b"&lt;"],
        '>' => &[b"&gt;"],
        '"' => &[b"&quot;"],
        '\'' => &[b"&apos;"],
        _ => &[],
    };
    if let Some(name) = named.iter().find(|name| rest.starts_with(name)) {
        return Some(at + name.len());
    }
    // Numeric: `&#43;` or `&#x2B;`.
    let digits_start = if rest.starts_with(b"&#x") || rest.starts_with(b"&#X") {
        3
    } else if rest.starts_with(b"&#") {
        2
    } else {
        return None;
    };
    let len = rest[digits_start..]
        .iter()
        .take(8)
        .position(|&b| b == b';')?;
    let digits = std::str::from_utf8(&rest[digits_start..digits_start + len]).ok()?;
    let radix = if digits_start == 3 { 16 } else { 10 };
    let value = u32::from_str_radix(digits, radix).ok()?;
    (value == u32::from(c)).then_some(at + digits_start + len + 1)
}

fn hex_value(hex: &[u8]) -> Option<u32> {
    if !hex.iter().all(u8::is_ascii_hexdigit) {
        return None;
    }
    u32::from_str_radix(std::str::from_utf8(hex).ok()?, 16).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "s3cr/t+a=b&c d\"é";

    fn redacted(text: &str) -> String {
        Redactor::new([SECRET]).redact(text).into_owned()
    }

    #[test]
    fn every_encoding_of_a_secret_is_redacted() {
        let form: String = form_urlencoded::byte_serialize(SECRET.as_bytes()).collect();
        let percent =
            percent_encoding::utf8_percent_encode(SECRET, percent_encoding::NON_ALPHANUMERIC)
                .to_string();
        let json = serde_json::to_string(SECRET).expect("json");
        let json = &json[1..json.len() - 1];
        for form in [
            SECRET.to_string(),
            form.clone(),
            form.to_lowercase(),
            percent.clone(),
            percent.to_lowercase(),
            json.to_string(),
            json.replace('/', "\\/"),
            "s3cr\\u002ft+a=b&amp;c d&quot;\\u00e9".to_string(),
            "s3cr&#47;t&#x2B;a=b&c%20d\"é".to_string(),
        ] {
            let text = format!("before {form} after");
            assert_eq!(redacted(&text), "before [REDACTED] after", "{form}");
        }
    }

    #[test]
    fn text_without_secrets_is_borrowed_and_unchanged() {
        let redactor = Redactor::new([SECRET]);
        let text = "nothing to see: s3cr/t+a=b&c d (almost)";
        assert!(matches!(redactor.redact(text), Cow::Borrowed(_)));
        assert!(matches!(
            Redactor::default().redact(SECRET),
            Cow::Borrowed(_)
        ));
    }

    #[test]
    fn overlapping_escapes_and_repeats() {
        let redactor = Redactor::new(["%a"]);
        assert_eq!(
            redactor.redact("x%25a%a%25A y"),
            "x[REDACTED][REDACTED]%25A y"
        );
        let redactor = Redactor::new(["ab", "abc"]);
        assert_eq!(redactor.redact("abcab"), "[REDACTED][REDACTED]");
    }

    #[test]
    fn bearer_tokens_and_trimmed_secrets() {
        let header = HeaderValue::from_static("Bearer eyJ.tok.en");
        let redactor = Redactor::new([" padded "]).with_bearer(&header);
        assert_eq!(
            redactor.redact("eyJ.tok.en and padded"),
            "[REDACTED] and [REDACTED]"
        );
    }

    #[test]
    fn base64_forms_of_the_secret_and_of_the_basic_pair_are_redacted() {
        use base64::Engine as _;
        use base64::engine::general_purpose::{
            STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD,
        };
        // Bytes chosen so that the standard and URL-safe alphabets differ (`+/` vs `-_`) and
        // the encodings need padding.
        let secret = "s\u{fb}\u{ff}cr\u{fe}t?";
        let redactor = Redactor::client_credentials("my-client", secret);
        for value in [secret.to_string(), format!("my-client:{secret}")] {
            for engine in [STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD] {
                let encoded = engine.encode(&value);
                let text = format!("Authorization: Basic {encoded} end");
                assert_eq!(
                    redactor.redact(&text),
                    "Authorization: Basic [REDACTED] end",
                    "{encoded}"
                );
                // In a form, percent-encoded (`+`, `/`, `=`).
                let form: String = form_urlencoded::byte_serialize(encoded.as_bytes()).collect();
                assert_eq!(
                    redactor.redact(&format!("x={form}")),
                    "x=[REDACTED]",
                    "{form}"
                );
            }
        }
    }

    #[test]
    fn doubly_escaped_secrets_are_redacted() {
        let json = |s: &str| {
            let quoted = serde_json::to_string(s).expect("json");
            quoted[1..quoted.len() - 1].to_string()
        };
        let once = json(SECRET);
        let percent = |s: &str| {
            percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
        };
        let form = |s: &str| form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
        for form in [
            json(&once),
            percent(&percent(SECRET)),
            form(&form(SECRET)),
            percent(&percent(SECRET)).to_lowercase(),
            // A JSON escape of a percent escape, and a percent escape of a JSON escape.
            percent(SECRET).replace('%', "\\u0025"),
            percent(&once),
        ] {
            let text = format!("before {form} after");
            assert_eq!(redacted(&text), "before [REDACTED] after", "{form}");
        }
    }

    #[test]
    fn decoded_json_text_is_redacted_again() {
        let redactor = Redactor::new([SECRET]);
        // Three JSON layers: the raw bytes hide it, the decoded string shows it escaped twice.
        let once = serde_json::to_string(SECRET).expect("json");
        let twice = serde_json::to_string(&once).expect("json");
        let mut value = serde_json::json!({ "error": twice, "list": [once], "k": 1 });
        redactor.redact_json(&mut value);
        let shown = value.to_string();
        assert!(!shown.contains("s3cr"), "{shown}");
        assert_eq!(value["k"], 1);
    }
}
