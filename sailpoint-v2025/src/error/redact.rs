//! Redaction of secrets (client secret, access tokens) from text that a server sent back, before
//! it is kept in an [`Error`](crate::Error) or logged.
//!
//! A server may echo a secret in whatever form it received or stores it, so a secret is
//! matched character by character, each character in any of these forms (mixed freely):
//! raw; percent-encoded, either hex case (`%2B`, `%2b`), as URLs and
//! `application/x-www-form-urlencoded` forms carry it, with `+` for a space; JSON string
//! escapes (`\/`, `\u002B`, surrogate pairs); and HTML character references (`&amp;`,
//! `&#43;`, `&#x2B;`). Each match is replaced by `[REDACTED]`.

use std::borrow::Cow;
use std::fmt;

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
    /// A redactor for these secrets (empty ones are ignored; surrounding whitespace is
    /// matched with and without).
    pub(crate) fn new<'a>(secrets: impl IntoIterator<Item = &'a str>) -> Self {
        let mut redactor = Self::default();
        for secret in secrets {
            redactor.add(secret);
        }
        redactor
    }

    /// Adds a secret.
    pub(crate) fn add(&mut self, secret: &str) {
        for candidate in [secret, secret.trim()] {
            if !candidate.is_empty() && !self.secrets.iter().any(|s| &**s == candidate) {
                self.secrets.push(candidate.into());
            }
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
            // Matches end on whole characters of the text, so the result is still UTF-8.
            Cow::Owned(bytes) => Cow::Owned(
                String::from_utf8(bytes)
                    .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()),
            ),
        }
    }

    /// `bytes` with every secret replaced by `[REDACTED]`.
    pub(crate) fn redact_bytes<'t>(&self, bytes: &'t [u8]) -> Cow<'t, [u8]> {
        if self.secrets.is_empty() {
            return Cow::Borrowed(bytes);
        }
        // The bytes at which some form of some secret can start (raw first byte or an escape).
        let mut starts = [false; 256];
        for b in [b'%', b'+', b'\\', b'&'] {
            starts[usize::from(b)] = true;
        }
        for secret in &self.secrets {
            starts[usize::from(secret.as_bytes()[0])] = true;
        }
        let mut scratch = (Vec::new(), Vec::new());
        let mut out: Option<Vec<u8>> = None;
        let mut copied = 0;
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
                    let out = out.get_or_insert_with(|| Vec::with_capacity(bytes.len()));
                    out.extend_from_slice(&bytes[copied..i]);
                    out.extend_from_slice(REDACTED.as_bytes());
                    copied = end;
                    i = end;
                }
                None => i += 1,
            }
        }
        match out {
            None => Cow::Borrowed(bytes),
            Some(mut out) => {
                out.extend_from_slice(&bytes[copied..]);
                Cow::Owned(out)
            }
        }
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
}
