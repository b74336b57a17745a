//! Opening hours: OpenStreetMap `opening_hours` evaluated in Suzhou's local time
//! (Asia/Shanghai, UTC+8 all year, no daylight saving since 1991) with China's public
//! holidays (`PH`) from the opening-hours crate's embedded calendar.

use std::sync::Arc;

use chrono::{DateTime, FixedOffset, NaiveDateTime, Utc};
use opening_hours::OpeningHours;

/// Asia/Shanghai's offset from UTC.
pub fn shanghai() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("valid offset")
}

/// The local time now in Suzhou.
pub fn local_now() -> NaiveDateTime {
    Utc::now().with_timezone(&shanghai()).naive_local()
}

/// Where a request's "now" comes from: Suzhou's local time from the system clock, or a clock
/// a test sets. A request reads it once, so that `open=now` and every feature's `open_now`
/// are one instant.
#[derive(Clone)]
pub struct Clock(Arc<dyn Fn() -> NaiveDateTime + Send + Sync>);

impl Clock {
    /// The system clock: [`local_now`].
    pub fn system() -> Self {
        Clock(Arc::new(local_now))
    }

    /// A clock reading `f` (local Suzhou time).
    pub fn from_fn(f: impl Fn() -> NaiveDateTime + Send + Sync + 'static) -> Self {
        Clock(Arc::new(f))
    }

    /// The local time now by this clock.
    pub fn now(&self) -> NaiveDateTime {
        (self.0)()
    }
}

impl Default for Clock {
    fn default() -> Self {
        Clock::system()
    }
}

impl std::fmt::Debug for Clock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Clock")
    }
}

/// Read an `open` parameter: `now`, a local date-time (`2026-10-01T12:00`, seconds optional),
/// or a date-time with an offset (converted to Suzhou time).
pub fn parse_moment(s: &str, now: NaiveDateTime) -> Result<NaiveDateTime, String> {
    let s = s.trim();
    if s.eq_ignore_ascii_case("now") {
        return Ok(now);
    }
    if let Ok(dt) = DateTime::parse_from_rfc3339(s) {
        return Ok(dt.with_timezone(&shanghai()).naive_local());
    }
    for fmt in [
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%d %H:%M",
    ] {
        if let Ok(t) = NaiveDateTime::parse_from_str(s, fmt) {
            return Ok(t);
        }
    }
    Err(format!(
        "{s:?} is neither \"now\" nor an ISO 8601 local date-time such as 2026-10-01T12:00 (Asia/Shanghai)"
    ))
}

thread_local! {
    static EVALUATIONS: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

/// How many times [`open_at`] has run on this thread: lets a test or a benchmark check which
/// features a query evaluates the hours of.
pub fn evaluations_on_this_thread() -> u64 {
    EVALUATIONS.with(|n| n.get())
}

/// Whether the hours say open at `t` (local time): `None` when they say unknown.
pub fn open_at(oh: &OpeningHours, t: NaiveDateTime) -> Option<bool> {
    EVALUATIONS.with(|n| n.set(n.get() + 1));
    if oh.is_unknown(t) {
        None
    } else {
        Some(oh.is_open(t))
    }
}
