//! Issue 15.3: hours in words, from the server. Every sample room's `hours_line` and
//! `next_change` in the nearest answer, at a weekday, the lunch break, a weekend, a public
//! holiday, 23:30, a make-up workday (调休) and the evening before one, in Chinese and
//! English, against the opening_hours crate itself (`common::oracle_state`: its `is_open`,
//! on the stand-in date on a make-up day, with the notices' days off as `PH`; stepped until
//! the state flips) worded here.

mod common;

use std::collections::HashMap;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use chrono::{Datelike, NaiveDateTime, Timelike};
use opening_hours::localization::Country;
use opening_hours::{Context, OpeningHours};
use serde_json::Value;

fn at(s: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M").unwrap()
}

fn sample() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data/geojson")
}

fn app_at(t: NaiveDateTime) -> axum::Router {
    let snap = nestmap::load::load_dir(&sample()).unwrap();
    nestmap::app(
        nestmap::AppState::new(snap, "web".into(), "node_modules/maplibre-gl/dist".into())
            .with_clock(nestmap::query::hours::Clock::from_fn(move || t)),
    )
}

async fn get(
    app: &axum::Router,
    uri: &str,
    lang_header: Option<&str>,
) -> (StatusCode, axum::http::HeaderMap, Value) {
    let mut b = Request::get(uri);
    if let Some(l) = lang_header {
        b = b.header("accept-language", l);
    }
    let r = common::app::send(app, b.body(Body::empty()).unwrap()).await;
    (r.status, r.headers, r.json)
}

/// The rooms' `opening_hours`, read from the file, parsed by the crate (the test's oracle).
fn rooms_hours() -> HashMap<String, OpeningHours> {
    let text = std::fs::read_to_string(sample().join("nursing_rooms.geojson")).unwrap();
    let v: Value = serde_json::from_str(&text).unwrap();
    let mut out = HashMap::new();
    for f in v["features"].as_array().unwrap() {
        if let Some(h) = f["properties"]["opening_hours"].as_str() {
            out.insert(
                f["id"].as_str().unwrap().to_string(),
                common::oracle_hours_cn(h),
            );
        }
    }
    out
}

fn state(oh: &OpeningHours, t: NaiveDateTime) -> Option<bool> {
    common::oracle_state(oh, t)
}

/// The next instant within 8 days at which the state differs from the state at `t`.
fn oracle_change(oh: &OpeningHours, t: NaiveDateTime) -> Option<(NaiveDateTime, Option<bool>)> {
    common::oracle_next_change(oh, t)
}

/// The line, worded here: the day named relative to `t`.
fn oracle_line(oh: &OpeningHours, t: NaiveDateTime, en: bool) -> Option<String> {
    let open = state(oh, t)?;
    let Some((c, then)) = oracle_change(oh, t) else {
        return Some(match (open, en) {
            (true, false) => "营业中 · 24 小时".into(),
            (true, true) => "Open · 24 hours".into(),
            (false, false) => "已关闭".into(),
            (false, true) => "Closed".into(),
        });
    };
    if !open && then != Some(true) {
        return Some(if en { "Closed" } else { "已关闭" }.into());
    }
    let gap = c.date().num_days_from_ce() - t.date().num_days_from_ce();
    let clock = format!("{:02}:{:02}", c.hour(), c.minute());
    let day = if open && gap == 1 && c.hour() == 0 && c.minute() == 0 {
        "24:00".to_string()
    } else if gap == 0 {
        clock
    } else if gap == 1 {
        if en {
            format!("tomorrow {clock}")
        } else {
            format!("明天 {clock}")
        }
    } else if gap < 7 {
        let i = c.weekday().num_days_from_sunday() as usize;
        if en {
            format!(
                "{} {clock}",
                ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"][i]
            )
        } else {
            format!(
                "{} {clock}",
                ["周日", "周一", "周二", "周三", "周四", "周五", "周六"][i]
            )
        }
    } else if en {
        let m = [
            "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
        ];
        format!("{} {} {clock}", c.day(), m[c.month0() as usize])
    } else {
        format!("{}月{}日 {clock}", c.month(), c.day())
    };
    Some(match (open, en) {
        (true, false) => format!("营业中 · {day} 关门"),
        (true, true) => format!("Open · closes {day}"),
        (false, false) => format!("已关闭 · {day} 开门"),
        (false, true) => format!("Closed · opens {day}"),
    })
}

const NEAR: &str = "/api/nearest?layer=nursing_rooms&lon=120.64&lat=31.42&k=100";

#[tokio::test]
async fn issue15_hours_lines_at_a_weekday_lunch_weekend_holiday_and_late_night() {
    let hours = rooms_hours();
    // 2026-11-23 is a Monday; 2026-10-01 (National Day) is a public holiday in the crate's
    // calendar for China; 2026-02-14, a Saturday, is a make-up workday (the Spring Festival's
    // days off follow from 02-15), 2026-02-13 the Friday before it.
    let moments = [
        "2026-11-23T10:00",
        "2026-11-23T12:30",
        "2026-11-28T10:00",
        "2026-10-01T10:00",
        "2026-11-24T23:30",
        "2026-02-14T10:00",
        "2026-02-13T20:00",
    ];
    let ph = "PH open"
        .parse::<OpeningHours>()
        .unwrap()
        .with_context(Context::default().with_holidays(Country::CN.holidays()));
    assert!(
        ph.is_open(at("2026-10-01T10:00")),
        "the holiday moment is not a holiday"
    );
    let mut seen = std::collections::HashSet::new();
    for m in moments {
        let t = at(m);
        let app = app_at(t);
        for (lang, en) in [("zh", false), ("en", true)] {
            let (s, h, v) = get(&app, &format!("{NEAR}&lang={lang}"), None).await;
            assert_eq!(s, StatusCode::OK, "{v}");
            assert_eq!(v["query"]["lang"], lang);
            assert_eq!(v["query"]["hours_at"], format!("{m}:00"));
            assert!(h
                .get_all("vary")
                .iter()
                .any(|x| x.to_str().unwrap().contains("accept-language")));
            let feats = v["features"].as_array().unwrap();
            assert_eq!(feats.len(), 58);
            for f in feats {
                let id = f["id"].as_str().unwrap();
                let p = &f["properties"];
                match hours.get(id) {
                    None => {
                        assert_eq!(p["hours_line"], Value::Null, "{id}");
                        assert_eq!(p["next_change"], Value::Null, "{id}");
                    }
                    Some(oh) => {
                        let want = oracle_line(oh, t, en);
                        assert_eq!(
                            p["hours_line"].as_str(),
                            want.as_deref(),
                            "{id} at {m} ({lang})"
                        );
                        let change = oracle_change(oh, t)
                            .map(|(c, _)| c.format("%Y-%m-%dT%H:%M:%S").to_string());
                        assert_eq!(p["next_change"].as_str(), change.as_deref(), "{id} at {m}");
                        if let Some(w) = want {
                            seen.insert(w);
                        }
                    }
                }
            }
        }
    }
    // The issue's own examples are among them.
    for line in [
        "营业中 · 21:30 关门",
        "Open · closes 21:30",
        "已关闭 · 明天 08:30 开门",
        "已关闭 · 周一 08:30 开门",
        "已关闭 · 13:30 开门",
        "营业中 · 24 小时",
    ] {
        assert!(seen.contains(line), "{line:?} never said; said: {seen:?}");
    }
}

#[tokio::test]
async fn the_language_follows_lang_then_accept_language_and_open_sets_the_instant() {
    let app = app_at(at("2026-11-23T10:00"));
    let line_of = |v: &Value| -> Vec<String> {
        v["features"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|f| f["properties"]["hours_line"].as_str().map(String::from))
            .collect()
    };
    // No lang= and no Accept-Language (curl, GDAL): the server's default, English, as for
    // every other word it writes (issue 15.3; the lines were Chinese by default before).
    let (_, _, v) = get(&app, NEAR, None).await;
    assert_eq!(v["query"]["lang"], "en");
    assert!(line_of(&v)
        .iter()
        .all(|l| l.starts_with("Open") || l.starts_with("Closed")));
    let (_, _, v) = get(&app, NEAR, Some("zh-CN,zh;q=0.9")).await;
    assert_eq!(v["query"]["lang"], "zh");
    assert!(line_of(&v)
        .iter()
        .all(|l| l.starts_with("营业中") || l.starts_with("已关闭")));
    let (_, _, v) = get(&app, NEAR, Some("en-GB,en;q=0.9,zh;q=0.5")).await;
    assert_eq!(v["query"]["lang"], "en");
    assert!(line_of(&v)
        .iter()
        .all(|l| l.starts_with("Open") || l.starts_with("Closed")));
    let (_, _, v) = get(&app, &format!("{NEAR}&lang=zh"), Some("en")).await;
    assert_eq!(v["query"]["lang"], "zh");
    // open= names the instant of the lines: every room that passes is open then.
    let (_, _, v) = get(&app, &format!("{NEAR}&open=2026-11-28T20:00&lang=en"), None).await;
    assert_eq!(v["query"]["hours_at"], "2026-11-28T20:00:00");
    assert!(
        line_of(&v).iter().all(|l| l.starts_with("Open")),
        "{:?}",
        line_of(&v)
    );
    // within too.
    let (s, _, v) = get(
        &app,
        "/api/within?layer=nursing_rooms&lon=120.64&lat=31.42&radius_m=50000&lang=en",
        None,
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["lang"], "en");
    assert!(!line_of(&v).is_empty());
    // A language we do not speak is refused, naming lang.
    let (s, _, v) = get(&app, &format!("{NEAR}&lang=fr"), None).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(v["error"]["code"], "invalid_parameter");
    assert!(
        v["error"]["message"].as_str().unwrap().contains("lang"),
        "{v}"
    );
}
