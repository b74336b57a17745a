//! China's holiday arrangement (放假调休), one year at a time from the State Council
//! General Office's notice: the days off, which `PH` in `opening_hours` means, and the
//! make-up workdays (调休上班: a Saturday or Sunday worked as a weekday), each with the date
//! whose rules it follows.
//!
//! # Why a table of our own
//! The opening-hours crate's calendar for China (`Country::CN`, from its
//! `holidays_public.global.txt`) holds one date per festival: for 2026 only 01-01, 02-17,
//! 05-01, 06-19, 09-25 and 10-01 (no Qingming at all), none of the other days off of the
//! notice (02-15 to 02-23, 05-04 and 05-05, 10-06 and 10-07, ...), and it has no notion of a
//! worked weekend day. The notice gives every citizen all its days off, so they are added
//! here as public holidays: a rule's `PH off` closes for the whole span, not just the
//! festival's day. A year not in the table keeps the crate's dates and has no make-up days.
//!
//! # Which weekday a make-up day stands for
//! The notices say only "上班" (work). We take the adjacent weekday: a worked Saturday
//! follows the rules of the Friday before it, a worked Sunday those of the Monday after it
//! (the working week it extends). Every make-up day of 2025 and 2026 has a working day
//! there; should one fall on a day off, the same weekday a week further on (the same
//! direction) is taken. The whole day is evaluated as that date, so a rule for weekends only
//! (`Sa,Su 09:00-17:00`) reads closed on a make-up day, and date selectors (`Jan 01 off`,
//! `PH`) are read on the stand-in date, one day away.

use std::sync::{Arc, LazyLock};

use chrono::{Datelike, Duration, NaiveDate, Weekday};
use compact_calendar::CompactCalendar;
use opening_hours::localization::Country;
use opening_hours::ContextHolidays;

/// One year's arrangement as its notice states it.
#[derive(Debug, Clone, Copy)]
pub struct Arrangement {
    /// The notice's title, number and date.
    pub notice: &'static str,
    /// Where its text was read.
    pub source: &'static str,
    /// The days off, first and last day of each span (ISO dates), weekends included.
    pub days_off: &'static [(&'static str, &'static str)],
    /// The make-up workdays (ISO dates), each a Saturday or a Sunday.
    pub workdays: &'static [&'static str],
}

/// The arrangements known, oldest first.
pub const ARRANGEMENTS: &[Arrangement] = &[
    Arrangement {
        notice: "国务院办公厅关于2025年部分节假日安排的通知 (国办发明电〔2024〕12号, 2024-11-12)",
        source: "published by Xinhua on 2024-11-12; text read from reproductions of that release",
        days_off: &[
            ("2025-01-01", "2025-01-01"), // 元旦
            ("2025-01-28", "2025-02-04"), // 春节
            ("2025-04-04", "2025-04-06"), // 清明节
            ("2025-05-01", "2025-05-05"), // 劳动节
            ("2025-05-31", "2025-06-02"), // 端午节
            ("2025-10-01", "2025-10-08"), // 国庆节、中秋节
        ],
        workdays: &[
            "2025-01-26", // Sun, 春节
            "2025-02-08", // Sat, 春节
            "2025-04-27", // Sun, 劳动节
            "2025-09-28", // Sun, 国庆节
            "2025-10-11", // Sat, 国庆节
        ],
    },
    Arrangement {
        notice: "国务院办公厅关于2026年部分节假日安排的通知 (2025-11-04)",
        source: "Xinhua, 2025-11-04: https://politics.gmw.cn/2025-11/04/content_38391083.htm",
        days_off: &[
            ("2026-01-01", "2026-01-03"), // 元旦
            ("2026-02-15", "2026-02-23"), // 春节
            ("2026-04-04", "2026-04-06"), // 清明节
            ("2026-05-01", "2026-05-05"), // 劳动节
            ("2026-06-19", "2026-06-21"), // 端午节
            ("2026-09-25", "2026-09-27"), // 中秋节
            ("2026-10-01", "2026-10-07"), // 国庆节
        ],
        workdays: &[
            "2026-01-04", // Sun, 元旦
            "2026-02-14", // Sat, 春节
            "2026-02-28", // Sat, 春节
            "2026-05-09", // Sat, 劳动节
            "2026-09-20", // Sun, 国庆节
            "2026-10-10", // Sat, 国庆节
        ],
    },
];

fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .unwrap_or_else(|e| panic!("workdays table: {s:?}: {e}"))
}

/// Every day off of [`ARRANGEMENTS`] with the crate's dates for China.
static PUBLIC: LazyLock<ContextHolidays> = LazyLock::new(|| {
    let crate_cn = Country::CN.holidays();
    let mut public: CompactCalendar = crate_cn.get_public().clone();
    for a in ARRANGEMENTS {
        for (first, last) in a.days_off {
            let (mut d, last) = (date(first), date(last));
            while d <= last {
                public.insert(d);
                d += Duration::days(1);
            }
        }
    }
    ContextHolidays::new(Arc::new(public), Arc::new(crate_cn.get_school().clone()))
});

/// Each make-up workday with the date it stands for, sorted.
static STAND_INS: LazyLock<Vec<(NaiveDate, NaiveDate)>> = LazyLock::new(|| {
    let workdays: Vec<NaiveDate> = ARRANGEMENTS
        .iter()
        .flat_map(|a| a.workdays.iter().map(|s| date(s)))
        .collect();
    let off = &PUBLIC.get_public();
    let mut out: Vec<(NaiveDate, NaiveDate)> = workdays
        .iter()
        .map(|&d| {
            let step = match d.weekday() {
                Weekday::Sat => -1,
                Weekday::Sun => 1,
                _ => panic!("workdays table: {d} is not a Saturday or a Sunday"),
            };
            let mut s = d + Duration::days(step);
            while off.contains(s) || workdays.contains(&s) {
                s += Duration::days(7 * step);
            }
            (d, s)
        })
        .collect();
    out.sort();
    out
});

/// The public holidays `PH` means: the crate's dates for China and every day off of
/// [`ARRANGEMENTS`] (school holidays as the crate has them).
pub fn public_holidays() -> ContextHolidays {
    PUBLIC.clone()
}

/// On a make-up workday, the date whose rules apply (see the module's doc); None on any
/// other day.
pub fn stands_for(d: NaiveDate) -> Option<NaiveDate> {
    STAND_INS
        .binary_search_by_key(&d, |&(w, _)| w)
        .ok()
        .map(|i| STAND_INS[i].1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_makeup_day_stands_for_a_working_weekday_next_to_it() {
        let want = [
            ("2025-01-26", "2025-01-27"),
            ("2025-02-08", "2025-02-07"),
            ("2025-04-27", "2025-04-28"),
            ("2025-09-28", "2025-09-29"),
            ("2025-10-11", "2025-10-10"),
            ("2026-01-04", "2026-01-05"),
            ("2026-02-14", "2026-02-13"),
            ("2026-02-28", "2026-02-27"),
            ("2026-05-09", "2026-05-08"),
            ("2026-09-20", "2026-09-21"),
            ("2026-10-10", "2026-10-09"),
        ];
        let got: Vec<(String, String)> = STAND_INS
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect();
        let want: Vec<(String, String)> = want
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect();
        assert_eq!(got, want);
        assert_eq!(stands_for(date("2026-02-15")), None);
    }

    #[test]
    fn the_days_off_of_the_notice_are_public_holidays() {
        let ph = public_holidays();
        for d in [
            "2026-02-23",
            "2026-05-04",
            "2026-05-05",
            "2026-10-06",
            "2026-10-07",
        ] {
            assert!(ph.get_public().contains(date(d)), "{d}");
            // Not in the crate's own calendar: the reason for the table.
            assert!(
                !Country::CN.holidays().get_public().contains(date(d)),
                "{d}"
            );
        }
        for d in ["2026-02-14", "2026-02-24", "2026-10-08"] {
            assert!(!ph.get_public().contains(date(d)), "{d}");
        }
        // 2026: 3 + 9 + 3 + 5 + 3 + 3 + 7 days off, and the crate's own dates among them.
        let days_2026 = ph.get_public().iter().filter(|d| d.year() == 2026).count();
        assert_eq!(days_2026, 33);
    }
}
