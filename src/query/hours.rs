//! Opening hours: OpenStreetMap `opening_hours` evaluated in Suzhou's local time
//! (Asia/Shanghai, UTC+8 all year, no daylight saving since 1991) with China's public
//! holidays (`PH`) from the opening-hours crate's embedded calendar.

use std::sync::Arc;

use chrono::{DateTime, FixedOffset, NaiveDateTime, Utc};
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

/// Whether the hours say open at `t` (local time): `None` when they say unknown.
pub fn open_at(oh: &OpeningHours, t: NaiveDateTime) -> Option<bool> {
    EVALUATIONS.with(|n| n.set(n.get() + 1));
    if oh.is_unknown(t) {
        None
    } else {
        Some(oh.is_open(t))
    }
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

fn kind_at(oh: &OpeningHours, t: NaiveDateTime) -> Option<bool> {
    if oh.is_unknown(t) {
        None
    } else {
        Some(oh.is_open(t))
    }
}

/// The hours of `oh` at `t` (local Suzhou time) in `lang`: open or not, the next change
/// (the end of the run of intervals in the same state, from the crate's `iter_from`), and
/// the line. A close at 00:00 the next day reads as 24:00; a change later than tomorrow
/// within the week names its weekday, beyond that its date.
pub fn describe(oh: &OpeningHours, t: NaiveDateTime, lang: Lang) -> HoursNow {
    let open = kind_at(oh, t);
    let horizon = t + chrono::Duration::days(NEXT_CHANGE_HORIZON_DAYS);
    let mut next_change = None;
    let mut next_state = None;
    for iv in oh.iter_from(t) {
        if iv.range.start >= horizon {
            break;
        }
        let state = match iv.kind {
            opening_hours::RuleKind::Open => Some(true),
            opening_hours::RuleKind::Closed => Some(false),
            opening_hours::RuleKind::Unknown => None,
        };
        if state != open {
            next_change = Some(iv.range.start.max(t));
            next_state = Some(state);
            break;
        }
    }
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
