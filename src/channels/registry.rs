//! Builds the channels herald.toml describes.

use std::path::Path;
use std::sync::Arc;

use super::secret::{self, CredentialError, Secret};
use super::{Channel, ChannelError};
use crate::config::{AccountConfig, LoadedConfig, Platform};

/// Why an account's channel couldn't be built. Names the account and what to fix; never
/// contains a credential.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    /// A credential couldn't be read.
    #[error("account `{account}`: {source}")]
    Credential {
        /// The account.
        account: String,
        /// What went wrong.
        #[source]
        source: CredentialError,
    },
    /// Something the platform needs is missing from herald.toml (`herald check` says where).
    #[error("account `{account}`: {message}")]
    Config {
        /// The account.
        account: String,
        /// What is missing.
        message: String,
    },
    /// The HTTP client couldn't be set up.
    #[error("account `{account}`: {source}")]
    Client {
        /// The account.
        account: String,
        /// What went wrong.
        #[source]
        source: ChannelError,
    },
    /// A webhook account's URL couldn't be read (the message names the account, never the URL).
    #[error("{0}")]
    Webhook(#[from] super::webhook::WebhookError),
}

/// Builds every account's channel. Every account is tried; all the failures are returned together.
pub fn build(loaded: &LoadedConfig) -> Result<Vec<Arc<dyn Channel>>, Vec<BuildError>> {
    build_in(loaded, &loaded.dir.join(crate::config::CONTENT_DIR))
}

/// [`build`] for a content folder elsewhere than `content/` beside herald.toml (Instagram
/// publishes media by its URL under the content folder).
pub fn build_in(loaded: &LoadedConfig, content_dir: &Path) -> Result<Vec<Arc<dyn Channel>>, Vec<BuildError>> {
    let accounts = loaded
        .config
        .as_ref()
        .map(|c| c.accounts.as_slice())
        .unwrap_or_default();
    let mut channels = Vec::new();
    let mut errors = Vec::new();
    for account in accounts {
        match build_account_in(loaded, account, content_dir) {
            Ok(channel) => channels.push(channel),
            Err(e) => errors.push(e),
        }
    }
    if errors.is_empty() {
        Ok(channels)
    } else {
        Err(errors)
    }
}

/// Builds one account's channel, reading its credentials.
pub fn build_account(loaded: &LoadedConfig, account: &AccountConfig) -> Result<Arc<dyn Channel>, BuildError> {
    build_account_in(loaded, account, &loaded.dir.join(crate::config::CONTENT_DIR))
}

/// [`build_account`] with the content folder given.
pub fn build_account_in(
    loaded: &LoadedConfig,
    account: &AccountConfig,
    content_dir: &Path,
) -> Result<Arc<dyn Channel>, BuildError> {
    let name = account.name.clone();
    let credential = |e| BuildError::Credential {
        account: name.clone(),
        source: e,
    };
    let client = |e| BuildError::Client {
        account: name.clone(),
        source: e,
    };
    let missing = |message: &str| BuildError::Config {
        account: name.clone(),
        message: message.to_owned(),
    };
    let token = || -> Result<Secret, BuildError> {
        secret::read(
            account.token_env.as_deref(),
            account.token_file.as_deref(),
            &loaded.dir,
        )
        .map_err(credential)?
        .ok_or_else(|| {
            credential(CredentialError::NotConfigured {
                what: "token",
                key: "token",
            })
        })
    };
    let required = |value: &Option<String>, key: &str| -> Result<String, BuildError> {
        value
            .clone()
            .ok_or_else(|| missing(&format!("no `{key}` in herald.toml (run `herald check`)")))
    };
    let request_timeout = std::time::Duration::from_secs(u64::from(
        loaded
            .config
            .as_ref()
            .map_or(30, |c| c.publish.request_timeout_seconds),
    ));
    let channel: Arc<dyn Channel> = match account.platform {
        Platform::Outbox => {
            let path = account.path.clone().unwrap_or_else(|| "outbox".into());
            Arc::new(super::outbox::Outbox::new(&account.name, loaded.resolve(&path)))
        }
        Platform::Mastodon => {
            let base = required(&account.base_url, "base_url")?;
            Arc::new(
                super::mastodon::Mastodon::new(&account.name, &base, token()?)
                    .map_err(client)?
                    .with_request_timeout(request_timeout),
            )
        }
        Platform::Bluesky => {
            let handle = required(&account.handle, "handle")?;
            let base = super::common::base_url(account, super::bluesky::DEFAULT_SERVICE);
            Arc::new(
                super::bluesky::Bluesky::new(&account.name, &base, &handle, token()?)
                    .map_err(client)?
                    .with_request_timeout(request_timeout),
            )
        }
        Platform::X => {
            let access = secret::read(
                account.token_env.as_deref(),
                account.token_file.as_deref(),
                &loaded.dir,
            )
            .map_err(credential)?;
            let refresh = match &account.refresh_token_file {
                Some(file) => {
                    let client_id = required(&account.client_id, "client_id")?;
                    let client_secret = secret::read(
                        account.client_secret_env.as_deref(),
                        account.client_secret_file.as_deref(),
                        &loaded.dir,
                    )
                    .map_err(credential)?;
                    let path = loaded.resolve(file);
                    // Read now, so that a missing file is reported before the first publication.
                    secret::read(None, Some(&path), &loaded.dir).map_err(credential)?;
                    Some(super::x::Refresh {
                        client_id,
                        client_secret,
                        file: path,
                    })
                }
                None => None,
            };
            if access.is_none() && refresh.is_none() {
                return Err(credential(CredentialError::NotConfigured {
                    what: "token",
                    key: "token",
                }));
            }
            let base = super::common::base_url(account, super::x::DEFAULT_BASE);
            Arc::new(
                super::x::X::new(&account.name, &base, access, refresh)
                    .map_err(client)?
                    .with_request_timeout(request_timeout),
            )
        }
        Platform::Facebook => {
            let page = required(&account.page_id, "page_id")?;
            let base = super::common::base_url(account, super::facebook::DEFAULT_BASE);
            let version = account
                .api_version
                .as_deref()
                .unwrap_or(super::facebook::API_VERSION);
            Arc::new(
                super::facebook::Facebook::new(&account.name, &base, version, &page, token()?)
                    .map_err(client)?
                    .with_request_timeout(request_timeout),
            )
        }
        Platform::Instagram => {
            let user = required(&account.ig_user_id, "ig_user_id")?;
            let media_url = required(&account.media_url, "media_url")?;
            let base = super::common::base_url(account, super::facebook::DEFAULT_BASE);
            let version = account
                .api_version
                .as_deref()
                .unwrap_or(super::facebook::API_VERSION);
            Arc::new(
                super::instagram::Instagram::new(
                    &account.name,
                    &base,
                    version,
                    &user,
                    token()?,
                    super::instagram::MediaHost::new(&media_url, content_dir.to_owned()),
                )
                .map_err(client)?
                .with_request_timeout(request_timeout),
            )
        }
        Platform::Linkedin => {
            let author = required(&account.author_urn, "author_urn")?;
            let base = super::common::base_url(account, super::linkedin::DEFAULT_BASE);
            let version = account
                .api_version
                .as_deref()
                .unwrap_or(super::linkedin::API_VERSION);
            Arc::new(
                super::linkedin::Linkedin::new(&account.name, &base, version, &author, token()?)
                    .map_err(client)?
                    .with_request_timeout(request_timeout),
            )
        }
        Platform::Webhook => Arc::new(super::webhook::Webhook::from_account(
            account,
            &loaded.dir,
            request_timeout,
        )?),
    };
    Ok(channel)
}
