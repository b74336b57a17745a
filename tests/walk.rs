//! Nearest by walking (issue 16): `/api/nearest?mode=walk` against the oracle of
//! `common::streets` — snapping by ternary search on every segment, a plain Dijkstra over the test's own edge
//! list, and the k nearest by brute force over every facility — on a seeded random street
//! grid with a canal crossed by two bridges and a few winding lanes, and on the sample's own
//! synthetic network (data/geojson/network.nnet) with its 58 nursing rooms.

mod common;

use serde_json::Value;

use common::app::get;
use common::streets::{
    geod, oracle_snap, oracle_snap_pruned, oracle_walks, oracle_walks_from, streets_of, world, N,
    ORIGIN, STEP,
};
use common::Rng;

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

/// The sample's synthetic network (data/geojson/network.nnet, read by the crate's reader):
/// `/api/nearest` on the sample data, walking by default, against the oracle over the same
/// edges (snapping by ternary search on every segment near enough to matter, a plain
/// Dijkstra over the shapes' geodesic lengths, every nursing room ranked by brute force).
#[tokio::test]
async fn on_the_sample_network_nearest_walks_as_the_brute_force_does() {
    let dir = common::app::sample_dir();
    let net = nestmap::network::read(&dir.join("network.nnet")).unwrap();
    let streets = streets_of(&net);
    let app = common::app::sample_app();
    let text = std::fs::read_to_string(dir.join("nursing_rooms.geojson")).unwrap();
    let fc: geojson::FeatureCollection = text.parse().unwrap();
    let rooms: Vec<(String, [f64; 2])> = fc
        .features
        .iter()
        .map(|f| {
            let id = match &f.id {
                Some(geojson::feature::Id::String(s)) => s.clone(),
                other => panic!("{other:?}"),
            };
            let g = geo::Geometry::<f64>::try_from(f.geometry.clone().unwrap()).unwrap();
            let geo::Geometry::Point(c) = g else {
                panic!("{id}: not a point")
            };
            (id, [c.x(), c.y()])
        })
        .collect();
    assert_eq!(rooms.len(), 58);
    let snaps: Vec<(usize, f64, f64)> = rooms
        .iter()
        .map(|(_, p)| oracle_snap_pruned(&streets, *p))
        .collect();
    // Walkers where the rooms are: each near a room, up to 3 km off.
    let mut r = Rng::new(16);
    let mut differs = 0;
    for i in 0..8 {
        let c = rooms[(i * 7) % rooms.len()].1;
        let q = [c[0] + (r.f() - 0.5) * 0.06, c[1] + (r.f() - 0.5) * 0.05];
        let (status, v) = get(
            &app,
            &format!(
                "/api/nearest?layer=nursing_rooms&lon={}&lat={}&k=5",
                q[0], q[1]
            ),
        )
        .await;
        assert_eq!(status, 200, "{v}");
        assert_eq!(
            v["query"]["mode"], "walk",
            "walking is the default with a network"
        );
        let walks = oracle_walks_from(&streets, oracle_snap_pruned(&streets, q), &snaps);
        let mut want: Vec<(usize, f64)> = walks.iter().copied().enumerate().collect();
        want.sort_by(|a, b| a.1.total_cmp(&b.1));
        let got = v["features"].as_array().unwrap();
        assert_eq!(got.len(), 5, "{v}");
        for (rank, (f, (wi, wd))) in got.iter().zip(&want).enumerate() {
            let (id, d) = (
                f["id"].as_str().unwrap(),
                f["properties"]["distance_m"].as_f64().unwrap(),
            );
            assert!(
                within_tolerance(d, *wd),
                "walker {q:?} rank {rank}: {id} at {d} m, the oracle's {} at {wd} m",
                rooms[*wi].0
            );
            if id != rooms[*wi].0 {
                let k = rooms.iter().position(|(rid, _)| rid == id).unwrap();
                assert!(
                    within_tolerance(walks[k], *wd),
                    "walker {q:?} rank {rank}: {id} vs {}",
                    rooms[*wi].0
                );
            }
        }
        let mut straight: Vec<(usize, f64)> = rooms
            .iter()
            .enumerate()
            .map(|(i, (_, p))| (i, geod(q, *p)))
            .collect();
        straight.sort_by(|a, b| a.1.total_cmp(&b.1));
        if straight
            .iter()
            .take(5)
            .map(|x| x.0)
            .collect::<std::collections::BTreeSet<_>>()
            != want.iter().take(5).map(|x| x.0).collect()
        {
            differs += 1;
        }
    }
    println!("{differs} of 8 walkers' five differ from the straight-line five");
}

/// Polygons on the sample network: a child-friendly community is reached where the network
/// comes nearest its outline. The oracle samples each outline as the README states (its
/// vertices, and points between them at most 20 m apart, in equal steps), snaps every sample
/// with the test's own snapping, and takes the least walk to any of them plus its access leg.
#[tokio::test]
async fn on_the_sample_network_a_polygon_is_reached_at_its_outline() {
    let dir = common::app::sample_dir();
    let net = nestmap::network::read(&dir.join("network.nnet")).unwrap();
    let streets = streets_of(&net);
    let app = common::app::sample_app();
    let text = std::fs::read_to_string(dir.join("child_friendly_communities.geojson")).unwrap();
    let fc: geojson::FeatureCollection = text.parse().unwrap();
    let mut ids = Vec::new();
    let mut samples: Vec<Vec<(usize, f64, f64)>> = Vec::new();
    for f in &fc.features {
        let Some(geojson::feature::Id::String(id)) = &f.id else {
            panic!("{:?}", f.id)
        };
        let g = geo::Geometry::<f64>::try_from(f.geometry.clone().unwrap()).unwrap();
        let geo::Geometry::Polygon(poly) = g else {
            panic!("{id}: not a polygon")
        };
        let ring: Vec<[f64; 2]> = poly.exterior().0.iter().map(|c| [c.x, c.y]).collect();
        let mut pts = Vec::new();
        for s in ring.windows(2) {
            let n = (geod(s[0], s[1]) / 20.0).ceil().max(1.0) as usize;
            pts.extend((0..n).map(|i| common::seg_at(s[0], s[1], i as f64 / n as f64)));
        }
        pts.push(*ring.last().unwrap());
        ids.push(id.clone());
        samples.push(
            pts.iter()
                .map(|p| oracle_snap_pruned(&streets, *p))
                .collect(),
        );
    }
    assert_eq!(ids.len(), 6);
    let mut r = Rng::new(17);
    for i in 0..4 {
        // A walker within about 2 km of community i.
        let g = geo::Geometry::<f64>::try_from(fc.features[i].geometry.clone().unwrap()).unwrap();
        let centre = geo::Centroid::centroid(&g).unwrap();
        // On land near the streets (the lakes are near some communities).
        let (q, snap_q) = loop {
            let q = [
                centre.x() + (r.f() - 0.5) * 0.04,
                centre.y() + (r.f() - 0.5) * 0.04,
            ];
            let s = oracle_snap_pruned(&streets, q);
            if s.2 < 300.0 {
                break (q, s);
            }
        };
        let (status, v) = get(
            &app,
            &format!(
                "/api/nearest?layer=child_friendly_communities&lon={}&lat={}&k=6",
                q[0], q[1]
            ),
        )
        .await;
        assert_eq!(status, 200, "{v}");
        assert_eq!(v["query"]["mode"], "walk");
        let walks: Vec<f64> = samples
            .iter()
            .map(|s| {
                oracle_walks_from(&streets, snap_q, s)
                    .into_iter()
                    .fold(f64::INFINITY, f64::min)
            })
            .collect();
        for f in v["features"].as_array().unwrap() {
            let id = f["id"].as_str().unwrap();
            let d = f["properties"]["distance_m"].as_f64().unwrap();
            let k = ids.iter().position(|x| x == id).unwrap();
            assert!(
                within_tolerance(d, walks[k]),
                "walker {q:?}: {id} at {d} m, the oracle's {} m",
                walks[k]
            );
        }
    }
}
