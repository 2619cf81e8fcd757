//! The checked-in list of operations to vendor (`openapi/operations.txt`).

use std::fs;
use std::path::Path;

use anyhow::{Context, Result, bail};

/// The operation list, relative to the workspace root.
pub const OPERATIONS_PATH: &str = "openapi/operations.txt";

/// The operationIds in `path`: one per line; blank lines and `#` comments are ignored.
pub fn read_operation_list(path: &Path) -> Result<Vec<String>> {
    let text = fs::read_to_string(path)
        .with_context(|| format!("cannot read the operation list {}", path.display()))?;
    let ids = parse_operation_list(&text)
        .with_context(|| format!("in the operation list {}", path.display()))?;
    Ok(ids)
}

/// See [`read_operation_list`].
pub fn parse_operation_list(text: &str) -> Result<Vec<String>> {
    let ids: Vec<String> = text
        .lines()
        .map(|line| line.split_once('#').map_or(line, |(id, _)| id).trim())
        .filter(|id| !id.is_empty())
        .map(str::to_owned)
        .collect();
    check_ids(&ids)?;
    Ok(ids)
}

/// At least one id; each a plausible operationId (letters, digits, `_`, `-`, `.`), none twice.
pub(super) fn check_ids(ids: &[String]) -> Result<()> {
    if ids.is_empty() {
        bail!("no operations to vendor");
    }
    for (index, id) in ids.iter().enumerate() {
        if id.is_empty()
            || !id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
        {
            bail!("`{id}` is not an operationId (letters, digits, `_`, `-`, `.`)");
        }
        if ids[..index].contains(id) {
            bail!("operationId `{id}` is listed twice");
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_and_blank_lines_are_ignored() {
        let ids = parse_operation_list("# head\n\n a  # trailing\nb\n   \n#c\n").unwrap();
        assert_eq!(ids, ["a", "b"]);
    }

    #[test]
    fn bad_lists_are_errors() {
        for (text, message) in [
            ("# nothing\n", "no operations"),
            ("a\nb\na\n", "listed twice"),
            ("get thing\n", "not an operationId"),
        ] {
            let err = parse_operation_list(text).unwrap_err().to_string();
            assert!(err.contains(message), "{text:?}: {err}");
        }
    }

    #[test]
    fn the_checked_in_list_names_the_eleven_operations() {
        let ids = read_operation_list(&crate::workspace::root().join(OPERATIONS_PATH)).unwrap();
        assert_eq!(
            ids,
            [
                "sendClassifyMachineAccount",
                "sendClassifyMachineAccountFromSource",
                "getClassifyMachineAccountFromSourceStatus",
                "deleteClassifyMachineAccountFromSource",
                "getMachineClassificationConfig",
                "setMachineClassificationConfig",
                "deleteMachineClassificationConfig",
                "listAccounts",
                "listMachineAccounts",
                "getMachineAccount",
                "sendDeclassifyMachineAccountFromSource",
            ]
        );
    }
}
