//! An SDK client set up for the emulator in one call.

use sailpoint_v2025::{Client, ClientBuilder, Error, RateLimit};

use crate::demo;
use crate::server::Emulator;

impl Emulator {
    /// A `sailpoint_v2025::Client` for this emulator, in one call: see
    /// [`client_builder`](Self::client_builder) for what it is set up with.
    ///
    /// ```
    /// use sailpoint_v2025_testkit::{Emulator, demo};
    ///
    /// #[tokio::main(flavor = "current_thread")]
    /// async fn main() -> Result<(), Box<dyn std::error::Error>> {
    ///     let emulator = Emulator::start().await?;
    ///     let client = emulator.client()?;
    ///     let result = client.send_classify_machine_account(demo::MACHINE_ID).await?;
    ///     assert!(result.is_machine);
    ///     Ok(())
    /// }
    /// ```
    ///
    /// # Errors
    ///
    /// Whatever [`ClientBuilder::build`] returns; with the emulator's own
    /// URL and credentials that is nothing in practice.
    pub fn client(&self) -> Result<Client, Error> {
        self.client_builder().build()
    }

    /// A `sailpoint_v2025::ClientBuilder` set up for this emulator, to change
    /// before building:
    ///
    /// * base URL: [`base_url`](Self::base_url) (plain http to 127.0.0.1);
    /// * credentials: the demo client ([`demo::CLIENT_ID`] /
    ///   [`demo::CLIENT_SECRET`]) when it is registered, else the only
    ///   registered client (with several and no demo client, the demo
    ///   credentials: pick one with `.client_credentials(..)`);
    /// * **no client-side rate limit** ([`RateLimit::unlimited`]): the SDK's
    ///   default paces every client to ISC's 100 requests per 10 s, which
    ///   would make 50 calls to the emulator take 5 s. Ask for pacing with
    ///   `.rate_limit(RateLimit::default())`; the emulator's own limit
    ///   ([`EmulatorBuilder::rate_limit`](crate::EmulatorBuilder::rate_limit))
    ///   still answers 429s either way;
    /// * an empty environment and no `config.json`
    ///   (`.environment([])`): a developer's `SAIL_*` variables cannot leak
    ///   into a test.
    ///
    /// Everything else is the SDK's default (retries included).
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// use sailpoint_v2025::{RateLimit, RetryConfig};
    /// use sailpoint_v2025_testkit::Emulator;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let emulator = Emulator::start().await?;
    /// let client = emulator
    ///     .client_builder()
    ///     .rate_limit(RateLimit::new(10, Duration::from_secs(1)))
    ///     .retry(RetryConfig::disabled())
    ///     .build()?;
    /// # let _ = client;
    /// # Ok(())
    /// # }
    /// ```
    pub fn client_builder(&self) -> ClientBuilder {
        let (id, secret) = self.sdk_credentials();
        Client::builder()
            .base_url(self.base_url())
            .client_credentials(id, secret)
            .rate_limit(RateLimit::unlimited())
            .environment(Vec::<(String, String)>::new())
    }

    /// The client id and secret [`client_builder`](Self::client_builder)
    /// uses.
    fn sdk_credentials(&self) -> (String, String) {
        let demo_credentials = (demo::CLIENT_ID.to_owned(), demo::CLIENT_SECRET.to_owned());
        self.with_clients(|clients| {
            if clients.iter().any(|c| c.id == demo::CLIENT_ID) {
                return demo_credentials;
            }
            match clients {
                [only] => (only.id.clone(), only.secret.clone()),
                _ => demo_credentials,
            }
        })
    }
}
