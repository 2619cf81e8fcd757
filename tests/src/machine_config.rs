//! The machine classification config of a source: validation of what
//! `PUT /v2025/sources/{sourceId}/machine-classification-config` receives, and
//! the criteria that classification applies.

use serde_json::{Map, Value};

use crate::accounts::EmulatedAccount;

/// The `operation` values of a criteria node.
const OPERATIONS: [&str; 7] = [
    "EQUALS",
    "NOT_EQUALS",
    "STARTS_WITH",
    "ENDS_WITH",
    "CONTAINS",
    "AND",
    "OR",
];
/// Nesting levels the spec types (`MachineClassificationCriteriaLevel1` to `Level3`).
const MAX_LEVELS: usize = 3;

/// Checks a config body and returns the stored form: only the spec's fields
/// (`enabled`, `classificationMethod`, `criteria`), `created` and `modified`
/// set by the emulator. `Err` is the 400 message.
pub(crate) fn validate(body: &Value, previous: Option<&Value>, now: &str) -> Result<Value, String> {
    let object = body
        .as_object()
        .ok_or("The request body must be a MachineClassificationConfig object.")?;
    let mut out = Map::new();
    match object.get("enabled") {
        None | Some(Value::Null) => {
            out.insert("enabled".into(), Value::Bool(false));
        }
        Some(Value::Bool(enabled)) => {
            out.insert("enabled".into(), Value::Bool(*enabled));
        }
        Some(_) => return Err("`enabled` must be a boolean.".into()),
    }
    match object.get("classificationMethod") {
        None | Some(Value::Null) => {}
        Some(Value::String(method)) if method == "SOURCE" || method == "CRITERIA" => {
            out.insert("classificationMethod".into(), Value::String(method.clone()));
        }
        Some(other) => {
            return Err(format!(
                "`classificationMethod` must be SOURCE or CRITERIA, not {other}."
            ));
        }
    }
    match object.get("criteria") {
        None | Some(Value::Null) => {}
        Some(criteria) => {
            check_criteria(criteria, 1)?;
            out.insert("criteria".into(), criteria.clone());
        }
    }
    let created = previous
        .and_then(|p| p.get("created"))
        .cloned()
        .unwrap_or_else(|| Value::String(now.to_owned()));
    let modified = if previous.is_some() {
        Value::String(now.to_owned())
    } else {
        Value::Null
    };
    out.insert("created".into(), created);
    out.insert("modified".into(), modified);
    Ok(Value::Object(out))
}

fn check_criteria(node: &Value, level: usize) -> Result<(), String> {
    let object = node
        .as_object()
        .ok_or_else(|| format!("criteria level {level} must be an object."))?;
    if let Some(operation) = object.get("operation").filter(|v| !v.is_null())
        && !operation
            .as_str()
            .is_some_and(|op| OPERATIONS.contains(&op))
    {
        return Err(format!(
            "criteria level {level}: `operation` must be one of {}, not {operation}.",
            OPERATIONS.join(", ")
        ));
    }
    for key in ["dataType", "attribute", "value"] {
        if object
            .get(key)
            .is_some_and(|v| !v.is_null() && !v.is_string())
        {
            return Err(format!("criteria level {level}: `{key}` must be a string."));
        }
    }
    if object.get("caseSensitive").is_some_and(|v| !v.is_boolean()) {
        return Err(format!(
            "criteria level {level}: `caseSensitive` must be a boolean."
        ));
    }
    match object.get("children") {
        None | Some(Value::Null) => Ok(()),
        Some(Value::Array(children)) if level < MAX_LEVELS => children
            .iter()
            .try_for_each(|child| check_criteria(child, level + 1)),
        Some(Value::Array(children)) if children.is_empty() => Ok(()),
        Some(Value::Array(_)) => Err(format!("criteria nest at most {MAX_LEVELS} levels deep.")),
        Some(_) => Err(format!(
            "criteria level {level}: `children` must be a list."
        )),
    }
}

/// The criteria classification applies for a config, if it applies any: the
/// config is `enabled`, its `classificationMethod` is `CRITERIA` and it has
/// criteria. Otherwise the emulator's built-in rules
/// ([`criteria_says_machine`](crate::criteria_says_machine)) stand for the
/// source's own designation.
pub(crate) fn active_criteria(config: &Value) -> Option<&Value> {
    let enabled = config.get("enabled").and_then(Value::as_bool) == Some(true);
    let by_criteria =
        config.get("classificationMethod").and_then(Value::as_str) == Some("CRITERIA");
    config
        .get("criteria")
        .filter(|c| enabled && by_criteria && c.is_object())
}

/// Whether `account` matches a criteria node (see the crate docs for the
/// attributes an account offers).
pub(crate) fn matches(node: &Value, account: &EmulatedAccount) -> bool {
    let operation = node.get("operation").and_then(Value::as_str).unwrap_or("");
    let children = || {
        node.get("children")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
    };
    match operation {
        "AND" => {
            let mut any = false;
            for child in children() {
                any = true;
                if !matches(child, account) {
                    return false;
                }
            }
            any
        }
        "OR" => children().any(|child| matches(child, account)),
        _ => leaf_matches(node, operation, account),
    }
}

fn leaf_matches(node: &Value, operation: &str, account: &EmulatedAccount) -> bool {
    let attribute = node.get("attribute").and_then(Value::as_str).unwrap_or("");
    let Some(actual) = attribute_of(account, attribute) else {
        return false;
    };
    let expected = node.get("value").and_then(Value::as_str).unwrap_or("");
    let case_sensitive = node
        .get("caseSensitive")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let (actual, expected) = if case_sensitive {
        (actual, expected.to_owned())
    } else {
        (actual.to_lowercase(), expected.to_lowercase())
    };
    match operation {
        "EQUALS" => actual == expected,
        "NOT_EQUALS" => actual != expected,
        "STARTS_WITH" => actual.starts_with(&expected),
        "ENDS_WITH" => actual.ends_with(&expected),
        "CONTAINS" => actual.contains(&expected),
        _ => false,
    }
}

/// The attribute values an emulated account has.
fn attribute_of(account: &EmulatedAccount, attribute: &str) -> Option<String> {
    match attribute {
        "name" | "nativeIdentity" | "sAMAccountName" | "distinguishedName" | "displayName" => {
            Some(account.name.clone())
        }
        "sourceName" | "source" => Some(account.source_name.clone()),
        "hasIdentity" | "correlated" => Some(account.has_identity.to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn configs_are_validated_and_stamped() {
        let stored = validate(
            &json!({"enabled": true, "classificationMethod": "CRITERIA", "extra": 1,
                    "criteria": {"operation": "OR", "children": [
                        {"operation": "STARTS_WITH", "attribute": "name", "value": "SVC"}]}}),
            None,
            "2026-01-01T00:00:00.000Z",
        )
        .unwrap();
        assert_eq!(stored["created"], "2026-01-01T00:00:00.000Z");
        assert_eq!(stored["modified"], Value::Null);
        assert!(stored.get("extra").is_none());
        let again = validate(&json!({"enabled": false}), Some(&stored), "later").unwrap();
        assert_eq!(again["created"], "2026-01-01T00:00:00.000Z");
        assert_eq!(again["modified"], "later");
        for bad in [
            json!([]),
            json!({"enabled": "yes"}),
            json!({"classificationMethod": "MAGIC"}),
            json!({"criteria": {"operation": "LIKE"}}),
            json!({"criteria": {"children": [{"children": [{"children": [{}]}]}]}}),
        ] {
            assert!(validate(&bad, None, "now").is_err(), "{bad}");
        }
    }

    #[test]
    fn criteria_decide_with_and_or_and_case() {
        let criteria = json!({"operation": "OR", "children": [
            {"operation": "STARTS_WITH", "attribute": "name", "value": "SVC"},
            {"operation": "AND", "children": [
                {"operation": "EQUALS", "attribute": "hasIdentity", "value": "false"},
                {"operation": "ENDS_WITH", "attribute": "name", "value": ".bot", "caseSensitive": true}
            ]}
        ]});
        let config =
            json!({"enabled": true, "classificationMethod": "CRITERIA", "criteria": criteria});
        let criteria = active_criteria(&config).unwrap();
        assert!(matches(
            criteria,
            &EmulatedAccount::new("1", "svc-x").with_identity(true)
        ));
        assert!(matches(criteria, &EmulatedAccount::new("2", "deploy.bot")));
        assert!(!matches(criteria, &EmulatedAccount::new("3", "deploy.BOT")));
        assert!(!matches(
            criteria,
            &EmulatedAccount::new("4", "deploy.bot").with_identity(true)
        ));
        assert!(!matches(
            &json!({"operation": "AND"}),
            &EmulatedAccount::new("5", "x")
        ));
        let disabled =
            json!({"enabled": false, "classificationMethod": "CRITERIA", "criteria": {}});
        assert!(active_criteria(&disabled).is_none());
    }
}
