//! The HTTP client every part of herald builds on: rustls with the ring crypto provider, herald's
//! user agent and bounded time-outs. Each adapter builds one client from [`client`] (adding its
//! own settings) and keeps it.

use std::time::Duration;

/// The user agent herald sends: `herald/0.1.0`.
pub const USER_AGENT: &str = concat!("herald/", env!("CARGO_PKG_VERSION"));

/// How long to wait for a connection.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// How long a whole request may take.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// Installs rustls's ring crypto provider as the process default (reqwest is built without one).
/// Safe to call any number of times, from any thread.
pub fn install_crypto_provider() {
    // Fails only when a provider is already installed, which is what we want.
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// A client builder with the crypto provider installed, herald's user agent and time-outs.
pub fn client() -> reqwest::ClientBuilder {
    install_crypto_provider();
    reqwest::Client::builder()
        .user_agent(USER_AGENT)
        .connect_timeout(CONNECT_TIMEOUT)
        .timeout(REQUEST_TIMEOUT)
}

#[cfg(test)]
mod tests {
    #[test]
    fn builds_a_client_twice() {
        assert!(super::client().build().is_ok());
        assert!(super::client().build().is_ok());
    }
}
