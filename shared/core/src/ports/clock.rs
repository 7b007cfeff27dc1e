//! Time, overridable for tests and demonstrations.

use chrono::{DateTime, Duration, Utc};
use std::sync::Mutex;

pub trait Clock: Send + Sync {
    fn now(&self) -> DateTime<Utc>;
}

/// The machine's clock, optionally shifted by a fixed offset (set through configuration to
/// replay a scenario on another date).
#[derive(Debug, Default)]
pub struct SystemClock {
    offset: Mutex<Duration>,
}

impl SystemClock {
    pub fn with_offset(offset: Duration) -> Self {
        Self {
            offset: Mutex::new(offset),
        }
    }

    /// Moves the clock forward (the local runner's development endpoint).
    pub fn advance(&self, by: Duration) {
        let mut o = self.offset.lock().unwrap_or_else(|p| p.into_inner());
        *o += by;
    }

    /// Makes "now" the given instant (it then runs on from there).
    pub fn set(&self, now: DateTime<Utc>) {
        let mut o = self.offset.lock().unwrap_or_else(|p| p.into_inner());
        *o = now - Utc::now();
    }
}

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        let o = *self.offset.lock().unwrap_or_else(|p| p.into_inner());
        Utc::now() + o
    }
}
