//! The one clock every component reads. In production it is the system clock; `herald run
//! --clock-start INSTANT --clock-speed N` runs the same daemon on a simulated clock to rehearse a
//! day, and tests drive it the same way.

use std::fmt;
use std::sync::Arc;

use chrono::{DateTime, Utc};

/// A source of the current instant that can also wait for an instant.
#[async_trait::async_trait]
pub trait Clock: Send + Sync + fmt::Debug {
    /// The current instant.
    fn now(&self) -> DateTime<Utc>;

    /// Waits until `instant` (returns at once if it has passed).
    async fn sleep_until(&self, instant: DateTime<Utc>);

    /// How many simulated seconds pass per real second (1 for the system clock).
    fn speed(&self) -> f64 {
        1.0
    }
}

/// A shared clock.
pub type SharedClock = Arc<dyn Clock>;

/// The system clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

#[async_trait::async_trait]
impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }

    async fn sleep_until(&self, instant: DateTime<Utc>) {
        if let Ok(wait) = (instant - Utc::now()).to_std() {
            tokio::time::sleep(wait).await;
        }
    }
}

/// A clock that starts at a chosen instant and runs `speed` times faster than real time.
#[derive(Debug, Clone)]
pub struct SimulatedClock {
    start: DateTime<Utc>,
    real_start: tokio::time::Instant,
    speed: f64,
}

impl SimulatedClock {
    /// A clock that reads `start` now and advances `speed` simulated seconds per real second.
    /// Speeds that are not finite and positive are treated as 1.
    pub fn new(start: DateTime<Utc>, speed: f64) -> Self {
        let speed = if speed.is_finite() && speed > 0.0 {
            speed
        } else {
            1.0
        };
        SimulatedClock {
            start,
            real_start: tokio::time::Instant::now(),
            speed,
        }
    }
}

#[async_trait::async_trait]
impl Clock for SimulatedClock {
    fn now(&self) -> DateTime<Utc> {
        let real = self.real_start.elapsed().as_secs_f64();
        let simulated = chrono::Duration::microseconds((real * self.speed * 1e6) as i64);
        self.start + simulated
    }

    async fn sleep_until(&self, instant: DateTime<Utc>) {
        // Re-read the clock after each wait: the real sleep is only as precise as the timer.
        loop {
            let remaining = instant - self.now();
            let Ok(remaining) = remaining.to_std() else {
                return;
            };
            if remaining.is_zero() {
                return;
            }
            let real = remaining
                .div_f64(self.speed)
                .max(std::time::Duration::from_micros(100));
            tokio::time::sleep(real).await;
        }
    }

    fn speed(&self) -> f64 {
        self.speed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn simulated_time_runs_at_its_speed() {
        let start = DateTime::parse_from_rfc3339("2026-12-01T09:59:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let clock = SimulatedClock::new(start, 600.0);
        let target = start + chrono::Duration::seconds(60);
        let real = std::time::Instant::now();
        clock.sleep_until(target).await;
        assert!(clock.now() >= target);
        // 60 simulated seconds at 600x is 100 ms of real time.
        assert!(
            real.elapsed() < std::time::Duration::from_secs(2),
            "{:?}",
            real.elapsed()
        );
        assert!(clock.now() - target < chrono::Duration::seconds(30));
    }
}
