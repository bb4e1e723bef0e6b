//! The replica component: records that this `herald run` is alive (a beat in the database's
//! `replicas` table every third of a lease), so the status page can list the replicas running,
//! and removes its row on a clean stop.

use async_trait::async_trait;

use super::{Component, ComponentError, Handle, Signal, Wake};

/// The replica component.
#[derive(Debug)]
pub struct Membership {
    host: String,
}

impl Membership {
    /// The component for a replica on `host`.
    pub fn new(host: String) -> Membership {
        Membership { host }
    }
}

/// The machine's name, for replica ids and the status page.
pub fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "localhost".to_owned())
}

#[async_trait]
impl Component for Membership {
    fn name(&self) -> &'static str {
        "replica"
    }

    async fn run(self: Box<Self>, handle: Handle) -> Result<(), ComponentError> {
        let settings = handle.settings().clone();
        let pid = i64::from(std::process::id());
        let version = env!("CARGO_PKG_VERSION");
        loop {
            handle.beat(self.name());
            if let Err(e) = handle
                .store()
                .beat(&settings.owner, &self.host, pid, version)
                .await
            {
                tracing::warn!(error = %e, "can't record this replica's beat");
            }
            let next = handle.after_real(settings.renew_every());
            if handle.wait(Some(next), Signal::default()).await == Wake::Stop {
                if let Err(e) = handle.store().forget_replica(&settings.owner).await {
                    tracing::warn!(error = %e, "can't remove this replica's row");
                }
                return Ok(());
            }
        }
    }
}
