//! Heavy work off the async runtime. Coverage, suggestions, route reviews, edits, reload
//! shares and any cheap search that outgrew its budget run here: on blocking threads, at
//! most `permits` at once (one per core), each with the request's [`Deadline`] carried into
//! its loops. A request waits for a permit for at most its deadline, in a queue of bounded
//! length; past that length it is refused at once ([`PoolError::Overloaded`]: load shedding,
//! a 503 with `Retry-After`, never an error of the input).
//!
//! # Why
//! A CPU-bound handler on a runtime worker keeps that worker from everything else: two
//! such requests on a two-core machine stalled `/healthz`, the timeout layer (which only
//! acts when the handler yields) and SIGTERM. Here the runtime's workers only wait, so
//! `/healthz`, static files and cheap queries never queue behind heavy ones, and the
//! deadline (not the dropped connection) is what frees the worker.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Semaphore;

use crate::query::deadline::Deadline;
use crate::query::QueryError;

/// How the pool is sized.
#[derive(Debug, Clone, Copy)]
pub struct PoolConfig {
    /// Heavy queries running at once (default: the number of cores).
    pub permits: usize,
    /// Heavy queries waiting for a permit at most; more are shed at once (default 16).
    pub queue: usize,
    /// A heavy query's deadline from the moment it is submitted (the request timeout).
    pub timeout: Duration,
}

impl Default for PoolConfig {
    fn default() -> Self {
        PoolConfig {
            permits: std::thread::available_parallelism().map_or(2, |n| n.get()),
            queue: 16,
            timeout: Duration::from_secs(30),
        }
    }
}

/// Why heavy work did not produce an answer.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PoolError {
    /// The query itself refused (bad input, timeout inside its loops).
    #[error(transparent)]
    Query(#[from] QueryError),
    /// The queue is full: shed, retry after a few seconds.
    #[error("the server is busy with {running} heavy requests and {waiting} waiting; retry in {retry_after_s} s")]
    Overloaded {
        /// Running now.
        running: usize,
        /// Waiting now.
        waiting: usize,
        /// Suggested wait, seconds.
        retry_after_s: u64,
    },
    /// The work panicked or could not be started; the detail is for the log.
    #[error("heavy work failed: {0}")]
    Failed(String),
}

impl PoolError {
    /// The words of a shed or failed request, in both languages (a query's own refusal in
    /// its words).
    pub fn text(&self) -> crate::lang::Text {
        match self {
            PoolError::Query(q) => q.text(),
            PoolError::Overloaded {
                running,
                waiting,
                retry_after_s,
            } => crate::text!(
                "the server is busy with {running} heavy requests and {waiting} waiting; retry in {retry_after_s} s",
                "服务器正忙：{running} 个繁重请求在处理，{waiting} 个在排队；请 {retry_after_s} 秒后再试"
            ),
            PoolError::Failed(detail) => crate::text!(
                "heavy work failed: {detail}",
                "繁重计算失败：{detail}"
            ),
        }
    }
}

/// The heavy-work pool (cheap to clone: every clone shares permits, queue and shutdown).
#[derive(Debug, Clone)]
pub struct Pool {
    permits: Arc<Semaphore>,
    waiting: Arc<AtomicUsize>,
    started: Arc<AtomicUsize>,
    shutdown: Arc<AtomicBool>,
    config: PoolConfig,
}

impl Default for Pool {
    fn default() -> Self {
        Pool::new(PoolConfig::default())
    }
}

/// Decrements the waiting count when the wait ends, however it ends.
struct Waiting<'a>(&'a AtomicUsize);

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

/// Cancels the work when the request is dropped (client gone, timeout layer fired).
struct CancelOnDrop(Deadline);

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        self.0.cancel();
    }
}

impl Pool {
    /// A pool of `config.permits` permits (at least 1) and `config.queue` places.
    pub fn new(config: PoolConfig) -> Self {
        let permits = config.permits.max(1);
        Pool {
            permits: Arc::new(Semaphore::new(permits)),
            waiting: Arc::new(AtomicUsize::new(0)),
            started: Arc::new(AtomicUsize::new(0)),
            shutdown: Arc::new(AtomicBool::new(false)),
            config: PoolConfig { permits, ..config },
        }
    }

    /// The same pool (permits, queue, shutdown shared) with another deadline.
    pub fn with_timeout(&self, timeout: Duration) -> Self {
        Pool {
            config: PoolConfig {
                timeout,
                ..self.config
            },
            ..self.clone()
        }
    }

    /// How many pieces of work have started on the pool (for tests and logs).
    pub fn started(&self) -> usize {
        self.started.load(Ordering::Relaxed)
    }

    /// The configuration.
    pub fn config(&self) -> PoolConfig {
        self.config
    }

    /// Stop every running and waiting query at its next deadline check (SIGTERM).
    pub fn shut_down(&self) {
        self.shutdown.store(true, Ordering::Relaxed);
        self.permits.close();
    }

    /// A deadline `timeout` from now that also ends at shutdown.
    pub fn deadline(&self) -> Deadline {
        Deadline::after(self.config.timeout).with_shutdown(self.shutdown.clone())
    }

    /// Run `work` on a blocking thread under a permit, with a fresh deadline.
    pub async fn run<T, F>(&self, work: F) -> Result<T, PoolError>
    where
        T: Send + 'static,
        F: FnOnce(&Deadline) -> Result<T, QueryError> + Send + 'static,
    {
        self.run_until(self.deadline(), true, work).await
    }

    /// Run `work` under a permit without shedding and without a deadline (reloads: the
    /// server's own work, which must finish), stopping only at shutdown.
    pub async fn run_unbounded<T, F>(&self, work: F) -> Result<T, PoolError>
    where
        T: Send + 'static,
        F: FnOnce(&Deadline) -> Result<T, QueryError> + Send + 'static,
    {
        let deadline = Deadline::none().with_shutdown(self.shutdown.clone());
        self.run_until(deadline, false, work).await
    }

    async fn run_until<T, F>(&self, deadline: Deadline, shed: bool, work: F) -> Result<T, PoolError>
    where
        T: Send + 'static,
        F: FnOnce(&Deadline) -> Result<T, QueryError> + Send + 'static,
    {
        let guard = CancelOnDrop(deadline.clone());
        let waiting = self.waiting.fetch_add(1, Ordering::AcqRel);
        let counted = Waiting(&self.waiting);
        let running =
            self.config.permits - self.permits.available_permits().min(self.config.permits);
        if shed && waiting >= self.config.queue && self.permits.available_permits() == 0 {
            return Err(PoolError::Overloaded {
                running,
                waiting,
                retry_after_s: self.retry_after_s(),
            });
        }
        let acquire = self.permits.clone().acquire_owned();
        let permit = match deadline.instant() {
            Some(at) => match tokio::time::timeout_at(at.into(), acquire).await {
                Ok(p) => p,
                Err(_) => return Err(deadline.check().err().unwrap_or(timeout(&deadline)).into()),
            },
            None => acquire.await,
        }
        .map_err(|_| PoolError::Query(timeout(&deadline)))?;
        drop(counted);
        deadline.check()?;
        let d = deadline.clone();
        self.started.fetch_add(1, Ordering::Relaxed);
        let handle = tokio::task::spawn_blocking(move || {
            let _permit = permit;
            work(&d)
        });
        let out = handle.await;
        drop(guard);
        match out {
            Ok(r) => r.map_err(PoolError::Query),
            Err(e) if e.is_panic() => Err(PoolError::Failed("the work panicked".into())),
            Err(e) => Err(PoolError::Failed(e.to_string())),
        }
    }

    /// Seconds a shed client should wait: about one heavy request's worst case per permit.
    fn retry_after_s(&self) -> u64 {
        (self.config.timeout.as_secs() / 4).clamp(1, 10)
    }
}

fn timeout(d: &Deadline) -> QueryError {
    match d.check() {
        Err(e) => e,
        Ok(()) => QueryError::Timeout { after_s: 0.0 },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Instant;

    fn spin(d: &Deadline) -> Result<u64, QueryError> {
        let mut n = 0u64;
        loop {
            d.check()?;
            n = n.wrapping_add(1);
            std::hint::black_box(n);
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_spinning_query_ends_at_its_deadline_and_frees_its_permit() {
        let pool = Pool::new(PoolConfig {
            permits: 1,
            queue: 4,
            timeout: Duration::from_millis(200),
        });
        let t = Instant::now();
        let r = pool.run(spin).await;
        assert!(
            matches!(r, Err(PoolError::Query(QueryError::Timeout { .. }))),
            "{r:?}"
        );
        assert!(t.elapsed() < Duration::from_secs(2));
        // The permit is back: a quick job runs.
        assert_eq!(pool.run(|_| Ok(7)).await, Ok(7));
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn past_the_queue_requests_are_shed_at_once() {
        let pool = Pool::new(PoolConfig {
            permits: 1,
            queue: 1,
            timeout: Duration::from_secs(2),
        });
        let a = tokio::spawn({
            let p = pool.clone();
            async move { p.run(spin).await }
        });
        tokio::time::sleep(Duration::from_millis(100)).await;
        let b = tokio::spawn({
            let p = pool.clone();
            async move { p.run(spin).await }
        });
        tokio::time::sleep(Duration::from_millis(100)).await;
        let t = Instant::now();
        let c = pool.run(|_| Ok(1)).await;
        assert!(matches!(c, Err(PoolError::Overloaded { .. })), "{c:?}");
        assert!(t.elapsed() < Duration::from_millis(100), "shed at once");
        pool.shut_down();
        for h in [a, b] {
            let r = h.await.unwrap();
            assert!(
                matches!(r, Err(PoolError::Query(QueryError::Timeout { .. }))),
                "{r:?}"
            );
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_dropped_request_stops_its_work() {
        let pool = Pool::new(PoolConfig {
            permits: 1,
            queue: 4,
            timeout: Duration::from_secs(60),
        });
        let stopped = Arc::new(AtomicBool::new(false));
        let s = stopped.clone();
        let fut = pool.run(move |d| {
            let r = spin(d);
            s.store(true, Ordering::Relaxed);
            r
        });
        let _ = tokio::time::timeout(Duration::from_millis(100), fut).await;
        let t = Instant::now();
        while !stopped.load(Ordering::Relaxed) && t.elapsed() < Duration::from_secs(2) {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        assert!(
            stopped.load(Ordering::Relaxed),
            "the work went on after its request was dropped"
        );
    }
}
