//! The demo client and demo accounts an emulator starts with by default.
//!
//! | constant | name | source | identity | stored state | `default` | `ignoreManual` |
//! | --- | --- | --- | --- | --- | --- | --- |
//! | [`MACHINE_ID`] | `svc-backup` | Active Directory | no | unclassified | `true` | `true` |
//! | [`HUMAN_ID`] | `john.doe` | Active Directory | yes | unclassified | `false` | `false` |
//! | [`MANUAL_HUMAN_ID`] | `svc-legacy-reports` | HR Database | no | manual human | `false` (kept) | `true` |
//! | [`MANUAL_MACHINE_ID`] | `asmith` | Workday | yes | manual machine | `true` (kept) | `false` |
//! | [`CORRELATED_SERVICE_ID`] | `svc-jenkins` | GitHub | yes | unclassified | `false` | `false` |
//! | [`COMPUTER_ID`] | `WEBSRV01$` | Active Directory | no | unclassified | `true` | `true` |
//! | [`ORPHAN_HUMAN_ID`] | `temp.contractor` | Salesforce | no | unclassified | `false` | `false` |
//!
//! `forceMachine` and `forceHuman` answer `true` and `false` for every
//! account. Note that the `default` and `ignoreManual` columns describe the
//! *first* call on a fresh emulator: `ignoreManual` clears the manual mark, so
//! a later `default` call on [`MANUAL_HUMAN_ID`] answers `true`.

use crate::accounts::EmulatedAccount;
use crate::sources::Source;

/// Client id of the demo OAuth client (scopes `idn:account:update` and
/// `idn:sources:manage`).
pub const CLIENT_ID: &str = "demo-client";
/// Client secret of the demo OAuth client.
pub const CLIENT_SECRET: &str = "demo-secret";

/// `svc-backup`: an obvious machine account (uncorrelated, `svc-` prefix).
pub const MACHINE_ID: &str = "2c9180857a1b4f1e017a1b5c0e3a0001";
/// `john.doe`: an obvious human account (correlated to an identity).
pub const HUMAN_ID: &str = "2c9180857a1b4f1e017a1b5c0e3a0002";
/// `svc-legacy-reports`: looks like a service account but was manually
/// classified as human, so `default` answers `false` and `ignoreManual`
/// answers `true`.
pub const MANUAL_HUMAN_ID: &str = "2c9180857a1b4f1e017a1b5c0e3a0003";
/// `asmith`: a correlated (human-looking) account manually classified as a
/// machine, so `default` answers `true` and `ignoreManual` answers `false`.
pub const MANUAL_MACHINE_ID: &str = "2c9180857a1b4f1e017a1b5c0e3a0004";
/// `svc-jenkins`: a service-looking name, but correlated to an identity, so
/// the criteria say human.
pub const CORRELATED_SERVICE_ID: &str = "2c9180857a1b4f1e017a1b5c0e3a0005";
/// `WEBSRV01$`: an Active Directory computer account (`$` suffix): machine.
pub const COMPUTER_ID: &str = "2c9180857a1b4f1e017a1b5c0e3a0006";
/// `temp.contractor`: an uncorrelated (orphan) account with an ordinary
/// name: human.
pub const ORPHAN_HUMAN_ID: &str = "2c9180857a1b4f1e017a1b5c0e3a0007";

/// The demo source `Active Directory` (holding [`MACHINE_ID`], [`HUMAN_ID`]
/// and [`COMPUTER_ID`]).
pub const AD_SOURCE_ID: &str = "2c9180835d2e5168015d32f890ca0001";
/// The demo source `HR Database` (holding [`MANUAL_HUMAN_ID`]).
pub const HR_SOURCE_ID: &str = "2c9180835d2e5168015d32f890ca0002";
/// The demo source `Workday` (holding [`MANUAL_MACHINE_ID`]).
pub const WORKDAY_SOURCE_ID: &str = "2c9180835d2e5168015d32f890ca0003";
/// The demo source `GitHub` (holding [`CORRELATED_SERVICE_ID`]).
pub const GITHUB_SOURCE_ID: &str = "2c9180835d2e5168015d32f890ca0004";
/// The demo source `Salesforce` (holding [`ORPHAN_HUMAN_ID`]).
pub const SALESFORCE_SOURCE_ID: &str = "2c9180835d2e5168015d32f890ca0005";

/// The demo sources: one per source name of the demo accounts.
pub fn sources() -> Vec<Source> {
    vec![
        Source::new(AD_SOURCE_ID, "Active Directory"),
        Source::new(HR_SOURCE_ID, "HR Database"),
        Source::new(WORKDAY_SOURCE_ID, "Workday"),
        Source::new(GITHUB_SOURCE_ID, "GitHub"),
        Source::new(SALESFORCE_SOURCE_ID, "Salesforce"),
    ]
}

/// `count` generated accounts on the source named `source_name`, ids
/// `{source_name}-000000`, `-000001`, …: every fourth is named `svc-app-N`
/// (a machine account under the built-in rules), the others `user.N`, and
/// every tenth is correlated to an identity. Deterministic, for big
/// emulated sources:
///
/// ```
/// use sailpoint_v2025_testkit::demo;
///
/// let accounts = demo::source_accounts("Big LDAP", 100_000);
/// let machines = accounts.iter().filter(|a| a.criteria_says_machine()).count();
/// assert_eq!(machines, 20_000);
/// ```
pub fn source_accounts(source_name: &str, count: usize) -> Vec<EmulatedAccount> {
    (0..count)
        .map(|i| {
            let name = if i % 4 == 0 {
                format!("svc-app-{i}")
            } else {
                format!("user.{i}")
            };
            EmulatedAccount::new(format!("{source_name}-{i:06}"), name)
                .with_source(source_name)
                .with_identity(i % 10 == 0)
        })
        .collect()
}

/// The demo accounts, in the order of the table in this module's docs.
pub fn accounts() -> Vec<EmulatedAccount> {
    vec![
        EmulatedAccount::new(MACHINE_ID, "svc-backup").with_source("Active Directory"),
        EmulatedAccount::new(HUMAN_ID, "john.doe")
            .with_source("Active Directory")
            .with_identity(true),
        EmulatedAccount::new(MANUAL_HUMAN_ID, "svc-legacy-reports")
            .with_source("HR Database")
            .manually_classified_as(false),
        EmulatedAccount::new(MANUAL_MACHINE_ID, "asmith")
            .with_source("Workday")
            .with_identity(true)
            .manually_classified_as(true),
        EmulatedAccount::new(CORRELATED_SERVICE_ID, "svc-jenkins")
            .with_source("GitHub")
            .with_identity(true),
        EmulatedAccount::new(COMPUTER_ID, "WEBSRV01$").with_source("Active Directory"),
        EmulatedAccount::new(ORPHAN_HUMAN_ID, "temp.contractor").with_source("Salesforce"),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::accounts::ServerClassificationMode;

    /// The table in the module docs, checked.
    #[test]
    fn table_matches() {
        let expected = [
            (MACHINE_ID, true, true),
            (HUMAN_ID, false, false),
            (MANUAL_HUMAN_ID, false, true),
            (MANUAL_MACHINE_ID, true, false),
            (CORRELATED_SERVICE_ID, false, false),
            (COMPUTER_ID, true, true),
            (ORPHAN_HUMAN_ID, false, false),
        ];
        let accounts = accounts();
        assert_eq!(accounts.len(), expected.len());
        for (account, (id, default, ignore)) in accounts.iter().zip(expected) {
            assert_eq!(account.id, id);
            assert_eq!(
                account.clone().apply(ServerClassificationMode::Default),
                default,
                "{}",
                account.name
            );
            assert_eq!(
                account
                    .clone()
                    .apply(ServerClassificationMode::IgnoreManual),
                ignore,
                "{}",
                account.name
            );
        }
    }
}
