//! The names configuration reads (environment variables, `config.json` keys) and, for a name it
//! does not read, the known name it most likely meant: a misspelt `BaseUrl` or `SAIL_TENANT` is
//! named in the error (and logged) instead of leaving only "not set".

use std::fmt;

// The variables are defined here, the leaf that knows every name, and re-exported by
// `config`, so that this module never imports the configuration that uses it.
/// Environment variable: the tenant's API host, e.g. `https://acme.api.identitynow.com`.
pub const ENV_BASE_URL: &str = "SAIL_BASE_URL";
/// Environment variable: the OAuth2 client id (or personal access token id).
pub const ENV_CLIENT_ID: &str = "SAIL_CLIENT_ID";
/// Environment variable: the OAuth2 client secret (or personal access token secret).
pub const ENV_CLIENT_SECRET: &str = "SAIL_CLIENT_SECRET";
/// Environment variable: a ready bearer token, used as is (no OAuth2 request, no refresh).
pub const ENV_ACCESS_TOKEN: &str = "SAIL_ACCESS_TOKEN";

/// The `SAIL_*` variables this SDK reads. `SAIL_REDIS_URL` is read by the shared-token-cache
/// support; it is listed here so that it is never reported as unknown.
pub(crate) const KNOWN_ENV_VARS: &[&str] = &[
    ENV_BASE_URL,
    ENV_CLIENT_ID,
    ENV_CLIENT_SECRET,
    ENV_ACCESS_TOKEN,
    "SAIL_REDIS_URL",
];

/// The `config.json` keys this SDK reads (as SailPoint's other SDKs spell them).
pub(crate) const KNOWN_FILE_KEYS: &[&str] = &["BaseURL", "ClientId", "ClientSecret"];

/// Where an unknown name was seen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Place {
    Environment,
    ConfigFile,
}

/// A name configuration saw but does not read, and what it probably meant. Values are never
/// kept: a misnamed variable may hold a secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct UnknownName {
    pub(crate) place: Place,
    pub(crate) name: String,
    pub(crate) hint: Option<Hint>,
}

/// What an unknown name most likely meant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Hint {
    /// A known name of the same place.
    Meant(&'static str),
    /// A tenant name: it goes into the base URL.
    Tenant,
    /// A token URL: SailPoint's other SDKs read one, this SDK derives it from the base URL.
    TokenUrl,
}

impl fmt::Display for UnknownName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.place {
            Place::Environment => write!(f, "environment variable {} ", self.name)?,
            Place::ConfigFile => write!(f, "config file key `{}` ", self.name)?,
        }
        match (&self.hint, self.place) {
            (Some(Hint::Meant(known)), Place::Environment) => {
                write!(f, "is not read: did you mean {known}?")
            }
            (Some(Hint::Meant(known)), Place::ConfigFile) => {
                write!(f, "is not read: did you mean `{known}`?")
            }
            (Some(Hint::Tenant), Place::Environment) => write!(
                f,
                "is not read: the tenant goes into {ENV_BASE_URL}, e.g. \
                 {ENV_BASE_URL}=https://acme.api.identitynow.com for tenant `acme`"
            ),
            (Some(Hint::Tenant), Place::ConfigFile) => f.write_str(
                "is not read: the tenant goes into `BaseURL`, e.g. \
                 \"BaseURL\": \"https://acme.api.identitynow.com\" for tenant `acme`",
            ),
            (Some(Hint::TokenUrl), _) => f.write_str(
                "is not read: this SDK always uses {base URL}/oauth/token as the token endpoint",
            ),
            (None, Place::Environment) => {
                write!(f, "is not read (known: {})", KNOWN_ENV_VARS.join(", "))
            }
            (None, Place::ConfigFile) => {
                write!(f, "is not read (known: {})", KNOWN_FILE_KEYS.join(", "))
            }
        }
    }
}

/// Appended to the problem of a missing setting: `; saw: <each unknown name and its hint>`, or
/// nothing when every name was known.
#[derive(Clone, Copy)]
pub(crate) struct Saw<'a>(pub(crate) &'a [UnknownName]);

impl fmt::Display for Saw<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, unknown) in self.0.iter().enumerate() {
            f.write_str(if i == 0 { "; saw: " } else { "; " })?;
            write!(f, "{unknown}")?;
        }
        Ok(())
    }
}

/// The environment variables among `names` that look meant for this SDK but are not read by
/// it, in name order: every unknown `SAIL_*` (this SDK's prefix, any case), and a `SAILPOINT_*`
/// only when it names a setting of ours (`SAILPOINT_BASE_URL`), since other tools (and test
/// harnesses) use that prefix for their own variables.
pub(crate) fn unknown_env_vars<'a>(names: impl IntoIterator<Item = &'a str>) -> Vec<UnknownName> {
    let mut unknown: Vec<UnknownName> = names
        .into_iter()
        .filter(|name| !KNOWN_ENV_VARS.contains(name))
        .filter_map(|name| {
            let upper = name.to_ascii_uppercase();
            let hint = hint(name, KNOWN_ENV_VARS);
            let meant_for_us = if upper.starts_with("SAILPOINT_") {
                hint.is_some()
            } else {
                upper.starts_with("SAIL_")
            };
            meant_for_us.then(|| UnknownName {
                place: Place::Environment,
                name: name.to_owned(),
                hint,
            })
        })
        .collect();
    unknown.sort_by(|a, b| a.name.cmp(&b.name));
    unknown
}

/// The `config.json` keys among `keys` that this SDK does not read, in key order.
pub(crate) fn unknown_file_keys<'a>(keys: impl IntoIterator<Item = &'a str>) -> Vec<UnknownName> {
    let mut unknown: Vec<UnknownName> = keys
        .into_iter()
        .filter(|key| !KNOWN_FILE_KEYS.contains(key))
        .map(|key| UnknownName {
            place: Place::ConfigFile,
            name: key.to_owned(),
            hint: hint(key, KNOWN_FILE_KEYS),
        })
        .collect();
    unknown.sort_by(|a, b| a.name.cmp(&b.name));
    unknown
}

/// The most likely meaning of `name` among `known`: the same name up to case and separators,
/// a known name within a small edit distance, or one that contains it (`SAIL_TOKEN` ->
/// `SAIL_ACCESS_TOKEN`, `Secret` -> `ClientSecret`); a tenant or token URL is its own hint.
fn hint(name: &str, known: &[&'static str]) -> Option<Hint> {
    let wanted = normalise(name);
    if wanted.contains("TENANT") || wanted == "ORG" {
        return Some(Hint::Tenant);
    }
    if wanted.contains("TOKENURL") || wanted.contains("TOKENENDPOINT") {
        return Some(Hint::TokenUrl);
    }
    if wanted.is_empty() {
        return None;
    }
    let candidates = known.iter().map(|k| (*k, normalise(k)));
    let best = candidates
        .clone()
        .map(|(k, n)| (levenshtein(&wanted, &n), k))
        .min();
    // Up to a third of the name's letters may differ (at least one, at most three): `BASEUL`
    // is `BASEURL`, `CLIENT` is not `CLIENTSECRET`.
    let allowed = (wanted.len() / 3).clamp(1, 3);
    if let Some((distance, known)) = best
        && distance <= allowed
    {
        return Some(Hint::Meant(known));
    }
    let containing: Vec<&'static str> = candidates
        .filter(|(_, n)| wanted.len() >= 3 && n.contains(&wanted))
        .map(|(k, _)| k)
        .collect();
    match containing.as_slice() {
        [only] => Some(Hint::Meant(only)),
        _ => None,
    }
}

/// Upper case, without separators, and without the `SAIL_`/`SAILPOINT_` prefix: the part of a
/// name that says which setting it is.
fn normalise(name: &str) -> String {
    let upper: String = name
        .chars()
        .filter(|c| !matches!(c, '_' | '-' | ' ' | '.'))
        .flat_map(char::to_uppercase)
        .collect();
    let without_prefix = upper
        .strip_prefix("SAILPOINT")
        .or_else(|| upper.strip_prefix("SAIL"))
        .unwrap_or(&upper);
    without_prefix.to_owned()
}

/// The edit distance between two short names (insertions, deletions, substitutions), by
/// characters.
fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    let mut current = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        current[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != *cb);
            current[j + 1] = substitution.min(previous[j + 1] + 1).min(current[j] + 1);
        }
        std::mem::swap(&mut previous, &mut current);
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env_hint(name: &str) -> Option<Hint> {
        unknown_env_vars([name]).pop().and_then(|u| u.hint)
    }

    fn file_hint(key: &str) -> Option<Hint> {
        unknown_file_keys([key]).pop().and_then(|u| u.hint)
    }

    #[test]
    fn misspelt_variables_name_the_known_one() {
        for (seen, meant) in [
            ("SAIL_BASEURL", ENV_BASE_URL),
            ("SAIL_BASE_URI", ENV_BASE_URL),
            ("SAILPOINT_BASE_URL", ENV_BASE_URL),
            ("sail_base_url", ENV_BASE_URL),
            ("SAIL_CLIENTID", ENV_CLIENT_ID),
            ("SAIL_CLIENT_SECRETS", ENV_CLIENT_SECRET),
            ("SAIL_SECRET", ENV_CLIENT_SECRET),
            ("SAIL_TOKEN", ENV_ACCESS_TOKEN),
            ("SAIL_ACCESSTOKEN", ENV_ACCESS_TOKEN),
            ("SAIL_REDIS", "SAIL_REDIS_URL"),
        ] {
            assert_eq!(env_hint(seen), Some(Hint::Meant(meant)), "{seen}");
        }
        assert_eq!(env_hint("SAIL_TENANT"), Some(Hint::Tenant));
        assert_eq!(env_hint("SAIL_TOKEN_URL"), Some(Hint::TokenUrl));
        assert_eq!(env_hint("SAIL_DEBUG"), None);
    }

    #[test]
    fn only_sail_variables_that_are_not_read_are_reported() {
        let unknown = unknown_env_vars([
            "PATH",
            "SAIL_BASE_URL",
            "SAIL_CLIENT_ID",
            "SAIL_CLIENT_SECRET",
            "SAIL_ACCESS_TOKEN",
            "SAIL_REDIS_URL",
            "SAILING",
            "SAIL_TENANT",
            "SAILPOINT_CLIENT_ID",
        ]);
        let names: Vec<&str> = unknown.iter().map(|u| u.name.as_str()).collect();
        assert_eq!(names, ["SAILPOINT_CLIENT_ID", "SAIL_TENANT"]);
        // Other tools' (and test harnesses') SAILPOINT_* variables are not ours to report.
        let others = unknown_env_vars([
            "SAILPOINT_PRISM_URL",
            "SAILPOINT_TEST_REDIS_URL",
            "SAILPOINT_REQUIRE_REDIS",
        ]);
        assert!(others.is_empty(), "{others:?}");
    }

    #[test]
    fn misspelt_file_keys_name_the_known_one() {
        for (seen, meant) in [
            ("BaseUrl", "BaseURL"),
            ("baseURL", "BaseURL"),
            ("base_url", "BaseURL"),
            ("ClientID", "ClientId"),
            ("client_id", "ClientId"),
            ("ClientSecrets", "ClientSecret"),
            ("Secret", "ClientSecret"),
        ] {
            assert_eq!(file_hint(seen), Some(Hint::Meant(meant)), "{seen}");
        }
        assert_eq!(file_hint("Tenant"), Some(Hint::Tenant));
        assert_eq!(file_hint("TokenURL"), Some(Hint::TokenUrl));
        assert_eq!(file_hint("Comment"), None);
        assert!(unknown_file_keys(["BaseURL", "ClientId", "ClientSecret"]).is_empty());
    }

    #[test]
    fn messages_name_what_was_seen_and_what_is_read() {
        let shown = unknown_file_keys(["BaseUrl"])[0].to_string();
        assert_eq!(
            shown,
            "config file key `BaseUrl` is not read: did you mean `BaseURL`?"
        );
        let shown = unknown_env_vars(["SAIL_TENANT"])[0].to_string();
        assert!(
            shown.contains("SAIL_BASE_URL=https://acme.api.identitynow.com"),
            "{shown}"
        );
        let shown = unknown_env_vars(["SAIL_DEBUG"])[0].to_string();
        assert!(shown.contains("known: SAIL_BASE_URL"), "{shown}");
    }

    proptest::proptest! {
        // No regression files: tests never write into the repository.
        #![proptest_config(proptest::prelude::ProptestConfig {
            failure_persistence: None,
            ..proptest::prelude::ProptestConfig::default()
        })]

        /// Any name (any Unicode, any length) gets an answer without panicking; a known name
        /// is never reported; a known name in lower case or without its inner `_` is
        /// reported as exactly that name.
        #[test]
        fn any_name_is_judged_and_known_names_come_back(
            name in "\\PC{0,40}",
            known in proptest::sample::select(KNOWN_ENV_VARS),
            lower in proptest::bool::ANY,
        ) {
            let _ = unknown_env_vars([name.as_str()]);
            let _ = unknown_file_keys([name.as_str()]);
            proptest::prop_assert!(unknown_env_vars([known]).is_empty());
            let respelt = if lower {
                known.to_lowercase()
            } else {
                format!("SAIL_{}", known["SAIL_".len()..].replace('_', ""))
            };
            let unknown = unknown_env_vars([respelt.as_str()]);
            proptest::prop_assert_eq!(unknown.len(), 1);
            proptest::prop_assert_eq!(unknown[0].hint.clone(), Some(Hint::Meant(known)));
        }
    }

    #[test]
    fn edit_distance() {
        assert_eq!(levenshtein("", ""), 0);
        assert_eq!(levenshtein("BASEURL", "BASEURL"), 0);
        assert_eq!(levenshtein("BASEURI", "BASEURL"), 1);
        assert_eq!(levenshtein("BASEUL", "BASEURL"), 1);
        assert_eq!(levenshtein("kitten", "sitting"), 3);
        assert_eq!(levenshtein("", "abc"), 3);
    }
}
