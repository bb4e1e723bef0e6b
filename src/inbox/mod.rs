//! The inbox: automatic replies to the public outside office hours.
//!
//! - [`classify`]: what a message is (crisis, abusive, automatic, personal details, routes);
//! - [`decide`]: the policy, a pure function of the message, the sender's history and the hours;
//! - [`compose`]: the reply, from the team's replies.toml, fitted to the platform;
//! - [`component`]: the daemon component that reads each inbox, records and replies;
//! - [`check`]: `herald check` on the reply templates;
//! - [`report`]: what `herald status` shows about replies and skips.

pub mod classify;
pub mod component;
pub mod compose;
pub mod decide;
pub mod report;
pub mod words;

pub use component::Inbox;
pub use report::InboxReport;
