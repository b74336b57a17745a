//! Issue 3: the nearest-facility query against a brute-force geodesic scan (sample data and
//! 100k seeded random facilities of each geometry type), filters applied before the limit,
//! GCJ-02 input, opening hours across midnight / weekends / public holidays, bad input.

mod common;

use std::path::PathBuf;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use chrono::NaiveDateTime;
use common::*;
use geo::Geometry;
use http_body_util::BodyExt;
use nestmap::catalog::LayerSpec;
use nestmap::crs::{wgs84_to_gcj02, Crs};
use nestmap::model::{Feature, LayerKind};
use nestmap::query::hours::{open_at, parse_hours};
use nestmap::query::nearest::{nearest, Filters};
use nestmap::snapshot::{Layer, Snapshot};
use serde_json::{json, Value};
use tower::ServiceExt;

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
            (
                Feature {
                    id: format!("f{i}"),
                    properties: props.into(),
                },
                g,
            )
        })
        .collect();
    let spec = LayerSpec {
        id: "rooms".into(),
        title_zh: "示例".into(),
        title_en: "sample".into(),
        kind: LayerKind::NursingRooms,
        file: PathBuf::from("rooms.geojson"),
        crs: Crs::Wgs84,
        service_radius_m: 1000.0,
    };
    Snapshot::new(vec![Layer::new(spec, features)], Default::default())
}

/// Oracle: every feature's distance, filtered by a plain re-implementation of the filters.
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
                props
                    .get("opening_hours")
                    .and_then(Value::as_str)
                    .and_then(|s| parse_hours(s).ok())
                    .and_then(|oh| open_at(&oh, at))
                    == Some(true)
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

fn app() -> axum::Router {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data/geojson");
    let snap = nestmap::load::load_dir(&dir).unwrap();
    nestmap::app(nestmap::AppState::new(
        snap,
        "web".into(),
        "node_modules/maplibre-gl/dist".into(),
    ))
}

async fn get(app: &axum::Router, uri: &str) -> (StatusCode, Value) {
    let res = app
        .clone()
        .oneshot(Request::get(uri).body(Body::empty()).unwrap())
        .await
        .unwrap();
    let s = res.status();
    let bytes = res.into_body().collect().await.unwrap().to_bytes();
    (s, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
}

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
    let app = app();
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data/geojson");
    let snap = nestmap::load::load_dir(&dir).unwrap();
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
                &format!("/api/nearest?layer={layer}&lon={}&lat={}&k={k}", p[0], p[1]),
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
    let app = app();
    let mut r = Rng::new(12);
    for _ in 0..10 {
        let p = [r.range(120.45, 120.8), r.range(31.36, 31.53)];
        let (_, w) = get(
            &app,
            &format!(
                "/api/nearest?layer=nursing_rooms&lon={}&lat={}&k=5",
                p[0], p[1]
            ),
        )
        .await;
        let g = wgs84_to_gcj02(p[0], p[1]);
        let (_, v) = get(
            &app,
            &format!(
                "/api/nearest?layer=nursing_rooms&lon={}&lat={}&k=5&crs=gcj02",
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
                "/api/nearest?layer=nursing_rooms&lon={}&lat={}&k=5&crs=bd09",
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
    let app = app();
    let (_, all) = get(
        &app,
        "/api/nearest?layer=nursing_rooms&lon=120.64&lat=31.42&k=100",
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
        "/api/nearest?layer=nursing_rooms&lon=120.64&lat=31.42&k=5&has=changing_table,step_free",
    )
    .await;
    let got: Vec<String> = ids_and_distances(&v).into_iter().map(|x| x.0).collect();
    assert_eq!(got, want);
    assert_eq!(v["filters"]["has"], json!(["changing_table", "step_free"]));
    // Several layers at once, merged by distance.
    let (_, v) = get(
        &app,
        "/api/nearest?layer=nursing_rooms,service_stations&lon=120.64&lat=31.42&k=10",
    )
    .await;
    let d: Vec<f64> = ids_and_distances(&v).into_iter().map(|x| x.1).collect();
    assert_eq!(d.len(), 10);
    assert!(d.windows(2).all(|w| w[0] <= w[1]));
    // Nothing in range: an empty collection with a note.
    let (s, v) = get(
        &app,
        "/api/nearest?layer=nursing_rooms&lon=120.0&lat=31.0&max_m=10",
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["features"], json!([]));
    assert!(v["note"].as_str().unwrap().contains("10 m"));
}

#[tokio::test]
async fn within_radius_and_bbox_page_with_a_total() {
    let app = app();
    let (_, all) = get(
        &app,
        "/api/nearest?layer=nursing_rooms&lon=120.64&lat=31.42&k=100&max_m=5000",
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
    let app = app();
    let base = "/api/nearest?layer=nursing_rooms";
    let cases = [
        ("/api/nearest?lon=120.6&lat=31.4".to_string(), "layer"),
        (format!("{base}&lat=31.4"), "lon"),
        (format!("{base}&lon=120.6"), "lat"),
        (format!("{base}&lon=NaN&lat=31.4"), "lon"),
        (format!("{base}&lon=inf&lat=31.4"), "lon"),
        (format!("{base}&lon=120.6&lat=91"), "lat"),
        (format!("{base}&lon=181&lat=31.4"), "lon"),
        (format!("{base}&lon=abc&lat=31.4"), "lon"),
        (
            "/api/nearest?layer=castles&lon=120.6&lat=31.4".to_string(),
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
