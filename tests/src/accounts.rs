//! Accounts held by the emulator, the classification criteria and the
//! classification modes.

use std::fmt;
use std::str::FromStr;

/// An account in the emulator's in-memory store.
///
/// Only the fields that matter for machine-account classification are kept.
/// Build one with [`EmulatedAccount::new`] and the `with_*` methods, or with a struct
/// literal (all fields are public).
///
/// ```
/// use sailpoint_v2025_testkit::EmulatedAccount;
///
/// let account = EmulatedAccount::new("acc-1", "svc-backup")
///     .with_source("Active Directory")
///     .with_identity(false);
/// assert!(account.criteria_says_machine());
/// assert_eq!(account.is_machine, None);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmulatedAccount {
    /// The account id used in `/v2025/accounts/{id}/classify`.
    pub id: String,
    /// The account name (its native identity on the source), matched by the
    /// classification criteria.
    pub name: String,
    /// The name of the source the account comes from (informational).
    pub source_name: String,
    /// Whether the account is correlated to an identity. A correlated
    /// account is always human under the criteria.
    pub has_identity: bool,
    /// The stored classification: `None` until the account is classified.
    pub is_machine: Option<bool>,
    /// Whether the stored classification was set manually
    /// (`forceMachine`/`forceHuman`, or seeded that way). The `default` mode
    /// leaves such accounts as they are.
    pub manually_classified: bool,
}

impl EmulatedAccount {
    /// Source name used by [`EmulatedAccount::new`].
    pub const DEFAULT_SOURCE: &'static str = "Emulated Source";

    /// A new, unclassified, uncorrelated account on [`EmulatedAccount::DEFAULT_SOURCE`].
    pub fn new(id: impl Into<String>, name: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            name: name.into(),
            source_name: Self::DEFAULT_SOURCE.to_owned(),
            has_identity: false,
            is_machine: None,
            manually_classified: false,
        }
    }

    /// Sets the source name.
    #[must_use]
    pub fn with_source(mut self, source_name: impl Into<String>) -> Self {
        self.source_name = source_name.into();
        self
    }

    /// Sets whether the account is correlated to an identity.
    #[must_use]
    pub fn with_identity(mut self, has_identity: bool) -> Self {
        self.has_identity = has_identity;
        self
    }

    /// Marks the account as manually classified with the given value, as if
    /// `forceMachine` (`true`) or `forceHuman` (`false`) had been called.
    #[must_use]
    pub fn manually_classified_as(mut self, is_machine: bool) -> Self {
        self.is_machine = Some(is_machine);
        self.manually_classified = true;
        self
    }

    /// Sets a stored, non-manual classification (as left by an earlier
    /// `default` or `ignoreManual` call).
    #[must_use]
    pub fn classified_as(mut self, is_machine: bool) -> Self {
        self.is_machine = Some(is_machine);
        self.manually_classified = false;
        self
    }

    /// What the emulator's criteria say about this account, ignoring any
    /// stored classification. See [`criteria_says_machine`].
    pub fn criteria_says_machine(&self) -> bool {
        criteria_says_machine(&self.name, self.has_identity)
    }

    /// Applies a classification mode to this account exactly like the
    /// emulator's classify endpoint does, updates the stored state and
    /// returns the answer (`isMachine`).
    ///
    /// * `default`: a manually classified account keeps its stored value
    ///   (which is returned); any other account is classified by the criteria
    ///   and the result is stored (not marked manual).
    /// * `ignoreManual`: classified by the criteria whatever its state; the
    ///   result is stored and the manual mark is cleared.
    /// * `forceMachine` / `forceHuman`: stores `true` / `false` and marks the
    ///   account as manually classified.
    pub fn apply(&mut self, mode: ServerClassificationMode) -> bool {
        let by_criteria = self.criteria_says_machine();
        self.apply_with(mode, by_criteria)
    }

    /// [`EmulatedAccount::apply`] with the criteria's verdict given: the emulator
    /// passes the verdict of the account's source's machine classification
    /// config when that config classifies by criteria.
    pub fn apply_with(
        &mut self,
        mode: ServerClassificationMode,
        machine_by_criteria: bool,
    ) -> bool {
        let value = match mode {
            ServerClassificationMode::Default => {
                if self.manually_classified {
                    return self.is_machine.unwrap_or(false);
                }
                machine_by_criteria
            }
            ServerClassificationMode::IgnoreManual => {
                self.manually_classified = false;
                machine_by_criteria
            }
            ServerClassificationMode::ForceMachine => {
                self.manually_classified = true;
                true
            }
            ServerClassificationMode::ForceHuman => {
                self.manually_classified = true;
                false
            }
        };
        self.is_machine = Some(value);
        value
    }
}

/// Name prefixes that mark a service account (compared case-insensitively).
pub const MACHINE_NAME_PREFIXES: &[&str] = &["svc-", "svc_", "app-", "sa-", "bot-", "api-"];

/// Name suffixes that mark a service account (compared case-insensitively).
/// `$` is the suffix of Active Directory computer accounts.
pub const MACHINE_NAME_SUFFIXES: &[&str] = &["-svc", "-bot", "$"];

/// A substring that marks a service account anywhere in the name (compared
/// case-insensitively).
pub const MACHINE_NAME_SUBSTRING: &str = "service";

/// The emulator's deterministic classification criteria.
///
/// An account is a machine account if and only if it has **no** correlated
/// identity **and** its name (case-insensitively) starts with one of
/// [`MACHINE_NAME_PREFIXES`], ends with one of [`MACHINE_NAME_SUFFIXES`], or
/// contains [`MACHINE_NAME_SUBSTRING`]. Everything else is human.
///
/// ```
/// use sailpoint_v2025_testkit::criteria_says_machine;
///
/// assert!(criteria_says_machine("svc-backup", false));
/// assert!(criteria_says_machine("WEBSRV01$", false));
/// assert!(criteria_says_machine("Reporting-Service-Acct", false));
/// assert!(!criteria_says_machine("svc-backup", true)); // correlated: human
/// assert!(!criteria_says_machine("john.doe", false));
/// ```
pub fn criteria_says_machine(name: &str, has_identity: bool) -> bool {
    if has_identity {
        return false;
    }
    let name = name.to_lowercase();
    MACHINE_NAME_PREFIXES.iter().any(|p| name.starts_with(p))
        || MACHINE_NAME_SUFFIXES.iter().any(|s| name.ends_with(s))
        || name.contains(MACHINE_NAME_SUBSTRING)
}

/// The `classificationMode` query parameter of the classify operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum ServerClassificationMode {
    /// `default`: classify by the criteria; manually classified accounts keep
    /// their stored value. Used when the parameter is absent.
    #[default]
    Default,
    /// `ignoreManual`: classify by the criteria, manually classified
    /// accounts included (their manual mark is cleared).
    IgnoreManual,
    /// `forceMachine`: store "machine" and mark the account manual.
    ForceMachine,
    /// `forceHuman`: store "human" and mark the account manual.
    ForceHuman,
}

impl ServerClassificationMode {
    /// All modes, in the spec's order.
    pub const ALL: [ServerClassificationMode; 4] = [
        ServerClassificationMode::Default,
        ServerClassificationMode::IgnoreManual,
        ServerClassificationMode::ForceMachine,
        ServerClassificationMode::ForceHuman,
    ];

    /// The wire value (`default`, `ignoreManual`, `forceMachine`, `forceHuman`).
    pub fn as_str(self) -> &'static str {
        match self {
            ServerClassificationMode::Default => "default",
            ServerClassificationMode::IgnoreManual => "ignoreManual",
            ServerClassificationMode::ForceMachine => "forceMachine",
            ServerClassificationMode::ForceHuman => "forceHuman",
        }
    }
}

impl fmt::Display for ServerClassificationMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The error for a `classificationMode` value that is not one of the four
/// wire values (matching is case-sensitive, as in the spec's enum).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownClassificationMode(pub String);

impl fmt::Display for UnknownClassificationMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Invalid value '{}' for query parameter classificationMode; allowed values: default, ignoreManual, forceMachine, forceHuman",
            self.0
        )
    }
}

impl std::error::Error for UnknownClassificationMode {}

impl FromStr for ServerClassificationMode {
    type Err = UnknownClassificationMode;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ServerClassificationMode::ALL
            .into_iter()
            .find(|m| m.as_str() == s)
            .ok_or_else(|| UnknownClassificationMode(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn criteria_patterns() {
        for name in [
            "svc-x",
            "SVC_x",
            "app-x",
            "sa-x",
            "bot-x",
            "api-x",
            "x-svc",
            "x-BOT",
            "HOST$",
            "my service",
        ] {
            assert!(criteria_says_machine(name, false), "{name}");
            assert!(!criteria_says_machine(name, true), "{name}");
        }
        for name in ["jdoe", "sam", "robot", "svc", "apis", "x_svc"] {
            assert!(!criteria_says_machine(name, false), "{name}");
        }
    }

    #[test]
    fn modes_parse_and_print() {
        for mode in ServerClassificationMode::ALL {
            assert_eq!(mode.as_str().parse::<ServerClassificationMode>(), Ok(mode));
            assert_eq!(mode.to_string(), mode.as_str());
        }
        assert!("Default".parse::<ServerClassificationMode>().is_err());
        assert!("".parse::<ServerClassificationMode>().is_err());
        assert_eq!(
            ServerClassificationMode::default(),
            ServerClassificationMode::Default
        );
    }

    #[test]
    fn apply_rules() {
        let mut a = EmulatedAccount::new("1", "svc-legacy").manually_classified_as(false);
        assert!(!a.apply(ServerClassificationMode::Default));
        assert!(a.manually_classified);
        assert!(a.apply(ServerClassificationMode::IgnoreManual));
        assert!(!a.manually_classified);
        assert_eq!(a.is_machine, Some(true));

        let mut b = EmulatedAccount::new("2", "jdoe").with_identity(true);
        assert!(!b.apply(ServerClassificationMode::Default));
        assert_eq!(b.is_machine, Some(false));
        assert!(!b.manually_classified);
        assert!(b.apply(ServerClassificationMode::ForceMachine));
        assert!(b.manually_classified);
        assert!(b.apply(ServerClassificationMode::Default));
        assert!(!b.apply(ServerClassificationMode::ForceHuman));
        assert_eq!(b.is_machine, Some(false));
        assert!(b.manually_classified);
    }
}
