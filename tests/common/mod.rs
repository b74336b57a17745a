//! Shared test helpers: the seeded generator (`nestmap::sample::Rng`), random geometries, and
//! the brute-force oracle every index and distance figure is checked against.
#![allow(dead_code)]

pub mod app;
pub mod server;
pub mod streets;

use geo::{Contains, Coord, Distance, Geodesic, Geometry, LineString, Point, Polygon};

/// The one seeded generator of the tests: the crate's own (splitmix64, the same on every
/// machine), so no test keeps a second copy.
pub use nestmap::sample::Rng;

/// A WGS84 layer spec for a snapshot built in a test: `id`, titles equal to it, file
/// `{id}.geojson`, its `service_radius_m`.
pub fn layer_spec(
    id: &str,
    kind: nestmap::model::LayerKind,
    service_radius_m: f64,
) -> nestmap::catalog::LayerSpec {
    nestmap::catalog::LayerSpec {
        id: id.into(),
        title_zh: id.into(),
        title_en: id.into(),
        kind,
        file: std::path::PathBuf::from(format!("{id}.geojson")),
        crs: nestmap::crs::Crs::Wgs84,
        service_radius_m,
        style: Default::default(),
    }
}

/// A feature for a snapshot built in a test: its id and properties (a JSON object).
pub fn feature(id: impl Into<String>, props: serde_json::Value) -> nestmap::model::Feature {
    nestmap::model::Feature {
        id: id.into(),
        properties: props.as_object().unwrap().clone().into(),
    }
}

fn c(lon: f64, lat: f64) -> Coord<f64> {
    Coord { x: lon, y: lat }
}

/// A random point within `spread` degrees of `centre`.
pub fn random_point(r: &mut Rng, centre: [f64; 2], spread: f64) -> Geometry<f64> {
    Geometry::Point(Point::new(
        centre[0] + r.range(-spread, spread),
        centre[1] + r.range(-spread, spread),
    ))
}

/// A random polyline of 2-6 vertices with steps up to ~0.01 degrees.
pub fn random_line(r: &mut Rng, centre: [f64; 2], spread: f64) -> Geometry<f64> {
    let mut p = [
        centre[0] + r.range(-spread, spread),
        centre[1] + r.range(-spread, spread),
    ];
    let n = 2 + (r.next_u64() % 5) as usize;
    let mut v = Vec::with_capacity(n);
    for _ in 0..n {
        v.push(c(p[0], p[1]));
        p = [p[0] + r.range(-0.01, 0.01), p[1] + r.range(-0.01, 0.01)];
    }
    Geometry::LineString(LineString(v))
}

/// A random star-shaped (so simple) polygon of 5-9 vertices, radius up to ~0.01 degrees.
pub fn random_polygon(r: &mut Rng, centre: [f64; 2], spread: f64) -> Geometry<f64> {
    let o = [
        centre[0] + r.range(-spread, spread),
        centre[1] + r.range(-spread, spread),
    ];
    let n = 5 + (r.next_u64() % 5) as usize;
    let base = r.range(0.002, 0.01);
    let mut v: Vec<Coord<f64>> = (0..n)
        .map(|i| {
            let a = std::f64::consts::TAU * i as f64 / n as f64;
            let rad = base * r.range(0.5, 1.0);
            c(o[0] + rad * a.cos(), o[1] + rad * a.sin())
        })
        .collect();
    v.push(v[0]);
    Geometry::Polygon(Polygon::new(LineString(v), vec![]))
}

pub fn geodesic(a: [f64; 2], b: [f64; 2]) -> f64 {
    Geodesic.distance(Point::new(a[0], a[1]), Point::new(b[0], b[1]))
}

/// The point of the `[lon, lat]`-straight segment `a-b` at parameter `t` (segments are drawn
/// straight in `[lon, lat]`, as the README says).
pub fn seg_at(a: [f64; 2], b: [f64; 2], t: f64) -> [f64; 2] {
    [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t]
}

/// The parameter of the point of segment `a-b` nearest `p` on the ground: golden-section
/// search on geo's Karney geodesic distance, ends included (independent of the index's
/// local-frame method).
pub fn oracle_nearest_t(p: [f64; 2], a: [f64; 2], b: [f64; 2]) -> f64 {
    let f = |t: f64| geodesic(p, seg_at(a, b, t));
    let (mut lo, mut hi) = (0.0f64, 1.0f64);
    let g = 0.618_033_988_749_895;
    // 80 steps shrink the bracket by 0.618^80 < 2e-17: below f64's resolution of [0, 1].
    for _ in 0..80 {
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
        .map(|t| (t, f(t)))
        .min_by(|x, y| x.1.total_cmp(&y.1))
        .unwrap()
        .0
}

/// Ground distance from `p` to a `[lon, lat]`-straight segment, by [`oracle_nearest_t`].
pub fn oracle_segment(p: [f64; 2], a: [f64; 2], b: [f64; 2]) -> f64 {
    geodesic(p, seg_at(a, b, oracle_nearest_t(p, a, b)))
}

fn oracle_ring(p: [f64; 2], ls: &LineString<f64>) -> f64 {
    ls.0.windows(2)
        .map(|w| oracle_segment(p, [w[0].x, w[0].y], [w[1].x, w[1].y]))
        .fold(f64::INFINITY, f64::min)
}

/// Brute-force ground distance in metres from `p` to a geometry (0 inside a polygon).
pub fn oracle_distance(p: [f64; 2], g: &Geometry<f64>) -> f64 {
    match g {
        Geometry::Point(q) => geodesic(p, [q.x(), q.y()]),
        Geometry::MultiPoint(m) => m
            .iter()
            .map(|q| geodesic(p, [q.x(), q.y()]))
            .fold(f64::INFINITY, f64::min),
        Geometry::LineString(ls) => oracle_ring(p, ls),
        Geometry::MultiLineString(m) => m
            .iter()
            .map(|ls| oracle_ring(p, ls))
            .fold(f64::INFINITY, f64::min),
        Geometry::Polygon(poly) => {
            if poly.contains(&Point::new(p[0], p[1])) {
                0.0
            } else {
                std::iter::once(poly.exterior())
                    .chain(poly.interiors())
                    .map(|r| oracle_ring(p, r))
                    .fold(f64::INFINITY, f64::min)
            }
        }
        Geometry::MultiPolygon(m) => m
            .iter()
            .map(|poly| oracle_distance(p, &Geometry::Polygon(poly.clone())))
            .fold(f64::INFINITY, f64::min),
        other => panic!("oracle does not handle {other:?}"),
    }
}

/// Every feature's (index, distance), sorted by distance: the brute-force scan.
pub fn oracle_scan(p: [f64; 2], geoms: &[Geometry<f64>]) -> Vec<(usize, f64)> {
    let mut all: Vec<(usize, f64)> = geoms
        .iter()
        .enumerate()
        .map(|(i, g)| (i, oracle_distance(p, g)))
        .collect();
    all.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
    all
}

/// Assert that `got` (index order) agrees with the oracle: same distances within `tol_m`,
/// and same ids except where the oracle has a tie.
pub fn assert_same_ranking(
    got: &[(usize, f64)],
    oracle: &[(usize, f64)],
    geoms: &[Geometry<f64>],
    p: [f64; 2],
    tol_m: f64,
) {
    assert_eq!(got.len(), oracle.len(), "result count at {p:?}");
    for (i, (g, o)) in got.iter().zip(oracle).enumerate() {
        assert!(
            (g.1 - o.1).abs() <= tol_m,
            "rank {i} at {p:?}: index says {} m (feature {}), oracle {} m (feature {})",
            g.1,
            g.0,
            o.1,
            o.0
        );
        if g.0 != o.0 {
            let own = oracle_distance(p, &geoms[g.0]);
            assert!(
                (own - o.1).abs() <= tol_m,
                "rank {i} at {p:?}: feature {} ({own} m) where the oracle has {} ({} m)",
                g.0,
                o.0,
                o.1
            );
        }
    }
}

/// The brute-force scan, pruned by the triangle inequality so 100k lines or polygons stay
/// affordable: a feature is measured exactly unless `d(p, a vertex) - (its extent)` already
/// exceeds the `keep`-th best exact distance. Exact distances come from [`oracle_distance`].
pub fn oracle_scan_pruned(p: [f64; 2], geoms: &[Geometry<f64>], keep: usize) -> Vec<(usize, f64)> {
    use geo::{BoundingRect, CoordsIter};
    let mut bounds: Vec<(usize, f64)> = geoms
        .iter()
        .enumerate()
        .map(|(i, g)| {
            let first = g.coords_iter().next().unwrap();
            let r = g.bounding_rect().unwrap();
            let extent = 1.01 * geodesic([r.min().x, r.min().y], [r.max().x, r.max().y]);
            (i, geodesic(p, [first.x, first.y]) - extent)
        })
        .collect();
    bounds.sort_by(|a, b| a.1.total_cmp(&b.1));
    let mut exact: Vec<(usize, f64)> = Vec::new();
    for (i, lb) in bounds {
        if exact.len() >= keep {
            exact.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
            exact.truncate(keep);
            if lb > exact[keep - 1].1 {
                break;
            }
        }
        exact.push((i, oracle_distance(p, &geoms[i])));
    }
    exact.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
    exact.truncate(keep);
    exact
}

/// A copy of the shipped sample data (`data/geojson`) in a fresh temporary directory named
/// after the test file and the case.
pub fn sample_copy(test: &str, case: &str) -> std::path::PathBuf {
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data/geojson");
    let dir = std::env::temp_dir().join(format!("nestmap-{test}-{case}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    for e in std::fs::read_dir(&src).unwrap() {
        let e = e.unwrap();
        if e.file_type().unwrap().is_file() {
            std::fs::copy(e.path(), dir.join(e.file_name())).unwrap();
        }
    }
    dir
}

/// The lines of a text file (a layer file as `nestmap generate` writes it: a header line,
/// one feature per line, each but the last followed by a comma, and a trailer line).
pub fn lines_of(path: &std::path::Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(String::from)
        .collect()
}

/// The feature on a line of a one-feature-per-line layer file (its trailing comma dropped),
/// when the line holds one.
pub fn feature_on(line: &str) -> Option<serde_json::Value> {
    serde_json::from_str::<serde_json::Value>(line.strip_suffix(',').unwrap_or(line))
        .ok()
        .filter(|f| f["type"] == "Feature")
}

/// The index of the line holding feature `id`.
pub fn line_of(lines: &[String], id: &str) -> usize {
    lines
        .iter()
        .position(|l| feature_on(l).is_some_and(|f| f["id"] == id))
        .unwrap_or_else(|| panic!("no line holds feature {id:?}"))
}

/// Edit feature `id` of a one-feature-per-line layer file by hand, as a planner with a text
/// editor would: only its line changes. Returns the new line.
pub fn hand_edit(
    path: &std::path::Path,
    id: &str,
    edit: impl FnOnce(&mut serde_json::Value),
) -> String {
    let mut lines = lines_of(path);
    let k = line_of(&lines, id);
    let mut f = feature_on(&lines[k]).unwrap();
    edit(&mut f);
    let comma = if lines[k].ends_with(',') { "," } else { "" };
    lines[k] = format!("{f}{comma}");
    let text = std::fs::read_to_string(path).unwrap();
    let end = if text.ends_with('\n') { "\n" } else { "" };
    std::fs::write(path, lines.join("\n") + end).unwrap();
    lines[k].clone()
}

/// A route draft: a FeatureCollection of one LineString through `coords` and Point stops with
/// `seq` 1, 2, ... at `stops` (the body of `POST /api/routes/review`).
pub fn draft(coords: &[[f64; 2]], stops: &[[f64; 2]]) -> serde_json::Value {
    use serde_json::json;
    let mut features = vec![json!({"type": "Feature", "properties": {},
        "geometry": {"type": "LineString", "coordinates": coords}})];
    for (i, s) in stops.iter().enumerate() {
        features.push(json!({"type": "Feature", "properties": {"seq": i + 1},
            "geometry": {"type": "Point", "coordinates": s}}));
    }
    json!({"type": "FeatureCollection", "features": features})
}

/// A route draft's line zig-zagging across the globe, 6 vertices (issue 13: refused by its
/// length before any other work; in-process in hostile.rs, on the real process in
/// liveness.rs).
pub fn globe_zigzag() -> Vec<[f64; 2]> {
    vec![
        [0.0, 0.0],
        [170.0, 0.0],
        [0.0, 10.0],
        [170.0, 10.0],
        [0.0, 20.0],
        [170.0, 20.0],
    ]
}

/// The same with 19,000 vertices, under the vertex limit and far over the length limit.
pub fn globe_zigzag_19000() -> Vec<[f64; 2]> {
    (0..19_000)
        .map(|i| {
            [
                if i % 2 == 0 { 0.0 } else { 170.0 },
                (i as f64 * 0.001) % 80.0,
            ]
        })
        .collect()
}

/// `n` positions on a lattice from `[120.5, 31.3]` (the district's south-west), `per_row` a
/// row, `step` degrees apart `[east, north]`: candidate and added sites for the expensive
/// coverage inputs of hostile.rs and liveness.rs.
pub fn lattice(n: usize, per_row: usize, step: [f64; 2]) -> Vec<[f64; 2]> {
    (0..n)
        .map(|i| {
            [
                120.5 + (i % per_row) as f64 * step[0],
                31.3 + (i / per_row) as f64 * step[1],
            ]
        })
        .collect()
}

/// 1,000 added sites reaching 5 km each, 0.01 degrees apart over the district: within the
/// `add` count limit, far beyond the added-site work limit at 20 m cells.
pub fn far_reaching_sites() -> Vec<serde_json::Value> {
    lattice(1000, 40, [0.01, 0.01])
        .into_iter()
        .map(|p| serde_json::json!({"position": p, "radius_m": 5000}))
        .collect()
}

/// A heavy coverage within every limit: the whole district at 20 m cells, three layers at
/// 1000 m (`walk15`), 20 suggestions; over ten seconds on one core of a debug build. What the
/// liveness, timeout and load-shedding tests keep the server busy with.
pub fn heavy_coverage() -> serde_json::Value {
    serde_json::json!({"layer": "nursing_rooms,pocket_parks,service_stations", "suggest": 20, "cell_m": 20, "profile": "walk15"})
}

/// China's days off for 2025 and 2026 as the State Council's notices list them, written here
/// apart from `src/holidays.rs` (so that a slip in either shows): first and last day.
pub const NOTICE_DAYS_OFF: &[(&str, &str)] = &[
    ("2025-01-01", "2025-01-01"),
    ("2025-01-28", "2025-02-04"),
    ("2025-04-04", "2025-04-06"),
    ("2025-05-01", "2025-05-05"),
    ("2025-05-31", "2025-06-02"),
    ("2025-10-01", "2025-10-08"),
    ("2026-01-01", "2026-01-03"),
    ("2026-02-15", "2026-02-23"),
    ("2026-04-04", "2026-04-06"),
    ("2026-05-01", "2026-05-05"),
    ("2026-06-19", "2026-06-21"),
    ("2026-09-25", "2026-09-27"),
    ("2026-10-01", "2026-10-07"),
];

/// The notices' make-up workdays (调休上班), each with the date whose rules it follows: a
/// worked Saturday the Friday before, a worked Sunday the Monday after.
pub const NOTICE_MAKEUP_DAYS: &[(&str, &str)] = &[
    ("2025-01-26", "2025-01-27"),
    ("2025-02-08", "2025-02-07"),
    ("2025-04-27", "2025-04-28"),
    ("2025-09-28", "2025-09-29"),
    ("2025-10-11", "2025-10-10"),
    ("2026-01-04", "2026-01-05"),
    ("2026-02-14", "2026-02-13"),
    ("2026-02-28", "2026-02-27"),
    ("2026-05-09", "2026-05-08"),
    ("2026-09-20", "2026-09-21"),
    ("2026-10-10", "2026-10-09"),
];

/// The hours oracle: `text` parsed by the opening-hours crate itself, `PH` its calendar for
/// China plus [`NOTICE_DAYS_OFF`]; nothing of nestmap's in between.
pub fn oracle_hours_cn(text: &str) -> opening_hours::OpeningHours {
    use opening_hours::localization::Country;
    let cn = Country::CN.holidays();
    let mut public = cn.get_public().clone();
    for (first, last) in NOTICE_DAYS_OFF {
        let mut d = chrono::NaiveDate::parse_from_str(first, "%Y-%m-%d").unwrap();
        let last = chrono::NaiveDate::parse_from_str(last, "%Y-%m-%d").unwrap();
        while d <= last {
            public.insert(d);
            d = d.succ_opt().unwrap();
        }
    }
    let holidays = opening_hours::ContextHolidays::new(
        std::sync::Arc::new(public),
        std::sync::Arc::new(cn.get_school().clone()),
    );
    text.parse::<opening_hours::OpeningHours>()
        .unwrap_or_else(|e| panic!("{text:?}: {e}"))
        .with_context(opening_hours::Context::default().with_holidays(holidays))
}

/// The oracle's state at `t` (local time): the crate's, at the same time on the stand-in date
/// when `t` falls on a make-up workday. None: unknown.
pub fn oracle_state(oh: &opening_hours::OpeningHours, t: chrono::NaiveDateTime) -> Option<bool> {
    let day = t.format("%Y-%m-%d").to_string();
    let t = match NOTICE_MAKEUP_DAYS.iter().find(|(d, _)| *d == day) {
        Some((_, stand_in)) => chrono::NaiveDate::parse_from_str(stand_in, "%Y-%m-%d")
            .unwrap()
            .and_time(t.time()),
        None => t,
    };
    (!oh.is_unknown(t)).then(|| oh.is_open(t))
}

/// The oracle's next change within 8 days of `t` and the state then, found by stepping every
/// half hour: exact for hours whose times are all on the hour or the half hour (every rule
/// of the sample and of the tests).
pub fn oracle_next_change(
    oh: &opening_hours::OpeningHours,
    t: chrono::NaiveDateTime,
) -> Option<(chrono::NaiveDateTime, Option<bool>)> {
    use chrono::Timelike;
    let now = oracle_state(oh, t);
    let end = t + chrono::Duration::days(8);
    let past_half_hour = (t.minute() % 30) as i64 * 60 + t.second() as i64;
    let mut c = t - chrono::Duration::seconds(past_half_hour) + chrono::Duration::minutes(30);
    while c < end {
        let s = oracle_state(oh, c);
        if s != now {
            return Some((c, s));
        }
        c += chrono::Duration::minutes(30);
    }
    None
}
