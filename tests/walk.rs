//! Nearest by walking (issue 16): `/api/nearest?mode=walk` against an oracle written here —
//! snapping by dense sampling of every segment, a plain Dijkstra over the test's own edge
//! list, and the k nearest by brute force over every facility — on a seeded random street
//! grid with a canal crossed by two bridges and a few winding lanes.

mod common;

use std::collections::{BinaryHeap, HashMap};
use std::sync::Arc;

use geo::{Distance, Geodesic, Geometry, Point};
use serde_json::{json, Value};

use common::app::get;
use common::{feature, layer_spec, Rng};
use nestmap::model::LayerKind;
use nestmap::network::{build, Provenance, Way, WayClass};
use nestmap::snapshot::{Layer, NetworkLayer, Snapshot};

fn geod(a: [f64; 2], b: [f64; 2]) -> f64 {
    Geodesic.distance(Point::new(a[0], a[1]), Point::new(b[0], b[1]))
}

/// The test's streets: ways as node-id lists with positions.
struct Streets {
    ways: Vec<Vec<(i64, [f64; 2])>>,
}

const ORIGIN: [f64; 2] = [120.60, 31.40];
const STEP: f64 = 0.001; // about 95 m east-west, 111 m north-south
const N: i64 = 14;

fn grid_id(i: i64, j: i64) -> i64 {
    i * 100 + j
}

fn grid_pos(i: i64, j: i64, r: &mut Rng) -> [f64; 2] {
    // A little jitter, seeded by position so a node has one place.
    let mut jr = Rng::new((i * 1000 + j) as u64 + 7);
    let _ = r;
    [
        ORIGIN[0] + i as f64 * STEP + (jr.f() - 0.5) * 0.0002,
        ORIGIN[1] + j as f64 * STEP + (jr.f() - 0.5) * 0.0002,
    ]
}

fn streets(seed: u64) -> Streets {
    let mut r = Rng::new(seed);
    let mut ways = Vec::new();
    let canal = N / 2; // no north-south street crosses between rows canal and canal + 1 ...
    let bridges = [2, N - 3]; // ... except at these columns
    for i in 0..N {
        for j in 0..N {
            let here = (grid_id(i, j), grid_pos(i, j, &mut r));
            if i + 1 < N && r.f() < 0.8 {
                ways.push(vec![here, (grid_id(i + 1, j), grid_pos(i + 1, j, &mut r))]);
            }
            if j + 1 < N && (j != canal || bridges.contains(&i)) && r.f() < 0.8 {
                ways.push(vec![here, (grid_id(i, j + 1), grid_pos(i, j + 1, &mut r))]);
            }
        }
    }
    // Winding lanes across blocks: several shape points that no other way shares.
    let mut next_id = 1_000_000;
    for _ in 0..12 {
        let (i, j) = (
            (r.f() * (N - 1) as f64) as i64,
            (r.f() * (N - 1) as f64) as i64,
        );
        if j == canal {
            continue;
        }
        let a = grid_pos(i, j, &mut r);
        let b = grid_pos(i + 1, j + 1, &mut r);
        let mut w = vec![(grid_id(i, j), a)];
        for s in 1..5 {
            let t = s as f64 / 5.0;
            next_id += 1;
            w.push((
                next_id,
                [
                    a[0] + (b[0] - a[0]) * t + (r.f() - 0.5) * 0.0003,
                    a[1] + (b[1] - a[1]) * t + (r.f() - 0.5) * 0.0003,
                ],
            ));
        }
        w.push((grid_id(i + 1, j + 1), b));
        ways.push(w);
    }
    Streets { ways }
}

/// Where a point joins the streets: (way, metres from its first node along it, access
/// metres). Each segment's nearest point by ternary search on the geodesic distance (which
/// is unimodal along a short segment), every segment of every way tried.
fn oracle_snap(s: &Streets, p: [f64; 2]) -> (usize, f64, f64) {
    let mut best = (0, 0.0, f64::INFINITY);
    for (wi, w) in s.ways.iter().enumerate() {
        let mut along = 0.0;
        for seg in w.windows(2) {
            let (a, b) = (seg[0].1, seg[1].1);
            let at = |t: f64| [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t];
            let (mut lo, mut hi) = (0.0f64, 1.0f64);
            for _ in 0..60 {
                let (m1, m2) = (lo + (hi - lo) / 3.0, hi - (hi - lo) / 3.0);
                if geod(p, at(m1)) <= geod(p, at(m2)) {
                    hi = m2;
                } else {
                    lo = m1;
                }
            }
            let q = at((lo + hi) / 2.0);
            let d = geod(p, q);
            if d < best.2 {
                best = (wi, along + geod(a, q), d);
            }
            along += geod(a, b);
        }
    }
    best
}

fn way_len(w: &[(i64, [f64; 2])]) -> f64 {
    w.windows(2).map(|s| geod(s[0].1, s[1].1)).sum()
}

/// Plain Dijkstra over the ways as edges between their end nodes.
fn dijkstra(s: &Streets, from: &[(i64, f64)]) -> HashMap<i64, f64> {
    let mut adj: HashMap<i64, Vec<(i64, f64)>> = HashMap::new();
    for w in &s.ways {
        let (a, b, l) = (w[0].0, w[w.len() - 1].0, way_len(w));
        adj.entry(a).or_default().push((b, l));
        adj.entry(b).or_default().push((a, l));
    }
    #[derive(PartialEq)]
    struct Q(f64, i64);
    impl Eq for Q {}
    impl PartialOrd for Q {
        fn partial_cmp(&self, o: &Self) -> Option<std::cmp::Ordering> {
            Some(self.cmp(o))
        }
    }
    impl Ord for Q {
        fn cmp(&self, o: &Self) -> std::cmp::Ordering {
            o.0.total_cmp(&self.0)
        }
    }
    let mut dist: HashMap<i64, f64> = HashMap::new();
    let mut heap = BinaryHeap::new();
    for &(v, c) in from {
        if c < *dist.get(&v).unwrap_or(&f64::INFINITY) {
            dist.insert(v, c);
            heap.push(Q(c, v));
        }
    }
    while let Some(Q(d, v)) = heap.pop() {
        if d > dist[&v] {
            continue;
        }
        for &(w, l) in adj.get(&v).into_iter().flatten() {
            if d + l < *dist.get(&w).unwrap_or(&f64::INFINITY) {
                dist.insert(w, d + l);
                heap.push(Q(d + l, w));
            }
        }
    }
    dist
}

/// Walking metres from `q` to every target of `fs` (their snaps given), after the same
/// snapping: one Dijkstra from the walker's two ends.
fn oracle_walks(s: &Streets, q: [f64; 2], fs: &[(usize, f64, f64)]) -> Vec<f64> {
    let (wq, sq, aq) = oracle_snap(s, q);
    let lq = way_len(&s.ways[wq]);
    let (qa, qb) = (s.ways[wq][0].0, s.ways[wq].last().unwrap().0);
    let dist = dijkstra(s, &[(qa, aq + sq), (qb, aq + lq - sq)]);
    fs.iter()
        .map(|&(wf, sf, af)| {
            let lf = way_len(&s.ways[wf]);
            let (fa, fb) = (s.ways[wf][0].0, s.ways[wf].last().unwrap().0);
            let via = |v: i64, rest: f64| dist.get(&v).map_or(f64::INFINITY, |d| d + rest + af);
            let mut best = via(fa, sf).min(via(fb, lf - sf));
            if wq == wf {
                best = best.min(aq + (sq - sf).abs() + af);
            }
            best
        })
        .collect()
}

struct World {
    streets: Streets,
    rooms: Vec<[f64; 2]>,
    app: axum::Router,
}

fn world(seed: u64, rooms: usize) -> World {
    let streets = streets(seed);
    let mut r = Rng::new(seed + 1);
    let span = STEP * (N - 1) as f64;
    let rooms: Vec<[f64; 2]> = (0..rooms)
        .map(|_| [ORIGIN[0] + r.f() * span, ORIGIN[1] + r.f() * span])
        .collect();
    let ways: Vec<Way> = streets
        .ways
        .iter()
        .map(|w| Way {
            nodes: w.clone(),
            name: None,
            class: WayClass::Walk,
        })
        .collect();
    let prov = Provenance {
        source: "tests/walk.rs".into(),
        synthetic: true,
        attribution: String::new(),
    };
    let (net, _) = build(&ways, prov);
    let features = rooms
        .iter()
        .enumerate()
        .map(|(i, p)| {
            (
                feature(format!("r{i}"), json!({"name": format!("Room {i}")})),
                Geometry::Point(Point::new(p[0], p[1])),
            )
        })
        .collect();
    let layer = Layer::new(layer_spec("rooms", LayerKind::Generic, 1000.0), features);
    let mut snap = Snapshot::new(vec![layer], Default::default());
    snap.network = Some(Arc::new(NetworkLayer::new(
        layer_spec("walk", LayerKind::Network, 1000.0),
        net,
    )));
    World {
        streets,
        rooms,
        app: common::app::app(snap),
    }
}

fn within_tolerance(got: f64, want: f64) -> bool {
    (got - want).abs() <= 0.5f64.max(want * 0.001)
}

#[tokio::test]
async fn nearest_on_foot_equals_the_brute_force_walk_and_is_not_the_straight_line_resorted() {
    let w = world(41, 60);
    let mut r = Rng::new(99);
    let span = STEP * (N - 1) as f64;
    let mut differs = 0;
    let snaps: Vec<(usize, f64, f64)> = w
        .rooms
        .iter()
        .map(|f| oracle_snap(&w.streets, *f))
        .collect();
    for _ in 0..25 {
        let q = [ORIGIN[0] + r.f() * span, ORIGIN[1] + r.f() * span];
        let uri = format!(
            "/api/nearest?layer=rooms&lon={}&lat={}&k=5&mode=walk&path=true",
            q[0], q[1]
        );
        let (status, v) = get(&w.app, &uri).await;
        assert_eq!(status, 200, "{v}");
        assert_eq!(v["query"]["mode"], "walk", "{v}");
        let walks = oracle_walks(&w.streets, q, &snaps);
        let mut want: Vec<(usize, f64)> = walks
            .iter()
            .copied()
            .enumerate()
            .filter(|(_, d)| d.is_finite())
            .collect();
        want.sort_by(|a, b| a.1.total_cmp(&b.1));
        let got: Vec<(String, f64, f64)> = v["features"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                (
                    f["id"].as_str().unwrap().to_string(),
                    f["properties"]["distance_m"].as_f64().unwrap(),
                    f["properties"]["straight_m"].as_f64().unwrap(),
                )
            })
            .collect();
        assert_eq!(got.len(), 5.min(want.len()), "{v}");
        for (rank, ((id, d, straight), (wi, wd))) in got.iter().zip(&want).enumerate() {
            assert!(
                within_tolerance(*d, *wd),
                "query {q:?} rank {rank}: {id} at {d} m, the oracle's {wi} at {wd} m"
            );
            // Ties within the tolerance may swap; otherwise the same room.
            if id != &format!("r{wi}") {
                let theirs = walks[id[1..].parse::<usize>().unwrap()];
                assert!(
                    within_tolerance(theirs, *wd),
                    "query {q:?} rank {rank}: {id} vs r{wi}"
                );
            }
            assert!(*straight <= d + 0.05, "straight {straight} > walked {d}");
        }
        // The path walks the distance it claims (every edge here is plain walking).
        for f in v["features"].as_array().unwrap() {
            let coords: Vec<[f64; 2]> = f["properties"]["path"]["coordinates"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| [c[0].as_f64().unwrap(), c[1].as_f64().unwrap()])
                .collect();
            let len: f64 = coords.windows(2).map(|s| geod(s[0], s[1])).sum();
            let d = f["properties"]["distance_m"].as_f64().unwrap();
            assert!(
                (len - d).abs() <= 1.0f64.max(d * 0.002),
                "path {len} m vs {d} m: {coords:?}"
            );
            assert!(geod(coords[0], q) < 0.05, "the path starts at the walker");
        }
        // The straight-line five, for comparison.
        let mut straight: Vec<(usize, f64)> = w
            .rooms
            .iter()
            .enumerate()
            .map(|(i, f)| (i, geod(q, *f)))
            .collect();
        straight.sort_by(|a, b| a.1.total_cmp(&b.1));
        let s5: std::collections::BTreeSet<usize> = straight.iter().take(5).map(|x| x.0).collect();
        let w5: std::collections::BTreeSet<usize> = want.iter().take(5).map(|x| x.0).collect();
        if s5 != w5 {
            differs += 1;
        }
    }
    assert!(
        differs > 0,
        "the walking five never differed from the straight five: a useless test world"
    );
}

#[tokio::test]
async fn far_from_every_path_the_answer_says_so_and_measures_straight() {
    let w = world(5, 10);
    // About 1.9 km west of the grid.
    let (status, v) = get(
        &w.app,
        &format!(
            "/api/nearest?layer=rooms&lon={}&lat={}&k=3",
            ORIGIN[0] - 0.02,
            ORIGIN[1] + 0.005
        ),
    )
    .await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["query"]["mode"], "straight", "{v}");
    let note = v["note"].as_str().unwrap_or("");
    assert!(
        note.contains("max_access_m=500") && note.contains("straight"),
        "{note}"
    );
    // A wider access leg reaches it.
    let (_, v) = get(
        &w.app,
        &format!(
            "/api/nearest?layer=rooms&lon={}&lat={}&k=3&max_access_m=2000",
            ORIGIN[0] - 0.02,
            ORIGIN[1] + 0.005
        ),
    )
    .await;
    assert_eq!(v["query"]["mode"], "walk", "{v}");
    let access = v["query"]["access_m"].as_f64().unwrap();
    let (_, _, oracle_access) = oracle_snap(&w.streets, [ORIGIN[0] - 0.02, ORIGIN[1] + 0.005]);
    assert!(
        (access - oracle_access).abs() < 0.2,
        "{access} vs {oracle_access}"
    );
}

#[tokio::test]
async fn the_reserved_parameters_are_checked_and_win_over_properties() {
    let w = world(7, 10);
    let base = format!(
        "/api/nearest?layer=rooms&lon={}&lat={}",
        ORIGIN[0] + 0.005,
        ORIGIN[1] + 0.005
    );
    for (extra, param) in [
        ("&mode=drive", "mode"),
        ("&walk_kmh=0.5", "walk_kmh"),
        ("&walk_kmh=11", "walk_kmh"),
        ("&max_access_m=2001", "max_access_m"),
        ("&path=yes", "path"),
    ] {
        let (status, v) = get(&w.app, &format!("{base}{extra}")).await;
        let msg = common::app::refusal(status, &v);
        assert!(msg.contains(param), "{extra}: {msg}");
    }
    // walk_kmh changes the minutes, not the metres.
    let (_, slow) = get(&w.app, &format!("{base}&walk_kmh=2")).await;
    let (_, fast) = get(&w.app, &format!("{base}&walk_kmh=4")).await;
    let (s, f) = (
        &slow["features"][0]["properties"],
        &fast["features"][0]["properties"],
    );
    assert_eq!(s["distance_m"], f["distance_m"]);
    let want = f["distance_m"].as_f64().unwrap() / (2000.0 / 60.0);
    assert!(
        (s["walk_min"].as_f64().unwrap() - want).abs() <= 0.06,
        "{s}"
    );
    // Straight on request, even with a network.
    let (_, v) = get(&w.app, &format!("{base}&mode=straight")).await;
    assert_eq!(v["query"]["mode"], "straight");
    assert!(v["features"][0]["properties"].get("straight_m").is_none());
}

#[tokio::test]
async fn without_a_network_walking_is_refused_with_how_to_import_one() {
    let app = common::app::sample_app();
    let (status, v): (_, Value) = get(
        &app,
        "/api/nearest?layer=nursing_rooms&lon=120.6&lat=31.4&mode=walk",
    )
    .await;
    if status == 200 {
        // The sample has a network (it will): then walking is its default.
        assert_eq!(v["query"]["mode"], "walk");
        return;
    }
    let msg = common::app::refusal(status, &v);
    assert!(msg.contains("mode") && msg.contains("import-osm"), "{msg}");
    let (_, v) = get(&app, "/api/nearest?layer=nursing_rooms&lon=120.6&lat=31.4").await;
    assert_eq!(v["query"]["mode"], "straight");
}
