//! herald: checks, schedules and publishes a public-sector team's social-media calendar, and
//! answers the public out of hours.
//!
//! The library holds everything; `src/main.rs` only calls [`cli::main`].

pub mod approval;
pub mod channels;
pub mod checks;
pub mod cli;
pub mod clock;
pub mod config;
pub mod content;
pub mod daemon;
pub mod diag;
#[doc(hidden)]
pub mod fuzzing;
pub mod hours;
pub mod http;
pub mod ics;
pub mod inbox;
pub mod limits;
pub mod personal;
pub mod plan;
pub mod project;
pub mod publish;
pub mod render;
pub mod schedule;
pub mod store;
pub mod tomldoc;
