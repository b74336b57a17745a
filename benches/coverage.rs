//! Coverage of the whole district (320507), all facility layers at their own service radii,
//! at 100 m and 20 m cells (2.96M bounding cells): time per analysis (goals: 100 m < 100 ms,
//! 20 m < 2 s), and with 5 suggestion rounds (per round = (t5 - t0) / 5).
//!
//! `cargo bench --bench coverage` (reads data/geojson).

use std::hint::black_box;
use std::path::Path;

use criterion::{criterion_group, criterion_main, Criterion};
use nestmap::query::coverage::{coverage, profile, AreaSpec, CoverageRequest};

fn request(snap: &nestmap::snapshot::Snapshot, cell_m: f64, suggest: usize) -> CoverageRequest {
    CoverageRequest {
        layers: (0..snap.layers.len())
            .filter(|&i| snap.layers[i].spec.kind.is_facility())
            .collect(),
        profile: profile("layer").expect("the layer profile exists"),
        radius_m: None,
        area: AreaSpec::Code("320507".into()),
        cell_m,
        suggest,
        add: Vec::new(),
        remove: Vec::new(),
        candidates: None,
    }
}

fn bench(c: &mut Criterion) {
    let snap = nestmap::load::load_dir(Path::new("data/geojson")).expect("sample data loads");
    let mut g = c.benchmark_group("coverage");
    g.sample_size(10);
    for (cell_m, name) in [(100.0, "100m"), (20.0, "20m")] {
        for suggest in [0, 5] {
            let req = request(&snap, cell_m, suggest);
            g.bench_function(format!("district_{name}_suggest{suggest}"), |b| {
                b.iter(|| black_box(coverage(&snap, &req).expect("coverage runs")))
            });
        }
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
