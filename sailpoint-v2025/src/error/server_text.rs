//! Text that came from outside (a server's body, a URL, an id) shown in our messages: bounded,
//! and with control characters escaped so that it cannot forge log lines or terminal output.

use std::fmt;

/// The most bytes of a body an [`Error`](crate::Error) keeps.
pub const MAX_BODY_SNIPPET_BYTES: usize = 4 * 1024;

/// The most bytes of server text a typed error body keeps: its messages' texts and locales
/// together (anything beyond is cut, and messages past it dropped).
pub(crate) const MAX_TYPED_TEXT_BYTES: usize = 2 * 1024;

/// The most bytes kept of one id the server sent (`trackingId`, `detailCode`) or of a
/// `Location`.
pub(crate) const MAX_ID_BYTES: usize = 256;

/// The most messages (and causes) of a typed error body kept.
const MAX_MESSAGES: usize = 16;

/// The most characters of a server's text shown inline in a `Display` message.
const MAX_INLINE_CHARS: usize = 300;

/// The first [`MAX_BODY_SNIPPET_BYTES`] of `bytes`, lossily decoded as UTF-8 and cut at a
/// character boundary, and whether anything was cut off.
pub(crate) fn snippet(bytes: &[u8]) -> (String, bool) {
    if bytes.len() <= MAX_BODY_SNIPPET_BYTES {
        return (String::from_utf8_lossy(bytes).into_owned(), false);
    }
    let mut text = String::from_utf8_lossy(&bytes[..MAX_BODY_SNIPPET_BYTES]).into_owned();
    // A multi-byte character cut in half decodes as one trailing U+FFFD: drop it.
    if text.ends_with('\u{FFFD}') && std::str::from_utf8(&bytes[..MAX_BODY_SNIPPET_BYTES]).is_err()
    {
        text.pop();
    }
    (text, true)
}

/// `text` cut to at most `max` bytes at a character boundary.
pub(crate) fn cut(text: &mut String, max: usize) {
    if text.len() > max {
        let mut end = max;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text.truncate(end);
    }
}

/// Bounds SailPoint's error body as kept in an error: ids cut to [`MAX_ID_BYTES`], at most
/// [`MAX_MESSAGES`] messages and causes each, and their text together at most
/// [`MAX_TYPED_TEXT_BYTES`], so that no `Display` or `Debug` of an error grows with what a
/// server sent.
pub(crate) fn bound_error_body(body: &mut crate::ErrorResponseDto) {
    for id in [&mut body.detail_code, &mut body.tracking_id]
        .into_iter()
        .flatten()
    {
        cut(id, MAX_ID_BYTES);
    }
    let mut budget = MAX_TYPED_TEXT_BYTES;
    for list in [&mut body.messages, &mut body.causes].into_iter().flatten() {
        list.truncate(MAX_MESSAGES);
        for message in list.iter_mut() {
            let origin = message.locale_origin.as_mut().and_then(|o| o.0.as_mut());
            for text in [message.locale.as_mut(), origin, message.text.as_mut()]
                .into_iter()
                .flatten()
            {
                cut(text, budget);
                budget -= text.len();
            }
        }
    }
}

/// Bounds a free-form JSON value of an error body (a 401's `error`, a 429's `message`): one
/// that would show longer than [`MAX_TYPED_TEXT_BYTES`] is kept as the start of its text.
pub(crate) fn bound_json(value: &mut Option<serde_json::Value>) {
    let Some(json) = value else { return };
    let mut text = match &mut *json {
        serde_json::Value::String(text) if text.len() <= MAX_TYPED_TEXT_BYTES => return,
        serde_json::Value::String(text) => std::mem::take(text),
        other => {
            let text = other.to_string();
            if text.len() <= MAX_TYPED_TEXT_BYTES {
                return;
            }
            text
        }
    };
    cut(&mut text, MAX_TYPED_TEXT_BYTES);
    text.push('…');
    *json = serde_json::Value::String(text);
}

/// Shows its text with control characters (ESC, CR, LF, ...) and bidirectional-override
/// characters escaped, trimmed, and cut after a few hundred characters with `…`.
pub(crate) struct Shown<'a>(pub(crate) &'a str);

impl fmt::Display for Shown<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_escaped(f, self.0.trim(), Some(MAX_INLINE_CHARS))
    }
}

/// Shows its text with control and bidirectional-override characters escaped, in full: for
/// our own messages, which are bounded but may quote user input (a URL, a path).
pub(crate) struct Escaped<'a>(pub(crate) &'a str);

impl fmt::Display for Escaped<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_escaped(f, self.0, None)
    }
}

fn write_escaped(f: &mut fmt::Formatter<'_>, text: &str, limit: Option<usize>) -> fmt::Result {
    for (i, c) in text.chars().enumerate() {
        if Some(i) == limit {
            return f.write_str("…");
        }
        if needs_escape(c) {
            write!(f, "{}", c.escape_default())?;
        } else {
            fmt::Write::write_char(f, c)?;
        }
    }
    Ok(())
}

/// Control characters, and the format characters that reorder text on screen
/// ("Trojan Source").
fn needs_escape(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_and_bidi_characters_are_escaped() {
        let shown = Shown("a\u{1b}[31mred\r\nfake log line\u{202E}x\ty").to_string();
        assert_eq!(shown, "a\\u{1b}[31mred\\r\\nfake log line\\u{202e}x\\ty");
        assert_eq!(Shown("  ünïcode  ").to_string(), "ünïcode");
    }

    #[test]
    fn long_text_is_cut() {
        let long = "x".repeat(10_000);
        let shown = Shown(&long).to_string();
        assert_eq!(shown.chars().count(), MAX_INLINE_CHARS + 1);
        assert!(shown.ends_with('…'));
    }

    #[test]
    fn snippets_are_bounded_at_a_character_boundary() {
        let (small, cut) = snippet(b"abc");
        assert_eq!((small.as_str(), cut), ("abc", false));
        let big = "é".repeat(MAX_BODY_SNIPPET_BYTES);
        let (text, cut) = snippet(big.as_bytes());
        assert!(cut);
        assert!(text.len() <= MAX_BODY_SNIPPET_BYTES);
        assert!(text.chars().all(|c| c == 'é'), "no replacement character");
    }
}
