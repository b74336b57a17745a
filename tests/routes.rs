//! School commuter line review (issue 5): length against an independent geodesic sum,
//! served and unserved villages against a brute-force scan on seeded random data at several
//! latitudes, one fixture that triggers and one that does not for every finding code, and
//! malformed drafts refused with a 400 that names the reason.

mod common;

use std::collections::BTreeSet;
use std::path::PathBuf;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::{geodesic, oracle_distance, Rng};
use geo::{Geometry, LineString, MultiLineString, Point};
use http_body_util::BodyExt;
use nestmap::catalog::LayerSpec;
use nestmap::crs::Crs;
use nestmap::model::{Feature, LayerKind};
use nestmap::query::routes::{draft, length_m, review, Line, ReviewParams, FINDING_CODES};
use nestmap::snapshot::{Layer, Snapshot};
use serde_json::{json, Value};
use tower::ServiceExt;

fn spec(id: &str, kind: LayerKind) -> LayerSpec {
    LayerSpec {
        id: id.into(),
        title_zh: id.into(),
        title_en: id.into(),
        kind,
        file: PathBuf::from(format!("{id}.geojson")),
        crs: Crs::Wgs84,
        service_radius_m: 500.0,
        style: Default::default(),
    }
}

fn feature(id: String, props: Value) -> Feature {
    Feature {
        id,
        properties: props.as_object().unwrap().clone().into(),
    }
}

fn sample() -> Snapshot {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data/geojson");
    let snap = nestmap::load::load_dir(&dir).unwrap();
    assert!(!snap.report.has_errors(), "{:?}", snap.report.problems);
    snap
}

/// Length by an independent method: each `[lon, lat]`-straight segment cut into 200 pieces,
/// each piece's Earth-centred chord summed (a chord under 100 m is its arc to 1e-10).
fn oracle_length(parts: &[Vec<[f64; 2]>]) -> f64 {
    let ecef = |p: [f64; 2]| {
        let (a, e2) = (6_378_137.0f64, 0.006_694_379_990_141_317f64);
        let (l, f) = (p[0].to_radians(), p[1].to_radians());
        let n = a / (1.0 - e2 * f.sin().powi(2)).sqrt();
        [
            n * f.cos() * l.cos(),
            n * f.cos() * l.sin(),
            n * (1.0 - e2) * f.sin(),
        ]
    };
    let mut sum = 0.0;
    for part in parts {
        for w in part.windows(2) {
            for k in 0..200 {
                let t0 = k as f64 / 200.0;
                let t1 = (k + 1) as f64 / 200.0;
                let at = |t: f64| {
                    ecef([
                        w[0][0] + (w[1][0] - w[0][0]) * t,
                        w[0][1] + (w[1][1] - w[0][1]) * t,
                    ])
                };
                let (a, b) = (at(t0), at(t1));
                sum +=
                    ((a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2) + (a[2] - b[2]).powi(2)).sqrt();
            }
        }
    }
    sum
}

fn random_path(r: &mut Rng, start: [f64; 2], n: usize, step_deg: f64) -> Vec<[f64; 2]> {
    let mut p = start;
    let mut heading = r.range(0.0, std::f64::consts::TAU);
    let mut out = vec![p];
    for _ in 1..n {
        heading += r.range(-0.7, 0.7);
        let s = r.range(0.2, 1.0) * step_deg;
        p = [p[0] + s * heading.cos(), p[1] + s * heading.sin()];
        out.push(p);
    }
    out
}

#[test]
fn length_is_within_a_tenth_of_a_percent_of_a_geodesic_sum() {
    let mut r = Rng::new(5);
    for lat in [18.5, 25.0, 31.4, 40.0, 53.0] {
        for _ in 0..20 {
            let start = [r.range(75.0, 133.0), lat];
            let parts = vec![
                random_path(&mut r, start, 30, 0.01),
                random_path(&mut r, [start[0] + 0.2, lat], 10, 0.05),
            ];
            let ours = length_m(&parts);
            let oracle = oracle_length(&parts);
            assert!(
                (ours - oracle).abs() <= 0.001 * oracle,
                "at {lat}N: {ours} vs {oracle}"
            );
        }
    }
    // The sample lines too.
    let snap = sample();
    for line in nestmap::query::routes::lines(&snap) {
        let ours = length_m(&line.parts);
        let oracle = oracle_length(&line.parts);
        assert!((ours - oracle).abs() <= 0.001 * oracle, "{}", line.id);
        assert!(ours > 1000.0, "{} is {ours} m", line.id);
    }
}

/// A world around `centre`: one line with stops, and 1000 villages scattered around it.
/// A village of the random world: position, children, id.
type Village = ([f64; 2], i64, String);

fn world(seed: u64, centre: [f64; 2]) -> (Snapshot, Line, Vec<Village>) {
    let mut r = Rng::new(seed);
    let path = random_path(&mut r, centre, 40, 0.004);
    let mut stops = Vec::new();
    for (k, i) in (0..path.len()).step_by(5).enumerate() {
        stops.push(
            json!({"type": "Feature", "geometry": {"type": "Point", "coordinates": path[i]},
            "properties": {"seq": k + 1}}),
        );
    }
    let draft_fc = json!({"type": "FeatureCollection", "features":
        std::iter::once(json!({"type": "Feature", "geometry": {"type": "LineString", "coordinates": path}, "properties": {}}))
            .chain(stops).collect::<Vec<_>>()});
    let line = draft(&draft_fc).unwrap();
    let (mut min, mut max) = (path[0], path[0]);
    for p in &path {
        min = [min[0].min(p[0]), min[1].min(p[1])];
        max = [max[0].max(p[0]), max[1].max(p[1])];
    }
    let mut villages = Vec::new();
    let mut feats = Vec::new();
    for i in 0..1000 {
        let p = [
            r.range(min[0] - 0.05, max[0] + 0.05),
            r.range(min[1] - 0.05, max[1] + 0.05),
        ];
        let children = (r.f() * 300.0) as i64;
        let id = format!("v{i}");
        feats.push((
            feature(
                id.clone(),
                json!({"name": format!("示例村 {i}"), "code": format!("{i}"), "township": "示例镇",
                    "population": children * 8, "children": children}),
            ),
            Geometry::Point(Point::new(p[0], p[1])),
        ));
        villages.push((p, children, id));
    }
    let demand = Layer::new(spec("demand", LayerKind::Demand), feats);
    (
        Snapshot::new(vec![demand], Default::default()),
        line,
        villages,
    )
}

#[test]
fn served_and_unserved_villages_equal_a_brute_force_scan() {
    for (seed, centre) in [
        (1, [120.7, 31.45]),
        (2, [87.6, 43.8]),
        (3, [110.3, 20.0]),
        (4, [126.6, 45.7]),
    ] {
        let (snap, line, villages) = world(seed, centre);
        let params = ReviewParams {
            walk_m: 600.0,
            corridor_m: 2500.0,
            ..Default::default()
        };
        let rev = review(&snap, &line, &params, None).unwrap();
        let geom = Geometry::MultiLineString(MultiLineString(
            line.parts
                .iter()
                .map(|p| LineString::from(p.iter().map(|q| (q[0], q[1])).collect::<Vec<_>>()))
                .collect(),
        ));
        let (mut served, mut unserved) = (BTreeSet::new(), BTreeSet::new());
        let mut borderline = BTreeSet::new();
        for (p, _, id) in &villages {
            let to_stop = line
                .stops
                .iter()
                .map(|s| geodesic(*p, s.position))
                .fold(f64::INFINITY, f64::min);
            let to_line = oracle_distance(*p, &geom);
            if (to_stop - params.walk_m).abs() < 0.01 || (to_line - params.corridor_m).abs() < 0.01
            {
                borderline.insert(id.clone());
            }
            if to_stop <= params.walk_m {
                served.insert(id.clone());
            } else if to_line <= params.corridor_m {
                unserved.insert(id.clone());
            }
        }
        let got_served: BTreeSet<String> = rev.served.iter().map(|v| v.id.clone()).collect();
        let got_unserved: BTreeSet<String> = rev.unserved.iter().map(|v| v.id.clone()).collect();
        let strip = |s: &BTreeSet<String>| -> BTreeSet<String> {
            s.difference(&borderline).cloned().collect()
        };
        assert_eq!(strip(&got_served), strip(&served), "served, seed {seed}");
        assert_eq!(
            strip(&got_unserved),
            strip(&unserved),
            "unserved, seed {seed}"
        );
        assert!(
            served.len() > 5 && unserved.len() > 20,
            "a test that can fail: {} {}",
            served.len(),
            unserved.len()
        );
        // Distances to the nearest stop match the scan, and unserved are ranked by children.
        for v in rev.served.iter().chain(&rev.unserved) {
            let to_stop = line
                .stops
                .iter()
                .map(|s| geodesic(v.position, s.position))
                .fold(f64::INFINITY, f64::min);
            assert!(
                (v.distance_m - to_stop).abs() < 0.01,
                "{} {} {}",
                v.id,
                v.distance_m,
                to_stop
            );
        }
        assert!(rev
            .unserved
            .windows(2)
            .all(|w| w[0].children >= w[1].children));
        assert_eq!(
            rev.served_children(),
            villages
                .iter()
                .filter(|v| got_served.contains(&v.2))
                .map(|v| v.1)
                .sum::<i64>()
        );
    }
}

// ---- findings: one fixture that triggers each code, one that does not ----

/// A clean line far from the sample's villages and lines (east of Shanghai, on the sea), with
/// stops every ~1 km, ending at the school.
fn clean() -> Value {
    let path: Vec<[f64; 2]> = (0..6).map(|i| [122.3 + 0.0105 * i as f64, 31.0]).collect();
    fc(
        &path,
        &path
            .iter()
            .enumerate()
            .map(|(i, p)| (i as i64 + 1, *p))
            .collect::<Vec<_>>(),
        Some(path[5]),
    )
}

fn fc(path: &[[f64; 2]], stops: &[(i64, [f64; 2])], school: Option<[f64; 2]>) -> Value {
    let mut features = vec![
        json!({"type": "Feature", "geometry": {"type": "LineString", "coordinates": path},
        "properties": {"route_id": "draft", "school": "示例学校", "school_location": school}}),
    ];
    for (seq, p) in stops {
        features.push(json!({"type": "Feature", "geometry": {"type": "Point", "coordinates": p}, "properties": {"seq": seq}}));
    }
    json!({"type": "FeatureCollection", "features": features})
}

fn codes(snap: &Snapshot, v: &Value) -> BTreeSet<&'static str> {
    let line = draft(v).unwrap();
    review(snap, &line, &ReviewParams::default(), None)
        .unwrap()
        .findings
        .iter()
        .map(|f| f.code)
        .collect()
}

fn edit(v: &Value, f: impl FnOnce(&mut Vec<Value>)) -> Value {
    let mut v = v.clone();
    f(v["features"].as_array_mut().unwrap());
    v
}

#[test]
fn every_finding_code_has_a_trigger_and_a_clean_fixture() {
    let snap = sample();
    let base = clean();
    assert_eq!(
        codes(&snap, &base),
        BTreeSet::new(),
        "the clean fixture has no findings"
    );
    let path: Vec<[f64; 2]> = (0..6).map(|i| [122.3 + 0.0105 * i as f64, 31.0]).collect();
    let stops = |v: &[(i64, [f64; 2])]| fc(&path, v, Some(path[5]));
    let all: Vec<(i64, [f64; 2])> = path
        .iter()
        .enumerate()
        .map(|(i, p)| (i as i64 + 1, *p))
        .collect();
    let mut tested = BTreeSet::new();
    let mut check = |code: &'static str, trigger: Value, quiet: Value| {
        assert!(
            codes(&snap, &trigger).contains(code),
            "{code} not triggered"
        );
        assert!(
            !codes(&snap, &quiet).contains(code),
            "{code} triggered by its clean fixture"
        );
        tested.insert(code);
    };
    check("too_few_stops", stops(&all[..1]), stops(&[all[0], all[5]]));
    let mut swapped = all.clone();
    swapped.swap(2, 3);
    swapped[2].0 = 3;
    swapped[3].0 = 4;
    check("stop_order", stops(&swapped), base.clone());
    let mut dup = all.clone();
    dup.push((7, path[5]));
    let mut dup_ok = all.clone();
    dup_ok[5].1 = [path[5][0] + 0.0001, path[5][1]]; // 9.5 m away: not a duplicate
    check("duplicate_stop", stops(&dup), stops(&dup_ok));
    let cross = vec![
        [122.3, 31.0],
        [122.34, 31.0],
        [122.33, 31.01],
        [122.32, 30.99],
        [122.36, 30.99],
    ];
    let no_cross = vec![
        [122.3, 31.0],
        [122.34, 31.0],
        [122.33, 31.01],
        [122.32, 31.02],
        [122.36, 31.03],
    ];
    let ends = |p: &Vec<[f64; 2]>| vec![(1, p[0]), (2, p[p.len() - 1])];
    check(
        "self_intersection",
        fc(&cross, &ends(&cross), Some(cross[4])),
        fc(&no_cross, &ends(&no_cross), Some(no_cross[4])),
    );
    let mut zero = path.clone();
    zero.insert(3, path[3]);
    check(
        "zero_length_segment",
        fc(&zero, &all, Some(path[5])),
        base.clone(),
    );
    let mut off = all.clone();
    off[2].1 = [path[2][0], path[2][1] + 0.0009]; // ~100 m north of the line
    let mut near = all.clone();
    near[2].1 = [path[2][0], path[2][1] + 0.0002]; // ~22 m
    check("stop_off_line", stops(&off), stops(&near));
    let mut short = all.clone();
    short.insert(1, (2, [122.302, 31.0])); // 190 m after stop 1
    for (k, s) in short.iter_mut().enumerate() {
        s.0 = k as i64 + 1;
    }
    check("stop_spacing_short", stops(&short), base.clone());
    check(
        "far_from_school",
        fc(&path, &all, Some([path[5][0] + 0.02, 31.0])),
        fc(&path, &all, Some([path[5][0] + 0.003, 31.0])),
    );
    // A sample village with children: a line through it with stops 2 km away, then with a stop at it.
    let demand = snap.layer("demand").unwrap();
    let (vi, _) = demand
        .features
        .iter()
        .enumerate()
        .max_by_key(|(_, f)| f.properties["children"].as_i64())
        .unwrap();
    let geo::Geometry::Point(vp) = demand.geometry(vi) else {
        panic!()
    };
    let v = [vp.x(), vp.y()];
    let through = vec![[v[0] - 0.03, v[1]], v, [v[0] + 0.03, v[1]]];
    let far_stops = vec![(1, through[0]), (2, through[2])];
    let mut with_stop = far_stops.clone();
    with_stop.insert(1, (2, v));
    with_stop[2].0 = 3;
    let trig = fc(&through, &far_stops, Some(through[2]));
    let quiet = fc(&through, &with_stop, Some(through[2]));
    let line = draft(&quiet).unwrap();
    let rev = review(&snap, &line, &ReviewParams::default(), None).unwrap();
    assert!(rev.served.iter().any(|s| s.id == demand.features[vi].id));
    let unserved_of = |x: &Value| -> Vec<String> {
        review(&snap, &draft(x).unwrap(), &ReviewParams::default(), None)
            .unwrap()
            .unserved
            .iter()
            .map(|u| u.id.clone())
            .collect()
    };
    assert!(unserved_of(&trig).contains(&demand.features[vi].id));
    assert!(!unserved_of(&quiet).contains(&demand.features[vi].id));
    check("unserved_village", trig, base.clone());
    // Along sample line sb-1 (shares its road), against the clean line far away.
    let sb1 = nestmap::query::routes::line(&snap, "sb-1").unwrap();
    let along = fc(
        &sb1.parts[0],
        &[(1, sb1.parts[0][0]), (2, *sb1.parts[0].last().unwrap())],
        None,
    );
    check("shared_length", along, base.clone());
    let all_codes: BTreeSet<&str> = FINDING_CODES.iter().map(|c| c.0).collect();
    assert_eq!(tested, all_codes, "every documented code has its fixtures");
}

#[test]
fn stop_spacing_and_run_time_follow_from_the_stops() {
    let snap = sample();
    let line = draft(&clean()).unwrap();
    let p = ReviewParams {
        speed_kmh: 20.0,
        dwell_s: 45.0,
        ..Default::default()
    };
    let rev = review(&snap, &line, &p, None).unwrap();
    let gaps: Vec<f64> = line
        .stops
        .windows(2)
        .map(|w| geodesic(w[0].position, w[1].position))
        .collect();
    let s = rev.spacing.unwrap();
    let min = gaps.iter().copied().fold(f64::INFINITY, f64::min);
    let max = gaps.iter().copied().fold(0.0, f64::max);
    assert!(
        (s.min_m - min).abs() < 0.01 && (s.max_m - max).abs() < 0.01,
        "{s:?} {gaps:?}"
    );
    assert!((s.mean_m - gaps.iter().sum::<f64>() / gaps.len() as f64).abs() < 0.01);
    let want = rev.length_m / (20.0 / 3.6) / 60.0 + 6.0 * 45.0 / 60.0;
    assert!((rev.run_time_min - want).abs() < 1e-9);
    assert_eq!(rev.last_stop_to_school_m, Some(0.0));
}

// ---- HTTP ----

fn app() -> axum::Router {
    nestmap::app(nestmap::AppState::new(
        sample(),
        "web".into(),
        "node_modules/maplibre-gl/dist".into(),
    ))
}

async fn call(app: &axum::Router, req: Request<Body>) -> (StatusCode, Value) {
    let res = app.clone().oneshot(req).await.unwrap();
    let status = res.status();
    let bytes = res.into_body().collect().await.unwrap().to_bytes();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

async fn get(app: &axum::Router, uri: &str) -> (StatusCode, Value) {
    call(app, Request::get(uri).body(Body::empty()).unwrap()).await
}

async fn post(app: &axum::Router, uri: &str, ct: &str, body: String) -> (StatusCode, Value) {
    call(
        app,
        Request::post(uri)
            .header("content-type", ct)
            .body(Body::from(body))
            .unwrap(),
    )
    .await
}

#[tokio::test]
async fn the_api_lists_reviews_and_compares_lines() {
    let app = app();
    let (s, v) = get(&app, "/api/routes").await;
    assert_eq!(s, StatusCode::OK);
    let routes = v["routes"].as_array().unwrap();
    assert_eq!(routes.len(), 3);
    let snap = sample();
    for r in routes {
        let line = nestmap::query::routes::line(&snap, r["id"].as_str().unwrap()).unwrap();
        assert!(
            (r["length_m"].as_f64().unwrap() - oracle_length(&line.parts)).abs()
                < 0.001 * r["length_m"].as_f64().unwrap()
        );
        assert_eq!(r["stop_count"].as_u64().unwrap() as usize, line.stops.len());
        let (s, rev) = get(
            &app,
            &format!("/api/routes/{}/review", r["id"].as_str().unwrap()),
        )
        .await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(rev["stop_count"], r["stop_count"]);
        assert_eq!(rev["params"]["walk_m"], 500.0);
    }

    // A draft of sb-1 with its second stop moved 2 km away: the diff is the difference of the
    // two reviews' served sets.
    let sb1 = nestmap::query::routes::line(&snap, "sb-1").unwrap();
    let mut stops: Vec<(i64, [f64; 2])> = sb1.stops.iter().map(|s| (s.seq, s.position)).collect();
    stops[1].1 = [stops[1].1[0] + 0.02, stops[1].1[1]];
    let body = fc(&sb1.parts[0], &stops, None).to_string();
    let (s, d) = post(
        &app,
        "/api/routes/review?compare=sb-1&walk_m=800",
        "application/geo+json",
        body,
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{d}");
    let (_, base) = get(&app, "/api/routes/sb-1/review?walk_m=800").await;
    let names = |v: &Value| -> BTreeSet<String> {
        v["served"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x["name"].as_str().unwrap().to_string())
            .collect()
    };
    let (now, before) = (names(&d), names(&base));
    let gained: BTreeSet<String> = d["diff"]["villages_gained"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_str().unwrap().to_string())
        .collect();
    let lost: BTreeSet<String> = d["diff"]["villages_lost"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_str().unwrap().to_string())
        .collect();
    assert_eq!(gained, now.difference(&before).cloned().collect());
    assert_eq!(lost, before.difference(&now).cloned().collect());
    assert!(
        !gained.is_empty() || !lost.is_empty(),
        "moving a stop 2 km changes something"
    );
    let children = |v: &Value, set: &BTreeSet<String>| -> i64 {
        v["served"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|x| set.contains(x["name"].as_str().unwrap()))
            .map(|x| x["children"].as_i64().unwrap())
            .sum()
    };
    assert_eq!(
        d["diff"]["children_gained"].as_i64().unwrap(),
        children(&d, &gained)
    );
    assert_eq!(
        d["diff"]["children_lost"].as_i64().unwrap(),
        children(&base, &lost)
    );
    assert_eq!(d["diff"]["against"], "sb-1");
    assert_eq!(
        d["route"]["school_location"], base["route"]["school_location"],
        "the school comes from the compared line"
    );
}

#[tokio::test]
async fn malformed_drafts_and_parameters_are_400s_naming_the_reason() {
    let app = app();
    let ok = clean();
    let cases: Vec<(Value, &str)> = vec![
        (
            json!({"type": "FeatureCollection", "features": []}),
            "empty",
        ),
        (json!([1, 2]), "FeatureCollection"),
        (json!({"type": "Feature"}), "FeatureCollection"),
        (
            edit(&ok, |f| {
                f.remove(0);
            }),
            "no line",
        ),
        (
            edit(&ok, |f| {
                f[0]["geometry"]["coordinates"] = json!([[122.3, 31.0]])
            }),
            "at least 2",
        ),
        (
            edit(&ok, |f| f[0]["geometry"]["coordinates"] = json!([])),
            "at least 2",
        ),
        (
            edit(&ok, |f| {
                f[1]["properties"].as_object_mut().unwrap().remove("seq");
            }),
            "no \"seq\"",
        ),
        (
            edit(&ok, |f| f[1]["properties"]["seq"] = json!("one")),
            "integer",
        ),
        (
            edit(&ok, |f| f[1]["properties"]["seq"] = json!(0)),
            "integer",
        ),
        (
            edit(&ok, |f| f[2]["properties"]["seq"] = json!(1)),
            "used twice",
        ),
        (
            edit(&ok, |f| {
                f[1]["geometry"]["coordinates"] = json!([190.0, 31.0])
            }),
            "longitude 190",
        ),
        (
            edit(&ok, |f| {
                f[1]["geometry"]["coordinates"] = json!([122.0, -91.0])
            }),
            "latitude -91",
        ),
        (
            edit(&ok, |f| f[0]["geometry"]["coordinates"][1] = json!([122.3])),
            "a position is [lon, lat]",
        ),
        (
            edit(&ok, |f| {
                f[0]["geometry"]["coordinates"][1] = json!(["a", 31.0])
            }),
            "not a finite number",
        ),
        (
            edit(
                &ok,
                |f| {
                    f[1]["geometry"] =
                        json!({"type": "Polygon", "coordinates": [[[0,0],[1,0],[1,1],[0,0]]]})
                },
            ),
            "is a Polygon",
        ),
        (edit(&ok, |f| f[1]["geometry"] = json!(null)), "no geometry"),
        (edit(&ok, |f| f.push(f[0].clone())), "second line"),
        (
            edit(&ok, |f| {
                f[0]["geometry"] = json!({"type": "MultiLineString", "coordinates": []})
            }),
            "no lines",
        ),
        (edit(&ok, |f| f[1] = json!("stop")), "not a GeoJSON Feature"),
    ];
    assert!(cases.len() >= 15);
    for (body, want) in cases {
        let (s, v) = post(
            &app,
            "/api/routes/review",
            "application/json",
            body.to_string(),
        )
        .await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{body} -> {v}");
        let msg = v["error"]["message"].as_str().unwrap();
        assert!(msg.contains(want), "{msg:?} should say {want:?}");
        assert!(msg.starts_with("parameter \"body\""), "{msg}");
    }
    let (s, v) = post(
        &app,
        "/api/routes/review",
        "application/json",
        "{not json".into(),
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(v["error"]["message"]
        .as_str()
        .unwrap()
        .contains("not valid JSON"));
    let (s, _) = post(&app, "/api/routes/review", "text/plain", ok.to_string()).await;
    assert_eq!(s, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let (s, v) = post(
        &app,
        "/api/routes/review?compare=sb-9",
        "application/json",
        ok.to_string(),
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(v["error"]["message"].as_str().unwrap().contains("compare"));
    for (uri, param) in [
        ("/api/routes/sb-1/review?walk_m=0", "walk_m"),
        ("/api/routes/sb-1/review?walk_m=abc", "walk_m"),
        ("/api/routes/sb-1/review?speed_kmh=NaN", "speed_kmh"),
        ("/api/routes/sb-1/review?dwell_s=-1", "dwell_s"),
        ("/api/routes/sb-1/review?corridor_m=100", "corridor_m"),
        ("/api/routes/sb-1/review?bogus=1", "bogus"),
        ("/api/routes?x=1", "x"),
    ] {
        let (s, v) = get(&app, uri).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{uri}");
        assert!(
            v["error"]["message"].as_str().unwrap().contains(param),
            "{uri}: {v}"
        );
    }
    let (s, v) = get(&app, "/api/routes/sb-9/review").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert!(v["error"]["message"].as_str().unwrap().contains("sb-9"));
}

// ---- audit gaps: shared length, the diff against a line, spacing along a curved line ----

/// A point of the `[lon, lat]`-straight segment `a-b` (segments are drawn straight in
/// `[lon, lat]`, as the README says).
fn seg_at(a: [f64; 2], b: [f64; 2], t: f64) -> [f64; 2] {
    [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t]
}

/// The parameter of the point of segment `a-b` nearest `p` on the ground: golden-section
/// search on geo's Karney geodesic distance, ends included.
fn oracle_nearest_t(p: [f64; 2], a: [f64; 2], b: [f64; 2]) -> f64 {
    let f = |t: f64| geodesic(p, seg_at(a, b, t));
    let (mut lo, mut hi) = (0.0f64, 1.0f64);
    let g = 0.618_033_988_749_895;
    for _ in 0..100 {
        let m1 = hi - g * (hi - lo);
        let m2 = lo + g * (hi - lo);
        if f(m1) < f(m2) {
            hi = m2;
        } else {
            lo = m1;
        }
    }
    [0.0, 0.5 * (lo + hi), 1.0]
        .into_iter()
        .min_by(|x, y| f(*x).total_cmp(&f(*y)))
        .unwrap()
}

/// Independent projection of `p` onto a path: the nearest point of every segment by
/// [`oracle_nearest_t`], the nearest of those, and the geodesic length of the path up to it.
/// `(along_m, offset_m)`.
fn oracle_project(parts: &[Vec<[f64; 2]>], p: [f64; 2]) -> (f64, f64) {
    let mut before = 0.0;
    let mut best = (0.0, f64::INFINITY);
    for part in parts {
        for w in part.windows(2) {
            let c = seg_at(w[0], w[1], oracle_nearest_t(p, w[0], w[1]));
            let d = geodesic(p, c);
            if d < best.1 {
                best = (before + geodesic(w[0], c), d);
            }
            before += geodesic(w[0], w[1]);
        }
    }
    best
}

/// Geodesic length of a path, vertex to vertex (geo's `Geodesic`).
fn geodesic_length(parts: &[Vec<[f64; 2]>]) -> f64 {
    parts
        .iter()
        .flat_map(|p| p.windows(2))
        .map(|w| geodesic(w[0], w[1]))
        .sum()
}

/// Brute-force shared length: `line` cut into pieces of at most `step_m` metres, a piece
/// counted when its midpoint lies within `tol_m` of some segment of `other` (golden-section
/// distance; a segment is skipped only when the triangle inequality already puts it beyond
/// `tol_m`). Returns the metres and how many times the piece-by-piece answer switches
/// between in and out (each switch is where a sampled method may be off by a step).
fn oracle_shared(
    line: &[Vec<[f64; 2]>],
    other: &[Vec<[f64; 2]>],
    tol_m: f64,
    step_m: f64,
) -> (f64, usize) {
    let segs: Vec<([f64; 2], [f64; 2], f64)> = other
        .iter()
        .flat_map(|p| p.windows(2))
        .map(|w| (w[0], w[1], geodesic(w[0], w[1])))
        .collect();
    let near = |p: [f64; 2]| {
        segs.iter().any(|&(a, b, len)| {
            if geodesic(p, a) - 1.01 * len > tol_m + 1.0 {
                return false;
            }
            geodesic(p, seg_at(a, b, oracle_nearest_t(p, a, b))) <= tol_m
        })
    };
    let (mut shared, mut switches) = (0.0, 0);
    for part in line {
        let mut last: Option<bool> = None;
        for w in part.windows(2) {
            let len = geodesic(w[0], w[1]);
            let n = (len / step_m).ceil().max(1.0) as usize;
            for k in 0..n {
                let inside = near(seg_at(w[0], w[1], (k as f64 + 0.5) / n as f64));
                if inside {
                    shared += len / n as f64;
                }
                if last.is_some_and(|l| l != inside) {
                    switches += 1;
                }
                last = Some(inside);
            }
        }
    }
    (shared, switches)
}

/// The `shared` answer of a review as (route, metres).
fn shared_of(v: &Value) -> Vec<(String, f64)> {
    v["shared"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["route"].as_str().unwrap().to_string(),
                s["length_m"].as_f64().unwrap(),
            )
        })
        .collect()
}

#[tokio::test]
async fn shared_length_equals_a_brute_force_measure_of_the_overlap() {
    use nestmap::query::routes::{SHARED_STEP_M, SHARED_TOLERANCE_M};
    let app = app();
    let snap = sample();
    let all = nestmap::query::routes::lines(&snap);
    let sb1 = nestmap::query::routes::line(&snap, "sb-1").unwrap();
    // A stretch of sb-1 (vertices 3..=8, about 2.6 km), reached by a detour from ~1 km south
    // and left by another: the overlap with sb-1 is that stretch and the few metres where
    // the detours come within the tolerance.
    let stretch: Vec<[f64; 2]> = sb1.parts[0][3..=8].to_vec();
    let stretch_m = geodesic_length(std::slice::from_ref(&stretch));
    let (first, last) = (stretch[0], stretch[stretch.len() - 1]);
    let mut overlapping = vec![[first[0], first[1] - 0.009]];
    overlapping.extend(&stretch);
    overlapping.push([last[0] + 0.002, last[1] - 0.009]);
    // The same stretch moved ~28 m north: its steeper segments (more than ~25 degrees from
    // east) are within the tolerance, the flatter ones beyond it.
    let beside: Vec<[f64; 2]> = stretch.iter().map(|p| [p[0], p[1] + 0.00025]).collect();

    let step = 2.0;
    let mut overlap_with_sb1 = None;
    for (name, path) in [("overlapping", &overlapping), ("beside", &beside)] {
        let ends = [(1, path[0]), (2, path[path.len() - 1])];
        let (s, v) = post(
            &app,
            "/api/routes/review",
            "application/geo+json",
            fc(path, &ends, None).to_string(),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let got = shared_of(&v);
        for other in &all {
            let (want, switches) = oracle_shared(
                std::slice::from_ref(path),
                &other.parts,
                SHARED_TOLERANCE_M,
                step,
            );
            // Where the line passes in or out of the tolerance, a sampled measure is off by at
            // most half a sample: the server's (at most SHARED_STEP_M) and ours (`step`), at
            // each switch, plus half a sample for a switch our finer sampling might miss;
            // the answer is rounded to 0.1 m.
            let tol = switches as f64 * (SHARED_STEP_M + step) / 2.0 + SHARED_STEP_M / 2.0 + 0.05;
            let reported = got
                .iter()
                .find(|(id, _)| *id == other.id)
                .map_or(0.0, |x| x.1);
            assert!(
                (reported - want).abs() <= tol,
                "{name} along {}: reported {reported} m, brute force {want} m ({switches} switches)",
                other.id
            );
            if name == "overlapping" && other.id == "sb-1" {
                overlap_with_sb1 = Some(reported);
            }
            if name == "beside" && other.id == "sb-1" {
                assert!(
                    want > 200.0 && want < stretch_m - 200.0,
                    "the moved copy is partly within {SHARED_TOLERANCE_M} m: {want} of {stretch_m}"
                );
            }
        }
        // Every reported line is a real line other than the draft, reported once.
        let ids: BTreeSet<&str> = got.iter().map(|x| x.0.as_str()).collect();
        assert_eq!(ids.len(), got.len());
        assert!(ids.iter().all(|id| all.iter().any(|l| l.id == *id)));
        let has_finding = v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["code"] == "shared_length");
        assert_eq!(has_finding, !got.is_empty());
    }
    // The known stretch: all of it is shared, and little more (the detours meet the line at
    // a steep angle, so only their last few tens of metres are within the tolerance).
    let m = overlap_with_sb1.expect("the overlap with sb-1 is reported");
    assert!(
        m >= stretch_m - SHARED_STEP_M && m <= stretch_m + 4.0 * SHARED_TOLERANCE_M,
        "shared {m} m, copied stretch {stretch_m} m"
    );
}

/// Villages of the sample's demand layer: (name, `[lon, lat]`, children).
fn sample_villages(snap: &Snapshot) -> Vec<(String, [f64; 2], i64)> {
    let demand = snap.layer("demand").unwrap();
    demand
        .features
        .iter()
        .enumerate()
        .filter_map(|(i, f)| match demand.geometry(i) {
            Geometry::Point(p) => Some((
                f.properties["name"].as_str().unwrap().to_string(),
                [p.x(), p.y()],
                f.properties["children"].as_i64().unwrap_or(0),
            )),
            _ => None,
        })
        .collect()
}

/// Brute-force served villages: name -> children of every village with a stop within
/// `walk_m` on the ground; and the names within 1 cm of that limit (either answer is right).
fn oracle_served(
    villages: &[(String, [f64; 2], i64)],
    stops: &[[f64; 2]],
    walk_m: f64,
) -> (std::collections::BTreeMap<String, i64>, BTreeSet<String>) {
    let (mut served, mut borderline) = (std::collections::BTreeMap::new(), BTreeSet::new());
    for (name, p, children) in villages {
        let d = stops
            .iter()
            .map(|s| geodesic(*p, *s))
            .fold(f64::INFINITY, f64::min);
        if (d - walk_m).abs() < 0.01 {
            borderline.insert(name.clone());
        }
        if d <= walk_m {
            served.insert(name.clone(), *children);
        }
    }
    (served, borderline)
}

#[tokio::test]
async fn a_draft_diff_equals_independent_lengths_run_times_and_served_sets() {
    let (walk_m, speed_kmh, dwell_s) = (600.0, 25.0, 40.0);
    let app = app();
    let snap = sample();
    let villages = sample_villages(&snap);
    let sb1 = nestmap::query::routes::line(&snap, "sb-1").unwrap();
    let base_stops: Vec<[f64; 2]> = sb1.stops.iter().map(|s| s.position).collect();
    let (base_served, base_border) = oracle_served(&villages, &base_stops, walk_m);
    let without = |skip: &[usize]| -> Vec<[f64; 2]> {
        (0..base_stops.len())
            .filter(|i| !skip.contains(i))
            .map(|i| base_stops[i])
            .collect()
    };
    // Drop the intermediate stop whose loss costs the most children, and one more.
    let lost_children = |skip: &[usize]| -> i64 {
        let (now, _) = oracle_served(&villages, &without(skip), walk_m);
        base_served
            .iter()
            .filter(|(n, _)| !now.contains_key(*n))
            .map(|(_, c)| c)
            .sum()
    };
    let dropped = (1..base_stops.len() - 1)
        .max_by_key(|&i| lost_children(&[i]))
        .unwrap();
    assert!(
        lost_children(&[dropped]) > 0,
        "some stop of sb-1 serves a village alone"
    );
    let also = (1..base_stops.len() - 1).find(|&i| i != dropped).unwrap();
    // Gain the village with the most children that sb-1 leaves 0.8-3 km from its line, by a
    // detour from the nearest vertex and a stop at the village.
    let path = &sb1.parts[0];
    let (gain_name, gain, _) = villages
        .iter()
        .filter(|(n, _, c)| *c > 0 && !base_served.contains_key(n))
        .filter(|(_, p, _)| {
            let off = oracle_project(&sb1.parts, *p).1;
            (800.0..3000.0).contains(&off)
        })
        .max_by_key(|v| v.2)
        .cloned()
        .expect("a village beside sb-1");
    let k = (0..path.len() - 1)
        .min_by(|&a, &b| geodesic(gain, path[a]).total_cmp(&geodesic(gain, path[b])))
        .unwrap();
    let mut draft_path = path.clone();
    draft_path.insert(k + 1, gain);
    let mut draft_stops = without(&[dropped, also]);
    draft_stops.push(gain);
    let parts = vec![draft_path.clone()];
    draft_stops.sort_by(|a, b| {
        oracle_project(&parts, *a)
            .0
            .total_cmp(&oracle_project(&parts, *b).0)
    });
    let numbered: Vec<(i64, [f64; 2])> = draft_stops
        .iter()
        .enumerate()
        .map(|(i, p)| (i as i64 + 1, *p))
        .collect();
    let body = fc(&draft_path, &numbered, None).to_string();
    let q = format!("walk_m={walk_m}&speed_kmh={speed_kmh}&dwell_s={dwell_s}");
    let (s, d) = post(
        &app,
        &format!("/api/routes/review?compare=sb-1&{q}"),
        "application/geo+json",
        body,
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{d}");
    let (s, base) = get(&app, &format!("/api/routes/sb-1/review?{q}")).await;
    assert_eq!(s, StatusCode::OK, "{base}");
    let diff = &d["diff"];
    let num = |v: &Value| v.as_f64().unwrap();

    // Lengths: geodesic sums of the two paths; the change is their difference (answers are
    // rounded to 0.1).
    let (len_b, len_d) = (geodesic_length(&sb1.parts), geodesic_length(&parts));
    assert!((num(&base["length_m"]) - len_b).abs() <= 0.05 + 1e-6 * len_b);
    assert!((num(&d["length_m"]) - len_d).abs() <= 0.05 + 1e-6 * len_d);
    assert!(
        (num(&diff["length_change_m"]) - (len_d - len_b)).abs() <= 0.05 + 1e-6 * len_d,
        "{diff} vs {}",
        len_d - len_b
    );
    assert!(
        (num(&diff["length_change_m"]) - (num(&d["length_m"]) - num(&base["length_m"]))).abs()
            <= 0.1 + 1e-9
    );
    assert!(
        len_d - len_b > 1000.0,
        "the detour to a village 0.8-3 km away adds length"
    );

    // Run times: length at speed_kmh plus dwell_s at every stop (the draft has one stop fewer).
    let run =
        |len: f64, stops: usize| len / (speed_kmh / 3.6) / 60.0 + stops as f64 * dwell_s / 60.0;
    let (run_b, run_d) = (run(len_b, base_stops.len()), run(len_d, draft_stops.len()));
    assert_eq!(draft_stops.len() + 1, base_stops.len());
    assert!((num(&base["run_time_min"]) - run_b).abs() <= 0.05 + 1e-9);
    assert!((num(&d["run_time_min"]) - run_d).abs() <= 0.05 + 1e-9);
    assert!(
        (num(&diff["run_time_change_min"]) - (run_d - run_b)).abs() <= 0.05 + 1e-9,
        "{diff} vs {}",
        run_d - run_b
    );
    assert!(
        (num(&diff["run_time_change_min"])
            - (num(&d["run_time_min"]) - num(&base["run_time_min"])))
        .abs()
            <= 0.1 + 1e-9
    );

    // Villages and children gained and lost: set differences of the brute-force served sets.
    let (draft_served, draft_border) = oracle_served(&villages, &draft_stops, walk_m);
    let border: BTreeSet<String> = base_border.union(&draft_border).cloned().collect();
    let names = |v: &Value| -> BTreeSet<String> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_str().unwrap().to_string())
            .filter(|n| !border.contains(n))
            .collect()
    };
    let minus = |a: &std::collections::BTreeMap<String, i64>,
                 b: &std::collections::BTreeMap<String, i64>| {
        a.iter()
            .filter(|(n, _)| !b.contains_key(*n) && !border.contains(*n))
            .map(|(n, c)| (n.clone(), *c))
            .collect::<std::collections::BTreeMap<String, i64>>()
    };
    let (gained, lost) = (
        minus(&draft_served, &base_served),
        minus(&base_served, &draft_served),
    );
    assert!(gained.contains_key(&gain_name), "{gained:?}");
    assert!(!lost.is_empty());
    assert_eq!(
        names(&diff["villages_gained"]),
        gained.keys().cloned().collect()
    );
    assert_eq!(
        names(&diff["villages_lost"]),
        lost.keys().cloned().collect()
    );
    if border.is_empty() {
        assert_eq!(
            diff["children_gained"].as_i64().unwrap(),
            gained.values().sum::<i64>()
        );
        assert_eq!(
            diff["children_lost"].as_i64().unwrap(),
            lost.values().sum::<i64>()
        );
    }
    assert!(gained.values().sum::<i64>() > 0 && lost.values().sum::<i64>() > 0);
}

#[tokio::test]
async fn stop_spacing_on_a_curved_line_is_measured_along_the_line() {
    // Two curved lines on the sea east of Shanghai (no villages, no other lines): an L (3 km
    // east, then 3 km north) and three quarters of a 2 km circle. Stops sit between vertices,
    // some up to 15 m off the line.
    let (o, m_lat, m_lon) = ([122.35, 31.0], 110_900.0, 95_100.0);
    let xy = |x: f64, y: f64| [o[0] + x / m_lon, o[1] + y / m_lat];
    let l_path: Vec<[f64; 2]> = (0..=30)
        .map(|i| {
            let s = 200.0 * i as f64;
            if s <= 3000.0 {
                xy(s, 0.0)
            } else {
                xy(3000.0, s - 3000.0)
            }
        })
        .collect();
    let l_stops = vec![
        xy(1100.0, 12.0),
        xy(2550.0, -8.0),
        xy(3010.0, 1450.0),
        xy(2995.0, 2900.0),
    ];
    let arc = |deg: f64, r: f64| {
        let a = deg.to_radians();
        xy(r * a.cos(), r * a.sin())
    };
    let arc_path: Vec<[f64; 2]> = (0..=90).map(|i| arc(3.0 * i as f64, 2000.0)).collect();
    let arc_stops = vec![
        arc(1.5, 2000.0),
        arc(40.5, 2015.0),
        arc(160.5, 1990.0),
        arc(199.5, 2000.0),
        arc(268.5, 2010.0),
    ];
    let app = app();
    let snap = sample();
    for (name, path, stop_pos) in [("L", l_path, l_stops), ("arc", arc_path, arc_stops)] {
        let numbered: Vec<(i64, [f64; 2])> = stop_pos
            .iter()
            .enumerate()
            .map(|(i, p)| (i as i64 + 1, *p))
            .collect();
        let body = fc(&path, &numbered, None);
        let rev = review(
            &snap,
            &draft(&body).unwrap(),
            &ReviewParams::default(),
            None,
        )
        .unwrap();
        let parts = vec![path.clone()];
        let along: Vec<f64> = stop_pos
            .iter()
            .map(|p| oracle_project(&parts, *p).0)
            .collect();
        for (s, a) in rev.stops.iter().zip(&along) {
            assert!(
                (s.along_m - a).abs() < 0.05,
                "{name}: stop {} at {} m along, oracle {a}",
                s.stop.seq,
                s.along_m
            );
        }
        let gaps: Vec<f64> = along.windows(2).map(|w| w[1] - w[0]).collect();
        let chords: Vec<f64> = stop_pos.windows(2).map(|w| geodesic(w[0], w[1])).collect();
        let stats = |g: &[f64]| {
            (
                g.iter().copied().fold(f64::INFINITY, f64::min),
                g.iter().sum::<f64>() / g.len() as f64,
                g.iter().copied().fold(0.0, f64::max),
            )
        };
        let (min, mean, max) = stats(&gaps);
        let (_, chord_mean, chord_max) = stats(&chords);
        // The curve makes along-line and straight-line spacing clearly different.
        assert!(
            max - chord_max > 300.0
                && mean - chord_mean > 100.0
                && gaps.iter().zip(&chords).any(|(g, c)| g - c > 300.0),
            "{name}: {gaps:?} {chords:?}"
        );
        let s = rev.spacing.unwrap();
        for (what, got, want) in [
            ("min", s.min_m, min),
            ("mean", s.mean_m, mean),
            ("max", s.max_m, max),
        ] {
            assert!(
                (got - want).abs() < 0.05,
                "{name}: {what} spacing {got} m, along-line oracle {want} m"
            );
        }
        // The HTTP answer carries the same figures (rounded to 0.1 m).
        let (status, v) = post(
            &app,
            "/api/routes/review",
            "application/geo+json",
            body.to_string(),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{v}");
        for (what, want) in [("min", min), ("mean", mean), ("max", max)] {
            let got = v["spacing_m"][what].as_f64().unwrap();
            assert!((got - want).abs() <= 0.1, "{name}: {what} {got} vs {want}");
        }
    }
}
