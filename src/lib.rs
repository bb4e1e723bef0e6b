//! herald: checks, schedules and publishes a public-sector team's social-media calendar, and
//! answers the public out of hours.

pub mod approval;
pub mod checks;
pub mod config;
pub mod content;
pub mod diag;
pub mod hours;
pub mod render;
pub mod store;
pub mod tomldoc;
