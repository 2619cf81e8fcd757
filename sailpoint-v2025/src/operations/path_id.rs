//! Which ids are sent in a path, and how: an account id is one path segment of
//! `/v2025/accounts/{id}/classify`, a source id one of `/v2025/sources/{sourceId}/...`.
//!
//! Accepted ids are percent-encoded on the wire except for RFC 3986's unreserved characters
//! (`A-Z a-z 0-9 - . _ ~`): progenitor's `encode_path` escapes `/ ? # % space` and a few more,
//! and the generated client's `pre` hook (`client/src/hooks.rs`) escapes what it leaves raw
//! (`; , = ! $ & ' ( ) * + : @ [ ] | ^`...), because some servers read `..;` as `..`.

use crate::Error;

/// The longest account or source id accepted, in bytes (ISC's ids are 32 hex digits). Longer
/// ids are rejected with [`Error::InvalidInput`] before any request, instead of producing a URL
/// that servers refuse.
pub const MAX_ACCOUNT_ID_BYTES: usize = 1024;

/// Rejects account ids that cannot be sent as one path segment, before any request is made.
pub(crate) fn validate_account_id(id: &str) -> Result<(), Error> {
    validate_path_id("account id", id)
}

/// Rejects source ids that cannot be sent as one path segment, before any request is made.
pub(crate) fn validate_source_id(id: &str) -> Result<(), Error> {
    validate_path_id("source id", id)
}

/// The one rule for every id sent as a path segment; `what` names it in the error.
fn validate_path_id(what: &'static str, id: &str) -> Result<(), Error> {
    let invalid = |problem: String| Error::invalid_input(what, problem);
    if id.trim().is_empty() {
        return Err(invalid("is empty or whitespace".into()));
    }
    if id.len() > MAX_ACCOUNT_ID_BYTES {
        return Err(invalid(format!(
            "is {} bytes long; at most {MAX_ACCOUNT_ID_BYTES} are accepted",
            id.len()
        )));
    }
    // URL parsers treat `.` and `..` as relative segments and `\` as `/` before any encoding
    // hook runs, so such an id would change the path instead of naming an account.
    if id == "." || id == ".." {
        return Err(invalid(format!("`.` and `..` are not {what}s")));
    }
    if id.contains('\\') {
        return Err(invalid(
            "contains `\\`, which URLs treat as a path separator".into(),
        ));
    }
    if id.chars().any(char::is_control) {
        return Err(invalid("contains control characters".into()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_ids_are_rejected_or_allowed_deliberately() {
        let too_long = "a".repeat(MAX_ACCOUNT_ID_BYTES + 1);
        for bad in [
            "",
            "   ",
            "\t",
            ".",
            "..",
            "a\\b",
            "a\nb",
            too_long.as_str(),
        ] {
            assert!(
                matches!(validate_account_id(bad), Err(Error::InvalidInput { .. })),
                "{bad:?}"
            );
        }
        let longest = "a".repeat(MAX_ACCOUNT_ID_BYTES);
        for fine in [
            "ef38f94347e94562b5bb8424a56397d8",
            "a/b",
            "a?b#c",
            "%2e%2e",
            "..;",
            "ü",
            "...",
            longest.as_str(),
        ] {
            assert!(validate_account_id(fine).is_ok(), "{fine:?}");
        }
    }

    #[test]
    fn the_length_error_does_not_echo_the_id() {
        let huge = "x".repeat(100_000);
        let err = validate_account_id(&huge).expect_err("too long");
        assert!(err.to_string().len() < 200, "{err}");
    }

    #[test]
    fn source_ids_that_would_change_the_path_are_rejected() {
        for bad in ["", " ", ".", "..", "a\\b", "a\nb"] {
            assert!(
                matches!(validate_source_id(bad), Err(Error::InvalidInput { .. })),
                "{bad:?}"
            );
        }
        for fine in ["2c9180835d2e5168015d32f890ca1581", "a/b", "a?b#c", "ü"] {
            assert!(validate_source_id(fine).is_ok(), "{fine:?}");
        }
    }
}
