//! Issue 4: coverage against a brute-force computation (every cell against every facility),
//! suggestions that add up exactly through `add`, greedy against the exhaustive optimum,
//! gap polygons against the cells, and refusals.

mod common;

use std::path::PathBuf;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::*;
use geo::{Contains, Geometry, LineString, MultiPolygon, Point, Polygon};
use http_body_util::BodyExt;
use nestmap::catalog::LayerSpec;
use nestmap::crs::Crs;
use nestmap::model::{Feature, LayerKind};
use nestmap::query::coverage::grid::Grid;
use nestmap::snapshot::{Layer, Snapshot};
use serde_json::{json, Value};
use tower::ServiceExt;

const CENTRE: [f64; 2] = [120.62, 31.43];

fn spec(id: &str, kind: LayerKind, radius: f64) -> LayerSpec {
    LayerSpec {
        id: id.into(),
        title_zh: id.into(),
        title_en: id.into(),
        kind,
        file: PathBuf::from(format!("{id}.geojson")),
        crs: Crs::Wgs84,
        service_radius_m: radius,
    }
}

fn feature(id: String, props: Value) -> Feature {
    Feature {
        id,
        properties: props.as_object().unwrap().clone().into(),
    }
}

fn rect(x0: f64, y0: f64, x1: f64, y1: f64) -> Polygon<f64> {
    Polygon::new(
        LineString::from(vec![(x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)]),
        vec![],
    )
}

struct World {
    snap: Snapshot,
    area: Polygon<f64>,
    lake: Polygon<f64>,
    zones: Vec<Polygon<f64>>,
    facilities: Vec<(Geometry<f64>, f64)>,
    people: Vec<([f64; 2], u64, u64)>,
}

/// A star-shaped district ~12 km across with a lake, two townships, random people, and
/// facilities of three geometry types (points r=600 m, parks r=300 m, a line r=400 m).
fn world(seed: u64) -> World {
    let mut r = Rng::new(seed);
    let n = 24;
    let mut ring: Vec<(f64, f64)> = (0..n)
        .map(|i| {
            let a = std::f64::consts::TAU * i as f64 / n as f64;
            let rad = 0.06 * r.range(0.7, 1.0);
            (CENTRE[0] + rad * a.cos(), CENTRE[1] + rad * a.sin())
        })
        .collect();
    ring.push(ring[0]);
    let area = Polygon::new(LineString::from(ring), vec![]);
    let lake = rect(
        CENTRE[0] + 0.005,
        CENTRE[1] + 0.005,
        CENTRE[0] + 0.02,
        CENTRE[1] + 0.015,
    );
    let zones = vec![
        rect(CENTRE[0] - 0.1, CENTRE[1] - 0.1, CENTRE[0], CENTRE[1] + 0.1),
        rect(CENTRE[0], CENTRE[1] - 0.1, CENTRE[0] + 0.1, CENTRE[1] + 0.1),
    ];
    let mut people = Vec::new();
    while people.len() < 60 {
        let p = [
            CENTRE[0] + r.range(-0.06, 0.06),
            CENTRE[1] + r.range(-0.06, 0.06),
        ];
        if area.contains(&Point::new(p[0], p[1])) {
            let pop = 500 + r.next_u64() % 5000;
            people.push((p, pop, pop / 7));
        }
    }
    let points: Vec<Geometry<f64>> = (0..8).map(|_| random_point(&mut r, CENTRE, 0.05)).collect();
    let parks: Vec<Geometry<f64>> = (0..4)
        .map(|_| random_polygon(&mut r, CENTRE, 0.05))
        .collect();
    let lines: Vec<Geometry<f64>> = (0..2).map(|_| random_line(&mut r, CENTRE, 0.04)).collect();
    let mut facilities = Vec::new();
    facilities.extend(points.iter().map(|g| (g.clone(), 600.0)));
    facilities.extend(parks.iter().map(|g| (g.clone(), 300.0)));
    facilities.extend(lines.iter().map(|g| (g.clone(), 400.0)));
    let named = |prefix: &str, gs: &[Geometry<f64>]| -> Vec<(Feature, Geometry<f64>)> {
        gs.iter()
            .enumerate()
            .map(|(i, g)| {
                (
                    feature(format!("{prefix}{i}"), json!({"name": format!("示例 {i}")})),
                    g.clone(),
                )
            })
            .collect()
    };
    let layers = vec![
        Layer::new(spec("district", LayerKind::District, 1000.0), vec![(feature("999001".into(), json!({"name": "示例区", "code": "999001"})), Geometry::Polygon(area.clone()))]),
        Layer::new(
            spec("townships", LayerKind::Townships, 1000.0),
            zones.iter().enumerate().map(|(i, z)| (feature(format!("t{i}"), json!({"name": format!("示例镇 {i}"), "code": format!("99900100{i}")})), Geometry::Polygon(z.clone()))).collect(),
        ),
        Layer::new(spec("water", LayerKind::Water, 1000.0), vec![(feature("lake".into(), json!({})), Geometry::Polygon(lake.clone()))]),
        Layer::new(
            spec("demand", LayerKind::Demand, 1000.0),
            people.iter().enumerate().map(|(i, (p, pop, ch))| (feature(format!("d{i}"), json!({"name": "示例村", "code": "x", "township": "x", "population": pop, "children": ch})), Geometry::Point(Point::new(p[0], p[1])))).collect(),
        ),
        Layer::new(spec("rooms", LayerKind::Generic, 600.0), named("r", &points)),
        Layer::new(spec("parks", LayerKind::Generic, 300.0), named("p", &parks)),
        Layer::new(spec("lines", LayerKind::Generic, 400.0), named("l", &lines)),
    ];
    World {
        snap: Snapshot::new(layers, Default::default()),
        area,
        lake,
        zones,
        facilities,
        people,
    }
}

fn app(snap: Snapshot) -> axum::Router {
    nestmap::app(nestmap::AppState::new(
        snap,
        "web".into(),
        "node_modules/maplibre-gl/dist".into(),
    ))
}

async fn call(app: &axum::Router, req: Request<Body>) -> (StatusCode, Value) {
    let res = app.clone().oneshot(req).await.unwrap();
    let s = res.status();
    let b = res.into_body().collect().await.unwrap().to_bytes();
    (
        s,
        serde_json::from_slice(&b)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&b).into())),
    )
}

async fn get(app: &axum::Router, uri: &str) -> (StatusCode, Value) {
    call(app, Request::get(uri).body(Body::empty()).unwrap()).await
}

async fn post(app: &axum::Router, body: Value) -> (StatusCode, Value) {
    call(
        app,
        Request::post("/api/coverage")
            .header("content-type", "application/json")
            .body(Body::from(body.to_string()))
            .unwrap(),
    )
    .await
}

/// Brute force: every cell centre against the area, the lake and every facility.
fn oracle(
    w: &World,
    cell_m: f64,
    extra: &[[f64; 2]],
    extra_r: f64,
) -> (usize, usize, u64, u64, Vec<(usize, usize)>) {
    use geo::BoundingRect;
    let b = w.area.bounding_rect().unwrap();
    let grid = Grid::over(
        [b.min().x, b.min().y, b.max().x, b.max().y],
        cell_m,
        10_000_000,
    )
    .unwrap();
    let mut facilities = w.facilities.clone();
    facilities.extend(
        extra
            .iter()
            .map(|p| (Geometry::Point(Point::new(p[0], p[1])), extra_r)),
    );
    let covers = |p: [f64; 2]| facilities.iter().any(|(g, r)| oracle_distance(p, g) <= *r);
    let (mut cells, mut covered) = (0, 0);
    let mut per_zone = vec![(0, 0); w.zones.len()];
    for c in 0..grid.nx * grid.ny {
        let p = grid.centre(c);
        let pt = Point::new(p[0], p[1]);
        if w.area.contains(&pt) && !w.lake.contains(&pt) {
            let cov = covers(p) as usize;
            cells += 1;
            covered += cov;
            let z = w.zones.iter().position(|z| z.contains(&pt)).unwrap();
            per_zone[z].0 += 1;
            per_zone[z].1 += cov;
        }
    }
    let (mut pop, mut cov_pop) = (0, 0);
    for (p, n, _) in &w.people {
        if !w.lake.contains(&Point::new(p[0], p[1])) {
            pop += n;
            if covers(*p) {
                cov_pop += n;
            }
        }
    }
    (cells, covered, pop, cov_pop, per_zone)
}

#[tokio::test]
async fn covered_shares_equal_brute_force() {
    for seed in [1, 2, 3] {
        let w = world(seed);
        let (cells, covered, pop, cov_pop, per_zone) = oracle(&w, 150.0, &[], 0.0);
        let app = app(world(seed).snap);
        let (s, v) = get(
            &app,
            "/api/coverage?layer=rooms,parks,lines&area=999001&cell_m=150",
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let t = &v["totals"];
        assert_eq!(t["cells"], cells, "seed {seed}");
        assert_eq!(t["covered_cells"], covered, "seed {seed}");
        assert_eq!(t["population_total"], pop);
        assert_eq!(t["covered_population"], cov_pop);
        let zones = v["townships"].as_array().unwrap();
        for (z, (c, cv)) in per_zone.iter().enumerate() {
            assert_eq!(zones[z]["cells"], *c);
            assert_eq!(zones[z]["covered_cells"], *cv);
        }
        assert_eq!(
            v["radii_m"],
            json!({"rooms": 600.0, "parks": 300.0, "lines": 400.0})
        );
        // A fixed radius overrides every layer's own.
        let (_, v) = get(
            &app,
            "/api/coverage?layer=rooms&area=999001&cell_m=150&profile=walk5",
        )
        .await;
        assert_eq!(v["radii_m"], json!({"rooms": 300.0}));
        assert!(v["profile"]["source"]
            .as_str()
            .unwrap()
            .contains("GB 50180-2018"));
    }
}

#[tokio::test]
async fn gaps_hold_exactly_the_uncovered_cells() {
    let w = world(4);
    let app = app(world(4).snap);
    let (_, v) = get(
        &app,
        "/api/coverage?layer=rooms,parks,lines&area=999001&cell_m=200",
    )
    .await;
    let gaps: Vec<MultiPolygon<f64>> = v["gaps"]["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let g: geojson::Geometry = serde_json::from_value(f["geometry"].clone()).unwrap();
            MultiPolygon::try_from(geo::Geometry::try_from(g).unwrap()).unwrap()
        })
        .collect();
    use geo::{BoundingRect, Validation};
    for g in &gaps {
        assert!(
            g.is_valid(),
            "gap polygon invalid: {:?}",
            g.validation_errors()
        );
    }
    let b = w.area.bounding_rect().unwrap();
    let grid = Grid::over(
        [b.min().x, b.min().y, b.max().x, b.max().y],
        200.0,
        10_000_000,
    )
    .unwrap();
    let mut uncovered = 0;
    for c in 0..grid.nx * grid.ny {
        let p = grid.centre(c);
        let pt = Point::new(p[0], p[1]);
        let inside = w.area.contains(&pt) && !w.lake.contains(&pt);
        let cov = w
            .facilities
            .iter()
            .any(|(g, r)| oracle_distance(p, g) <= *r);
        let holders = gaps.iter().filter(|g| g.contains(&pt)).count();
        if inside && !cov {
            uncovered += 1;
            assert_eq!(holders, 1, "uncovered cell {p:?} lies in {holders} gaps");
        } else {
            assert_eq!(
                holders, 0,
                "cell {p:?} (inside {inside}, covered {cov}) lies in a gap"
            );
        }
    }
    let area: f64 = v["gaps"]["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["properties"]["area_m2"].as_f64().unwrap())
        .sum();
    assert_eq!(area, uncovered as f64 * 200.0 * 200.0);
}

#[tokio::test]
async fn adding_a_suggested_site_raises_coverage_by_exactly_its_gain() {
    let app = app(world(5).snap);
    let base = json!({"layer": "rooms", "area": "999001", "cell_m": 150, "suggest": 3});
    let (s, v) = post(&app, base.clone()).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let before = v["totals"].clone();
    let sugg = v["suggestions"].as_array().unwrap().clone();
    assert_eq!(sugg.len(), 3);
    let mut added = Vec::new();
    let (mut cells, mut pop) = (
        before["covered_cells"].as_u64().unwrap(),
        before["covered_population"].as_u64().unwrap(),
    );
    for s in &sugg {
        added.push(json!([s["lon"], s["lat"]]));
        let (_, after) = post(
            &app,
            json!({"layer": "rooms", "area": "999001", "cell_m": 150, "add": added}),
        )
        .await;
        cells += (s["gain_area_m2"].as_f64().unwrap() / (150.0 * 150.0)).round() as u64;
        pop += s["gain_population"].as_u64().unwrap();
        assert_eq!(
            after["totals"]["covered_cells"].as_u64().unwrap(),
            cells,
            "rank {}",
            s["rank"]
        );
        assert_eq!(
            after["totals"]["covered_population"].as_u64().unwrap(),
            pop,
            "rank {}",
            s["rank"]
        );
        assert_eq!(
            after["totals"]["covered_population_share"],
            s["covered_population_share"]
        );
    }
    // Gains never increase from one pick to the next (population first).
    assert!(sugg
        .windows(2)
        .all(|w| w[0]["gain_population"].as_u64() >= w[1]["gain_population"].as_u64()));
    // Removing a facility can only lower coverage, and the oracle agrees with the what-if.
    let (_, v) = post(
        &app,
        json!({"layer": "rooms", "area": "999001", "cell_m": 150, "remove": ["r0"]}),
    )
    .await;
    assert!(
        v["totals"]["covered_cells"].as_u64().unwrap() <= before["covered_cells"].as_u64().unwrap()
    );
}

#[tokio::test]
async fn greedy_against_the_exhaustive_optimum_on_small_instances() {
    let mut worst = 1.0f64;
    for seed in [11, 12, 13, 14] {
        let w = world(seed);
        let mut r = Rng::new(seed * 7);
        let cands: Vec<[f64; 2]> = (0..10)
            .map(|_| {
                [
                    CENTRE[0] + r.range(-0.05, 0.05),
                    CENTRE[1] + r.range(-0.05, 0.05),
                ]
            })
            .collect();
        let app = app(world(seed).snap);
        let k = 3;
        let (_, v) = post(&app, json!({"layer": "parks", "radius_m": 1500, "area": "999001", "cell_m": 400, "suggest": k, "candidates": cands})).await;
        let greedy_pop: u64 = v["suggestions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["gain_population"].as_u64().unwrap())
            .sum();
        let base = v["totals"]["covered_population"].as_u64().unwrap();
        // Exhaustive: every 3-subset of the candidates, population covered by the oracle.
        let mut best = 0u64;
        for a in 0..cands.len() {
            for b in a + 1..cands.len() {
                for c in b + 1..cands.len() {
                    let (_, _, _, cov, _) =
                        oracle_people_only(&w, &[cands[a], cands[b], cands[c]], 1500.0);
                    best = best.max(cov);
                }
            }
        }
        let gain_opt = best - base;
        let ratio = if gain_opt == 0 {
            1.0
        } else {
            greedy_pop as f64 / gain_opt as f64
        };
        println!(
            "seed {seed}: greedy gain {greedy_pop}, optimum gain {gain_opt}, ratio {ratio:.3}"
        );
        assert!(
            greedy_pop <= gain_opt,
            "greedy beat the optimum: the oracle or the gains are wrong"
        );
        worst = worst.min(ratio);
    }
    println!("worst greedy/optimum ratio over the instances: {worst:.3}");
    assert!(
        worst >= 1.0 - 1.0 / std::f64::consts::E,
        "below the (1 - 1/e) guarantee of greedy max-coverage"
    );
}

/// The oracle's population figures with parks at 1500 m plus extra sites.
fn oracle_people_only(w: &World, extra: &[[f64; 2]], r: f64) -> (usize, usize, u64, u64, ()) {
    let mut facilities: Vec<(Geometry<f64>, f64)> = w.facilities[8..12]
        .iter()
        .map(|(g, _)| (g.clone(), r))
        .collect();
    facilities.extend(
        extra
            .iter()
            .map(|p| (Geometry::Point(Point::new(p[0], p[1])), r)),
    );
    let (mut pop, mut cov) = (0, 0);
    for (p, n, _) in &w.people {
        if !w.lake.contains(&Point::new(p[0], p[1])) {
            pop += n;
            if facilities.iter().any(|(g, r)| oracle_distance(*p, g) <= *r) {
                cov += n;
            }
        }
    }
    (0, 0, pop, cov, ())
}

#[tokio::test]
async fn bad_input_is_a_400_naming_the_parameter() {
    let app = app(world(6).snap);
    let cases = [
        ("/api/coverage?layer=castles", "layer"),
        ("/api/coverage", "layer"),
        (
            "/api/coverage?layer=rooms&area=999001&profile=walk99",
            "profile",
        ),
        (
            "/api/coverage?layer=rooms&area=999001&radius_m=0",
            "radius_m",
        ),
        (
            "/api/coverage?layer=rooms&area=999001&radius_m=9000",
            "radius_m",
        ),
        ("/api/coverage?layer=rooms&area=999001&cell_m=1", "cell_m"),
        ("/api/coverage?layer=rooms&area=999001&cell_m=x", "cell_m"),
        (
            "/api/coverage?layer=rooms&area=999001&suggest=50",
            "suggest",
        ),
        ("/api/coverage?layer=rooms&area=12345", "area"),
        ("/api/coverage?layer=rooms&area=999001&format=pdf", "format"),
        ("/api/coverage?layer=rooms&area=999001&colour=red", "colour"),
    ];
    for (uri, param) in cases {
        let (s, v) = get(&app, uri).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{uri}: {v}");
        assert!(
            v["error"]["message"]
                .as_str()
                .unwrap()
                .starts_with(&format!("parameter \"{param}\"")),
            "{uri}: {v}"
        );
    }
    // A grid beyond the documented cell limit.
    let big = json!({"type": "Polygon", "coordinates": [[[119.0, 30.0], [122.0, 30.0], [122.0, 32.0], [119.0, 32.0], [119.0, 30.0]]]});
    let bowtie = json!({"type": "Polygon", "coordinates": [[[120.6, 31.4], [120.61, 31.41], [120.61, 31.4], [120.6, 31.41], [120.6, 31.4]]]});
    let posts = [
        (
            json!({"layer": "rooms", "area": big, "cell_m": 10}),
            "cell_m",
            "above the limit of 4000000",
        ),
        (
            json!({"layer": "rooms", "area": bowtie}),
            "area",
            "self-intersection",
        ),
        (
            json!({"layer": "rooms", "area": {"type": "Point", "coordinates": [120.6, 31.4]}}),
            "area",
            "Polygon or MultiPolygon",
        ),
        (
            json!({"layer": "rooms", "area": "999001", "add": [[120.6]]}),
            "add[0]",
            "position",
        ),
        (
            json!({"layer": "rooms", "area": "999001", "remove": ["nope"]}),
            "remove",
            "nope",
        ),
        (
            json!({"layer": "rooms", "area": "999001", "budget": 3}),
            "budget",
            "unknown field",
        ),
        (json!(["not", "an", "object"]), "body", "JSON object"),
    ];
    for (body, param, needle) in posts {
        let (s, v) = post(&app, body.clone()).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{body}: {v}");
        let msg = v["error"]["message"].as_str().unwrap();
        assert!(
            msg.starts_with(&format!("parameter \"{param}\"")) && msg.contains(needle),
            "{body}: {msg}"
        );
    }
    let (s, v) = call(
        &app,
        Request::post("/api/coverage")
            .body(Body::from("{not json"))
            .unwrap(),
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(v["error"]["message"]
        .as_str()
        .unwrap()
        .contains("not valid JSON"));
}

#[tokio::test]
async fn csv_and_geojson_formats() {
    let app = app(world(7).snap);
    let res = app
        .clone()
        .oneshot(
            Request::get("/api/coverage?layer=rooms&area=999001&cell_m=300&format=csv")
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(res.headers()["content-type"], "text/csv; charset=utf-8");
    let text =
        String::from_utf8(res.into_body().collect().await.unwrap().to_bytes().to_vec()).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0].starts_with("code,name,cells,covered_cells"));
    assert_eq!(lines.len(), 1 + 2 + 1, "{text}");
    let (_, v) = get(&app, "/api/coverage?layer=rooms&area=999001&cell_m=300").await;
    let total_line: Vec<&str> = lines[3].split(',').collect();
    assert_eq!(
        total_line[2].parse::<u64>().unwrap(),
        v["totals"]["cells"].as_u64().unwrap()
    );
    let (_, g) = get(
        &app,
        "/api/coverage?layer=rooms&area=999001&cell_m=300&format=geojson",
    )
    .await;
    assert_eq!(g, v["gaps"]);
}
