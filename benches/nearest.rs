//! P2: k = 5 nearest on 1M points, microseconds per query (goal <= 2 us), in process.
//! Also the national mix (10 % small polygons) and the whole query path (filters, hits).
//!
//! `cargo bench --bench nearest`; `NESTMAP_BENCH_N` changes the size (default 1,000,000).

#[path = "../examples/common/national.rs"]
mod national;

use std::hint::black_box;

use chrono::NaiveDate;
use criterion::{criterion_group, criterion_main, Criterion};
use geo::{Geometry, LineString, Point, Polygon};
use nestmap::index::LayerIndex;

fn n() -> usize {
    std::env::var("NESTMAP_BENCH_N")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_000_000)
}

fn point_index(n: usize) -> LayerIndex {
    let pts = national::points(n, 2024);
    LayerIndex::build(
        pts.into_iter()
            .map(|p| Geometry::Point(Point::new(p[0], p[1])))
            .collect(),
    )
}

fn mixed_index(n: usize) -> LayerIndex {
    let mut rng = national::Rng::new(2024);
    let mut shape = national::Rng::new(7);
    let geoms = (0..n)
        .map(|_| {
            let s = national::site(&mut rng);
            if shape.f64() < 0.1 {
                let ring = national::footprint(&mut shape, s.lon, s.lat);
                Geometry::Polygon(Polygon::new(
                    LineString::from(ring.iter().map(|p| (p[0], p[1])).collect::<Vec<_>>()),
                    vec![],
                ))
            } else {
                Geometry::Point(Point::new(s.lon, s.lat))
            }
        })
        .collect();
    LayerIndex::build(geoms)
}

fn k5(c: &mut Criterion, name: &str, index: &LayerIndex) {
    let queries = national::queries(10_000, 2024);
    let mut i = 0;
    c.bench_function(name, |b| {
        b.iter(|| {
            i = (i + 1) % queries.len();
            let mut s = 0.0;
            for (f, d) in index.nearest(black_box(queries[i])).take(5) {
                s += d + f as f64;
            }
            black_box(s)
        })
    });
}

fn bench(c: &mut Criterion) {
    let n = n();
    let points = point_index(n);
    k5(c, "nearest_k5_1M_points", &points);
    // The whole query layer (filters, hits, open state) over a one-layer snapshot.
    let spec = nestmap::catalog::LayerSpec {
        id: "facilities".into(),
        title_zh: "设施".into(),
        title_en: "Facilities".into(),
        kind: nestmap::model::LayerKind::Generic,
        file: "facilities.geojson".into(),
        crs: nestmap::crs::Crs::Wgs84,
        service_radius_m: 1000.0,
        style: Default::default(),
    };
    let features = national::points(n, 2024)
        .into_iter()
        .enumerate()
        .map(|(i, p)| {
            (
                nestmap::model::Feature {
                    id: format!("f{i}"),
                    properties: serde_json::Map::new().into(),
                },
                Geometry::Point(Point::new(p[0], p[1])),
            )
        })
        .collect();
    drop(points);
    let snap = nestmap::snapshot::Snapshot::new(
        vec![nestmap::snapshot::Layer::new(spec, features)],
        Default::default(),
    );
    let now = NaiveDate::from_ymd_opt(2026, 5, 1)
        .and_then(|d| d.and_hms_opt(10, 0, 0))
        .expect("valid moment");
    let queries = national::queries(10_000, 2024);
    let filters = nestmap::query::nearest::Filters::default();
    let mut i = 0;
    c.bench_function("query_nearest_k5_1M_points", |b| {
        b.iter(|| {
            i = (i + 1) % queries.len();
            black_box(nestmap::query::nearest::nearest(
                &snap,
                &[0],
                black_box(queries[i]),
                5,
                f64::INFINITY,
                &filters,
                now,
            ))
        })
    });
    drop(snap);
    let mixed = mixed_index(n);
    k5(c, "nearest_k5_1M_mixed_10pct_polygons", &mixed);
}

criterion_group!(benches, bench);
criterion_main!(benches);
