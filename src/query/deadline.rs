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

/// Why a budgeted search stopped early.
#[derive(Debug, Clone, PartialEq)]
pub enum Stop {
    /// It visited more features than its budget: run it again on the heavy pool.
    OverBudget,
    /// The query refused or timed out.
    Query(QueryError),
}

impl From<QueryError> for Stop {
    fn from(e: QueryError) -> Self {
        Stop::Query(e)
    }
}

/// The work a search may do: features visited against a budget, and a deadline checked
/// every 256 visits. A cheap request runs on the async runtime with a budget and no
/// deadline; past its budget it moves to the heavy pool with a deadline and no budget.
#[derive(Debug)]
pub struct Work<'a> {
    budget: usize,
    visited: usize,
    deadline: Option<&'a Deadline>,
}

impl<'a> Work<'a> {
    /// No budget, no deadline.
    pub fn unlimited() -> Self {
        Work {
            budget: usize::MAX,
            visited: 0,
            deadline: None,
        }
    }

    /// At most `budget` visits (then [`Stop::OverBudget`]).
    pub fn budget(budget: usize) -> Self {
        Work {
            budget,
            visited: 0,
            deadline: None,
        }
    }

    /// No budget; stop at `deadline`.
    pub fn until(deadline: &'a Deadline) -> Self {
        Work {
            budget: usize::MAX,
            visited: 0,
            deadline: Some(deadline),
        }
    }

    /// Count one visited feature.
    #[inline]
    pub fn visit(&mut self) -> Result<(), Stop> {
        self.visited += 1;
        if self.visited > self.budget {
            return Err(Stop::OverBudget);
        }
        if self.visited.is_multiple_of(256) {
            if let Some(d) = self.deadline {
                d.check()?;
            }
        }
        Ok(())
    }

    /// Features visited so far.
    pub fn visited(&self) -> usize {
        self.visited
    }
}

impl Stop {
    /// The error of a search run without a budget (on the heavy pool), where only the
    /// query's own refusal or its deadline can stop it.
    pub fn into_query(self) -> QueryError {
        match self {
            Stop::Query(e) => e,
            Stop::OverBudget => QueryError::Timeout { after_s: 0.0 },
        }
    }
}
