//! Dumps one coverage analysis for an outside check (bench/coverage_shapely.py, P4):
//!
//! ```sh
//! cargo run --release --example coverage_grid -- --data data/geojson --cell-m 100 --out target/bench/grid100
//! ```
//!
//! Runs the whole-district analysis (all facility layers, each at its service radius, no
//! suggestions) `--repeat` times and writes into `--out`:
//! - `cells.tsv`: `lon<TAB>lat<TAB>covered` for every analysed cell centre (in the area, not
//!   on water), covered as our analysis marks it;
//! - `facilities.jsonl`: one `{"radius_m": r, "geometry": <GeoJSON>}` a line;
//! - `ours.json`: cells, covered cells, and the analysis times in ms (min and median).

use std::io::{BufWriter, Write};
use std::path::PathBuf;
use std::time::Instant;

use geo::{BoundingRect, MultiPolygon};
use nestmap::model::LayerKind;
use nestmap::query::coverage::grid::{Grid, NO_ZONE, OUTSIDE};
use nestmap::query::coverage::reach::Reach;
use nestmap::query::coverage::{coverage, profile, AreaSpec, CoverageRequest, MAX_CELLS};
use serde_json::json;

fn as_multi(g: &geo::Geometry<f64>) -> Option<MultiPolygon<f64>> {
    match g {
        geo::Geometry::Polygon(p) => Some(MultiPolygon(vec![p.clone()])),
        geo::Geometry::MultiPolygon(m) => Some(m.clone()),
        _ => None,
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (mut data, mut out, mut cell_m, mut repeat) = (
        PathBuf::from("data/geojson"),
        PathBuf::from("target/bench/grid100"),
        100.0,
        5usize,
    );
    let mut it = std::env::args().skip(1);
    while let Some(k) = it.next() {
        let v = it.next().ok_or_else(|| format!("{k} needs a value"))?;
        match k.as_str() {
            "--data" => data = v.into(),
            "--out" => out = v.into(),
            "--cell-m" => cell_m = v.parse()?,
            "--repeat" => repeat = v.parse()?,
            other => return Err(format!("unknown argument {other:?}").into()),
        }
    }
    std::fs::create_dir_all(&out)?;
    let snap = nestmap::load::load_dir(&data)?;
    let layers: Vec<usize> = (0..snap.layers.len())
        .filter(|&i| snap.layers[i].spec.kind.is_facility())
        .collect();
    let req = CoverageRequest {
        layers: layers.clone(),
        profile: profile("layer")?,
        radius_m: None,
        area: AreaSpec::Code("320507".into()),
        cell_m,
        suggest: 0,
        add: Vec::new(),
        remove: Vec::new(),
        candidates: None,
    };
    let mut times = Vec::new();
    let mut answer = None;
    for _ in 0..repeat.max(1) {
        let t = Instant::now();
        answer = Some(coverage(&snap, &req)?);
        times.push(t.elapsed().as_secs_f64() * 1e3);
    }
    let answer = answer.expect("ran at least once");
    times.sort_by(f64::total_cmp);

    // The same grid, rebuilt from the public pieces, and each cell's mark.
    let district = snap
        .layers
        .iter()
        .filter(|l| l.spec.kind == LayerKind::District)
        .flat_map(|l| (0..l.features.len()).map(move |i| (l, i)))
        .find(|(l, i)| {
            l.features[*i]
                .properties
                .get("code")
                .and_then(|v| v.as_str())
                == Some("320507")
        })
        .and_then(|(l, i)| as_multi(l.geometry(i)))
        .ok_or("no district 320507")?;
    let b = district.bounding_rect().ok_or("empty district")?;
    let mut grid = Grid::over(
        [b.min().x, b.min().y, b.max().x, b.max().y],
        cell_m,
        MAX_CELLS,
    )
    .map_err(|n| format!("{n} cells"))?;
    let mut inside = Vec::new();
    grid.scan(&district, |c| inside.push(c));
    for c in inside {
        grid.zone[c] = NO_ZONE;
    }
    for l in snap
        .layers
        .iter()
        .filter(|l| l.spec.kind == LayerKind::Water)
    {
        for i in 0..l.features.len() {
            if let Some(w) = as_multi(l.geometry(i)) {
                let mut wet = Vec::new();
                grid.scan(&w, |c| wet.push(c));
                for c in wet {
                    grid.zone[c] = OUTSIDE;
                }
            }
        }
    }
    let mut covered = vec![false; grid.zone.len()];
    let mut fac = BufWriter::new(std::fs::File::create(out.join("facilities.jsonl"))?);
    for &li in &layers {
        let l = &snap.layers[li];
        let r = l.spec.service_radius_m;
        for i in 0..l.features.len() {
            let g = l.geometry(i);
            writeln!(
                fac,
                "{}",
                json!({"radius_m": r, "layer": l.spec.id, "geometry": nestmap::output::geometry_json(g)})
            )?;
            let reach = Reach::new(g.clone(), r);
            let (cols, rows) = grid.span(reach.min, reach.max);
            for row in rows {
                for col in cols.clone() {
                    let c = row * grid.nx + col;
                    if grid.zone[c] != OUTSIDE && !covered[c] && reach.covers(grid.centre(c)) {
                        covered[c] = true;
                    }
                }
            }
        }
    }
    fac.flush()?;
    let mut cells = BufWriter::new(std::fs::File::create(out.join("cells.tsv"))?);
    let (mut n, mut k) = (0usize, 0usize);
    for (c, (&zone, &cov)) in grid.zone.iter().zip(&covered).enumerate() {
        if zone != OUTSIDE {
            let p = grid.centre(c);
            writeln!(cells, "{:.9}\t{:.9}\t{}", p[0], p[1], cov as u8)?;
            n += 1;
            k += cov as usize;
        }
    }
    cells.flush()?;
    if (n, k) != (answer.total.cells, answer.total.covered_cells) {
        return Err(format!(
            "the rebuilt grid ({n} cells, {k} covered) differs from the analysis ({} cells, {} covered)",
            answer.total.cells, answer.total.covered_cells
        )
        .into());
    }
    let summary = json!({
        "cell_m": cell_m,
        "cells": n,
        "covered_cells": k,
        "facilities": layers.iter().map(|&li| snap.layers[li].features.len()).sum::<usize>(),
        "analysis_ms_min": times[0],
        "analysis_ms_median": times[times.len() / 2],
    });
    std::fs::write(out.join("ours.json"), summary.to_string())?;
    println!("{summary}");
    Ok(())
}
