//! Text that came from outside (a server's body, a URL, an id) shown in our messages: bounded,
//! and with control characters escaped so that it cannot forge log lines or terminal output.

use std::fmt;

/// The most bytes of a body an [`Error`](crate::Error) keeps.
pub const MAX_BODY_SNIPPET_BYTES: usize = 4 * 1024;

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
