//! Issue 3: the nearest-facility query against a brute-force geodesic scan (sample data and
//! 100k seeded random facilities of each geometry type), filters applied before the limit,
//! GCJ-02 and EPSG:4549 input, `open` at a local time and `now`, property filters, each
//! result's extras (open_now, bearing, walking minutes, nav), opening hours across midnight /
//! weekends / public holidays, bad input. All of it straight-line (`mode=straight`: the
//! sample has a walking network, so walking is its default); walking is tested in
//! tests/walk.rs.

mod common;

use std::path::PathBuf;

use axum::http::StatusCode;
use chrono::NaiveDateTime;
use common::app::{app, get, load, sample_app, sample_dir};
use common::*;
use geo::Geometry;
use nestmap::crs::wgs84_to_gcj02;
use nestmap::model::parse_hours;
use nestmap::model::LayerKind;
use nestmap::query::hours::open_at;
use nestmap::query::nearest::{nearest, Filters};
use nestmap::snapshot::{Layer, Snapshot};
use serde_json::{json, Value};

fn t(s: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M").unwrap()
}

/// A snapshot of one generic layer holding `geoms`, with random amenities and hours.
fn random_snapshot(geoms: Vec<Geometry<f64>>, r: &mut Rng) -> Snapshot {
    const HOURS: [&str; 4] = [
        "24/7",
        "Mo-Fr 08:00-20:00; Sa,Su 10:00-18:00; PH off",
        "Mo-Su 20:00-02:00",
        "Mo-Fr 09:00-17:00",
    ];
    let features = geoms
        .into_iter()
        .enumerate()
        .map(|(i, g)| {
            let mut props = serde_json::Map::new();
            props.insert("name".into(), json!(format!("示例 {i}")));
            let amenities: Vec<&str> = ["changing_table", "step_free", "sink"]
                .into_iter()
                .filter(|_| r.f() < 0.5)
                .collect();
            props.insert("amenities".into(), json!(amenities));
            if r.f() < 0.8 {
                props.insert(
                    "opening_hours".into(),
                    json!(HOURS[(r.next_u64() % 4) as usize]),
                );
            }
            (feature(format!("f{i}"), Value::Object(props)), g)
        })
        .collect();
    let spec = layer_spec("rooms", LayerKind::NursingRooms, 1000.0);
    Snapshot::new(vec![Layer::new(spec, features)], Default::default())
}

/// Oracle: every feature's distance, filtered by a plain re-implementation of the filters
/// (the hours by [`oracle_hours`], not by the crate's `query::hours`).
fn oracle(snap: &Snapshot, p: [f64; 2], f: &Filters, k: usize, max_m: f64) -> Vec<(usize, f64)> {
    let l = &snap.layers[0];
    let geoms: Vec<Geometry<f64>> = (0..l.features.len())
        .map(|i| l.geometry(i).clone())
        .collect();
    oracle_scan_pruned(p, &geoms, k * 20 + 100)
        .into_iter()
        .filter(|&(_, d)| d <= max_m)
        .filter(|&(i, _)| {
            let props = &l.features[i].properties;
            let open_ok = f.open_at.is_none_or(|at| {
                oracle_hours(props.get("opening_hours").and_then(Value::as_str), at) == Some(true)
            });
            let has_ok = f.has.iter().all(|h| {
                props["amenities"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|a| a == h)
            });
            open_ok && has_ok
        })
        .take(k)
        .collect()
}

fn check_against_brute_force(
    make: fn(&mut Rng, [f64; 2], f64) -> Geometry<f64>,
    n: usize,
    seed: u64,
) {
    let mut r = Rng::new(seed);
    let centre = [120.62, 31.43];
    let geoms: Vec<Geometry<f64>> = (0..n).map(|_| make(&mut r, centre, 0.3)).collect();
    let snap = random_snapshot(geoms.clone(), &mut r);
    let now = t("2026-11-23T10:00");
    let filter_sets = [
        Filters::default(),
        Filters {
            has: vec!["changing_table".into(), "step_free".into()],
            ..Default::default()
        },
        Filters {
            open_at: Some(t("2026-11-22T23:30")),
            ..Default::default()
        },
        Filters {
            open_at: Some(t("2026-10-01T12:00")),
            has: vec!["sink".into()],
            ..Default::default()
        },
    ];
    for q in 0..8 {
        let p = [
            centre[0] + r.range(-0.3, 0.3),
            centre[1] + r.range(-0.3, 0.3),
        ];
        let f = &filter_sets[q % filter_sets.len()];
        let k = 1 + (r.next_u64() % 20) as usize;
        let max_m = if q % 3 == 0 { 400.0 } else { f64::INFINITY };
        let got: Vec<(usize, f64)> = nearest(&snap, &[0], p, k, max_m, f, now)
            .iter()
            .map(|h| (h.feature, h.distance_m))
            .collect();
        let want = oracle(&snap, p, f, k, max_m);
        assert_same_ranking(&got, &want, &geoms, p, 0.5);
    }
}

#[test]
fn nearest_100k_points_equals_brute_force_with_filters_before_the_limit() {
    check_against_brute_force(random_point, 100_000, 31);
}

#[test]
fn nearest_100k_lines_equals_brute_force_with_filters_before_the_limit() {
    check_against_brute_force(random_line, 100_000, 32);
}

#[test]
fn nearest_100k_polygons_equals_brute_force_with_filters_before_the_limit() {
    check_against_brute_force(random_polygon, 100_000, 33);
}

#[test]
fn opening_hours_across_midnight_weekends_and_public_holidays() {
    // (hours, local moment, expected): worked out by hand from the OSM opening_hours spec.
    // 2026-11-23 is a Monday, 2026-11-21 a Saturday, 2026-10-01 (National Day) a Thursday.
    let table: &[(&str, &str, Option<bool>)] = &[
        (
            "Mo-Fr 08:00-20:00; Sa,Su 10:00-18:00; PH off",
            "2026-11-23T08:00",
            Some(true),
        ),
        (
            "Mo-Fr 08:00-20:00; Sa,Su 10:00-18:00; PH off",
            "2026-11-23T07:59",
            Some(false),
        ),
        (
            "Mo-Fr 08:00-20:00; Sa,Su 10:00-18:00; PH off",
            "2026-11-23T20:00",
            Some(false),
        ),
        (
            "Mo-Fr 08:00-20:00; Sa,Su 10:00-18:00; PH off",
            "2026-11-21T09:00",
            Some(false),
        ),
        (
            "Mo-Fr 08:00-20:00; Sa,Su 10:00-18:00; PH off",
            "2026-11-21T17:59",
            Some(true),
        ),
        (
            "Mo-Fr 08:00-20:00; Sa,Su 10:00-18:00; PH off",
            "2026-10-01T12:00",
            Some(false),
        ),
        (
            "Mo-Fr 08:00-20:00; Sa,Su 10:00-18:00; PH off",
            "2026-10-09T12:00",
            Some(true),
        ),
        (
            "Mo-Fr 08:00-20:00; PH 10:00-16:00",
            "2026-10-01T12:00",
            Some(true),
        ),
        (
            "Mo-Fr 08:00-20:00; PH 10:00-16:00",
            "2026-10-01T09:00",
            Some(false),
        ),
        ("Mo-Su 20:00-02:00", "2026-11-24T01:30", Some(true)),
        ("Mo-Su 20:00-02:00", "2026-11-24T02:30", Some(false)),
        ("Mo-Su 20:00-02:00", "2026-11-23T23:59", Some(true)),
        ("Fr 22:00-03:00", "2026-11-28T02:00", Some(true)),
        ("Fr 22:00-03:00", "2026-11-27T02:00", Some(false)),
        ("24/7", "2026-01-01T03:00", Some(true)),
        (
            "Mo-Fr 08:30-12:00,13:30-17:30",
            "2026-11-23T12:30",
            Some(false),
        ),
        (
            "Mo-Fr 08:30-12:00,13:30-17:30",
            "2026-11-23T13:30",
            Some(true),
        ),
        ("Mo-Fr 09:00-17:00 unknown", "2026-11-23T10:00", None),
        (
            "Mo-Fr 09:00-17:00; Jan 01 off",
            "2026-01-01T10:00",
            Some(false),
        ),
    ];
    for (hours, at, want) in table {
        let oh = parse_hours(hours).unwrap();
        assert_eq!(open_at(&oh, t(at)), *want, "{hours:?} at {at}");
    }
}

// ---- over HTTP, on the sample data ----

fn ids_and_distances(v: &Value) -> Vec<(String, f64)> {
    v["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["id"].as_str().unwrap().to_string(),
                f["properties"]["distance_m"].as_f64().unwrap(),
            )
        })
        .collect()
}

#[tokio::test]
async fn sample_data_nearest_equals_brute_force_and_carries_the_extras() {
    let app = sample_app();
    let dir = sample_dir();
    let snap = load(&dir);
    let mut r = Rng::new(8);
    for layer in [
        "nursing_rooms",
        "pocket_parks",
        "child_friendly_communities",
        "service_stations",
    ] {
        let l = snap.layer(layer).unwrap();
        let geoms: Vec<Geometry<f64>> = (0..l.features.len())
            .map(|i| l.geometry(i).clone())
            .collect();
        for _ in 0..5 {
            let p = [r.range(120.4, 120.8), r.range(31.36, 31.53)];
            let k = 1 + (r.next_u64() % 10) as usize;
            let (s, v) = get(
                &app,
                &format!(
                    "/api/nearest?mode=straight&layer={layer}&lon={}&lat={}&k={k}",
                    p[0], p[1]
                ),
            )
            .await;
            assert_eq!(s, StatusCode::OK, "{v}");
            let got = ids_and_distances(&v);
            let want: Vec<(usize, f64)> = oracle_scan(p, &geoms)
                .into_iter()
                .take(k.min(geoms.len()))
                .collect();
            assert_eq!(got.len(), want.len());
            for ((gid, gd), (wi, wd)) in got.iter().zip(&want) {
                assert!(
                    (gd - wd).abs() <= 0.5,
                    "{layer}: {gid} {gd} vs {} {wd}",
                    l.features[*wi].id
                );
            }
            for f in v["features"].as_array().unwrap() {
                let pr = &f["properties"];
                let d = pr["distance_m"].as_f64().unwrap();
                assert!((pr["walk_min"].as_f64().unwrap() - d / (4000.0 / 60.0)).abs() <= 0.06);
                assert!(pr["nav"]["amap"]
                    .as_str()
                    .unwrap()
                    .starts_with("https://uri.amap.com/navigation?to="));
                let g = pr["nav"]["gcj02"].as_array().unwrap();
                let w = pr["nav"]["wgs84"].as_array().unwrap();
                let expect = wgs84_to_gcj02(w[0].as_f64().unwrap(), w[1].as_f64().unwrap());
                assert!(
                    (g[0].as_f64().unwrap() - expect.0).abs() < 1e-6
                        && (g[1].as_f64().unwrap() - expect.1).abs() < 1e-6
                );
                assert!(pr.get("open_now").is_some());
                if d > 0.0 {
                    let b = pr["bearing_deg"].as_f64().unwrap();
                    assert!((0.0..360.0).contains(&b));
                }
            }
        }
    }
}

#[tokio::test]
async fn gcj02_and_bd09_input_land_on_the_same_answer_as_wgs84() {
    let app = sample_app();
    let mut r = Rng::new(12);
    for _ in 0..10 {
        let p = [r.range(120.45, 120.8), r.range(31.36, 31.53)];
        let (_, w) = get(
            &app,
            &format!(
                "/api/nearest?mode=straight&layer=nursing_rooms&lon={}&lat={}&k=5",
                p[0], p[1]
            ),
        )
        .await;
        let g = wgs84_to_gcj02(p[0], p[1]);
        let (_, v) = get(
            &app,
            &format!(
                "/api/nearest?mode=straight&layer=nursing_rooms&lon={}&lat={}&k=5&crs=gcj02",
                g.0, g.1
            ),
        )
        .await;
        let (a, b) = (ids_and_distances(&w), ids_and_distances(&v));
        assert_eq!(a.len(), b.len());
        for (x, y) in a.iter().zip(&b) {
            assert_eq!(x.0, y.0);
            assert!((x.1 - y.1).abs() <= 0.2, "{x:?} {y:?}");
        }
        let bd = nestmap::crs::gcj02_to_bd09(g.0, g.1);
        let (_, v) = get(
            &app,
            &format!(
                "/api/nearest?mode=straight&layer=nursing_rooms&lon={}&lat={}&k=5&crs=bd09",
                bd.0, bd.1
            ),
        )
        .await;
        assert_eq!(
            ids_and_distances(&v)
                .iter()
                .map(|x| &x.0)
                .collect::<Vec<_>>(),
            a.iter().map(|x| &x.0).collect::<Vec<_>>()
        );
    }
}

#[tokio::test]
async fn filters_on_the_sample_data_apply_before_the_limit() {
    let app = sample_app();
    let (_, all) = get(
        &app,
        "/api/nearest?mode=straight&layer=nursing_rooms&lon=120.64&lat=31.42&k=100",
    )
    .await;
    let want: Vec<String> = all["features"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| {
            f["properties"]["amenities"]
                .as_array()
                .unwrap()
                .iter()
                .any(|a| a == "changing_table")
        })
        .filter(|f| {
            f["properties"]["amenities"]
                .as_array()
                .unwrap()
                .iter()
                .any(|a| a == "step_free")
        })
        .take(5)
        .map(|f| f["id"].as_str().unwrap().to_string())
        .collect();
    let (_, v) = get(
        &app,
        "/api/nearest?mode=straight&layer=nursing_rooms&lon=120.64&lat=31.42&k=5&has=changing_table,step_free",
    )
    .await;
    let got: Vec<String> = ids_and_distances(&v).into_iter().map(|x| x.0).collect();
    assert_eq!(got, want);
    assert_eq!(v["filters"]["has"], json!(["changing_table", "step_free"]));
    // Several layers at once, merged by distance.
    let (_, v) = get(
        &app,
        "/api/nearest?mode=straight&layer=nursing_rooms,service_stations&lon=120.64&lat=31.42&k=10",
    )
    .await;
    let d: Vec<f64> = ids_and_distances(&v).into_iter().map(|x| x.1).collect();
    assert_eq!(d.len(), 10);
    assert!(d.windows(2).all(|w| w[0] <= w[1]));
    // Nothing in range: an empty collection with a note.
    let (s, v) = get(
        &app,
        "/api/nearest?mode=straight&layer=nursing_rooms&lon=120.0&lat=31.0&max_m=10",
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["features"], json!([]));
    assert!(v["note"].as_str().unwrap().contains("10 m"));
}

#[tokio::test]
async fn within_radius_and_bbox_page_with_a_total() {
    let app = sample_app();
    let (_, all) = get(
        &app,
        "/api/nearest?mode=straight&layer=nursing_rooms&lon=120.64&lat=31.42&k=100&max_m=5000",
    )
    .await;
    let want = ids_and_distances(&all);
    let (s, v) = get(
        &app,
        "/api/within?layer=nursing_rooms&lon=120.64&lat=31.42&radius_m=5000&limit=3&offset=2",
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["numberMatched"].as_u64().unwrap() as usize, want.len());
    let got = ids_and_distances(&v);
    assert_eq!(
        got.iter().map(|x| &x.0).collect::<Vec<_>>(),
        want.iter()
            .skip(2)
            .take(3)
            .map(|x| &x.0)
            .collect::<Vec<_>>()
    );
    let (s, v) = get(
        &app,
        "/api/within?layer=nursing_rooms&bbox=120.3,31.3,120.9,31.6&limit=1000",
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["numberMatched"], 58);
}

#[tokio::test]
async fn bad_input_is_a_400_naming_the_parameter() {
    let app = sample_app();
    let base = "/api/nearest?mode=straight&layer=nursing_rooms";
    let cases = [
        (
            "/api/nearest?mode=straight&lon=120.6&lat=31.4".to_string(),
            "layer",
        ),
        (format!("{base}&lat=31.4"), "lon"),
        (format!("{base}&lon=120.6"), "lat"),
        (format!("{base}&lon=NaN&lat=31.4"), "lon"),
        (format!("{base}&lon=inf&lat=31.4"), "lon"),
        (format!("{base}&lon=120.6&lat=91"), "lat"),
        (format!("{base}&lon=181&lat=31.4"), "lon"),
        (format!("{base}&lon=abc&lat=31.4"), "lon"),
        (
            "/api/nearest?mode=straight&layer=castles&lon=120.6&lat=31.4".to_string(),
            "layer",
        ),
        (format!("{base}&lon=120.6&lat=31.4&k=0"), "k"),
        (format!("{base}&lon=120.6&lat=31.4&k=101"), "k"),
        (format!("{base}&lon=120.6&lat=31.4&max_m=50001"), "max_m"),
        (format!("{base}&lon=120.6&lat=31.4&max_m=-1"), "max_m"),
        (
            format!("{base}&lon=120.6&lat=31.4&open=tomorrowish"),
            "open",
        ),
        (format!("{base}&lon=120.6&lat=31.4&crs=mars"), "crs"),
        (format!("{base}&lon=120.6&lat=31.4&crs=EPSG:999999"), "crs"),
        (format!("{base}&lon=120.6&lat=31.4&has=jacuzzi"), "has"),
        (format!("{base}&lon=120.6&lat=31.4&colour=red"), "colour"),
        (
            "/api/within?layer=nursing_rooms&lon=120.6&lat=31.4".to_string(),
            "radius_m",
        ),
        (
            "/api/within?layer=nursing_rooms&lon=120.6&lat=31.4&radius_m=60000".to_string(),
            "radius_m",
        ),
        (
            "/api/within?layer=nursing_rooms&bbox=120.6,31.4,120.7".to_string(),
            "bbox",
        ),
        (
            "/api/within?layer=nursing_rooms&bbox=120.6,31.4,120.7,31.5&lon=1".to_string(),
            "lon",
        ),
    ];
    for (uri, param) in cases {
        let (s, v) = get(&app, &uri).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{uri}: {v}");
        assert_eq!(v["error"]["code"], "invalid_parameter", "{uri}");
        let msg = v["error"]["message"].as_str().unwrap();
        assert!(
            msg.starts_with(&format!("parameter \"{param}\"")),
            "{uri}: {msg}"
        );
    }
}

// ---- the audit's gaps (issue 3): ids in order on every facility layer, `open` at a local
// time, EPSG input, property filters before the limit, and each result's extras, all against
// computations made here (brute-force geodesics, the opening-hours crate called directly on
// the file's text, PROJ, geo's bearings) ----

fn app_on(dir: &std::path::Path) -> axum::Router {
    app(load(dir))
}

/// The local time in Suzhou now, worked out here (UTC+8, no daylight saving), not by nestmap.
fn shanghai_now() -> NaiveDateTime {
    (chrono::Utc::now() + chrono::TimeDelta::hours(8)).naive_utc()
}

fn same_minute(a: NaiveDateTime, b: NaiveDateTime) -> bool {
    a.format("%Y-%m-%dT%H:%M").to_string() == b.format("%Y-%m-%dT%H:%M").to_string()
}

/// Independent opening-hours evaluation of an `opening_hours` text: parsed by the
/// opening-hours crate itself with China's holidays, its `state` at local time `t` read
/// directly, nothing of nestmap's `query::hours` in between. `None` when the hours are
/// missing or say unknown. (The library itself is pinned to hand-worked answers by
/// `opening_hours_across_midnight_weekends_and_public_holidays`.)
fn oracle_hours(text: Option<&str>, t: NaiveDateTime) -> Option<bool> {
    use opening_hours::localization::Country;
    use opening_hours::{Context, OpeningHours, RuleKind};
    let text = text?;
    let oh = text
        .parse::<OpeningHours>()
        .unwrap_or_else(|e| panic!("{text:?}: {e}"))
        .with_context(Context::default().with_holidays(Country::CN.holidays()));
    match oh.state(t).0 {
        RuleKind::Open => Some(true),
        RuleKind::Closed => Some(false),
        RuleKind::Unknown => None,
    }
}

/// [`oracle_hours`] of a feature's properties as written in its file.
fn oracle_open(props: &Value, t: NaiveDateTime) -> Option<bool> {
    oracle_hours(props.get("opening_hours").and_then(Value::as_str), t)
}

/// Independent property equality: text, `true`/`false`, numbers, or any item of an array.
fn prop_equals(v: &Value, wanted: &str) -> bool {
    match v {
        Value::Array(items) => items.iter().any(|x| prop_equals(x, wanted)),
        Value::String(s) => s == wanted,
        Value::Bool(b) => b.to_string() == wanted,
        Value::Number(n) => wanted.parse::<f64>().ok() == n.as_f64(),
        _ => false,
    }
}

/// Smallest difference between two bearings in degrees.
fn angle_diff(a: f64, b: f64) -> f64 {
    let d = (a - b).rem_euclid(360.0);
    d.min(360.0 - d)
}

fn encode(pairs: &[(&str, &str)]) -> String {
    serde_urlencoded::to_string(pairs).unwrap()
}

/// Layers of a snapshot flattened for the brute-force scan: `(layer, id)`, the loaded WGS84
/// geometry, and the properties as written in the layer's GeoJSON file (read here, not
/// through the loader).
struct Flat {
    keys: Vec<(String, String)>,
    geoms: Vec<Geometry<f64>>,
    props: Vec<Value>,
}

fn flatten(snap: &Snapshot, dir: &std::path::Path, layers: &[&str]) -> Flat {
    let mut flat = Flat {
        keys: Vec::new(),
        geoms: Vec::new(),
        props: Vec::new(),
    };
    for id in layers {
        let l = snap.layer(id).unwrap();
        let text = std::fs::read_to_string(dir.join(&l.spec.file)).unwrap();
        let file: Value = serde_json::from_str(&text).unwrap();
        let raw: std::collections::HashMap<String, Value> = file["features"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                (
                    f["id"].as_str().unwrap().to_string(),
                    f["properties"].clone(),
                )
            })
            .collect();
        assert_eq!(raw.len(), l.features.len(), "{id}: every feature loaded");
        for i in 0..l.features.len() {
            let fid = l.features[i].id.clone();
            flat.props.push(raw[&fid].clone());
            flat.keys.push((id.to_string(), fid));
            flat.geoms.push(l.geometry(i).clone());
        }
    }
    flat
}

impl Flat {
    /// The answer's features as `(flat index, distance_m)`, each found once.
    fn hits(&self, v: &Value) -> Vec<(usize, f64)> {
        let out: Vec<(usize, f64)> = v["features"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                let key = (
                    f["properties"]["layer"].as_str().unwrap().to_string(),
                    f["id"].as_str().unwrap().to_string(),
                );
                let i = self
                    .keys
                    .iter()
                    .position(|k| *k == key)
                    .unwrap_or_else(|| panic!("{key:?} is not in the data"));
                (i, f["properties"]["distance_m"].as_f64().unwrap())
            })
            .collect();
        let mut seen: Vec<usize> = out.iter().map(|x| x.0).collect();
        seen.sort_unstable();
        seen.dedup();
        assert_eq!(seen.len(), out.len(), "a feature came back twice: {out:?}");
        out
    }

    /// Brute force: every feature passing `keep` within `max_m`, nearest first, at most `k`.
    fn brute(
        &self,
        p: [f64; 2],
        k: usize,
        max_m: f64,
        keep: &dyn Fn(&Value) -> bool,
    ) -> Vec<(usize, f64)> {
        oracle_scan(p, &self.geoms)
            .into_iter()
            .filter(|&(i, d)| d <= max_m && keep(&self.props[i]))
            .take(k)
            .collect()
    }
}

/// `uri` over HTTP must be the brute force filtered by `keep`: the same ids in the same order
/// (ties aside), distances within 0.5 m, and every result passing `keep`. Returns the answer
/// and the brute force.
async fn assert_http_is_brute_force(
    app: &axum::Router,
    uri: &str,
    flat: &Flat,
    p: [f64; 2],
    k: usize,
    max_m: f64,
    keep: &dyn Fn(&Value) -> bool,
) -> (Value, Vec<(usize, f64)>) {
    let (s, v) = get(app, uri).await;
    assert_eq!(s, StatusCode::OK, "{uri}: {v}");
    let got = flat.hits(&v);
    let want = flat.brute(p, k, max_m, keep);
    for &(i, _) in &got {
        assert!(
            keep(&flat.props[i]),
            "{uri}: {:?} fails the filter",
            flat.keys[i]
        );
    }
    let ids = |x: &[(usize, f64)]| -> Vec<String> {
        x.iter().map(|(i, _)| flat.keys[*i].1.clone()).collect()
    };
    assert_eq!(
        got.len(),
        want.len(),
        "{uri}: got {:?}, brute force {:?}",
        ids(&got),
        ids(&want)
    );
    assert_same_ranking(&got, &want, &flat.geoms, p, 0.5);
    (v, want)
}

/// Query points over the district, plus points on, beside and inside the layers' features.
fn query_points(flat: &Flat, r: &mut Rng, random: usize) -> Vec<[f64; 2]> {
    use geo::{CoordsIter, InteriorPoint};
    let mut pts: Vec<[f64; 2]> = (0..random)
        .map(|_| [r.range(120.4, 120.8), r.range(31.36, 31.53)])
        .collect();
    for _ in 0..3 {
        let g = &flat.geoms[(r.next_u64() % flat.geoms.len() as u64) as usize];
        let c = g.coords_iter().next().unwrap();
        pts.push([c.x, c.y]);
        pts.push([c.x + r.range(-0.002, 0.002), c.y + r.range(-0.002, 0.002)]);
        if matches!(g, Geometry::Polygon(_) | Geometry::MultiPolygon(_)) {
            let ip = g.interior_point().unwrap();
            pts.push([ip.x(), ip.y()]);
        }
    }
    pts
}

#[tokio::test]
async fn sample_data_nearest_gives_the_brute_force_ids_in_order_on_every_facility_layer() {
    let dir = sample_dir();
    let app = app_on(&dir);
    let snap = load(&dir);
    let mut r = Rng::new(303);
    let ks = [1, 2, 3, 5, 10, 100];
    let mut compared = 0;
    for layers in [
        &["nursing_rooms"][..],
        &["pocket_parks"],
        &["service_stations"],
        &["child_friendly_communities"],
        &["nursing_rooms", "service_stations"],
        &[
            "pocket_parks",
            "child_friendly_communities",
            "nursing_rooms",
        ],
    ] {
        let flat = flatten(&snap, &dir, layers);
        for (n, p) in query_points(&flat, &mut r, 6).into_iter().enumerate() {
            let k = ks[n % ks.len()];
            let uri = format!(
                "/api/nearest?mode=straight&layer={}&lon={}&lat={}&k={k}",
                layers.join(","),
                p[0],
                p[1]
            );
            let (_, want) =
                assert_http_is_brute_force(&app, &uri, &flat, p, k, f64::INFINITY, &|_| true).await;
            compared += want.len();
        }
    }
    assert!(compared > 300, "only {compared} ranks compared");
}

#[tokio::test]
async fn open_at_a_local_time_over_http_equals_the_brute_force_filtered_by_the_hours() {
    let dir = sample_dir();
    let app = app_on(&dir);
    let snap = load(&dir);
    let mut r = Rng::new(304);
    // 2026-11-23 is a Monday, 2026-11-21 a Saturday, 2026-10-01 National Day (a holiday).
    let moments = [
        "2026-11-23T09:00", // weekday morning
        "2026-11-24T12:45", // weekday lunch break (offices closed)
        "2026-11-21T09:30", // Saturday morning
        "2026-11-22T19:00", // Sunday evening
        "2026-11-24T23:30", // late night
        "2026-11-25T03:00", // small hours
        "2026-10-01T10:00", // public holiday
    ];
    let mut excluded = 0;
    let mut returned = 0;
    for layers in [
        &["nursing_rooms"][..],
        &["service_stations"],
        &["pocket_parks"],
        &["nursing_rooms", "service_stations", "pocket_parks"],
    ] {
        let flat = flatten(&snap, &dir, layers);
        for at in moments {
            let t = t(at);
            for _ in 0..3 {
                let p = [r.range(120.4, 120.8), r.range(31.36, 31.53)];
                let k = [1, 5, 10, 100][(r.next_u64() % 4) as usize];
                let uri = format!(
                    "/api/nearest?mode=straight&layer={}&lon={}&lat={}&k={k}&open={at}",
                    layers.join(","),
                    p[0],
                    p[1]
                );
                let keep = |pr: &Value| oracle_open(pr, t) == Some(true);
                let (v, want) =
                    assert_http_is_brute_force(&app, &uri, &flat, p, k, f64::INFINITY, &keep).await;
                assert_eq!(v["filters"]["open"], json!(format!("{at}:00")), "{uri}");
                returned += want.len();
                let unfiltered = flat.brute(p, k, f64::INFINITY, &|_| true);
                if unfiltered.iter().map(|x| x.0).ne(want.iter().map(|x| x.0)) {
                    excluded += 1;
                }
            }
        }
    }
    // Not vacuous: the hours both kept and removed features.
    assert!(excluded >= 20 && returned >= 100, "{excluded} {returned}");

    // A moment with an offset is converted to Suzhou time: 15:30 UTC is 23:30 there.
    let flat = flatten(&snap, &dir, &["nursing_rooms"]);
    let p = [120.64, 31.42];
    let t_local = t("2026-11-24T23:30");
    let keep = |pr: &Value| oracle_open(pr, t_local) == Some(true);
    let uri = format!(
        "/api/nearest?mode=straight&layer=nursing_rooms&lon={}&lat={}&k=20&{}",
        p[0],
        p[1],
        encode(&[("open", "2026-11-24T15:30:00Z")])
    );
    assert_http_is_brute_force(&app, &uri, &flat, p, 20, f64::INFINITY, &keep).await;

    // `open=now`: compared only when the request started and ended within one minute, so
    // the hours cannot have changed in between (they change on whole minutes).
    let mut checked = false;
    for _ in 0..5 {
        let t0 = shanghai_now();
        let uri = format!(
            "/api/nearest?mode=straight&layer=nursing_rooms,service_stations&lon={}&lat={}&k=30&open=now",
            p[0], p[1]
        );
        let (s, v) = get(&app, &uri).await;
        let t1 = shanghai_now();
        assert_eq!(s, StatusCode::OK, "{v}");
        if !same_minute(t0, t1) {
            continue;
        }
        let flat = flatten(&snap, &dir, &["nursing_rooms", "service_stations"]);
        let want = flat.brute(p, 30, f64::INFINITY, &|pr| {
            oracle_open(pr, t0) == Some(true)
        });
        assert_same_ranking(&flat.hits(&v), &want, &flat.geoms, p, 0.5);
        let echoed = NaiveDateTime::parse_from_str(
            v["filters"]["open"].as_str().unwrap(),
            "%Y-%m-%dT%H:%M:%S",
        )
        .unwrap();
        assert!(
            same_minute(echoed, t0),
            "open=now evaluated at {echoed}, asked between {t0} and {t1}"
        );
        checked = true;
        break;
    }
    assert!(checked, "every open=now request straddled a minute");
}

#[tokio::test]
async fn epsg_4549_input_lands_on_the_wgs84_answer() {
    let dir = sample_dir();
    let app = app_on(&dir);
    let snap = load(&dir);
    let to_4549 = proj::Proj::new_known_crs("EPSG:4326", "EPSG:4549", None).unwrap();
    // The transform built here agrees with the checked figure of tests/crs.rs (PostGIS,
    // pyproj and PROJ agree to the micrometre): easting first.
    let (e, n): (f64, f64) = to_4549.convert((120.62, 31.43)).unwrap();
    assert!((e - 558945.807446).abs() < 1e-4 && (n - 3478816.097067).abs() < 1e-4);
    let all = [
        "nursing_rooms",
        "pocket_parks",
        "service_stations",
        "child_friendly_communities",
    ];
    let mut r = Rng::new(305);
    for i in 0..12 {
        let p = [r.range(120.4, 120.8), r.range(31.36, 31.53)];
        let (e, n): (f64, f64) = to_4549.convert((p[0], p[1])).unwrap();
        let layers = if i < all.len() {
            vec![all[i]]
        } else {
            all.to_vec()
        };
        let flat = flatten(&snap, &dir, &layers);
        let crs = if i % 2 == 0 { "EPSG:4549" } else { "4549" };
        let uri = format!(
            "/api/nearest?mode=straight&layer={}&lon={e}&lat={n}&crs={crs}&k=7",
            layers.join(",")
        );
        let (v, _) =
            assert_http_is_brute_force(&app, &uri, &flat, p, 7, f64::INFINITY, &|_| true).await;
        let (_, w) = get(
            &app,
            &format!(
                "/api/nearest?mode=straight&layer={}&lon={}&lat={}&k=7",
                layers.join(","),
                p[0],
                p[1]
            ),
        )
        .await;
        let (a, b) = (ids_and_distances(&v), ids_and_distances(&w));
        assert_eq!(a.len(), b.len());
        for (x, y) in a.iter().zip(&b) {
            assert_eq!(x.0, y.0, "{uri}");
            assert!((x.1 - y.1).abs() <= 0.2, "{uri}: {x:?} vs {y:?}");
        }
        let q = [
            v["query"]["lon"].as_f64().unwrap(),
            v["query"]["lat"].as_f64().unwrap(),
        ];
        assert!(
            geodesic(q, p) < 1.0,
            "{uri}: query echoed at {q:?}, was {p:?}"
        );
        assert_eq!(v["query"]["crs"], "EPSG:4549");
    }
}

#[tokio::test]
async fn property_filters_on_nearest_apply_before_the_limit() {
    let dir = sample_dir();
    let app = app_on(&dir);
    let snap = load(&dir);
    let mut r = Rng::new(306);
    // (layers, filters, k, max_m)
    type Case<'a> = (&'a [&'a str], &'a [(&'a str, &'a str)], usize, Option<f64>);
    let cases: &[Case] = &[
        (&["nursing_rooms"], &[("venue_type", "mall")], 5, None),
        (&["nursing_rooms"], &[("venue_type", "hospital")], 10, None),
        (
            &["nursing_rooms"],
            &[("venue_type", "transport_hub")],
            10,
            None,
        ),
        (&["nursing_rooms"], &[("township", "元和街道")], 5, None),
        (&["nursing_rooms"], &[("amenities", "step_free")], 8, None),
        (
            &["nursing_rooms"],
            &[("venue_type", "mall"), ("amenities", "changing_table")],
            4,
            Some(6000.0),
        ),
        (&["service_stations"], &[("township", "太平街道")], 3, None),
        (
            &["child_friendly_communities"],
            &[("level", "municipal_demonstration")],
            5,
            None,
        ),
        (&["pocket_parks"], &[("child_friendly", "false")], 2, None),
        (
            &["nursing_rooms", "service_stations"],
            &[("township", "黄埭镇")],
            10,
            None,
        ),
    ];
    let mut limit_mattered = 0;
    for (layers, filters, k, max_m) in cases {
        let flat = flatten(&snap, &dir, layers);
        let keep = |pr: &Value| {
            filters
                .iter()
                .all(|(name, want)| pr.get(*name).is_some_and(|v| prop_equals(v, want)))
        };
        let matching = flat.props.iter().filter(|pr| keep(pr)).count();
        assert!(matching > 0 && matching < flat.props.len(), "{filters:?}");
        for _ in 0..4 {
            let p = [r.range(120.4, 120.8), r.range(31.36, 31.53)];
            let mut uri = format!(
                "/api/nearest?mode=straight&layer={}&lon={}&lat={}&k={k}&{}",
                layers.join(","),
                p[0],
                p[1],
                encode(filters)
            );
            if let Some(m) = max_m {
                uri.push_str(&format!("&max_m={m}"));
            }
            let cap = max_m.unwrap_or(f64::INFINITY);
            let (v, want) = assert_http_is_brute_force(&app, &uri, &flat, p, *k, cap, &keep).await;
            if max_m.is_none() {
                assert_eq!(want.len(), (*k).min(matching), "{uri}");
            }
            for (name, value) in filters.iter() {
                assert_eq!(v["filters"][*name], json!(value), "{uri}");
            }
            // Filtering after the limit would have returned fewer.
            let first_k = flat.brute(p, *k, cap, &|_| true);
            if first_k
                .iter()
                .filter(|(i, _)| keep(&flat.props[*i]))
                .count()
                < want.len()
            {
                limit_mattered += 1;
            }
        }
    }
    assert!(limit_mattered >= 10, "only {limit_mattered} cases");
}

/// The point of `g` nearest to `p` on the ground (itself inside a polygon): the nearest of
/// every segment's nearest point ([`oracle_nearest_t`]), independent of the code's method.
fn oracle_nearest_point(p: [f64; 2], g: &Geometry<f64>) -> [f64; 2] {
    use geo::{Contains, CoordsIter, Point};
    match g {
        Geometry::Point(q) => return [q.x(), q.y()],
        Geometry::Polygon(_) | Geometry::MultiPolygon(_) if g.contains(&Point::new(p[0], p[1])) => {
            return p
        }
        _ => {}
    }
    let rings: Vec<Vec<[f64; 2]>> = match g {
        Geometry::Polygon(poly) => std::iter::once(poly.exterior())
            .chain(poly.interiors())
            .map(|r| r.coords_iter().map(|c| [c.x, c.y]).collect())
            .collect(),
        Geometry::MultiPolygon(m) => m
            .iter()
            .flat_map(|poly| std::iter::once(poly.exterior()).chain(poly.interiors()))
            .map(|r| r.coords_iter().map(|c| [c.x, c.y]).collect())
            .collect(),
        Geometry::LineString(ls) => vec![ls.coords_iter().map(|c| [c.x, c.y]).collect()],
        other => panic!("oracle_nearest_point does not handle {other:?}"),
    };
    let mut best = (f64::INFINITY, p);
    for ring in &rings {
        for w in ring.windows(2) {
            let q = seg_at(w[0], w[1], oracle_nearest_t(p, w[0], w[1]));
            let d = geodesic(p, q);
            if d < best.0 {
                best = (d, q);
            }
        }
    }
    best.1
}

fn pair(v: &Value) -> [f64; 2] {
    [v[0].as_f64().unwrap(), v[1].as_f64().unwrap()]
}

/// Check one answer feature's extras against computations made here: `distance_m` against
/// the geodesic to the nearest point, `bearing_deg` against geo's geodesic and haversine
/// initial bearings to it, `walk_min` against 4 km/h, `nav` against the shared GCJ-02
/// conversion of that point and the AMap link built from it.
fn check_extras(f: &Value, p: [f64; 2], g: &Geometry<f64>, name: &str) {
    use geo::{Bearing, Geodesic, Haversine, Point};
    let pr = &f["properties"];
    let id = &f["id"];
    let d = pr["distance_m"].as_f64().unwrap();
    let q = oracle_nearest_point(p, g);
    let want_d = geodesic(p, q);
    assert!((d - want_d).abs() <= 0.1, "{id}: distance {d} vs {want_d}");
    // walk_min at 4 km/h (66.7 m a minute, as documented), to 0.1 min.
    let walk = pr["walk_min"].as_f64().unwrap();
    assert!(
        (walk - want_d / (4000.0 / 60.0)).abs() <= 0.051,
        "{id}: walk_min {walk} for {want_d} m"
    );
    // The navigation target: the nearest point, in WGS84 and in GCJ-02. Far from a long
    // edge the distance barely changes along it (by s^2 / 2d for a shift s), so the target
    // is held to being on the geometry and no more than 5 mm farther than the nearest point,
    // plus its rounding to 1e-7 degrees (under 8 mm).
    let w = pair(&pr["nav"]["wgs84"]);
    let on = oracle_distance(w, g).min(geodesic(w, oracle_nearest_point(w, g)));
    assert!(
        on < 0.02,
        "{id}: nav target {w:?} is {on} m off the geometry"
    );
    let excess = geodesic(p, w) - want_d;
    let shift = geodesic(w, q);
    assert!(
        excess < 0.013 && shift <= 0.008 + (2.0 * want_d * 0.005).sqrt(),
        "{id}: nav target {w:?} is {excess} m farther than the nearest point {q:?}, {shift} m \
         from it, {want_d} m from {p:?}"
    );
    let gcj = pair(&pr["nav"]["gcj02"]);
    let want_gcj = wgs84_to_gcj02(w[0], w[1]);
    assert!(
        (gcj[0] - want_gcj.0).abs() < 1e-6 && (gcj[1] - want_gcj.1).abs() < 1e-6,
        "{id}: gcj02 {gcj:?} vs {want_gcj:?}"
    );
    let link = pr["nav"]["amap"].as_str().unwrap();
    let (base, query) = link.split_once('?').unwrap();
    assert_eq!(base, "https://uri.amap.com/navigation", "{id}");
    let params: Vec<(String, String)> = serde_urlencoded::from_str(query).unwrap();
    let get_param = |k: &str| {
        params
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.as_str())
            .unwrap_or_else(|| panic!("{id}: no {k} in {link}"))
    };
    assert_eq!(get_param("mode"), "walk", "{link}");
    assert_eq!(get_param("coordinate"), "gaode", "{link}");
    let to: Vec<&str> = get_param("to").splitn(3, ',').collect();
    assert_eq!(to.len(), 3, "{link}");
    let (lon, lat): (f64, f64) = (to[0].parse().unwrap(), to[1].parse().unwrap());
    assert!(
        (lon - want_gcj.0).abs() < 1.5e-6 && (lat - want_gcj.1).abs() < 1.5e-6,
        "{link}"
    );
    assert_eq!(to[2], name, "{link}");
    // Bearing: null on the spot, else the initial bearing from the point to the target.
    if d == 0.0 {
        assert!(pr["bearing_deg"].is_null(), "{id}: bearing on the spot");
        return;
    }
    let b = pr["bearing_deg"].as_f64().unwrap();
    assert!((0.0..360.0).contains(&b), "{id}: {b}");
    let (from, to) = (Point::new(p[0], p[1]), Point::new(q[0], q[1]));
    let geo_b = Geodesic.bearing(from, to).rem_euclid(360.0);
    let hav_b = Haversine.bearing(from, to).rem_euclid(360.0);
    // The bearing is to the nav target: allow for how far that is from the oracle's point.
    let slack = ((shift + 0.02) / want_d).to_degrees();
    assert!(
        angle_diff(b, geo_b) <= 0.06 + slack,
        "{id}: bearing {b} vs geodesic {geo_b} ({want_d} m away)"
    );
    assert!(
        angle_diff(b, hav_b) <= 0.5 + slack,
        "{id}: bearing {b} vs haversine {hav_b}"
    );
}

/// A test nursing room: id, `[lon, lat]`, opening_hours, venue_type, amenities.
type Room<'a> = (String, [f64; 2], Option<&'a str>, &'a str, Vec<&'a str>);

/// A copy of the sample data whose nursing rooms are replaced by `rooms`.
fn data_with_rooms(name: &str, rooms: &[Room]) -> PathBuf {
    let dir = common::sample_copy("nearest", name);
    let features: Vec<Value> = rooms
        .iter()
        .map(|(id, pos, hours, venue, amenities)| {
            let mut props = json!({
                "name": format!("测试母婴室 {id}"),
                "address": "测试地址",
                "venue_type": venue,
                "amenities": amenities,
            });
            if let Some(h) = hours {
                props["opening_hours"] = json!(h);
            }
            json!({
                "type": "Feature",
                "id": id,
                "geometry": {"type": "Point", "coordinates": pos},
                "properties": props,
            })
        })
        .collect();
    std::fs::write(
        dir.join("nursing_rooms.geojson"),
        serde_json::to_vec(&json!({"type": "FeatureCollection", "features": features})).unwrap(),
    )
    .unwrap();
    dir
}

/// Each result's extras on a copy of the sample data with rooms placed around the query.
/// Regression (issue 3 audit): a room due north came back with `bearing_deg` 360 (rounded
/// after wrapping), outside 0..360.
#[tokio::test]
async fn each_result_carries_open_now_bearing_walk_time_and_nav_computed_right() {
    let q = [120.64, 31.42];
    // Due east, north, west and south of the query, each with hours that pin `open_now`
    // whatever the time: always open, always closed, no hours, hours that say unknown.
    let mut rooms: Vec<Room> = vec![
        (
            "east".into(),
            [q[0] + 0.004, q[1]],
            Some("24/7"),
            "mall",
            vec!["changing_table"],
        ),
        (
            "north".into(),
            [q[0], q[1] + 0.0035],
            Some("off"),
            "mall",
            vec!["sink"],
        ),
        (
            "west".into(),
            [q[0] - 0.0045, q[1]],
            None,
            "hospital",
            vec!["changing_table"],
        ),
        (
            "south".into(),
            [q[0], q[1] - 0.005],
            Some("24/7 unknown"),
            "park",
            vec!["sink"],
        ),
    ];
    let cardinal = [
        ("east", 90.0),
        ("north", 0.0),
        ("west", 270.0),
        ("south", 180.0),
    ];
    const HOURS: [Option<&str>; 7] = [
        Some("24/7"),
        Some("Mo-Fr 08:30-12:00,13:30-17:30; PH off"),
        Some("Mo-Su 10:00-22:00"),
        Some("Mo-Su 20:00-02:00"),
        Some("Mo-Fr 08:00-20:00; Sa,Su 10:00-18:00; PH off"),
        Some("Sa,Su 09:00-17:00"),
        None,
    ];
    let mut r = Rng::new(307);
    for i in 0..36 {
        let pos = [q[0] + r.range(-0.03, 0.03), q[1] + r.range(-0.03, 0.03)];
        let hours = HOURS[(r.next_u64() % HOURS.len() as u64) as usize];
        let venue = ["mall", "hospital", "office"][i % 3];
        let amenities: Vec<&str> = ["changing_table", "step_free", "sink"]
            .into_iter()
            .filter(|_| r.f() < 0.5)
            .collect();
        rooms.push((format!("r{i:02}"), pos, hours, venue, amenities));
    }
    // One exactly at the query point: distance 0, no bearing.
    rooms.push(("here".into(), q, Some("24/7"), "office", vec!["sink"]));
    let dir = data_with_rooms("extras", &rooms);
    let app = app_on(&dir);
    let snap = load(&dir);
    let flat = flatten(&snap, &dir, &["nursing_rooms"]);
    let point_of = |id: &str| -> Geometry<f64> {
        let (_, pos, ..) = rooms.iter().find(|x| x.0 == id).unwrap();
        Geometry::Point(geo::Point::new(pos[0], pos[1]))
    };

    // No filters: every room, each with its extras.
    let n = rooms.len();
    let mut checked = false;
    for _ in 0..5 {
        let t0 = shanghai_now();
        let uri = format!(
            "/api/nearest?mode=straight&layer=nursing_rooms&lon={}&lat={}&k=100",
            q[0], q[1]
        );
        let (s, v) = get(&app, &uri).await;
        let t1 = shanghai_now();
        assert_eq!(s, StatusCode::OK, "{v}");
        let got = flat.hits(&v);
        assert_same_ranking(
            &got,
            &flat.brute(q, 100, f64::INFINITY, &|_| true),
            &flat.geoms,
            q,
            0.5,
        );
        assert_eq!(got.len(), n);
        // The top level: the query point in WGS84, the time evaluated, no filters.
        assert_eq!(v["query"]["lon"], json!(q[0]));
        assert_eq!(v["query"]["lat"], json!(q[1]));
        assert_eq!(v["query"]["crs"], "wgs84");
        assert_eq!(v["query"]["k"], 100);
        assert_eq!(v["query"]["max_m"], Value::Null);
        assert_eq!(v["query"]["timezone"], "Asia/Shanghai");
        assert_eq!(v["filters"], json!({}));
        assert_eq!(v["walk_speed_m_per_min"], json!(66.7));
        let evaluated = NaiveDateTime::parse_from_str(
            v["query"]["evaluated_at"].as_str().unwrap(),
            "%Y-%m-%dT%H:%M:%S",
        )
        .unwrap();
        assert!(
            evaluated >= t0 - chrono::TimeDelta::seconds(1) && evaluated <= t1,
            "evaluated at {evaluated}, asked between {t0} and {t1}"
        );
        let mut states = Vec::new();
        for f in v["features"].as_array().unwrap() {
            let id = f["id"].as_str().unwrap();
            let name = format!("测试母婴室 {id}");
            check_extras(f, q, &point_of(id), &name);
            assert_eq!(f["properties"]["layer"], "nursing_rooms");
            let i = flat.keys.iter().position(|k| k.1 == id).unwrap();
            if let Some((_, want)) = cardinal.iter().find(|c| c.0 == id) {
                let b = f["properties"]["bearing_deg"].as_f64().unwrap();
                assert!(
                    angle_diff(b, *want) <= 0.5,
                    "{id}: bearing {b}, want {want}"
                );
            }
            if id == "here" {
                assert_eq!(f["properties"]["distance_m"], json!(0.0));
            }
            // open_now only when the request fell within one minute (hours change on minutes).
            if same_minute(t0, t1) {
                let want = oracle_open(&flat.props[i], t0);
                assert_eq!(f["properties"]["open_now"], json!(want), "{id} at {t0}");
                states.push(want);
            }
        }
        if same_minute(t0, t1) {
            for s in [Some(true), Some(false), None] {
                assert!(states.contains(&s), "no open_now {s:?} among {states:?}");
            }
            checked = true;
            break;
        }
    }
    assert!(checked, "every request straddled a minute");

    // Filters: echoed at the top level and applied before the limit.
    let at = "2026-11-24T23:30";
    let uri = format!(
        "/api/nearest?mode=straight&layer=nursing_rooms&lon={}&lat={}&k=3&max_m=4000&has=changing_table&venue_type=mall&open={at}",
        q[0], q[1]
    );
    let keep = |pr: &Value| {
        oracle_open(pr, t(at)) == Some(true)
            && prop_equals(&pr["amenities"], "changing_table")
            && pr["venue_type"] == "mall"
    };
    let (v, want) = assert_http_is_brute_force(&app, &uri, &flat, q, 3, 4000.0, &keep).await;
    assert!(!want.is_empty());
    assert_eq!(
        v["filters"],
        json!({"open": format!("{at}:00"), "has": ["changing_table"], "venue_type": "mall"})
    );
    assert_eq!(v["query"]["k"], 3);
    assert_eq!(v["query"]["max_m"], json!(4000.0));
    for f in v["features"].as_array().unwrap() {
        let id = f["id"].as_str().unwrap();
        check_extras(f, q, &point_of(id), &format!("测试母婴室 {id}"));
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// Regression (issue 3 audit): for polygons the nav target and the bearing pointed at the
/// nearest point in raw degrees, up to 34 m from the nearest point on the ground (2.7 m
/// farther than `distance_m` said, the bearing off by 0.3 degrees).
#[tokio::test]
async fn sample_polygons_bearing_and_nav_point_at_the_nearest_point_on_the_ground() {
    let dir = sample_dir();
    let app = app_on(&dir);
    let snap = load(&dir);
    let mut r = Rng::new(308);
    for layers in [
        &["pocket_parks"][..],
        &["child_friendly_communities"],
        &["service_stations"],
    ] {
        let flat = flatten(&snap, &dir, layers);
        for p in query_points(&flat, &mut r, 6) {
            let uri = format!(
                "/api/nearest?mode=straight&layer={}&lon={}&lat={}&k=3",
                layers.join(","),
                p[0],
                p[1]
            );
            let (v, _) =
                assert_http_is_brute_force(&app, &uri, &flat, p, 3, f64::INFINITY, &|_| true).await;
            for (f, (i, _)) in v["features"].as_array().unwrap().iter().zip(flat.hits(&v)) {
                let name = flat.props[i]["name"].as_str().unwrap();
                check_extras(f, p, &flat.geoms[i], name);
            }
        }
    }
}

/// Issue 13: `open=now` and every feature's `open_now` come from one instant. The server's
/// clock is set here and moves five hours at every reading, so an answer that read it twice
/// (once for the filter, once for `open_now`) shows features kept as open at the first
/// reading but closed at the second. Every answer must be the brute force filtered by the
/// hours (evaluated here) at the moment it echoes, with each `open_now` those hours there.
#[tokio::test]
async fn issue13_open_now_and_each_open_now_are_one_instant() {
    use std::sync::atomic::{AtomicI64, Ordering};
    let dir = sample_dir();
    let snap = load(&dir);
    // Monday 17:45, then 22:45, Tuesday 03:45, ...: offices, malls and parks close between.
    let base = t("2026-11-23T17:45");
    let readings = std::sync::Arc::new(AtomicI64::new(0));
    let counter = readings.clone();
    let clock = nestmap::query::hours::Clock::from_fn(move || {
        base + chrono::TimeDelta::hours(5 * counter.fetch_add(1, Ordering::SeqCst))
    });
    let app = nestmap::app(common::app::state(load(&dir)).with_clock(clock));
    let layers = ["nursing_rooms", "service_stations", "pocket_parks"];
    let flat = flatten(&snap, &dir, &layers);
    let p = [120.62, 31.43];
    let moment = |v: &Value, at: &str| {
        NaiveDateTime::parse_from_str(
            v.pointer(at).unwrap().as_str().unwrap(),
            "%Y-%m-%dT%H:%M:%S",
        )
        .unwrap_or_else(|e| panic!("{at} in {v}: {e}"))
    };
    let mut closed_later = 0;
    for (path, k, echo) in [
        ("nearest", "k=100&mode=straight", "/query/evaluated_at"),
        ("within", "radius_m=50000&limit=1000", "/filters/open"),
    ] {
        for open in ["&open=now", ""] {
            let uri = format!(
                "/api/{path}?layer={}&lon={}&lat={}&{k}{open}",
                layers.join(","),
                p[0],
                p[1]
            );
            let (s, v) = get(&app, &uri).await;
            assert_eq!(s, StatusCode::OK, "{uri}: {v}");
            if path == "within" && open.is_empty() {
                // Nothing echoes the moment here; the filtered case covers `within`.
                continue;
            }
            let at = moment(&v, echo);
            if !open.is_empty() && path == "nearest" {
                assert_eq!(
                    moment(&v, "/filters/open"),
                    at,
                    "{uri}: filter and open_now"
                );
            }
            let keep = |pr: &Value| open.is_empty() || oracle_open(pr, at) == Some(true);
            let (want_k, max_m) = if path == "nearest" {
                (100, f64::INFINITY)
            } else {
                (1000, 50_000.0)
            };
            let got = flat.hits(&v);
            let want = flat.brute(p, want_k, max_m, &keep);
            assert_same_ranking(&got, &want, &flat.geoms, p, 0.5);
            for (f, (i, _)) in v["features"].as_array().unwrap().iter().zip(&got) {
                let want = oracle_open(&flat.props[*i], at);
                assert_eq!(
                    f["properties"]["open_now"],
                    json!(want),
                    "{uri}: {:?} open_now at {at}",
                    flat.keys[*i]
                );
                let later = oracle_open(&flat.props[*i], at + chrono::TimeDelta::hours(5));
                closed_later += (want == Some(true) && later == Some(false)) as usize;
            }
        }
    }
    // Not vacuous: a second reading of the clock would have found some of them closed.
    assert!(closed_later >= 10, "{closed_later}");
}

/// Issue 13: `has` names a value the chosen layers know, whatever the layers. Known are the
/// schema's lists (nursing rooms' amenities, stations' services) and, for the free-text
/// `facilities` of parks and communities, the values their features carry (read here from
/// the files). Before, `has=teleporter` was refused on nursing rooms but answered 200 with
/// nothing once a park or community layer was among the layers.
#[tokio::test]
async fn issue13_has_an_unknown_value_is_refused_with_parks_and_communities_too() {
    let dir = sample_dir();
    let app = app_on(&dir);
    let snap = load(&dir);
    let schema = |layer: &str| -> Vec<String> {
        let list: &[&str] = match layer {
            "nursing_rooms" => nestmap::model::NURSING_AMENITIES,
            "service_stations" => nestmap::model::STATION_SERVICES,
            _ => &[],
        };
        list.iter().map(|s| s.to_string()).collect()
    };
    let field = |layer: &str| match layer {
        "nursing_rooms" => "amenities",
        "service_stations" => "services",
        _ => "facilities",
    };
    let p = [120.62, 31.43];
    for layers in [
        &["pocket_parks"][..],
        &["child_friendly_communities"],
        &["nursing_rooms", "pocket_parks"],
        &["service_stations", "child_friendly_communities"],
        &[
            "pocket_parks",
            "child_friendly_communities",
            "nursing_rooms",
        ],
    ] {
        let flat = flatten(&snap, &dir, layers);
        // What the files carry, layer by layer, and what the schema lists.
        let mut known: std::collections::BTreeSet<String> = Default::default();
        for (key, props) in flat.keys.iter().zip(&flat.props) {
            for v in props[field(&key.0)].as_array().into_iter().flatten() {
                known.insert(v.as_str().unwrap().to_string());
            }
        }
        for l in layers.iter() {
            known.extend(schema(l));
        }
        assert!(known.len() >= 5, "{layers:?}: {known:?}");
        for path in ["nearest?k=5", "within?radius_m=50000"] {
            let uri = format!(
                "/api/{path}&layer={}&lon={}&lat={}&has=teleporter",
                layers.join(","),
                p[0],
                p[1]
            );
            let (s, v) = get(&app, &uri).await;
            assert_eq!(s, StatusCode::BAD_REQUEST, "{uri}: {v}");
            assert_eq!(v["error"]["code"], "invalid_parameter", "{uri}");
            let msg = v["error"]["message"].as_str().unwrap();
            assert!(msg.starts_with("parameter \"has\""), "{uri}: {msg}");
            assert!(msg.contains("\"teleporter\""), "{uri}: {msg}");
            let listed: std::collections::BTreeSet<String> = msg
                .split_once("known: ")
                .unwrap_or_else(|| panic!("{uri}: {msg}"))
                .1
                .split(", ")
                .map(str::to_string)
                .collect();
            assert_eq!(listed, known, "{uri}: {msg}");
        }
        // Every known value is accepted, and finds what the brute force finds.
        for h in &known {
            let uri = format!(
                "/api/nearest?mode=straight&layer={}&lon={}&lat={}&k=100&{}",
                layers.join(","),
                p[0],
                p[1],
                encode(&[("has", h)])
            );
            let keys = flat.keys.clone();
            let has = |pr: &Value, layer: &str| {
                pr[field(layer)]
                    .as_array()
                    .is_some_and(|a| a.iter().any(|x| x == h.as_str()))
            };
            let (s, v) = get(&app, &uri).await;
            assert_eq!(s, StatusCode::OK, "{uri}: {v}");
            let got = flat.hits(&v);
            let want: Vec<(usize, f64)> = oracle_scan(p, &flat.geoms)
                .into_iter()
                .filter(|&(i, _)| has(&flat.props[i], &keys[i].0))
                .take(100)
                .collect();
            assert_same_ranking(&got, &want, &flat.geoms, p, 0.5);
        }
    }
}

/// Issue 13: `within` evaluates the opening hours of the features on the returned page
/// only (for `open_now`), unless the `open` filter needs them to filter. Counted with
/// `query::hours::evaluations_on_this_thread`; each page is checked against the brute
/// force (every feature's distance, the hours evaluated here). Before, every match was
/// evaluated before paging.
#[test]
fn issue13_within_evaluates_hours_only_for_the_returned_page() {
    use nestmap::query::hours::evaluations_on_this_thread as evaluations;
    use nestmap::query::nearest::{within, Area};
    let mut r = Rng::new(1313);
    let centre = [120.62, 31.43];
    let geoms: Vec<Geometry<f64>> = (0..3000)
        .map(|_| random_point(&mut r, centre, 0.05))
        .collect();
    let snap = random_snapshot(geoms.clone(), &mut r);
    let l = &snap.layers[0];
    let now = t("2026-11-23T19:30");
    let hours_at = |i: usize, at: NaiveDateTime| {
        oracle_hours(
            l.features[i]
                .properties
                .get("opening_hours")
                .and_then(Value::as_str),
            at,
        )
    };
    let with_hours = |ids: &[usize]| {
        ids.iter()
            .filter(|&&i| l.features[i].properties.contains_key("opening_hours"))
            .count() as u64
    };
    let bbox = [
        centre[0] - 0.03,
        centre[1] - 0.03,
        centre[0] + 0.04,
        centre[1] + 0.02,
    ];
    let in_box = |i: usize| {
        let Geometry::Point(p) = &geoms[i] else {
            unreachable!()
        };
        (bbox[0]..=bbox[2]).contains(&p.x()) && (bbox[1]..=bbox[3]).contains(&p.y())
    };
    let areas = [
        (
            Area::Circle {
                centre,
                radius_m: 3000.0,
            },
            oracle_scan(centre, &geoms)
                .into_iter()
                .filter(|&(_, d)| d <= 3000.0)
                .map(|(i, _)| i)
                .collect::<Vec<usize>>(),
        ),
        (
            Area::Bbox(bbox),
            (0..geoms.len()).filter(|&i| in_box(i)).collect(),
        ),
    ];
    let later = t("2026-11-24T08:15");
    for (area, inside) in &areas {
        assert!(inside.len() > 500, "{}", inside.len());
        for open in [None, Some(later), Some(now)] {
            let f = Filters {
                open_at: open,
                ..Default::default()
            };
            let matching: Vec<usize> = inside
                .iter()
                .copied()
                .filter(|&i| open.is_none_or(|at| hours_at(i, at) == Some(true)))
                .collect();
            for (offset, limit) in [(0, 10), (137, 25), (matching.len() - 3, 100)] {
                let before = evaluations();
                let (total, page) = within(&snap, &[0], *area, &f, now, offset, limit);
                let spent = evaluations() - before;
                let want: Vec<usize> = matching.iter().copied().skip(offset).take(limit).collect();
                assert_eq!(total, matching.len(), "{area:?} {open:?}");
                let got: Vec<usize> = page.iter().map(|(h, _)| h.feature).collect();
                if let Area::Circle { centre, .. } = area {
                    // Nearest first: the brute force's order, near ties (0.5 m) aside.
                    let d = |i: usize| oracle_distance(*centre, &geoms[i]);
                    let got: Vec<(usize, f64)> = page
                        .iter()
                        .map(|(h, _)| (h.feature, h.distance_m))
                        .collect();
                    let want: Vec<(usize, f64)> = want.iter().map(|&i| (i, d(i))).collect();
                    assert_same_ranking(&got, &want, &geoms, *centre, 0.5);
                } else {
                    assert_eq!(got, want, "{area:?} {open:?} offset {offset}");
                }
                for (h, _) in &page {
                    assert_eq!(h.open, hours_at(h.feature, now), "feature {}", h.feature);
                }
                // The page's hours, plus the filter's when there is one.
                let allowed = with_hours(&got) + open.map_or(0, |_| with_hours(inside));
                assert!(
                    spent <= allowed,
                    "{area:?} open {open:?} offset {offset}: {spent} evaluations for a page of {} ({allowed} allowed)",
                    want.len()
                );
            }
        }
    }
}

/// Issue 13: a search that visits more than its budget (a filter that matches one feature of
/// a big layer) moves to the heavy pool, and still gives the brute-force answer; an
/// ordinary search stays on the runtime.
#[tokio::test]
async fn issue13_a_search_past_its_budget_moves_to_the_pool_and_equals_brute_force() {
    let mut r = Rng::new(1313);
    let n = 3 * nestmap::query::limits::CHEAP_VISIT_BUDGET / 2;
    let geoms: Vec<Geometry<f64>> = (0..n)
        .map(|_| random_point(&mut r, [120.62, 31.42], 0.3))
        .collect();
    let snap = random_snapshot(geoms, &mut r);
    let q = [120.62, 31.42];
    // The feature the filter keeps: one far from the query.
    let l = &snap.layers[0];
    let far = (0..n)
        .max_by(|&a, &b| {
            let (pa, pb) = (l.geometry(a), l.geometry(b));
            common::oracle_distance(q, pa).total_cmp(&common::oracle_distance(q, pb))
        })
        .unwrap();
    let want_id = l.features[far].id.clone();
    let want_m = common::oracle_distance(q, l.geometry(far));
    let want_name = l.features[far]
        .properties
        .get("name")
        .unwrap()
        .as_str()
        .unwrap()
        .to_string();
    let state = common::app::state(snap);
    let pool = state.pool.clone();
    let app = nestmap::app(state);
    let before = pool.started();
    let name: String = want_name
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    let (s, v) = get(
        &app,
        &format!(
            "/api/nearest?mode=straight&layer=rooms&lon={}&lat={}&k=3&name={name}",
            q[0], q[1]
        ),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let ids: Vec<&str> = v["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, vec![want_id.as_str()]);
    let got_m = v["features"][0]["properties"]["distance_m"]
        .as_f64()
        .unwrap();
    assert!((got_m - want_m).abs() <= 0.1, "{got_m} vs {want_m}");
    assert_eq!(
        pool.started(),
        before + 1,
        "the search past its budget did not move to the pool"
    );
    // The same filter within a radius holding everything: the pool too, the same one feature.
    let (s, v) = get(
        &app,
        &format!(
            "/api/within?layer=rooms&lon={}&lat={}&radius_m=50000&name={name}",
            q[0], q[1]
        ),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["numberMatched"], 1);
    assert_eq!(v["features"][0]["id"], want_id.as_str());
    assert_eq!(pool.started(), before + 2);
    // An ordinary nearest: on the runtime.
    let (s, _) = get(
        &app,
        &format!(
            "/api/nearest?mode=straight&layer=rooms&lon={}&lat={}&k=5",
            q[0], q[1]
        ),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        pool.started(),
        before + 2,
        "an ordinary search went to the pool"
    );
}

/// GCJ-02 from WGS84, typed here from the published algorithm (Krasovsky 1940 ellipsoid,
/// the offsets as series in x = lon - 105, y = lat - 35), not from `nestmap::crs`.
fn oracle_gcj02(lon: f64, lat: f64) -> [f64; 2] {
    use std::f64::consts::PI;
    let (a, ee) = (6_378_245.0_f64, 0.006_693_421_622_965_943_f64);
    let (x, y) = (lon - 105.0, lat - 35.0);
    let mut dlat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * x.abs().sqrt();
    dlat += (20.0 * (6.0 * x * PI).sin() + 20.0 * (2.0 * x * PI).sin()) * 2.0 / 3.0;
    dlat += (20.0 * (y * PI).sin() + 40.0 * (y / 3.0 * PI).sin()) * 2.0 / 3.0;
    dlat += (160.0 * (y / 12.0 * PI).sin() + 320.0 * (y * PI / 30.0).sin()) * 2.0 / 3.0;
    let mut dlon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * x.abs().sqrt();
    dlon += (20.0 * (6.0 * x * PI).sin() + 20.0 * (2.0 * x * PI).sin()) * 2.0 / 3.0;
    dlon += (20.0 * (x * PI).sin() + 40.0 * (x / 3.0 * PI).sin()) * 2.0 / 3.0;
    dlon += (150.0 * (x / 12.0 * PI).sin() + 300.0 * (x / 30.0 * PI).sin()) * 2.0 / 3.0;
    let rad = lat / 180.0 * PI;
    let magic = 1.0 - ee * rad.sin() * rad.sin();
    let sq = magic.sqrt();
    let dlat = (dlat * 180.0) / ((a * (1.0 - ee)) / (magic * sq) * PI);
    let dlon = (dlon * 180.0) / (a / sq * rad.cos() * PI);
    [lon + dlon, lat + dlat]
}

/// BD-09 from GCJ-02, typed here from Baidu's published formula (x_pi = pi * 3000 / 180).
fn oracle_bd09(g: [f64; 2]) -> [f64; 2] {
    let x_pi = std::f64::consts::PI * 3000.0 / 180.0;
    let (x, y) = (g[0], g[1]);
    let z = (x * x + y * y).sqrt() + 0.00002 * (y * x_pi).sin();
    let theta = y.atan2(x) + 0.000003 * (x * x_pi).cos();
    [z * theta.cos() + 0.0065, z * theta.sin() + 0.006]
}

/// A link's query, decoded by an independent decoder (serde_urlencoded), after checking
/// the link starts with `prefix`.
fn link_query(link: &str, prefix: &str) -> std::collections::HashMap<String, String> {
    let q = link
        .strip_prefix(prefix)
        .unwrap_or_else(|| panic!("{link} does not start with {prefix}"));
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(q).unwrap();
    let n = pairs.len();
    let map: std::collections::HashMap<String, String> = pairs.into_iter().collect();
    assert_eq!(map.len(), n, "a parameter repeated in {link}");
    map
}

fn lat_lng(s: &str) -> [f64; 2] {
    let (lat, lng) = s.split_once(',').unwrap();
    [lng.parse().unwrap(), lat.parse().unwrap()]
}

fn close(got: [f64; 2], want: [f64; 2], what: &str) {
    // Links carry 1e-6 degrees: half a unit of rounding, and a little for the float.
    assert!(
        (got[0] - want[0]).abs() <= 6e-7 && (got[1] - want[1]).abs() <= 6e-7,
        "{what}: {got:?} vs {want:?}"
    );
}

#[tokio::test]
async fn issue15_amap_baidu_and_tencent_links_walk_to_the_room_in_each_apps_coordinates() {
    let app = sample_app();
    // The rooms' positions, from the file itself (WGS84 points).
    let text = std::fs::read_to_string(sample_dir().join("nursing_rooms.geojson")).unwrap();
    let file: Value = serde_json::from_str(&text).unwrap();
    let mut rooms = std::collections::HashMap::new();
    for f in file["features"].as_array().unwrap() {
        let c = &f["geometry"]["coordinates"];
        rooms.insert(
            f["id"].as_str().unwrap().to_string(),
            (
                [c[0].as_f64().unwrap(), c[1].as_f64().unwrap()],
                f["properties"]["name"].as_str().unwrap_or("").to_string(),
            ),
        );
    }
    let mut r = Rng::new(15);
    let mut checked = 0;
    for _ in 0..6 {
        let p = [r.range(120.55, 120.72), r.range(31.38, 31.5)];
        let (s, v) = get(
            &app,
            &format!(
                "/api/nearest?mode=straight&layer=nursing_rooms&lon={}&lat={}&k=4",
                p[0], p[1]
            ),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        for f in v["features"].as_array().unwrap() {
            let (w, name) = rooms[f["id"].as_str().unwrap()].clone();
            let g = oracle_gcj02(w[0], w[1]);
            let b = oracle_bd09(g);
            let nav = &f["properties"]["nav"];
            let pos = |k: &str| [nav[k][0].as_f64().unwrap(), nav[k][1].as_f64().unwrap()];
            close(pos("bd09"), b, "nav.bd09");
            close(pos("gcj02"), g, "nav.gcj02");

            let amap = link_query(
                nav["amap"].as_str().unwrap(),
                "https://uri.amap.com/navigation?",
            );
            let to: Vec<&str> = amap["to"].splitn(3, ',').collect();
            close(
                [to[0].parse().unwrap(), to[1].parse().unwrap()],
                g,
                "amap to",
            );
            assert_eq!(to[2], name);
            assert_eq!(amap["mode"], "walk");
            assert_eq!(amap["coordinate"], "gaode");

            let baidu = link_query(
                nav["baidu"].as_str().unwrap(),
                "https://api.map.baidu.com/direction?",
            );
            assert_eq!(baidu["mode"], "walking");
            assert_eq!(baidu["output"], "html");
            assert_eq!(baidu["coord_type"], "bd09ll");
            assert!(baidu["src"].starts_with("webapp.") && baidu["src"].contains("nestmap"));
            let dest = baidu["destination"].strip_prefix("latlng:").unwrap();
            let (coords, dname) = dest.split_once("|name:").unwrap();
            close(lat_lng(coords), b, "baidu destination");
            assert_eq!(dname, name.replace('|', "/"));
            let origin = baidu["origin"].strip_prefix("latlng:").unwrap();
            close(
                lat_lng(origin),
                oracle_bd09(oracle_gcj02(p[0], p[1])),
                "baidu origin",
            );

            let qq = link_query(
                nav["tencent"].as_str().unwrap(),
                "https://apis.map.qq.com/uri/v1/routeplan?",
            );
            assert_eq!(qq["type"], "walk");
            assert_eq!(qq["referer"], "nestmap");
            assert_eq!(qq["coord_type"], "2");
            assert_eq!(qq["to"], name);
            close(lat_lng(&qq["tocoord"]), g, "tencent tocoord");
            checked += 1;
        }
    }
    assert!(checked >= 20, "{checked}");
}
