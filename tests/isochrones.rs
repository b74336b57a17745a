//! Walking isochrones (issue 16): `/api/isochrones` against the oracle of `common::streets`
//! on the seeded street grid. Tested as the answer states how a band is drawn: every point
//! of the network the oracle reaches within a band's minutes lies inside the band; no point
//! farther than the width from the reached network does; the people inside equal a
//! brute-force point-in-polygon sum over the villages.

mod common;

use geo::{Contains, Intersects, MultiPolygon, Point};
use serde_json::Value;

use common::app::{get, refusal};
use common::streets::{
    dijkstra, geod, oracle_snap, way_len, world, Streets, World, N, ORIGIN, STEP,
};
use common::Rng;

fn multipolygon(g: &Value) -> MultiPolygon<f64> {
    let geom: geojson::Geometry = serde_json::from_value(g.clone()).unwrap();
    match geo::Geometry::<f64>::try_from(geom).unwrap() {
        geo::Geometry::MultiPolygon(mp) => mp,
        geo::Geometry::Polygon(p) => MultiPolygon::new(vec![p]),
        other => panic!("not a polygon: {other:?}"),
    }
}

/// Points along every way every ~10 m, each with its oracle walking cost from `seeds`
/// (each a snap: way, metres along, access).
fn costed_points(s: &Streets, origins: &[(usize, f64, f64)]) -> Vec<([f64; 2], f64)> {
    let mut seeds = Vec::new();
    for &(w, along, access) in origins {
        let ways = &s.ways[w];
        seeds.push((ways[0].0, access + along));
        seeds.push((ways[ways.len() - 1].0, access + way_len(ways) - along));
    }
    let dist = dijkstra(s, &seeds);
    let mut out = Vec::new();
    for (wi, w) in s.ways.iter().enumerate() {
        let len = way_len(w);
        let (da, db) = (
            dist.get(&w[0].0).copied().unwrap_or(f64::INFINITY),
            dist.get(&w[w.len() - 1].0)
                .copied()
                .unwrap_or(f64::INFINITY),
        );
        let mut at = 0.0;
        for seg in w.windows(2) {
            let (a, b) = (seg[0].1, seg[1].1);
            let l = geod(a, b);
            let n = (l / 10.0).ceil() as usize;
            for k in 0..=n {
                let t = k as f64 / n as f64;
                let p = [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t];
                let s_m = at + l * t;
                let mut c = (da + s_m).min(db + len - s_m);
                for &(ow, along, access) in origins {
                    if ow == wi {
                        c = c.min(access + (along - s_m).abs());
                    }
                }
                out.push((p, c));
            }
            at += l;
        }
    }
    out
}

fn check_bands(w: &World, v: &Value, origins: &[(usize, f64, f64)], width: f64) {
    let points = costed_points(&w.streets, origins);
    let span = STEP * (N - 1) as f64;
    let mut r = Rng::new(3);
    for band in v["features"].as_array().unwrap() {
        let minutes = band["properties"]["minutes"].as_f64().unwrap();
        let limit = minutes * 60.0 * 4000.0 / 3600.0;
        let poly = multipolygon(&band["geometry"]);
        // Every reached point of the network is inside (1 m short of the limit, for rounding).
        let reached: Vec<[f64; 2]> = points
            .iter()
            .filter(|(_, c)| *c <= limit)
            .map(|(p, _)| *p)
            .collect();
        let mut inside = 0;
        for (p, c) in &points {
            if *c <= limit - 1.0 {
                assert!(
                    poly.intersects(&Point::new(p[0], p[1])),
                    "{minutes} min: reached point {p:?} (cost {c:.1} m) outside its band"
                );
                inside += 1;
            }
        }
        assert!(
            inside > 20,
            "{minutes} min: only {inside} reached points: a useless check"
        );
        // No point farther than the width (+ the 10 m sampling and the frame) from the reached
        // network is inside; points well within the width are.
        let mut tried = 0;
        for _ in 0..3000 {
            let q = [
                ORIGIN[0] - 0.002 + r.f() * (span + 0.004),
                ORIGIN[1] - 0.002 + r.f() * (span + 0.004),
            ];
            let d = reached
                .iter()
                .map(|p| geod(q, *p))
                .fold(f64::INFINITY, f64::min);
            let is_in = poly.intersects(&Point::new(q[0], q[1]));
            if is_in {
                assert!(
                    d <= width + 8.0,
                    "{minutes} min: {q:?} is {d:.1} m from the reached network, inside"
                );
                tried += 1;
            }
        }
        assert!(tried > 10, "{minutes} min: {tried} sampled points inside");
        // The people inside, by brute force.
        let (mut pop, mut kids, mut n) = (0, 0, 0);
        for (p, pp, kk) in &w.villages {
            if poly.contains(&Point::new(p[0], p[1])) || poly.intersects(&Point::new(p[0], p[1])) {
                pop += pp;
                kids += kk;
                n += 1;
            }
        }
        assert_eq!(
            band["properties"]["population"].as_i64(),
            Some(pop),
            "{minutes} min"
        );
        assert_eq!(
            band["properties"]["children"].as_i64(),
            Some(kids),
            "{minutes} min"
        );
        assert_eq!(
            band["properties"]["demand_points"].as_i64(),
            Some(n),
            "{minutes} min"
        );
    }
}

#[tokio::test]
async fn bands_from_a_point_hold_the_reached_network_and_nothing_beyond_its_width() {
    let w = world(41, 20);
    let q = [ORIGIN[0] + 0.0061, ORIGIN[1] + 0.0043];
    let (status, v) = get(
        &w.app,
        &format!("/api/isochrones?lon={}&lat={}&minutes=10,5", q[0], q[1]),
    )
    .await;
    assert_eq!(status, 200, "{v}");
    let bands = v["features"].as_array().unwrap();
    assert_eq!(bands.len(), 2);
    assert_eq!(bands[0]["properties"]["minutes"], 5.0, "shortest first");
    check_bands(&w, &v, &[oracle_snap(&w.streets, q)], 50.0);
    // Cumulative: the 10-minute band reaches more network and more people.
    let (a, b) = (&bands[0]["properties"], &bands[1]["properties"]);
    assert!(b["network_m"].as_f64() > a["network_m"].as_f64());
    assert!(b["population"].as_i64() >= a["population"].as_i64());
}

#[tokio::test]
async fn a_layers_joint_catchment_is_one_many_source_search() {
    let w = world(8, 6);
    let (status, v) = get(&w.app, "/api/isochrones?layer=rooms&minutes=5&width_m=30").await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["query"]["origins_joined"], 6, "{}", v["query"]);
    let origins: Vec<_> = w
        .rooms
        .iter()
        .map(|r| oracle_snap(&w.streets, *r))
        .collect();
    check_bands(&w, &v, &origins, 30.0);
}

#[tokio::test]
async fn bad_isochrone_requests_are_refused_by_name() {
    let w = world(9, 4);
    let at = format!("lon={}&lat={}", ORIGIN[0] + 0.005, ORIGIN[1] + 0.005);
    for (q, param) in [
        (format!("{at}&minutes=0"), "minutes"),
        (format!("{at}&minutes=61"), "minutes"),
        (format!("{at}&minutes=1,2,3,4,5,6,7"), "minutes"),
        (format!("{at}&minutes=ten"), "minutes"),
        (format!("{at}&width_m=1"), "width_m"),
        (format!("{at}&layer=rooms"), "lon"),
        (format!("{at}&mode=straight"), "mode"),
        (format!("{at}&path=true"), "path"),
        (format!("{at}&walk_kmh=20"), "walk_kmh"),
        (format!("{at}&colour=red"), "colour"),
        ("minutes=5".to_string(), "lon"),
        ("layer=nope".to_string(), "layer"),
    ] {
        let (status, v) = get(&w.app, &format!("/api/isochrones?{q}")).await;
        let msg = refusal(status, &v);
        assert!(msg.contains(param), "{q}: {msg}");
    }
    // Off the network: no bands, and a note saying how far.
    let (status, v) = get(
        &w.app,
        &format!("/api/isochrones?lon={}&lat={}", ORIGIN[0] - 0.03, ORIGIN[1]),
    )
    .await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["features"].as_array().unwrap().len(), 0);
    assert!(v["note"].as_str().unwrap().contains("max_access_m"), "{v}");
}

#[tokio::test]
async fn without_a_network_isochrones_say_how_to_import_one() {
    let snap = nestmap::snapshot::Snapshot::new(vec![], Default::default());
    let app = common::app::app(snap);
    let (status, v) = get(&app, "/api/isochrones?lon=120.6&lat=31.4").await;
    let msg = refusal(status, &v);
    assert!(msg.contains("import-osm"), "{msg}");
}
