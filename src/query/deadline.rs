//! When a query must stop: the request's deadline, carried into every loop whose count the
//! client sets, and a cancel flag raised when the client is gone or the server shuts down.
//! A query past its deadline returns [`QueryError::Timeout`], so the worker is freed, not
//! only the connection.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::query::QueryError;

/// A point in time after which a query stops, and flags that stop it sooner.
#[derive(Debug, Clone)]
pub struct Deadline {
    at: Option<Instant>,
    budget: Duration,
    cancelled: Arc<AtomicBool>,
    shutdown: Option<Arc<AtomicBool>>,
}

impl Default for Deadline {
    fn default() -> Self {
        Deadline::none()
    }
}

impl Deadline {
    /// No deadline: library callers and tests that want the whole answer.
    pub fn none() -> Self {
        Deadline {
            at: None,
            budget: Duration::MAX,
            cancelled: Arc::new(AtomicBool::new(false)),
            shutdown: None,
        }
    }

    /// Stop `budget` from now.
    pub fn after(budget: Duration) -> Self {
        Deadline {
            at: Instant::now().checked_add(budget),
            budget,
            cancelled: Arc::new(AtomicBool::new(false)),
            shutdown: None,
        }
    }

    /// Also stop when `flag` is raised (the server shutting down).
    pub fn with_shutdown(mut self, flag: Arc<AtomicBool>) -> Self {
        self.shutdown = Some(flag);
        self
    }

    /// Stop at the next check (the client went away).
    pub fn cancel(&self) {
        self.cancelled.store(true, Ordering::Relaxed);
    }

    /// The instant, when there is one.
    pub fn instant(&self) -> Option<Instant> {
        self.at
    }

    /// Whether the query must stop now.
    pub fn expired(&self) -> bool {
        self.cancelled.load(Ordering::Relaxed)
            || self
                .shutdown
                .as_ref()
                .is_some_and(|s| s.load(Ordering::Relaxed))
            || self.at.is_some_and(|at| Instant::now() >= at)
    }

    /// `Err(QueryError::Timeout)` once the query must stop. Costs a clock read (tens of
    /// nanoseconds): call it per row, per candidate or per vertex, not per cell.
    pub fn check(&self) -> Result<(), QueryError> {
        if self.expired() {
            Err(QueryError::Timeout {
                after_s: self.budget.as_secs_f64(),
            })
        } else {
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn none_never_expires_and_a_past_deadline_or_a_cancel_does() {
        assert!(Deadline::none().check().is_ok());
        let d = Deadline::after(Duration::ZERO);
        assert!(matches!(d.check(), Err(QueryError::Timeout { .. })));
        let c = Deadline::after(Duration::from_secs(60));
        assert!(c.check().is_ok());
        c.clone().cancel();
        assert!(c.check().is_err(), "a clone shares the cancel flag");
        let flag = Arc::new(AtomicBool::new(false));
        let s = Deadline::none().with_shutdown(flag.clone());
        assert!(s.check().is_ok());
        flag.store(true, Ordering::Relaxed);
        assert!(s.check().is_err());
    }
}
