//! A fixed workload for `valgrind --tool=callgrind` (instruction counts are repeatable on a
//! shared, noisy machine, unlike seconds):
//!
//! ```sh
//! cargo build --release --example profile_nearest
//! valgrind --tool=callgrind --collect-atstart=no --toggle-collect='*profile_nearest::work*' \
//!   target/release/examples/profile_nearest index 1000000 20000
//! ```
//!
//! Modes: `index` (k = 5 through `LayerIndex::nearest`), `query` (`query::nearest`), `http`
//! (`GET /api/nearest` through the whole router, no socket) and `healthz` (the same for
//! `/healthz`). Only `work` is counted: divide its instructions by the query count.

#[path = "common/national.rs"]
mod national;

use std::hint::black_box;

use geo::{Geometry, Point};
use nestmap::index::LayerIndex;

fn snapshot(points: &[[f64; 2]]) -> nestmap::snapshot::Snapshot {
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
    let features = points
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let mut props = serde_json::Map::new();
            props.insert("name".into(), format!("设施 {i}").into());
            props.insert("city".into(), "suzhou".into());
            (
                nestmap::model::Feature {
                    id: format!("f{i}"),
                    properties: props.into(),
                },
                Geometry::Point(Point::new(p[0], p[1])),
            )
        })
        .collect();
    nestmap::snapshot::Snapshot::new(
        vec![nestmap::snapshot::Layer::new(spec, features)],
        Default::default(),
    )
}

#[inline(never)]
fn work(mode: &str, points: &[[f64; 2]], queries: &[[f64; 2]]) -> f64 {
    let mut s = 0.0;
    match mode {
        "index" => {
            let index = INDEX.with(|i| i.take()).expect("built");
            for q in queries {
                for (f, d) in index.nearest(*q).take(5) {
                    s += d + f as f64;
                }
            }
            std::mem::forget(index); // its drop is not the workload
        }
        "query" => {
            let snap = SNAP.with(|i| i.take()).expect("built");
            let now = nestmap::query::hours::local_now();
            let f = nestmap::query::nearest::Filters::default();
            for q in queries {
                s += nestmap::query::nearest::nearest(&snap, &[0], *q, 5, f64::INFINITY, &f, now)
                    .len() as f64;
            }
            std::mem::forget(snap);
        }
        "http" | "healthz" => {
            use tower::ServiceExt;
            let app = APP.with(|i| i.take()).expect("built");
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            rt.block_on(async {
                for q in queries {
                    let uri = if mode == "http" {
                        format!(
                            "/api/nearest?layer=facilities&k=5&lon={:.6}&lat={:.6}",
                            q[0], q[1]
                        )
                    } else {
                        "/healthz".to_string()
                    };
                    let req = axum::http::Request::get(uri)
                        .body(axum::body::Body::empty())
                        .expect("request");
                    let res = app.clone().oneshot(req).await.expect("infallible");
                    let body = axum::body::to_bytes(res.into_body(), usize::MAX)
                        .await
                        .expect("body");
                    s += body.len() as f64;
                }
            });
            std::mem::forget(app);
        }
        other => panic!("unknown mode {other}"),
    }
    let _ = points;
    s
}

thread_local! {
    static INDEX: std::cell::Cell<Option<LayerIndex>> = const { std::cell::Cell::new(None) };
    static SNAP: std::cell::Cell<Option<nestmap::snapshot::Snapshot>> = const { std::cell::Cell::new(None) };
    static APP: std::cell::Cell<Option<axum::Router>> = const { std::cell::Cell::new(None) };
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let mode = args.get(1).map(String::as_str).unwrap_or("index");
    let n: usize = args
        .get(2)
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_000_000);
    let nq: usize = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(20_000);
    let points = national::points(n, 2024);
    let queries = national::queries(nq, 2024);
    match mode {
        "index" => INDEX.with(|i| {
            i.set(Some(LayerIndex::build(
                points
                    .iter()
                    .map(|p| Geometry::Point(Point::new(p[0], p[1])))
                    .collect(),
            )))
        }),
        "query" => SNAP.with(|i| i.set(Some(snapshot(&points)))),
        _ => APP.with(|i| {
            i.set(Some(nestmap::app(nestmap::AppState::new(
                snapshot(&points),
                "web".into(),
                "node_modules/maplibre-gl/dist".into(),
            ))))
        }),
    }
    let t = std::time::Instant::now();
    let s = work(mode, &points, &queries);
    let dt = t.elapsed().as_secs_f64();
    println!(
        "{mode}: {nq} queries in {:.3} s, {:.2} us each (checksum {})",
        dt,
        dt * 1e6 / nq as f64,
        black_box(s)
    );
}
