//! Sources in the emulator's state: the verdict of a source's classification
//! config for an account, and advancing the background jobs.

use std::time::Instant;

use serde_json::Value;

use crate::accounts::{EmulatedAccount, ServerClassificationMode};
use crate::machine_config;
use crate::sources::{Job, Source};
use crate::state::State;

/// A source with its config and its latest classification job.
#[derive(Debug, Clone)]
pub(crate) struct SourceState {
    pub(crate) source: Source,
    /// The stored `MachineClassificationConfig`, if one was set.
    pub(crate) config: Option<Value>,
    /// The latest job (kept after it ends, for its status).
    pub(crate) job: Option<Job>,
}

impl SourceState {
    pub(crate) fn new(source: Source) -> Self {
        Self {
            source,
            config: None,
            job: None,
        }
    }
}

impl State {
    /// Whether classification by criteria makes `account` a machine account:
    /// its source's config criteria if that config classifies by criteria,
    /// else the built-in rules.
    pub(crate) fn machine_verdict(&self, account: &EmulatedAccount) -> bool {
        let criteria = self
            .sources
            .values()
            .find(|s| s.source.name == account.source_name)
            .and_then(|s| s.config.as_ref())
            .and_then(machine_config::active_criteria);
        match criteria {
            Some(criteria) => machine_config::matches(criteria, account),
            None => account.criteria_says_machine(),
        }
    }

    /// The source's account ids, in id order.
    pub(crate) fn source_account_ids(&self, source_name: &str) -> Vec<String> {
        self.accounts
            .values()
            .filter(|a| a.source_name == source_name)
            .map(|a| a.id.clone())
            .collect()
    }

    /// Writes the classification of every account a job has completed by
    /// `now` (mode `default`: manual classifications are kept). Accounts
    /// removed meanwhile are skipped.
    pub(crate) fn advance_jobs(&mut self, now: Instant) {
        let ids: Vec<String> = self.sources.keys().cloned().collect();
        for id in ids {
            self.advance_job(&id, now);
        }
    }

    pub(crate) fn advance_job(&mut self, source_id: &str, now: Instant) {
        let Some(source) = self.sources.get(source_id) else {
            return;
        };
        let Some(job) = &source.job else {
            return;
        };
        let completed = usize::try_from(job.progress(now).completed).unwrap_or(usize::MAX);
        if completed <= job.applied {
            return;
        }
        let criteria = source
            .config
            .as_ref()
            .and_then(machine_config::active_criteria)
            .cloned();
        let todo: Vec<String> =
            job.account_ids[job.applied..completed.min(job.account_ids.len())].to_vec();
        for account_id in &todo {
            if let Some(account) = self.accounts.get_mut(account_id) {
                let verdict = match &criteria {
                    Some(criteria) => machine_config::matches(criteria, account),
                    None => account.criteria_says_machine(),
                };
                account.apply_with(ServerClassificationMode::Default, verdict);
            }
        }
        if let Some(job) = self.sources.get_mut(source_id).and_then(|s| s.job.as_mut()) {
            job.applied = completed;
        }
    }
}
