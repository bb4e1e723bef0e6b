//! Channels: one file per platform behind the [`Channel`] trait.
//!
//! The publisher and the inbox only see this trait and [`ChannelError`], which says what may be
//! done next: retry after a while, give up with the platform's message, or treat the outcome as
//! unknown (the request may have been acted on) and reconcile rather than resend.

pub mod bluesky;
pub mod common;
pub mod facebook;
pub mod http;
pub mod instagram;
pub mod linkedin;
pub mod mastodon;
pub mod outbox;
pub mod secret;
pub mod x;

mod registry;

pub use registry::{BuildError, build, build_account, build_account_in, build_in};
pub mod webhook;

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::config::Platform;

/// An image to publish, read from the content folder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImageFile {
    /// Where the file is.
    pub path: PathBuf,
    /// Its description.
    pub alt: Option<String>,
}

/// A video to publish, with its captions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VideoFile {
    /// Where the file is.
    pub path: PathBuf,
    /// Its caption file (.srt or .vtt).
    pub captions: Option<PathBuf>,
}

/// One publication on one channel, as rendered for its platform.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Publication {
    /// Stable for this post, channel and occurrence: sent as the platform's idempotency key where
    /// it takes one, and used to find the publication again after an unknown outcome.
    pub key: String,
    /// The post's id.
    pub post_id: String,
    /// The text exactly as it is to appear.
    pub text: String,
    /// The link (already in the text where the platform shows links in text).
    pub link: Option<String>,
    /// Images with their descriptions.
    pub images: Vec<ImageFile>,
    /// Videos with their captions.
    pub videos: Vec<VideoFile>,
    /// For a reshare: the post to boost/repost (its URL).
    pub reshare: Option<String>,
}

/// Where a publication or reply landed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Published {
    /// The platform's id for it.
    pub id: String,
    /// A link to it, when the platform has one.
    pub url: Option<String>,
}

/// What a look-up after an unknown outcome found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reconciled {
    /// It was published.
    Published(Published),
    /// The platform confirms it was not published: safe to send.
    NotPublished,
    /// The platform can't say: a person must decide.
    CannotTell,
}

/// Who an account is, as its platform sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Identity {
    /// The platform's id for the account.
    pub id: String,
    /// Its handle (`@example_icb@mastodon.example`).
    pub handle: String,
    /// Its display name, when it has one.
    pub display_name: Option<String>,
}

/// How a message reached the team.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MessageKind {
    /// A public post that mentions the account.
    Mention,
    /// A public reply to one of the account's posts.
    Reply,
    /// A comment on one of the account's posts (Facebook, Instagram).
    Comment,
    /// A private message.
    Direct,
}

/// Who sent a message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Author {
    /// The platform's id for them.
    pub id: String,
    /// Their handle.
    pub handle: String,
    /// Whether the platform says the account is automated (Mastodon's `bot`, Bluesky's
    /// self-label, X's automated label).
    pub is_bot: bool,
}

/// A message from the public.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InboundMessage {
    /// The platform's id for the message (the thing a reply answers).
    pub id: String,
    /// How it arrived.
    pub kind: MessageKind,
    /// Who sent it.
    pub author: Author,
    /// Its text, as plain text.
    pub text: String,
    /// When it was sent.
    pub sent_at: DateTime<Utc>,
    /// The conversation or thread it belongs to, when the platform has one.
    pub conversation: Option<String>,
    /// The platform's visibility for it (Mastodon: public, unlisted, private, direct).
    pub visibility: Option<String>,
    /// The platform ids of the other accounts it mentions (not its author, not ours). A reply
    /// must not notify them: platforms that copy a thread's mentions into a reply (X) are told
    /// to leave these out, so a message that tags many accounts can't turn herald's automatic
    /// reply into a mass mention.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub mentioned: Vec<String>,
}

/// One page of the inbox and where to continue from.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct InboxPage {
    /// Messages newer than the cursor, oldest first.
    pub messages: Vec<InboundMessage>,
    /// The cursor to persist and pass next time (`None`: keep the previous one).
    pub cursor: Option<String>,
}

/// What went wrong talking to a platform, in terms of what to do next. Messages never contain
/// credentials.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ChannelError {
    /// Worth trying again (5xx, 408, 429, a connection that failed before the request was sent).
    #[error("{message} (will retry{})", after.map(|d| format!(" after {}s", d.as_secs())).unwrap_or_default())]
    Retryable {
        /// What happened.
        message: String,
        /// How long the platform asked herald to wait (Retry-After, rate-limit reset).
        after: Option<Duration>,
    },
    /// Not worth trying again as it is: the platform's own message says why.
    #[error("{message}")]
    Permanent {
        /// What the platform said.
        message: String,
    },
    /// The credentials were refused.
    #[error("{message}")]
    Unauthorized {
        /// What the platform said, and what to check.
        message: String,
    },
    /// The request may have been acted on (a time-out after it was sent): never resend blindly.
    #[error("outcome unknown: {message}")]
    Unknown {
        /// What happened.
        message: String,
    },
    /// The platform doesn't do this (e.g. direct messages where the API has none).
    #[error("{0}")]
    Unsupported(String),
}

impl ChannelError {
    /// Whether a retry may help.
    pub fn is_retryable(&self) -> bool {
        matches!(self, ChannelError::Retryable { .. })
    }
}

/// One account on one platform.
#[async_trait]
pub trait Channel: Send + Sync + fmt::Debug {
    /// The account's name in herald.toml.
    fn name(&self) -> &str;

    /// Its platform.
    fn platform(&self) -> Platform;

    /// Checks the credentials and says who the account is.
    async fn verify(&self) -> Result<Identity, ChannelError>;

    /// Publishes. Sends `publication.key` as the idempotency key where the platform takes one.
    async fn publish(&self, publication: &Publication) -> Result<Published, ChannelError>;

    /// After an unknown outcome, asks the platform whether the publication exists.
    async fn reconcile(&self, publication: &Publication) -> Result<Reconciled, ChannelError>;

    /// Reads messages newer than `cursor`.
    async fn read_inbox(&self, cursor: Option<&str>) -> Result<InboxPage, ChannelError>;

    /// Replies to a message: a direct message by direct message, a public one publicly (keeping
    /// its visibility).
    async fn reply(&self, to: &InboundMessage, text: &str, key: &str) -> Result<Published, ChannelError>;
}
