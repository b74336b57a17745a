//! Opening hours: OpenStreetMap `opening_hours` evaluated in Suzhou's local time
//! (Asia/Shanghai, UTC+8 all year, no daylight saving since 1991) with China's public
//! holidays (`PH`: the crate's calendar and the notices' days off) and make-up workdays
//! (调休), on which a rule is read as on the weekday the day stands for
//! ([`crate::holidays`]). [`open_at`] and [`describe`] both read the state through one
//! function, `state_at`, over the same day-by-day timeline.

use std::sync::Arc;

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, Utc};
use opening_hours::OpeningHours;

use crate::lang::Lang;

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
pub fn parse_moment(s: &str, now: NaiveDateTime) -> Result<NaiveDateTime, crate::lang::Text> {
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
    Err(crate::text!(
        "{s:?} is neither \"now\" nor an ISO 8601 local date-time such as 2026-10-01T12:00 (Asia/Shanghai)",
        "{s:?} 既不是 \"now\"，也不是 2026-10-01T12:00 这样的 ISO 8601 本地时间（北京时间）"
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

/// Whether the hours say open at `t` (local time): `None` when they say unknown. On a
/// make-up workday the rules of the date it stands for apply, at the same time of day.
pub fn open_at(oh: &OpeningHours, t: NaiveDateTime) -> Option<bool> {
    EVALUATIONS.with(|n| n.set(n.get() + 1));
    state_at(oh, t)
}

/// How far the day holding `t` is moved to reach the date whose rules apply on it: the
/// stand-in date minus the day on a make-up workday, else 0.
fn shift_of(day: NaiveDate) -> chrono::Duration {
    crate::holidays::stands_for(day).map_or(chrono::Duration::zero(), |s| s - day)
}

/// The one reading of the crate's state: at `t` moved to the date whose rules apply.
fn state_at(oh: &OpeningHours, t: NaiveDateTime) -> Option<bool> {
    let t = t + shift_of(t.date());
    if oh.is_unknown(t) {
        None
    } else {
        Some(oh.is_open(t))
    }
}

fn state_of(kind: opening_hours::RuleKind) -> Option<bool> {
    match kind {
        opening_hours::RuleKind::Open => Some(true),
        opening_hours::RuleKind::Closed => Some(false),
        opening_hours::RuleKind::Unknown => None,
    }
}

/// The states of `oh` from `from` to `to` as `(start, state)` intervals in time order: runs
/// of ordinary days straight from the crate, each make-up workday from the crate on the
/// date it stands for, moved back onto the day itself.
fn timeline(
    oh: &OpeningHours,
    from: NaiveDateTime,
    to: NaiveDateTime,
) -> impl Iterator<Item = (NaiveDateTime, Option<bool>)> + '_ {
    // Pieces of [from, to) that share one shift.
    let mut pieces: Vec<(NaiveDateTime, NaiveDateTime, chrono::Duration)> = Vec::new();
    let mut day = from.date();
    while day.and_time(chrono::NaiveTime::MIN) < to {
        let start = day.and_time(chrono::NaiveTime::MIN).max(from);
        let end = (day + chrono::Duration::days(1))
            .and_time(chrono::NaiveTime::MIN)
            .min(to);
        let shift = shift_of(day);
        match pieces.last_mut() {
            Some(last) if last.2 == shift && shift.is_zero() => last.1 = end,
            _ => pieces.push((start, end, shift)),
        }
        day += chrono::Duration::days(1);
    }
    pieces.into_iter().flat_map(move |(start, end, shift)| {
        oh.iter_range(start + shift, end + shift)
            .map(move |iv| (iv.range.start - shift, state_of(iv.kind)))
    })
}

/// How far ahead [`describe`] looks for the next change: a week and a day, so that a
/// weekend or a short holiday is spanned.
pub const NEXT_CHANGE_HORIZON_DAYS: i64 = 8;

/// The hours at one instant, in words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HoursNow {
    /// Open at the instant: None when the hours say unknown.
    pub open: Option<bool>,
    /// The next instant (local time) the state changes: opening when closed, closing when
    /// open; None when it does not change within [`NEXT_CHANGE_HORIZON_DAYS`] (24/7).
    pub next_change: Option<NaiveDateTime>,
    /// What a person reads: "营业中 · 21:30 关门", "Closed · opens Mon 08:30"; None when the
    /// hours say unknown.
    pub line: Option<String>,
}

/// The hours of `oh` at `t` (local Suzhou time) in `lang`: open or not ([`open_at`]), the
/// next change (the end of the run of intervals in the same state, make-up workdays read as
/// in [`open_at`]), and the line. A close at 00:00 the next day reads as 24:00; a change
/// later than tomorrow within the week names its weekday, beyond that its date.
pub fn describe(oh: &OpeningHours, t: NaiveDateTime, lang: Lang) -> HoursNow {
    let open = open_at(oh, t);
    let horizon = t + chrono::Duration::days(NEXT_CHANGE_HORIZON_DAYS);
    let (next_change, next_state) = timeline(oh, t, horizon)
        .find(|&(_, state)| state != open)
        .map(|(start, state)| (Some(start.max(t)), Some(state)))
        .unwrap_or((None, None));
    let line = open.map(|is_open| line(is_open, t, next_change, next_state.flatten(), lang));
    HoursNow {
        open,
        next_change,
        line,
    }
}

fn line(
    is_open: bool,
    t: NaiveDateTime,
    change: Option<NaiveDateTime>,
    next: Option<bool>,
    lang: Lang,
) -> String {
    use chrono::{Datelike, Timelike};
    let (open_word, closed_word) = match lang {
        Lang::Zh => ("营业中", "已关闭"),
        Lang::En => ("Open", "Closed"),
    };
    let Some(c) = change else {
        return match (is_open, lang) {
            (true, Lang::Zh) => "营业中 · 24 小时".to_string(),
            (true, Lang::En) => "Open · 24 hours".to_string(),
            (false, _) => closed_word.to_string(),
        };
    };
    if !is_open && next != Some(true) {
        // Closed, then unknown: no opening to announce.
        return closed_word.to_string();
    }
    let days = (c.date() - t.date()).num_days();
    let midnight_close = is_open && days == 1 && c.hour() == 0 && c.minute() == 0;
    let hm = if midnight_close {
        "24:00".to_string()
    } else {
        c.format("%H:%M").to_string()
    };
    let when = match (days, lang) {
        (0, _) => hm,
        (1, _) if midnight_close => hm,
        (1, Lang::Zh) => format!("明天 {hm}"),
        (1, Lang::En) => format!("tomorrow {hm}"),
        (2..=6, Lang::Zh) => {
            const ZH: [&str; 7] = ["周一", "周二", "周三", "周四", "周五", "周六", "周日"];
            format!("{} {hm}", ZH[c.weekday().num_days_from_monday() as usize])
        }
        (2..=6, Lang::En) => format!("{} {hm}", c.format("%a")),
        (_, Lang::Zh) => format!("{}月{}日 {hm}", c.month(), c.day()),
        (_, Lang::En) => format!("{} {hm}", c.format("%-d %b")),
    };
    match (is_open, lang) {
        (true, Lang::Zh) => format!("{open_word} · {when} 关门"),
        (true, Lang::En) => format!("{open_word} · closes {when}"),
        (false, Lang::Zh) => format!("{closed_word} · {when} 开门"),
        (false, Lang::En) => format!("{closed_word} · opens {when}"),
    }
}

#[cfg(test)]
mod words {
    use super::*;
    use crate::model::parse_hours;

    fn at(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M").unwrap()
    }

    #[test]
    fn the_lines_of_the_issue() {
        let office = parse_hours("Mo-Fr 08:30-12:00,13:30-17:30; PH off").unwrap();
        let late = parse_hours("Mo-Su 09:00-21:30").unwrap();
        // 2026-11-23 is a Monday.
        let cases = [
            (&late, "2026-11-23T10:00", Lang::Zh, "营业中 · 21:30 关门"),
            (&late, "2026-11-23T10:00", Lang::En, "Open · closes 21:30"),
            (
                &late,
                "2026-11-23T23:30",
                Lang::Zh,
                "已关闭 · 明天 09:00 开门",
            ),
            (&office, "2026-11-23T12:30", Lang::Zh, "已关闭 · 13:30 开门"),
            (
                &office,
                "2026-11-28T10:00",
                Lang::Zh,
                "已关闭 · 周一 08:30 开门",
            ),
            (
                &office,
                "2026-11-28T10:00",
                Lang::En,
                "Closed · opens Mon 08:30",
            ),
            (
                &office,
                "2026-11-29T10:00",
                Lang::Zh,
                "已关闭 · 明天 08:30 开门",
            ),
        ];
        for (oh, t, lang, want) in cases {
            assert_eq!(describe(oh, at(t), lang).line.as_deref(), Some(want), "{t}");
        }
        let always = parse_hours("24/7").unwrap();
        let d = describe(&always, at("2026-11-23T10:00"), Lang::Zh);
        assert_eq!((d.open, d.next_change), (Some(true), None));
        let midnight = parse_hours("Mo-Su 08:00-24:00").unwrap();
        assert_eq!(
            describe(&midnight, at("2026-11-23T20:00"), Lang::En)
                .line
                .as_deref(),
            Some("Open · closes 24:00")
        );
    }

    #[test]
    fn accept_language_by_weight() {
        assert_eq!(Lang::from_accept_language("en-US,en;q=0.9"), Some(Lang::En));
        assert_eq!(
            Lang::from_accept_language("fr, en;q=0.5, zh;q=0.8"),
            Some(Lang::Zh)
        );
        assert_eq!(Lang::from_accept_language("de"), None);
        assert_eq!(
            Lang::from_accept_language("zh-CN;q=0, en;q=0.1"),
            Some(Lang::En)
        );
    }
}
