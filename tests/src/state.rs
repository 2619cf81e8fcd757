//! The emulator's shared mutable state.

use std::collections::{BTreeMap, VecDeque};
use std::sync::{Mutex, PoisonError};

use crate::accounts::EmulatedAccount;
use crate::auth::TokenStore;
use crate::config::{OAuthClient, Settings};
use crate::counters::{Counters, ReceivedRequest, ReceivedTokenRequest};
use crate::faults::{Endpoint, FaultQueue};
use crate::rate_limit::RateLimiter;
use crate::source_jobs::SourceState;
use crate::sources::ClassificationPace;

/// Everything the handlers and the [`Emulator`](crate::Emulator) share.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) org: String,
    pub(crate) pod: String,
    /// Random per emulator, reported as `tenant_id`.
    pub(crate) tenant_id: String,
    state: Mutex<State>,
}

#[derive(Debug)]
pub(crate) struct State {
    pub(crate) accounts: BTreeMap<String, EmulatedAccount>,
    /// Sources by id.
    pub(crate) sources: BTreeMap<String, SourceState>,
    pub(crate) pace: ClassificationPace,
    pub(crate) clients: BTreeMap<String, OAuthClient>,
    pub(crate) tokens: TokenStore,
    pub(crate) limiter: RateLimiter,
    pub(crate) classify_faults: FaultQueue,
    pub(crate) token_faults: FaultQueue,
    pub(crate) next_fault_id: u64,
    pub(crate) counters: Counters,
    pub(crate) requests: VecDeque<ReceivedRequest>,
    pub(crate) token_requests: VecDeque<ReceivedTokenRequest>,
    pub(crate) log_capacity: usize,
    pub(crate) next_seq: u64,
}

impl Shared {
    pub(crate) fn new(settings: Settings) -> Self {
        let state = State {
            accounts: settings
                .accounts
                .into_iter()
                .map(|a| (a.id.clone(), a))
                .collect(),
            sources: settings
                .sources
                .into_iter()
                .map(|source| (source.id.clone(), SourceState::new(source)))
                .collect(),
            pace: settings.pace,
            clients: settings
                .clients
                .into_iter()
                .map(|c| (c.id.clone(), c))
                .collect(),
            tokens: TokenStore::new(settings.token_lifetime),
            limiter: RateLimiter::new(settings.rate_limit),
            classify_faults: FaultQueue::default(),
            token_faults: FaultQueue::default(),
            next_fault_id: 0,
            counters: Counters::default(),
            requests: VecDeque::new(),
            token_requests: VecDeque::new(),
            log_capacity: settings.request_log_capacity,
            next_seq: 0,
        };
        Self {
            org: settings.org,
            pod: settings.pod,
            tenant_id: crate::auth::random_uuid(),
            state: Mutex::new(state),
        }
    }

    /// Runs `f` with the state locked. Never hold the lock across an await.
    pub(crate) fn with_state<R>(&self, f: impl FnOnce(&mut State) -> R) -> R {
        let mut guard = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        f(&mut guard)
    }

    /// Records the outcome of request `seq` (its status in the request log and in the
    /// operation family's per-status counter chosen by `per_status`, or a dropped connection)
    /// and passes the response on.
    pub(crate) fn record_response(
        &self,
        seq: u64,
        response: axum::response::Response,
        per_status: impl FnOnce(&mut Counters) -> &mut BTreeMap<u16, u64>,
    ) -> axum::response::Response {
        let dropped = response
            .extensions()
            .get::<crate::faults::DropConnection>()
            .is_some();
        let status = response.status().as_u16();
        self.with_state(|s| {
            if dropped {
                s.counters.dropped_connections += 1;
                return;
            }
            *per_status(&mut s.counters).entry(status).or_insert(0) += 1;
            if status == 429 {
                s.counters.rate_limited += 1;
            }
            s.update_request(seq, |r| r.status = Some(status));
        });
        response
    }
}

impl State {
    pub(crate) fn faults_mut(&mut self, endpoint: Endpoint) -> &mut FaultQueue {
        match endpoint {
            Endpoint::Classify => &mut self.classify_faults,
            Endpoint::Token => &mut self.token_faults,
        }
    }

    /// Appends to the classify log (dropping the oldest entry beyond the
    /// capacity).
    pub(crate) fn log_request(&mut self, request: ReceivedRequest) {
        if self.log_capacity == 0 {
            return;
        }
        while self.requests.len() >= self.log_capacity {
            self.requests.pop_front();
        }
        self.requests.push_back(request);
    }

    /// Updates the logged request `seq`, if it is still in the log.
    pub(crate) fn update_request(&mut self, seq: u64, f: impl FnOnce(&mut ReceivedRequest)) {
        if let Some(entry) = self.requests.iter_mut().rev().find(|r| r.seq == seq) {
            f(entry);
        }
    }

    pub(crate) fn log_token_request(&mut self, request: ReceivedTokenRequest) {
        if self.log_capacity == 0 {
            return;
        }
        while self.token_requests.len() >= self.log_capacity {
            self.token_requests.pop_front();
        }
        self.token_requests.push_back(request);
    }

    pub(crate) fn reset_counters(&mut self) {
        self.counters = Counters::default();
        self.requests.clear();
        self.token_requests.clear();
    }
}
