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
        style: Default::default(),
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
    // (About 130 km square: inside the 200 km span limit, far beyond the cells.)
    let big = json!({"type": "Polygon", "coordinates": [[[120.0, 31.0], [121.4, 31.0], [121.4, 32.2], [120.0, 32.2], [120.0, 31.0]]]});
    // Issue 13: 287 km across, beyond the span limit.
    let wide = json!({"type": "Polygon", "coordinates": [[[119.0, 30.0], [122.0, 30.0], [122.0, 32.0], [119.0, 32.0], [119.0, 30.0]]]});
    let bowtie = json!({"type": "Polygon", "coordinates": [[[120.6, 31.4], [120.61, 31.41], [120.61, 31.4], [120.6, 31.41], [120.6, 31.4]]]});
    let posts = [
        (
            json!({"layer": "rooms", "area": wide, "cell_m": 1000}),
            "area",
            "spans 287 km; at most 200 km",
        ),
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

// ---------------------------------------------------------------------------------------
// The audit's gaps in issue 4: township and posted areas, children, profiles, gap
// populations and townships, `remove`, and where grid candidates come from. Each answer is
// checked against a brute force on the same grid: every cell centre and every person against
// the area, the water and every facility (geodesic distance to the point, or to the edge of
// a line or polygon), with nothing taken from the code's answer.
// ---------------------------------------------------------------------------------------

/// What one brute-force run needs: the area, the water, the townships (code, name,
/// outline), facilities with their radii, and people (`[lon, lat]`, population, children).
struct Input {
    area: MultiPolygon<f64>,
    water: Vec<MultiPolygon<f64>>,
    zones: Vec<Zone>,
    facilities: Vec<(Geometry<f64>, f64)>,
    people: Vec<([f64; 2], u64, u64)>,
}

#[derive(Debug, Default, Clone, Copy, PartialEq)]
struct Counts {
    cells: u64,
    covered_cells: u64,
    population: u64,
    covered_population: u64,
    children: u64,
    covered_children: u64,
}

/// The brute-force answer.
struct Truth {
    grid: Grid,
    /// Per cell: `None` outside the area or on water, else whether it is covered.
    cell: Vec<Option<bool>>,
    /// Per cell: the first township holding its centre.
    cell_zone: Vec<Option<usize>>,
    /// Per person: `None` outside the area or on water, else whether covered.
    person: Vec<Option<bool>>,
    total: Counts,
    zones: Vec<Counts>,
}

fn multi(p: Polygon<f64>) -> MultiPolygon<f64> {
    MultiPolygon(vec![p])
}

fn as_multi(g: &Geometry<f64>) -> MultiPolygon<f64> {
    match g {
        Geometry::Polygon(p) => multi(p.clone()),
        Geometry::MultiPolygon(m) => m.clone(),
        other => panic!("not areal: {other:?}"),
    }
}

/// Whether `p` is within `r` metres of `g`: [`oracle_distance`], skipped only when the
/// geodesic distance to the geometry's box already exceeds the radius by a wide margin.
fn within(p: [f64; 2], g: &Geometry<f64>, r: f64) -> bool {
    use geo::BoundingRect;
    let b = g.bounding_rect().unwrap();
    let q = [
        p[0].clamp(b.min().x, b.max().x),
        p[1].clamp(b.min().y, b.max().y),
    ];
    if geodesic(p, q) > 1.02 * r + 1.0 {
        return false;
    }
    oracle_distance(p, g) <= r
}

fn reached(facilities: &[(Geometry<f64>, f64)], p: [f64; 2]) -> bool {
    facilities.iter().any(|(g, r)| within(p, g, *r))
}

fn truth(input: &Input, cell_m: f64) -> Truth {
    use geo::BoundingRect;
    let b = input.area.bounding_rect().unwrap();
    let grid = Grid::over(
        [b.min().x, b.min().y, b.max().x, b.max().y],
        cell_m,
        10_000_000,
    )
    .unwrap();
    let dry =
        |pt: &Point<f64>| input.area.contains(pt) && !input.water.iter().any(|w| w.contains(pt));
    let zone_of = |pt: &Point<f64>| input.zones.iter().position(|z| z.2.contains(pt));
    let mut total = Counts::default();
    let mut zones = vec![Counts::default(); input.zones.len()];
    let n = grid.nx * grid.ny;
    let (mut cell, mut cell_zone) = (vec![None; n], vec![None; n]);
    for c in 0..n {
        let p = grid.centre(c);
        let pt = Point::new(p[0], p[1]);
        if !dry(&pt) {
            continue;
        }
        let cov = reached(&input.facilities, p);
        cell[c] = Some(cov);
        cell_zone[c] = zone_of(&pt);
        for t in std::iter::once(&mut total).chain(cell_zone[c].map(|z| &mut zones[z])) {
            t.cells += 1;
            t.covered_cells += cov as u64;
        }
    }
    let mut person = Vec::new();
    for (p, pop, ch) in &input.people {
        let pt = Point::new(p[0], p[1]);
        if !dry(&pt) {
            person.push(None);
            continue;
        }
        let cov = reached(&input.facilities, *p);
        person.push(Some(cov));
        for t in std::iter::once(&mut total).chain(zone_of(&pt).map(|z| &mut zones[z])) {
            t.population += pop;
            t.children += ch;
            if cov {
                t.covered_population += pop;
                t.covered_children += ch;
            }
        }
    }
    Truth {
        grid,
        cell,
        cell_zone,
        person,
        total,
        zones,
    }
}

/// One tally of the answer (`totals` or a township row) against the brute force.
fn assert_counts(j: &Value, c: &Counts, ctx: &str) {
    let pairs = [
        ("cells", c.cells),
        ("covered_cells", c.covered_cells),
        ("population_total", c.population),
        ("covered_population", c.covered_population),
        ("children_total", c.children),
        ("covered_children", c.covered_children),
    ];
    for (k, want) in pairs {
        assert_eq!(j[k].as_u64(), Some(want), "{ctx}: {k} in {j}");
    }
    let share = |a: u64, b: u64| if b == 0 { 0.0 } else { a as f64 / b as f64 };
    let shares = [
        ("covered_area_share", share(c.covered_cells, c.cells)),
        (
            "covered_population_share",
            share(c.covered_population, c.population),
        ),
        (
            "covered_children_share",
            share(c.covered_children, c.children),
        ),
    ];
    for (k, want) in shares {
        let got = j[k].as_f64().unwrap();
        assert!(
            (got - want).abs() <= 5e-5 + 1e-12,
            "{ctx}: {k} {got}, brute force {want}"
        );
    }
}

/// Totals and every township row against the brute force.
fn assert_truth(v: &Value, input: &Input, t: &Truth, ctx: &str) {
    assert_counts(&v["totals"], &t.total, &format!("{ctx}, totals"));
    let rows = v["townships"].as_array().unwrap();
    assert_eq!(rows.len(), input.zones.len(), "{ctx}: township rows");
    for (row, (z, want)) in rows.iter().zip(input.zones.iter().zip(&t.zones)) {
        assert_eq!(row["code"], z.0.as_str(), "{ctx}");
        assert_counts(row, want, &format!("{ctx}, township {}", z.0));
    }
}

/// The synthetic world's facilities with their layer ids and feature ids.
fn layered(w: &World) -> Vec<(&'static str, String, Geometry<f64>)> {
    w.facilities
        .iter()
        .enumerate()
        .map(|(i, (g, _))| {
            let (layer, id) = match i {
                0..=7 => ("rooms", format!("r{i}")),
                8..=11 => ("parks", format!("p{}", i - 8)),
                _ => ("lines", format!("l{}", i - 12)),
            };
            (layer, id, g.clone())
        })
        .collect()
}

/// The catalog radius of each synthetic layer (its `service_radius_m` in `world`).
fn catalog_radius(layer: &str) -> f64 {
    match layer {
        "rooms" => 600.0,
        "parks" => 300.0,
        _ => 400.0,
    }
}

/// A township: NBS code, name, outline.
type Zone = (String, String, MultiPolygon<f64>);

fn world_zones(w: &World) -> Vec<Zone> {
    w.zones
        .iter()
        .enumerate()
        .map(|(i, z)| {
            (
                format!("99900100{i}"),
                format!("示例镇 {i}"),
                multi(z.clone()),
            )
        })
        .collect()
}

/// The brute-force input for the synthetic world: `layers` at `radius(layer)`, leaving out
/// the feature ids in `removed`.
fn world_input(
    w: &World,
    area: MultiPolygon<f64>,
    zones: Vec<Zone>,
    layers: &[&str],
    radius: impl Fn(&str) -> f64,
    removed: &[&str],
) -> Input {
    Input {
        area,
        water: vec![multi(w.lake.clone())],
        zones,
        facilities: layered(w)
            .into_iter()
            .filter(|(l, id, _)| layers.contains(l) && !removed.contains(&id.as_str()))
            .map(|(l, _, g)| (g, radius(l)))
            .collect(),
        people: w.people.clone(),
    }
}

/// A posted area: a MultiPolygon of a rectangle crossing the district's western edge, with a
/// hole, and a triangle over the lake.
fn posted_area() -> MultiPolygon<f64> {
    let (x, y) = (CENTRE[0], CENTRE[1]);
    let outer = LineString::from(vec![
        (x - 0.07, y - 0.03),
        (x + 0.002, y - 0.03),
        (x + 0.002, y + 0.03),
        (x - 0.07, y + 0.03),
        (x - 0.07, y - 0.03),
    ]);
    let hole = LineString::from(vec![
        (x - 0.03, y - 0.01),
        (x - 0.03, y + 0.005),
        (x - 0.015, y + 0.005),
        (x - 0.015, y - 0.01),
        (x - 0.03, y - 0.01),
    ]);
    let triangle = LineString::from(vec![
        (x + 0.004, y),
        (x + 0.04, y),
        (x + 0.01, y + 0.03),
        (x + 0.004, y),
    ]);
    MultiPolygon(vec![
        Polygon::new(outer, vec![hole]),
        Polygon::new(triangle, vec![]),
    ])
}

fn geojson_of(m: &MultiPolygon<f64>) -> Value {
    serde_json::to_value(geojson::Geometry::from(m)).unwrap()
}

/// The synthetic world's district, its township 999001001 and the posted area: each as the
/// request's `area`, its outline and the zones the brute force tallies.
fn three_areas(w: &World) -> Vec<(Value, MultiPolygon<f64>, Vec<Zone>)> {
    vec![
        (json!("999001"), multi(w.area.clone()), world_zones(w)),
        (
            json!("999001001"),
            multi(w.zones[1].clone()),
            world_zones(w)[1..].to_vec(),
        ),
        (geojson_of(&posted_area()), posted_area(), world_zones(w)),
    ]
}

/// Gap 1: a township by its code, and a posted polygon, give the brute force's figures on
/// that area (water out), and not the district's.
#[tokio::test]
async fn township_and_posted_areas_equal_brute_force() {
    let layers = ["rooms", "parks", "lines"];
    for seed in [21, 22] {
        let w = world(seed);
        let app = app(world(seed).snap);
        let base = "/api/coverage?layer=rooms,parks,lines&cell_m=300";
        let (s, district) = get(&app, &format!("{base}&area=999001")).await;
        assert_eq!(s, StatusCode::OK, "{district}");
        let input = world_input(
            &w,
            multi(w.area.clone()),
            world_zones(&w),
            &layers,
            catalog_radius,
            &[],
        );
        let t = truth(&input, 300.0);
        assert_truth(&district, &input, &t, &format!("seed {seed}, district"));
        for (code, name, outline) in world_zones(&w) {
            let (s, v) = get(&app, &format!("{base}&area={code}")).await;
            assert_eq!(s, StatusCode::OK, "{v}");
            let zone = vec![(code.clone(), name, outline.clone())];
            let input = world_input(&w, outline, zone, &layers, catalog_radius, &[]);
            let t = truth(&input, 300.0);
            let ctx = format!("seed {seed}, township {code}");
            assert_truth(&v, &input, &t, &ctx);
            // The only row is the township itself, and it is the whole answer.
            assert_counts(&v["townships"][0], &t.total, &ctx);
            assert_ne!(v["totals"], district["totals"], "{ctx}");
            assert_ne!(t.total.cells, 0, "{ctx}: an empty township proves nothing");
        }
        // Some cell centres lie on the lake, so leaving water out is exercised.
        let lake_cells = t
            .cell
            .iter()
            .enumerate()
            .filter(|(c, _)| {
                let p = t.grid.centre(*c);
                w.lake.contains(&Point::new(p[0], p[1]))
            })
            .count();
        assert!(lake_cells > 0);

        let area = posted_area();
        let (s, v) = post(
            &app,
            json!({"layer": layers, "area": geojson_of(&area), "cell_m": 300}),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let input = world_input(
            &w,
            area.clone(),
            world_zones(&w),
            &layers,
            catalog_radius,
            &[],
        );
        let t = truth(&input, 300.0);
        let ctx = format!("seed {seed}, posted area");
        assert_truth(&v, &input, &t, &ctx);
        assert_ne!(v["totals"], district["totals"], "{ctx}");
        // The hole and the lake are out: no counted cell has its centre in either.
        for (c, state) in t.cell.iter().enumerate() {
            let p = t.grid.centre(c);
            let pt = Point::new(p[0], p[1]);
            if w.lake.contains(&pt) || !area.contains(&pt) {
                assert!(state.is_none());
            }
        }
        // The same polygon as a GeoJSON Feature gives the same answer.
        let (_, f) = post(
            &app,
            json!({"layer": layers, "area": {"type": "Feature", "properties": {}, "geometry": geojson_of(&area)}, "cell_m": 300}),
        )
        .await;
        assert_eq!(f["totals"], v["totals"]);
    }
}

fn sample_snapshot() -> Snapshot {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data/geojson");
    let snap = nestmap::load::load_dir(&dir).expect("the sample data loads");
    assert!(!snap.report.has_errors(), "{:#?}", snap.report.problems);
    snap
}

/// The brute-force input from the sample data as loaded: the district 320507 (or `area`),
/// its townships, lakes and demand, and `layers` at their catalog radius or `radius_m`.
fn sample_input(
    snap: &Snapshot,
    area: Option<MultiPolygon<f64>>,
    only_zone: Option<&str>,
    layers: &[&str],
    radius_m: Option<f64>,
) -> Input {
    let layer = |id: &str| snap.layer(id).unwrap();
    let text = |l: &Layer, i: usize, k: &str| {
        l.features[i]
            .properties
            .get(k)
            .and_then(|v| v.as_str())
            .unwrap_or_default()
            .to_string()
    };
    let all = |id: &str| {
        let l = layer(id);
        (0..l.features.len())
            .map(|i| (i, l.geometry(i).clone()))
            .collect::<Vec<_>>()
    };
    let t = layer("townships");
    let zones: Vec<Zone> = all("townships")
        .into_iter()
        .map(|(i, g)| (text(t, i, "code"), text(t, i, "name"), as_multi(&g)))
        .filter(|z| only_zone.is_none_or(|c| z.0 == c))
        .collect();
    let d = layer("district");
    let district = all("district")
        .into_iter()
        .find(|(i, _)| text(d, *i, "code") == "320507")
        .map(|(_, g)| as_multi(&g))
        .unwrap();
    let area = match (area, only_zone) {
        (Some(a), _) => a,
        (None, Some(_)) => zones[0].2.clone(),
        (None, None) => district,
    };
    let dm = layer("demand");
    let people = all("demand")
        .into_iter()
        .map(|(i, g)| {
            let Geometry::Point(p) = g else {
                panic!("demand is points")
            };
            let num = |k: &str| dm.features[i].properties.get(k).and_then(|v| v.as_u64());
            (
                [p.x(), p.y()],
                num("population").unwrap(),
                num("children").unwrap(),
            )
        })
        .collect();
    let facilities = layers
        .iter()
        .flat_map(|id| {
            let r = radius_m.unwrap_or(layer(id).spec.service_radius_m);
            all(id).into_iter().map(move |(_, g)| (g, r))
        })
        .collect();
    Input {
        area,
        water: all("water").iter().map(|(_, g)| as_multi(g)).collect(),
        zones,
        facilities,
        people,
    }
}

/// Gap 2: the children figures of the layers for children (nursing rooms, child-friendly
/// communities, pocket parks; singly, together, and at a set radius), district-wide and per
/// township, equal a brute force over the demand layer on the sample data.
#[tokio::test]
async fn children_shares_of_childrens_layers_equal_brute_force() {
    let snap = sample_snapshot();
    let cases: [(&[&str], Option<f64>); 5] = [
        (&["nursing_rooms"], None),
        (&["child_friendly_communities"], None),
        (&["pocket_parks"], None),
        (
            &[
                "nursing_rooms",
                "child_friendly_communities",
                "pocket_parks",
            ],
            None,
        ),
        (
            &["child_friendly_communities", "pocket_parks"],
            Some(1500.0),
        ),
    ];
    let inputs: Vec<Input> = cases
        .iter()
        .map(|(layers, r)| sample_input(&snap, None, None, layers, *r))
        .collect();
    let app = app(snap);
    for ((layers, r), input) in cases.iter().zip(&inputs) {
        let mut uri = format!("/api/coverage?layer={}&cell_m=1000", layers.join(","));
        if let Some(r) = r {
            uri += &format!("&radius_m={r}");
        }
        let (s, v) = get(&app, &uri).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let t = truth(input, 1000.0);
        assert!(
            t.total.children > 0 && t.total.covered_children > 0,
            "{uri}"
        );
        assert!(t.total.covered_children < t.total.children, "{uri}");
        assert_truth(&v, input, &t, &uri);
    }
}

/// Gap 1 on the sample data: every real township code, and a posted rectangle over the
/// middle of the district, against the brute force; none gives the district's totals.
#[tokio::test]
async fn sample_townships_and_a_posted_area_equal_brute_force() {
    use geo::BoundingRect;
    let snap = sample_snapshot();
    let codes: Vec<String> = {
        let t = snap.layer("townships").unwrap();
        t.features
            .iter()
            .map(|f| {
                f.properties
                    .get("code")
                    .unwrap()
                    .as_str()
                    .unwrap()
                    .to_string()
            })
            .collect()
    };
    assert!(codes.len() > 5);
    let inputs: Vec<Input> = codes
        .iter()
        .map(|c| sample_input(&snap, None, Some(c), &["nursing_rooms"], Some(1000.0)))
        .collect();
    let district = sample_input(&snap, None, None, &["nursing_rooms"], None);
    let b = district.area.bounding_rect().unwrap();
    let (cx, cy) = ((b.min().x + b.max().x) / 2.0, (b.min().y + b.max().y) / 2.0);
    let rect_area = multi(rect(cx - 0.06, cy - 0.04, cx + 0.05, cy + 0.05));
    // walk15: 1000 m.
    let posted = sample_input(
        &snap,
        Some(rect_area.clone()),
        None,
        &["nursing_rooms"],
        Some(1000.0),
    );
    let app = app(snap);
    let base = "/api/coverage?layer=nursing_rooms&profile=walk15&cell_m=500";
    let (_, whole) = get(&app, base).await;
    let mut with_water = 0;
    for (code, input) in codes.iter().zip(&inputs) {
        let (s, v) = get(&app, &format!("{base}&area={code}")).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let t = truth(input, 500.0);
        assert_truth(&v, input, &t, &format!("township {code}"));
        assert_ne!(v["totals"], whole["totals"], "township {code}");
        assert!(
            v["totals"]["cells"].as_u64() < whole["totals"]["cells"].as_u64(),
            "township {code}"
        );
        // Townships touching a lake lose the lake's cells.
        with_water += (0..t.cell.len()).any(|c| {
            let p = t.grid.centre(c);
            let pt = Point::new(p[0], p[1]);
            input.area.contains(&pt) && t.cell[c].is_none()
        }) as usize;
    }
    assert!(
        with_water > 0,
        "no township touches water: the water case is untested"
    );
    let (s, v) = post(
        &app,
        json!({"layer": "nursing_rooms", "profile": "walk15", "cell_m": 500, "area": geojson_of(&rect_area)}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let t = truth(&posted, 500.0);
    assert_truth(&v, &posted, &t, "posted rectangle");
    assert_ne!(v["totals"], whole["totals"]);
}

/// Gap 3: each profile's radius (from the README's table; `layer` takes each layer's
/// catalog radius) is the one applied, returned with its source, and the shares equal the
/// brute force at that radius; `radius_m` overrides every profile.
#[tokio::test]
async fn profiles_apply_their_radius_and_radius_m_overrides_them() {
    let layers = ["rooms", "parks", "lines"];
    let w = world(31);
    let app = app(world(31).snap);
    let profiles: [(&str, Option<f64>, &str); 6] = [
        ("walk5", Some(300.0), "GB 50180-2018"),
        ("walk10", Some(500.0), "GB 50180-2018"),
        ("walk15", Some(1000.0), "GB 50180-2018"),
        ("green", Some(300.0), "300米见绿"),
        ("park", Some(500.0), "500米见园"),
        ("layer", None, "service_radius_m"),
    ];
    let run = |radius: Option<f64>| {
        let input = world_input(
            &w,
            multi(w.area.clone()),
            world_zones(&w),
            &layers,
            |l| radius.unwrap_or(catalog_radius(l)),
            &[],
        );
        let t = truth(&input, 400.0);
        (input, t)
    };
    let mut seen = Vec::new();
    for (name, preset, source) in profiles {
        let (s, v) = get(
            &app,
            &format!("/api/coverage?layer=rooms,parks,lines&area=999001&cell_m=400&profile={name}"),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert_eq!(v["profile"]["name"], name);
        assert_eq!(v["profile"]["radius_m"].as_f64(), preset, "{name}");
        assert_eq!(
            v["profile"]["overridden_by_radius_m"],
            Value::Null,
            "{name}"
        );
        assert!(
            v["profile"]["source"].as_str().unwrap().contains(source),
            "{name}: {}",
            v["profile"]["source"]
        );
        let want: serde_json::Map<String, Value> = layers
            .iter()
            .map(|l| (l.to_string(), json!(preset.unwrap_or(catalog_radius(l)))))
            .collect();
        assert_eq!(v["radii_m"], Value::Object(want), "{name}");
        let (input, t) = run(preset);
        assert_truth(&v, &input, &t, &format!("profile {name}"));
        seen.push(t.total);
        // radius_m wins over the profile, GET and POST alike.
        let (_, o) = get(
            &app,
            &format!("/api/coverage?layer=rooms,parks,lines&area=999001&cell_m=400&profile={name}&radius_m=750"),
        )
        .await;
        assert_eq!(
            o["radii_m"],
            json!({"rooms": 750.0, "parks": 750.0, "lines": 750.0}),
            "{name}"
        );
        assert_eq!(o["profile"]["name"], name);
        assert_eq!(
            o["profile"]["overridden_by_radius_m"],
            json!(750.0),
            "{name}"
        );
        let (input, t) = run(Some(750.0));
        assert_truth(&o, &input, &t, &format!("profile {name} with radius_m 750"));
        let (_, p) = post(
            &app,
            json!({"layer": layers, "area": "999001", "cell_m": 400, "profile": name, "radius_m": 750}),
        )
        .await;
        assert_eq!(p["totals"], o["totals"], "{name}");
    }
    // The radii differ enough that the figures differ: the checks above could fail.
    assert_ne!(seen[0], seen[1]);
    assert_ne!(seen[1], seen[2]);
    assert_ne!(seen[2], seen[5]);
}

/// Gap 4: each gap's population and children are those of the uncovered people inside its
/// polygon, its township is the one holding most of its uncovered cells (brute force over
/// the township polygons), and the gap areas add up to the uncovered cells' area; for the
/// district, a township and a posted area.
#[tokio::test]
async fn gap_population_and_township_equal_brute_force() {
    let layers = ["rooms", "parks", "lines"];
    let w = world(41);
    let app = app(world(41).snap);
    let cell_m = 250.0;
    let areas = three_areas(&w);
    let mut split_gaps = 0;
    for (area_json, area, zones) in areas {
        let ctx = format!(
            "area {}",
            area_json.to_string().chars().take(40).collect::<String>()
        );
        let (s, v) = post(
            &app,
            json!({"layer": layers, "area": area_json, "cell_m": cell_m, "radius_m": 450}),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let input = world_input(&w, area, zones, &layers, |_| 450.0, &[]);
        let t = truth(&input, cell_m);
        assert_truth(&v, &input, &t, &ctx);
        let gaps = v["gaps"]["features"].as_array().unwrap();
        assert!(!gaps.is_empty(), "{ctx}: no gap to test");
        let uncovered: Vec<usize> = (0..t.cell.len())
            .filter(|&c| t.cell[c] == Some(false))
            .collect();
        let mut area_sum = 0.0;
        let mut with_people = 0;
        for g in gaps {
            let geom: geojson::Geometry = serde_json::from_value(g["geometry"].clone()).unwrap();
            let poly = MultiPolygon::try_from(Geometry::try_from(geom).unwrap()).unwrap();
            let props = &g["properties"];
            area_sum += props["area_m2"].as_f64().unwrap();
            // People: uncovered, in the area, inside the polygon.
            let (mut pop, mut ch) = (0, 0);
            for ((p, n, c), state) in input.people.iter().zip(&t.person) {
                if *state == Some(false) && poly.contains(&Point::new(p[0], p[1])) {
                    pop += n;
                    ch += c;
                }
            }
            assert_eq!(props["population"].as_u64(), Some(pop), "{ctx}: {props}");
            assert_eq!(props["children"].as_u64(), Some(ch), "{ctx}: {props}");
            with_people += (pop > 0) as usize;
            // Township: most of its uncovered cells, by the township polygons.
            let mut counts = vec![0usize; input.zones.len()];
            let mut cells = 0;
            for &c in &uncovered {
                let p = t.grid.centre(c);
                if poly.contains(&Point::new(p[0], p[1])) {
                    cells += 1;
                    if let Some(z) = t.cell_zone[c] {
                        counts[z] += 1;
                    }
                }
            }
            assert!(cells > 0, "{ctx}: a gap without uncovered cells");
            assert_eq!(
                props["area_m2"].as_f64().unwrap(),
                cells as f64 * cell_m * cell_m,
                "{ctx}: {props}"
            );
            split_gaps += (counts.iter().filter(|&&n| n > 0).count() > 1) as usize;
            let best = counts.iter().copied().max().unwrap_or(0);
            if best == 0 {
                assert!(props["township"].is_null(), "{ctx}: {props}");
            } else {
                let names: Vec<&str> = (0..counts.len())
                    .filter(|&z| counts[z] == best)
                    .map(|z| input.zones[z].1.as_str())
                    .collect();
                assert!(
                    names.contains(&props["township"].as_str().unwrap_or("null")),
                    "{ctx}: township {} where the brute force has {names:?} ({counts:?})",
                    props["township"]
                );
            }
        }
        assert!(with_people > 0, "{ctx}: no gap holds people");
        assert_eq!(
            area_sum,
            uncovered.len() as f64 * cell_m * cell_m,
            "{ctx}: gap areas against the uncovered cells"
        );
    }
    assert!(
        split_gaps > 0,
        "no gap spans two townships: the majority rule is untested"
    );
}

/// Gap 5: `remove` takes those facilities out, from any of the chosen layers: the answer
/// equals the brute force without them, and differs from the one with them.
#[tokio::test]
async fn removed_facilities_equal_brute_force_without_them() {
    let layers = ["rooms", "parks", "lines"];
    for seed in [51, 52] {
        let w = world(seed);
        let app = app(world(seed).snap);
        let (_, full) = post(
            &app,
            json!({"layer": layers, "area": "999001", "cell_m": 300}),
        )
        .await;
        let cases: [&[&str]; 3] = [
            &["r0"],
            &["r1", "r5", "p2", "l0"],
            &[
                "r0", "r1", "r2", "r3", "r4", "r5", "r6", "r7", "p0", "p1", "p2", "p3", "l0",
            ],
        ];
        for removed in cases {
            let (s, v) = post(
                &app,
                json!({"layer": layers, "area": "999001", "cell_m": 300, "remove": removed}),
            )
            .await;
            assert_eq!(s, StatusCode::OK, "{v}");
            let input = world_input(
                &w,
                multi(w.area.clone()),
                world_zones(&w),
                &layers,
                catalog_radius,
                removed,
            );
            let t = truth(&input, 300.0);
            let ctx = format!("seed {seed}, remove {removed:?}");
            assert_truth(&v, &input, &t, &ctx);
            if removed.len() > 1 {
                assert_ne!(v["totals"], full["totals"], "{ctx}");
            }
        }
        // Removing every facility of the one chosen layer leaves nothing covered.
        let rooms: Vec<String> = (0..8).map(|i| format!("r{i}")).collect();
        let (_, v) = post(
            &app,
            json!({"layer": "rooms", "area": "999001", "cell_m": 300, "remove": rooms}),
        )
        .await;
        let input = world_input(
            &w,
            multi(w.area.clone()),
            world_zones(&w),
            &["rooms"],
            catalog_radius,
            &["r0", "r1", "r2", "r3", "r4", "r5", "r6", "r7"],
        );
        let t = truth(&input, 300.0);
        assert_eq!(t.total.covered_cells, 0);
        assert_truth(&v, &input, &t, &format!("seed {seed}, every room removed"));
    }
}

/// Gap 6: without a posted candidate list, every suggested site is the centre of a grid
/// cell in the area and not on water (district, township, posted area), the sites are
/// distinct, and each round's population gain is the brute force's best over those centres.
#[tokio::test]
async fn suggested_sites_are_cell_centres_in_the_area() {
    let w = world(61);
    let app = app(world(61).snap);
    let (cell_m, radius) = (300.0, 500.0);
    let areas = three_areas(&w);
    for (area_json, area, zones) in areas {
        let ctx = format!(
            "area {}",
            area_json.to_string().chars().take(40).collect::<String>()
        );
        let (s, v) = post(
            &app,
            json!({"layer": "rooms", "area": area_json, "cell_m": cell_m, "radius_m": radius, "suggest": 6}),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let input = world_input(&w, area.clone(), zones, &["rooms"], |_| radius, &[]);
        let t = truth(&input, cell_m);
        assert_truth(&v, &input, &t, &ctx);
        // Candidate sites by brute force: centres of the grid's cells in the area, off water.
        let centres: Vec<[f64; 2]> = (0..t.cell.len())
            .filter(|&c| t.cell[c].is_some())
            .map(|c| t.grid.centre(c))
            .collect();
        let mut covered: Vec<bool> = t.person.iter().map(|s| *s != Some(false)).collect();
        let sugg = v["suggestions"].as_array().unwrap();
        assert_eq!(sugg.len(), 6, "{ctx}");
        let mut sites: Vec<[f64; 2]> = Vec::new();
        for s in sugg {
            let site = [s["lon"].as_f64().unwrap(), s["lat"].as_f64().unwrap()];
            let col = ((site[0] - t.grid.origin[0]) / t.grid.dlon).floor() as usize;
            let row = ((site[1] - t.grid.origin[1]) / t.grid.dlat).floor() as usize;
            assert!(
                col < t.grid.nx && row < t.grid.ny,
                "{ctx}: {site:?} off the grid"
            );
            let c = row * t.grid.nx + col;
            let centre = t.grid.centre(c);
            assert!(
                (centre[0] - site[0]).abs() < 1e-9 && (centre[1] - site[1]).abs() < 1e-9,
                "{ctx}: {site:?} is not the centre {centre:?} of its cell"
            );
            let pt = Point::new(site[0], site[1]);
            assert!(area.contains(&pt), "{ctx}: {site:?} outside the area");
            assert!(!w.lake.contains(&pt), "{ctx}: {site:?} on the lake");
            assert!(!sites.contains(&site), "{ctx}: {site:?} suggested twice");
            sites.push(site);
            // The population gain: people not yet covered within the radius, and the best
            // any candidate centre could add this round.
            let gain = |q: [f64; 2], covered: &[bool]| -> u64 {
                input
                    .people
                    .iter()
                    .zip(covered)
                    .filter(|((p, _, _), cov)| !**cov && geodesic(*p, q) <= radius)
                    .map(|((_, n, _), _)| n)
                    .sum()
            };
            let best = centres.iter().map(|&q| gain(q, &covered)).max().unwrap();
            let got = gain(site, &covered);
            assert_eq!(
                s["gain_population"].as_u64(),
                Some(got),
                "{ctx}: rank {}",
                s["rank"]
            );
            assert_eq!(
                got, best,
                "{ctx}: rank {} is not the best centre",
                s["rank"]
            );
            for ((p, _, _), cov) in input.people.iter().zip(covered.iter_mut()) {
                if geodesic(*p, site) <= radius {
                    *cov = true;
                }
            }
        }
    }
}

/// Issue 13: coverage's `radius_m` is 1-5000 m as the README says, over GET, POST and in the
/// library (`query::coverage::coverage`), and each bound itself is answered with the brute
/// force at that radius. Before, `radius_m=0.001` was accepted.
#[tokio::test]
async fn issue13_coverage_radius_m_outside_1_to_5000_is_refused() {
    use nestmap::query::coverage::{coverage, profile, AreaSpec, CoverageRequest};
    let layers = ["rooms", "parks", "lines"];
    let w = world(41);
    let app = app(world(41).snap);
    let base = "/api/coverage?layer=rooms,parks,lines&area=999001&cell_m=400";
    for bad in ["0.001", "0.999", "0", "-3", "5000.001", "1e9", "NaN", "inf"] {
        let (s, v) = get(&app, &format!("{base}&radius_m={bad}")).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "radius_m={bad}: {v}");
        let msg = v["error"]["message"].as_str().unwrap();
        assert!(msg.starts_with("parameter \"radius_m\""), "{bad}: {msg}");
        if let Ok(x) = bad.parse::<f64>() {
            if x.is_finite() {
                let (s, v) = post(
                    &app,
                    json!({"layer": layers, "area": "999001", "cell_m": 400, "radius_m": x}),
                )
                .await;
                assert_eq!(s, StatusCode::BAD_REQUEST, "POST radius_m {x}: {v}");
                assert!(v["error"]["message"]
                    .as_str()
                    .unwrap()
                    .starts_with("parameter \"radius_m\""));
            }
        }
    }
    // The library refuses them too, naming the parameter.
    let snap = world(41).snap;
    let ids: Vec<usize> = layers
        .iter()
        .map(|id| snap.layers.iter().position(|l| l.spec.id == *id).unwrap())
        .collect();
    let req = |r: f64| CoverageRequest {
        layers: ids.clone(),
        profile: profile("layer").unwrap(),
        radius_m: Some(r),
        area: AreaSpec::Code("999001".into()),
        cell_m: 400.0,
        suggest: 0,
        add: vec![],
        remove: vec![],
        candidates: None,
    };
    for r in [0.001, 0.0, -1.0, 5000.5, f64::NAN, f64::INFINITY] {
        match coverage(&snap, &req(r)) {
            Err(nestmap::query::QueryError::BadParam { param, .. }) => {
                assert_eq!(param, "radius_m", "{r}")
            }
            other => panic!("radius_m {r}: {:?}", other.map(|c| c.total)),
        }
    }
    // The bounds are inside: answered, and equal to the brute force at that radius.
    for r in [1.0, 5000.0] {
        let (s, v) = get(&app, &format!("{base}&radius_m={r}")).await;
        assert_eq!(s, StatusCode::OK, "radius_m={r}: {v}");
        let input = world_input(
            &w,
            multi(w.area.clone()),
            world_zones(&w),
            &layers,
            |_| r,
            &[],
        );
        assert_truth(&v, &input, &truth(&input, 400.0), &format!("radius_m {r}"));
        assert!(coverage(&snap, &req(r)).is_ok(), "{r}");
    }
}

/// Issue 13: where township outlines overlap, a cell and a person are counted by one rule:
/// in the first township in catalog order whose outline holds the cell's centre or the
/// person's position. Two townships overlapping in a band ~4 km wide, in both orders,
/// against the brute force (which takes the first holding township for both). Before, a
/// cell in the band was counted in the last township and a person in the first.
#[tokio::test]
async fn issue13_overlapping_townships_count_cells_and_people_in_the_first() {
    use std::sync::Arc;
    let layers = ["rooms", "parks", "lines"];
    let (x, y) = (CENTRE[0], CENTRE[1]);
    let west = rect(x - 0.1, y - 0.1, x + 0.02, y + 0.1);
    let east = rect(x - 0.02, y - 0.1, x + 0.1, y + 0.1);
    for seed in [51, 52] {
        let w = world(seed);
        for order in [[0, 1], [1, 0]] {
            let outlines = [&west, &east];
            let zones: Vec<Zone> = order
                .iter()
                .map(|&i| {
                    (
                        format!("99900100{i}"),
                        format!("示例镇 {i}"),
                        multi(outlines[i].clone()),
                    )
                })
                .collect();
            let townships = Layer::new(
                spec("townships", LayerKind::Townships, 1000.0),
                zones
                    .iter()
                    .map(|(code, name, m)| {
                        (
                            feature(code.clone(), json!({"name": name, "code": code})),
                            Geometry::Polygon(m.0[0].clone()),
                        )
                    })
                    .collect(),
            );
            let mut snap = world(seed).snap;
            let at = snap
                .layers
                .iter()
                .position(|l| l.spec.id == "townships")
                .unwrap();
            snap.layers[at] = Arc::new(townships);
            let app = app(snap);
            let (s, v) = get(
                &app,
                "/api/coverage?layer=rooms,parks,lines&area=999001&cell_m=300",
            )
            .await;
            assert_eq!(s, StatusCode::OK, "{v}");
            let input = world_input(
                &w,
                multi(w.area.clone()),
                zones.clone(),
                &layers,
                catalog_radius,
                &[],
            );
            let t = truth(&input, 300.0);
            let ctx = format!("seed {seed}, order {order:?}");
            assert_truth(&v, &input, &t, &ctx);
            // Each cell and each person once: the rows add up to the totals.
            let rows = v["townships"].as_array().unwrap();
            for k in [
                "cells",
                "covered_cells",
                "population_total",
                "covered_population",
            ] {
                let sum: u64 = rows.iter().map(|r| r[k].as_u64().unwrap()).sum();
                assert_eq!(Some(sum), v["totals"][k].as_u64(), "{ctx}: {k}");
            }
            // Not vacuous: cells and people lie in the band both outlines hold.
            let both = |p: [f64; 2]| {
                let pt = Point::new(p[0], p[1]);
                west.contains(&pt) && east.contains(&pt)
            };
            let band_cells = (0..t.cell.len())
                .filter(|&c| t.cell[c].is_some() && both(t.grid.centre(c)))
                .count();
            let band_people = w
                .people
                .iter()
                .zip(&t.person)
                .filter(|(p, s)| s.is_some() && both(p.0))
                .count();
            assert!(
                band_cells >= 20 && band_people >= 3,
                "{ctx}: {band_cells} {band_people}"
            );
        }
    }
}
