//! The daemon: a set of [`Component`]s sharing one cheap, cloneable [`Handle`].
//!
//! The handle carries the one clock, the store, the channels, the current content
//! ([`Snapshot`]), wake-ups between components, health beats and the shutdown signal. Shutdown
//! is a parameter of [`run`]: SIGTERM/SIGINT in production, a future in tests. A component runs
//! until the handle says stop; one that ends early or fails stops the others, so the process
//! exits (and its supervisor restarts it) rather than running half-dead while reporting healthy.
//!
//! Components today: the content loader, the scheduler, the publisher, the alert notifier, the
//! replica beat and the status server. The inbox (automatic replies) plugs in the same way: implement [`Component`]
//! and add it to the list `herald run` passes to [`run`].

pub mod content;
pub mod metrics;
pub mod page;
pub mod replica;
pub mod server;
pub mod status;

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use tokio::sync::{Notify, watch};

pub use content::{Held, Snapshot};

use crate::channels::Channel;
use crate::channels::webhook::Webhook;
use crate::clock::SharedClock;
use crate::store::Store;

/// The longest a component waits (in real time) before looking around again and beating.
pub const MAX_WAIT: Duration = Duration::from_secs(30);
/// A component whose last beat is older than this (real time) is reported as stalled.
pub const STALL_AFTER: Duration = Duration::from_secs(120);

/// Why a component stopped.
#[derive(Debug, thiserror::Error)]
#[error("{component}: {message}")]
pub struct ComponentError {
    /// Which component.
    pub component: &'static str,
    /// What happened.
    pub message: String,
}

impl ComponentError {
    /// An error in a component.
    pub fn new(component: &'static str, message: impl Into<String>) -> Self {
        ComponentError {
            component,
            message: message.into(),
        }
    }
}

/// One part of the daemon.
#[async_trait]
pub trait Component: Send + Sync {
    /// Its name in logs and health.
    fn name(&self) -> &'static str;

    /// Runs until `handle` says stop ([`Handle::stopped`]); returning earlier stops the daemon.
    async fn run(self: Box<Self>, handle: Handle) -> Result<(), ComponentError>;
}

/// Fixed settings of a daemon run.
#[derive(Debug, Clone)]
pub struct Settings {
    /// How late a post may still go out (if it is still office hours).
    pub grace: chrono::Duration,
    /// How long a platform may take to answer a publish.
    pub request_timeout: Duration,
    /// This process's name in claims: unique per run.
    pub owner: String,
    /// The status server's address, as configured.
    pub listen: String,
    /// When the daemon started (on its clock).
    pub started_at: DateTime<Utc>,
    /// How long a claim or lease holds without renewal, on the database's clock (see
    /// [`crate::store::lease`]).
    pub lease: Duration,
    /// Whether this process knows no other uses the database (SQLite, locked at start): then a
    /// claim it didn't make was left by an earlier run and is taken over at once, without waiting
    /// for its lease to run out.
    pub exclusive: bool,
}

impl Settings {
    /// How often leases are renewed: a third of their length.
    pub fn renew_every(&self) -> Duration {
        self.lease / 3
    }
}

/// The handle every component holds. Cloning is cheap.
#[derive(Clone)]
pub struct Handle(Arc<Inner>);

struct Inner {
    clock: SharedClock,
    store: Arc<dyn Store>,
    channels: BTreeMap<String, Arc<dyn Channel>>,
    alerts: Vec<Arc<Webhook>>,
    settings: Settings,
    content: watch::Sender<Arc<Snapshot>>,
    planned: Notify,
    finished: Notify,
    reload: Notify,
    shutdown: watch::Sender<bool>,
    beats: Mutex<BTreeMap<&'static str, Instant>>,
    metrics: metrics::Metrics,
}

impl std::fmt::Debug for Handle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Handle")
            .field("settings", &self.0.settings)
            .field("channels", &self.0.channels.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

/// What woke a waiting component.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wake {
    /// The instant came (or the longest wait passed).
    Time,
    /// Something it listens for happened.
    Signal,
    /// The daemon is stopping.
    Stop,
}

impl Handle {
    /// A handle over everything a daemon run shares.
    pub fn new(
        clock: SharedClock,
        store: Arc<dyn Store>,
        channels: BTreeMap<String, Arc<dyn Channel>>,
        alerts: Vec<Arc<Webhook>>,
        settings: Settings,
        snapshot: Snapshot,
    ) -> Handle {
        let (content, _) = watch::channel(Arc::new(snapshot));
        let (shutdown, _) = watch::channel(false);
        let metrics = metrics::Metrics::new(settings.started_at);
        Handle(Arc::new(Inner {
            clock,
            store,
            channels,
            alerts,
            settings,
            content,
            planned: Notify::new(),
            finished: Notify::new(),
            reload: Notify::new(),
            shutdown,
            beats: Mutex::new(BTreeMap::new()),
            metrics,
        }))
    }

    /// The one clock.
    pub fn clock(&self) -> &SharedClock {
        &self.0.clock
    }

    /// The current instant on the one clock.
    pub fn now(&self) -> DateTime<Utc> {
        self.0.clock.now()
    }

    /// The instant on the clock when `real` time will have passed (a simulated clock runs
    /// faster): for waits measured in real time, like lease renewals.
    pub fn after_real(&self, real: Duration) -> DateTime<Utc> {
        let simulated = real.mul_f64(self.0.clock.speed().max(1e-3));
        let now = self.now();
        chrono::Duration::from_std(simulated)
            .ok()
            .and_then(|d| now.checked_add_signed(d))
            .unwrap_or(now)
    }

    /// The store.
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.0.store
    }

    /// The publishing channels, by account name.
    pub fn channels(&self) -> &BTreeMap<String, Arc<dyn Channel>> {
        &self.0.channels
    }

    /// The webhooks told about failures.
    pub fn alerts(&self) -> &[Arc<Webhook>] {
        &self.0.alerts
    }

    /// The metrics served at `/metrics`: components count what they do here.
    pub fn metrics(&self) -> &metrics::Metrics {
        &self.0.metrics
    }

    /// The fixed settings.
    pub fn settings(&self) -> &Settings {
        &self.0.settings
    }

    /// The content as last loaded.
    pub fn content(&self) -> Arc<Snapshot> {
        Arc::clone(&self.0.content.borrow())
    }

    /// Replaces the content (the loader does this).
    pub fn set_content(&self, snapshot: Snapshot) {
        self.0.content.send_replace(Arc::new(snapshot));
    }

    /// A receiver that sees each new content snapshot.
    pub fn watch_content(&self) -> watch::Receiver<Arc<Snapshot>> {
        self.0.content.subscribe()
    }

    /// Asks the loader to reload now (SIGHUP).
    pub fn request_reload(&self) {
        self.0.reload.notify_one();
    }

    /// Tells the publisher that something was planned.
    pub fn notify_planned(&self) {
        self.0.planned.notify_one();
    }

    /// Tells the publisher and notifier that an attempt finished.
    pub fn notify_finished(&self) {
        self.0.finished.notify_one();
        self.0.planned.notify_one();
    }

    /// Asks every component to stop.
    pub fn shutdown(&self) {
        self.0.shutdown.send_replace(true);
    }

    /// Whether the daemon is stopping.
    pub fn is_stopping(&self) -> bool {
        *self.0.shutdown.borrow()
    }

    /// Resolves when the daemon is stopping.
    pub async fn stopped(&self) {
        let mut rx = self.0.shutdown.subscribe();
        // An error means the sender is gone, which also means stop.
        let _ = rx.wait_for(|stop| *stop).await;
    }

    /// Records that a component is alive.
    pub fn beat(&self, component: &'static str) {
        if let Ok(mut beats) = self.0.beats.lock() {
            beats.insert(component, Instant::now());
        }
    }

    /// How long ago (real time) each component last beat.
    pub fn beats(&self) -> Vec<(&'static str, Duration)> {
        self.0
            .beats
            .lock()
            .map(|beats| beats.iter().map(|(name, at)| (*name, at.elapsed())).collect())
            .unwrap_or_default()
    }

    /// Waits until `instant` on the clock (at most [`MAX_WAIT`] of real time), until `signal`
    /// fires, or until the daemon stops, whichever is first.
    pub async fn wait(&self, instant: Option<DateTime<Utc>>, signal: Signal) -> Wake {
        let clock = &self.0.clock;
        let longest = chrono::Duration::from_std(MAX_WAIT.mul_f64(clock.speed().max(1e-3)))
            .unwrap_or(chrono::Duration::MAX);
        let cap = clock
            .now()
            .checked_add_signed(longest)
            .unwrap_or(DateTime::<Utc>::MAX_UTC);
        let until = instant.map_or(cap, |i| i.min(cap));
        let mut content = self.0.content.subscribe();
        content.mark_unchanged();
        tokio::select! {
            () = clock.sleep_until(until) => Wake::Time,
            () = self.stopped() => Wake::Stop,
            () = self.0.planned.notified(), if signal.planned => Wake::Signal,
            () = self.0.finished.notified(), if signal.finished => Wake::Signal,
            () = self.0.reload.notified(), if signal.reload => Wake::Signal,
            Ok(()) = content.changed(), if signal.content => Wake::Signal,
        }
    }
}

/// Runs `work`, calling `renew` every `every` (real time) until it finishes: keeps a claim's
/// lease alive while its request is in flight.
pub async fn renewing<T, F>(work: impl Future<Output = T>, every: Duration, mut renew: impl FnMut() -> F) -> T
where
    F: Future<Output = ()>,
{
    tokio::pin!(work);
    let start = tokio::time::Instant::now() + every;
    let mut tick = tokio::time::interval_at(start, every.max(Duration::from_millis(10)));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            out = &mut work => return out,
            _ = tick.tick() => renew().await,
        }
    }
}

/// What a [`Handle::wait`] also wakes for.
#[derive(Debug, Clone, Copy, Default)]
pub struct Signal {
    /// Something was planned or an attempt finished (the publisher).
    pub planned: bool,
    /// An attempt finished (the notifier).
    pub finished: bool,
    /// A reload was asked for (the loader).
    pub reload: bool,
    /// The content changed (the scheduler, the publisher).
    pub content: bool,
}

/// Why the daemon stopped other than by being asked to.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct DaemonError(pub String);

/// Runs components until `shutdown` resolves (or one of them stops or fails), then lets each
/// finish what it is doing for at most `drain`.
pub async fn run(
    handle: Handle,
    components: Vec<Box<dyn Component>>,
    shutdown: impl Future<Output = ()>,
    drain: Duration,
) -> Result<(), DaemonError> {
    let mut tasks = tokio::task::JoinSet::new();
    for component in components {
        let name = component.name();
        let h = handle.clone();
        tasks.spawn(async move { (name, component.run(h).await) });
    }
    tokio::pin!(shutdown);
    let mut failure: Option<String> = None;
    let mut deadline: Option<tokio::time::Instant> = None;
    let fail = |failure: &mut Option<String>, message: String| {
        tracing::error!("{message}");
        failure.get_or_insert(message);
    };
    loop {
        let stopping = handle.is_stopping();
        if stopping && deadline.is_none() {
            deadline = Some(tokio::time::Instant::now() + drain);
        }
        tokio::select! {
            () = &mut shutdown, if !stopping => {
                tracing::info!("stopping: finishing what is in flight");
                handle.shutdown();
            }
            () = tokio::time::sleep_until(deadline.unwrap_or_else(tokio::time::Instant::now)), if deadline.is_some() => {
                tracing::warn!("components still busy after {}s; stopping them", drain.as_secs());
                tasks.abort_all();
                while tasks.join_next().await.is_some() {}
                break;
            }
            joined = tasks.join_next() => match joined {
                None => break,
                Some(Ok((name, Ok(())))) => {
                    if !handle.is_stopping() {
                        fail(&mut failure, format!("the {name} stopped unexpectedly"));
                        handle.shutdown();
                    }
                }
                Some(Ok((name, Err(e)))) => {
                    fail(&mut failure, format!("the {name} failed: {}", e.message));
                    handle.shutdown();
                }
                Some(Err(e)) => {
                    if !e.is_cancelled() {
                        fail(&mut failure, format!("a component crashed: {e}"));
                    }
                    handle.shutdown();
                }
            }
        }
    }
    failure.map_or(Ok(()), |message| Err(DaemonError(message)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::SimulatedClock;

    struct UntilStopped(Arc<std::sync::atomic::AtomicBool>);

    #[async_trait]
    impl Component for UntilStopped {
        fn name(&self) -> &'static str {
            "waiter"
        }

        async fn run(self: Box<Self>, handle: Handle) -> Result<(), ComponentError> {
            handle.beat(self.name());
            while handle.wait(None, Signal::default()).await != Wake::Stop {}
            self.0.store(true, std::sync::atomic::Ordering::SeqCst);
            Ok(())
        }
    }

    struct Failing;

    #[async_trait]
    impl Component for Failing {
        fn name(&self) -> &'static str {
            "failing"
        }

        async fn run(self: Box<Self>, _handle: Handle) -> Result<(), ComponentError> {
            Err(ComponentError::new("failing", "the database went away"))
        }
    }

    async fn handle() -> (Handle, tempfile::TempDir) {
        let (store, dir) = crate::store::testing::sqlite().await;
        let (config, _) =
            crate::config::LoadedConfig::from_text(std::path::Path::new("herald.toml"), String::new());
        let snapshot = Snapshot::load(Arc::new(config), dir.path(), 1);
        let clock: SharedClock = Arc::new(SimulatedClock::new(Utc::now(), 1.0));
        let settings = Settings {
            grace: chrono::Duration::minutes(15),
            request_timeout: Duration::from_secs(1),
            owner: "test".into(),
            listen: "127.0.0.1:0".into(),
            started_at: clock.now(),
            lease: crate::store::DEFAULT_LEASE,
            exclusive: true,
        };
        (
            Handle::new(clock, store, BTreeMap::new(), Vec::new(), settings, snapshot),
            dir,
        )
    }

    #[tokio::test]
    async fn components_stop_when_the_injected_shutdown_fires() {
        let (handle, _dir) = handle().await;
        let stopped = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let daemon = tokio::spawn(run(
            handle.clone(),
            vec![Box::new(UntilStopped(Arc::clone(&stopped)))],
            async move {
                let _ = rx.await;
            },
            Duration::from_secs(5),
        ));
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert!(!handle.is_stopping());
        assert_eq!(handle.beats().len(), 1);
        tx.send(()).unwrap();
        daemon.await.unwrap().unwrap();
        assert!(stopped.load(std::sync::atomic::Ordering::SeqCst));
    }

    #[tokio::test]
    async fn a_failing_component_stops_the_others_and_is_reported() {
        let (handle, _dir) = handle().await;
        let stopped = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let result = run(
            handle,
            vec![Box::new(UntilStopped(Arc::clone(&stopped))), Box::new(Failing)],
            std::future::pending(),
            Duration::from_secs(5),
        )
        .await;
        assert_eq!(
            result.unwrap_err().0,
            "the failing failed: the database went away"
        );
        assert!(stopped.load(std::sync::atomic::Ordering::SeqCst));
    }
}
