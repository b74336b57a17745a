//! A seeded random street grid for the walking tests (issue 16): a canal crossed by two
//! bridges, a few winding lanes, rooms and villages scattered over it, served by the app
//! with its network; and the oracle the tests check the server against, written here and
//! sharing nothing with the crate's network code — snapping by ternary search on the
//! geodesic distance to every segment, and a plain Dijkstra over the test's own edge list.
#![allow(dead_code)]

use std::collections::{BinaryHeap, HashMap};
use std::sync::Arc;

use geo::{Distance, Geodesic, Geometry, Point};
use serde_json::json;

use super::{feature, layer_spec, Rng};
use nestmap::model::LayerKind;
use nestmap::network::{build, Provenance, Way, WayClass};
use nestmap::snapshot::{Layer, NetworkLayer, Snapshot};

pub fn geod(a: [f64; 2], b: [f64; 2]) -> f64 {
    Geodesic.distance(Point::new(a[0], a[1]), Point::new(b[0], b[1]))
}

/// The test's streets: ways as node-id lists with positions.
pub struct Streets {
    pub ways: Vec<Vec<(i64, [f64; 2])>>,
}

pub const ORIGIN: [f64; 2] = [120.60, 31.40];
pub const STEP: f64 = 0.001; // about 95 m east-west, 111 m north-south
pub const N: i64 = 14;

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

pub fn streets(seed: u64) -> Streets {
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

/// The point of segment `a-b` nearest `p` on the ground and its distance: the shared
/// oracle's golden-section search on the geodesic distance ([`super::oracle_nearest_t`]).
fn nearest_on_segment(p: [f64; 2], a: [f64; 2], b: [f64; 2]) -> ([f64; 2], f64) {
    let q = super::seg_at(a, b, super::oracle_nearest_t(p, a, b));
    (q, geod(p, q))
}

/// Where a point joins the streets: (way, metres from its first node along it, access
/// metres). Each segment's nearest point by [`nearest_on_segment`], every segment of every
/// way tried.
pub fn oracle_snap(s: &Streets, p: [f64; 2]) -> (usize, f64, f64) {
    let mut best = (0, 0.0, f64::INFINITY);
    for (wi, w) in s.ways.iter().enumerate() {
        let mut along = 0.0;
        for seg in w.windows(2) {
            let (a, b) = (seg[0].1, seg[1].1);
            let (q, d) = nearest_on_segment(p, a, b);
            if d < best.2 {
                best = (wi, along + geod(a, q), d);
            }
            along += geod(a, b);
        }
    }
    best
}

/// The same as [`oracle_snap`] for a large network: the segments are tried in the order of
/// an equirectangular distance (a different measure, within 1 % of the ground at these
/// latitudes over a few km), and the scan stops once that distance exceeds the best
/// geodesic one by more than 2 % + 5 m, so no segment that could be nearer is skipped.
/// Each segment tried by [`nearest_on_segment`].
pub fn oracle_snap_pruned(s: &Streets, p: [f64; 2]) -> (usize, f64, f64) {
    let kx = 111_320.0 * p[1].to_radians().cos();
    let ky = 110_574.0;
    let xy = |c: [f64; 2]| [(c[0] - p[0]) * kx, (c[1] - p[1]) * ky];
    let mut segs: Vec<(f64, usize, usize)> = Vec::new();
    for (wi, w) in s.ways.iter().enumerate() {
        for si in 0..w.len() - 1 {
            let (a, b) = (xy(w[si].1), xy(w[si + 1].1));
            let d = [b[0] - a[0], b[1] - a[1]];
            let l2 = d[0] * d[0] + d[1] * d[1];
            let t = if l2 > 0.0 {
                (-(a[0] * d[0] + a[1] * d[1]) / l2).clamp(0.0, 1.0)
            } else {
                0.0
            };
            segs.push(((a[0] + t * d[0]).hypot(a[1] + t * d[1]), wi, si));
        }
    }
    segs.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut best = (0, 0.0, f64::INFINITY);
    for (approx, wi, si) in segs {
        if approx > best.2 * 1.02 + 5.0 {
            break;
        }
        let w = &s.ways[wi];
        let (a, b) = (w[si].1, w[si + 1].1);
        let (q, d) = nearest_on_segment(p, a, b);
        if d < best.2 {
            let along: f64 = w[..=si].windows(2).map(|s| geod(s[0].1, s[1].1)).sum();
            best = (wi, along + geod(a, q), d);
        }
    }
    best
}

/// A network's edges as the oracle's ways: each edge one way from its `a` vertex to its `b`,
/// its inner shape points given ids of their own (negative: they join nothing).
pub fn streets_of(net: &nestmap::network::Network) -> Streets {
    let mut inner = 0i64;
    let ways = (0..net.edge_count() as u32)
        .map(|e| {
            let edge = &net.edges()[e as usize];
            let shape = net.shape(e);
            shape
                .iter()
                .enumerate()
                .map(|(i, p)| {
                    let id = if i == 0 {
                        edge.a as i64
                    } else if i == shape.len() - 1 {
                        edge.b as i64
                    } else {
                        inner -= 1;
                        inner
                    };
                    (id, *p)
                })
                .collect()
        })
        .collect();
    Streets { ways }
}

pub fn way_len(w: &[(i64, [f64; 2])]) -> f64 {
    w.windows(2).map(|s| geod(s[0].1, s[1].1)).sum()
}

/// Plain Dijkstra over the ways as edges between their end nodes.
pub fn dijkstra(s: &Streets, from: &[(i64, f64)]) -> HashMap<i64, f64> {
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
pub fn oracle_walks(s: &Streets, q: [f64; 2], fs: &[(usize, f64, f64)]) -> Vec<f64> {
    oracle_walks_from(s, oracle_snap(s, q), fs)
}

/// [`oracle_walks`] from a walker already snapped.
pub fn oracle_walks_from(
    s: &Streets,
    (wq, sq, aq): (usize, f64, f64),
    fs: &[(usize, f64, f64)],
) -> Vec<f64> {
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

pub struct World {
    pub streets: Streets,
    pub rooms: Vec<[f64; 2]>,
    pub villages: Vec<([f64; 2], i64, i64)>,
    pub app: axum::Router,
}

/// The walking network of the grid of `seed`, built by the crate.
pub fn world_network(seed: u64) -> nestmap::network::Network {
    let ways: Vec<Way> = streets(seed)
        .ways
        .iter()
        .map(|w| Way {
            nodes: w.clone(),
            name: None,
            class: WayClass::Walk,
        })
        .collect();
    let prov = Provenance {
        source: "tests/common/streets.rs".into(),
        synthetic: true,
        attribution: String::new(),
    };
    build(&ways, prov).0
}

pub fn world(seed: u64, rooms: usize) -> World {
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
    let villages: Vec<([f64; 2], i64, i64)> = (0..80)
        .map(|_| {
            let p = [ORIGIN[0] + r.f() * span, ORIGIN[1] + r.f() * span];
            let pop = 100 + (r.f() * 2000.0) as i64;
            (p, pop, pop / 5)
        })
        .collect();
    let demand = Layer::new(
        layer_spec("villages", LayerKind::Demand, 1000.0),
        villages
            .iter()
            .enumerate()
            .map(|(i, (p, pop, kids))| {
                (
                    feature(
                        format!("v{i}"),
                        json!({"name": format!("Sample village {i}"), "code": format!("{i}"), "township": "t", "population": pop, "children": kids}),
                    ),
                    Geometry::Point(Point::new(p[0], p[1])),
                )
            })
            .collect(),
    );
    let mut snap = Snapshot::new(vec![layer, demand], Default::default());
    snap.network = Some(Arc::new(NetworkLayer::new(
        layer_spec("walk", LayerKind::Network, 1000.0),
        net,
    )));
    World {
        streets,
        rooms,
        villages,
        app: super::app::app(snap),
    }
}
