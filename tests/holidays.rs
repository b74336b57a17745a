//! Issue 15.3: China's make-up workdays (调休) are read as the weekday they stand for, and the
//! notices' days off are public holidays (`PH`). `open_at` and `describe` (open, next change,
//! line) for a set of rules at moments on make-up days, the days before and after, holidays
//! and 23:30, against `common::oracle_state` (the opening-hours crate on the stand-in date,
//! with the test's own copy of the notices), and a few answers written out by hand.

mod common;

use chrono::NaiveDateTime;
use nestmap::lang::Lang;
use nestmap::model::parse_hours;
use nestmap::query::hours::{describe, evaluations_on_this_thread, open_at};

fn at(s: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M").unwrap()
}

const RULES: &[&str] = &[
    "Mo-Fr 08:30-12:00,13:30-17:30; PH off",
    "Mo-Fr 08:30-17:30; Sa,Su off",
    "Mo-Sa 09:00-18:00",
    "Mo-Fr 08:00-20:00; Sa,Su 10:00-18:00; PH off",
    "Sa,Su 09:00-17:00",
    "24/7",
    "Mo-Su 09:00-21:30; PH off",
    "Mo-Su 07:00-21:00; PH 09:00-17:00",
];

const MOMENTS: &[&str] = &[
    // 2026-01-04 (Sun) worked, after the New Year's days off 01-01..03; 01-05 is a Monday.
    "2026-01-03T10:00",
    "2026-01-03T23:30",
    "2026-01-04T08:00",
    "2026-01-04T10:00",
    "2026-01-04T12:30",
    "2026-01-04T23:30",
    "2026-01-05T10:00",
    // 2026-02-14 (Sat) worked, then the Spring Festival's days off 02-15..23.
    "2026-02-13T10:00",
    "2026-02-13T20:00",
    "2026-02-13T23:30",
    "2026-02-14T08:00",
    "2026-02-14T10:00",
    "2026-02-14T12:30",
    "2026-02-14T17:00",
    "2026-02-14T19:00",
    "2026-02-14T23:30",
    "2026-02-15T10:00",
    "2026-02-23T10:00",
    "2026-02-24T10:00",
    // 2026-02-28 (Sat) worked, 03-01 an ordinary Sunday.
    "2026-02-27T23:30",
    "2026-02-28T10:00",
    "2026-03-01T10:00",
    // Labour Day 05-01..05 off, 05-09 (Sat) worked.
    "2026-05-04T10:00",
    "2026-05-08T20:00",
    "2026-05-09T10:00",
    "2026-05-10T10:00",
    // 2026-09-20 (Sun) worked; 10-01..07 off; 10-10 (Sat) worked.
    "2026-09-19T23:30",
    "2026-09-20T10:00",
    "2026-10-06T10:00",
    "2026-10-09T20:00",
    "2026-10-10T10:00",
    "2026-10-10T23:30",
    // 2025: 02-08 (Sat) and 04-27 (Sun) worked.
    "2025-02-08T10:00",
    "2025-04-27T10:00",
    // An ordinary week for contrast.
    "2026-11-21T10:00",
    "2026-11-22T23:30",
];

#[test]
fn issue15_makeup_workdays_open_and_change_as_the_weekday_they_stand_for() {
    let mut differs_from_the_plain_crate = 0;
    for rule in RULES {
        let ours = parse_hours(rule).unwrap();
        let oracle = common::oracle_hours_cn(rule);
        for m in MOMENTS {
            let t = at(m);
            let want = common::oracle_state(&oracle, t);
            assert_eq!(open_at(&ours, t), want, "{rule:?} at {m}");
            let d = describe(&ours, t, Lang::En);
            assert_eq!(d.open, want, "{rule:?} at {m}");
            let change = common::oracle_next_change(&oracle, t).map(|(c, _)| c);
            assert_eq!(d.next_change, change, "{rule:?} at {m}: next change");
            let plain = rule.parse::<opening_hours::OpeningHours>().unwrap();
            if plain.is_open(t) != (want == Some(true)) {
                differs_from_the_plain_crate += 1;
            }
        }
    }
    // The moments do reach the make-up days: the crate alone would answer otherwise.
    assert!(
        differs_from_the_plain_crate > 10,
        "{differs_from_the_plain_crate}"
    );
}

#[test]
fn issue15_makeup_workday_lines_written_out() {
    let office = parse_hours("Mo-Fr 08:30-17:30; Sa,Su off").unwrap();
    let lunch = parse_hours("Mo-Fr 08:30-12:00,13:30-17:30; PH off").unwrap();
    let weekend = parse_hours("Sa,Su 09:00-17:00").unwrap();
    let six = parse_hours("Mo-Sa 09:00-18:00").unwrap();
    let cases = [
        // A worked Saturday is a Friday: open, closing at 17:30.
        (&office, "2026-02-14T10:00", Lang::Zh, "营业中 · 17:30 关门"),
        (&office, "2026-02-14T10:00", Lang::En, "Open · closes 17:30"),
        // The evening before it: open tomorrow (a Saturday) at 08:30.
        (
            &office,
            "2026-02-13T20:00",
            Lang::Zh,
            "已关闭 · 明天 08:30 开门",
        ),
        (
            &office,
            "2026-02-13T20:00",
            Lang::En,
            "Closed · opens tomorrow 08:30",
        ),
        // Its lunch break, and after it the Spring Festival: closed past the 8-day horizon
        // (02-15..23 off, opens Tue 02-24 08:30).
        (&lunch, "2026-02-14T12:30", Lang::Zh, "已关闭 · 13:30 开门"),
        (&lunch, "2026-02-14T19:00", Lang::Zh, "已关闭"),
        // 2026-02-23 is a Monday off (the crate's calendar has only 02-17): closed.
        (
            &lunch,
            "2026-02-23T10:00",
            Lang::En,
            "Closed · opens tomorrow 08:30",
        ),
        // A worked Sunday is a Monday.
        (&office, "2026-01-04T10:00", Lang::En, "Open · closes 17:30"),
        (
            &office,
            "2026-01-03T23:30",
            Lang::En,
            "Closed · opens tomorrow 08:30",
        ),
        // Weekends only: closed on the worked Saturday, open on the Sunday after.
        (
            &weekend,
            "2026-02-28T10:00",
            Lang::En,
            "Closed · opens tomorrow 09:00",
        ),
        (
            &weekend,
            "2026-02-27T23:30",
            Lang::En,
            "Closed · opens Sun 09:00",
        ),
        // Mo-Sa on a worked Sunday (a Monday): open.
        (&six, "2026-09-20T10:00", Lang::Zh, "营业中 · 18:00 关门"),
        (
            &six,
            "2026-09-19T23:30",
            Lang::Zh,
            "已关闭 · 明天 09:00 开门",
        ),
    ];
    for (oh, t, lang, want) in cases {
        assert_eq!(
            describe(oh, at(t), lang).line.as_deref(),
            Some(want),
            "{t} ({lang:?})"
        );
    }
}

#[test]
fn describe_counts_as_one_evaluation() {
    let oh = parse_hours("Mo-Fr 08:30-17:30").unwrap();
    let before = evaluations_on_this_thread();
    describe(&oh, at("2026-02-14T10:00"), Lang::Zh);
    assert_eq!(evaluations_on_this_thread() - before, 1);
}
