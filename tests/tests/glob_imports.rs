//! `use sailpoint_v2025::*; use sailpoint_v2025_testkit::*;` in one file: this file compiles only
//! if no name below is exported by both crates (two globs bringing one name make every use of
//! it an ambiguity error, E0659). Every public name of the testkit's root is used here, so a
//! testkit or SDK name added later that clashes fails this build.

use std::time::Duration;

use sailpoint_v2025::*;
use sailpoint_v2025_testkit::*;

#[tokio::test]
async fn the_sdk_and_the_testkit_glob_import_together() {
    // The testkit's root, every name.
    let account: EmulatedAccount = EmulatedAccount::new("acct-1", "svc-nightly");
    let mut forced = account.clone();
    assert!(forced.apply(ServerClassificationMode::ForceMachine));
    assert!(criteria_says_machine(&account.name, false));
    assert!(!MACHINE_NAME_PREFIXES.is_empty() && !MACHINE_NAME_SUFFIXES.is_empty());
    assert!(!MACHINE_NAME_SUBSTRING.is_empty());
    assert!(
        "nope"
            .parse::<ServerClassificationMode>()
            .is_err_and(|e: UnknownClassificationMode| e.0 == "nope")
    );
    for scope in [
        CLASSIFY_SCOPE,
        SOURCES_READ_SCOPE,
        SOURCES_MANAGE_SCOPE,
        ALL_SCOPES,
    ] {
        assert!(!scope.is_empty());
    }
    assert!(DEFAULT_TOKEN_LIFETIME > Duration::ZERO);
    assert!(!RETRY_AFTER_MS_HEADER.is_empty());
    let builder: EmulatorBuilder = Emulator::builder()
        .oauth_client(OAuthClient::new("glob-client", "glob-secret"))
        .source(Source::new("src-1", "Glob Source"))
        .classification_pace(ClassificationPace::default())
        .rate_limit(Some(ServerRateLimit::new(100, Duration::from_secs(10))));
    let emulator: Emulator = builder.start().await.expect("emulator starts");

    // The SDK's root, the names a test uses most.
    let client: Client = emulator
        .client_builder()
        .rate_limit(RateLimit::unlimited())
        .retry(RetryConfig::default())
        .build()
        .expect("client builds");
    let injected = emulator.inject(Fault::Status(503));
    let result: Result<SendClassifyMachineAccount200Response, Error> = client
        .send_classify_machine_account(demo::HUMAN_ID)
        .classification_mode(ClassificationMode::ForceMachine)
        .await;
    assert!(result.expect("classified after one retry").is_machine);
    let _: InjectedFault = injected;
    let counters: Counters = emulator.counters();
    assert_eq!(counters.classify_requests, 2);
    let requests: Vec<ReceivedRequest> = emulator.requests();
    assert_eq!(requests.len(), 2);
    let tokens: Vec<ReceivedTokenRequest> = emulator.token_requests();
    assert_eq!(tokens.len(), 1);
}
