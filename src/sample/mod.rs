//! The sample data generator (`nestmap generate`): copies the real district data (outline,
//! Suzhou districts, lakes, township and village names) and synthesizes the facility layers
//! with a fixed seed, byte for byte reproducibly.
//!
//! Everything synthesized carries `synthetic: true`, a `source`, and a plainly sample name
//! ("示例母婴室 07"): no real venue's name is ever put on an invented position. Village and
//! community names and codes are real (NBS 2023); their positions, populations and children
//! are invented and say so (`position_synthetic: true`). Township outlines are an approximate
//! Voronoi sketch around approximate centres, marked `approximate: true`. No street network
//! of the district can be reached, so it invents one too ([`streets`]): the walking network
//! `network.nnet` and the `roads` layer drawn from the same ways, every way named as a
//! sample ("示例路 12") and the file's provenance saying synthetic.

mod real;
mod rng;
mod streets;
mod synth;

use std::path::Path;

use serde_json::{json, Value};

pub use rng::Rng;

/// The sample's walking network file, beside the layers.
pub const NETWORK_FILE: &str = "network.nnet";

/// One `[[layer]]` entry of the catalog (without a style).
fn entry(
    id: &str,
    title_zh: &str,
    title_en: &str,
    kind: &str,
    file: &str,
    crs: &str,
    radius_m: u32,
) -> String {
    format!(
        "\n[[layer]]\nid = \"{id}\"\ntitle_zh = \"{title_zh}\"\ntitle_en = \"{title_en}\"\nkind = \"{kind}\"\nfile = \"{file}\"\ncrs = \"{crs}\"\nservice_radius_m = {radius_m}\n"
    )
}

/// What `generate` wrote: one line per file, for the CLI to print.
pub type GenerateReport = Vec<String>;

/// Round degrees to 7 decimals (about 1 cm), so files are short and stable.
pub(crate) fn r7(x: f64) -> f64 {
    (x * 1e7).round() / 1e7
}

/// A FeatureCollection with one feature per line, for readable diffs.
pub(crate) fn collection(name: &str, features: &[Value]) -> String {
    let mut out = format!(
        "{{\"type\":\"FeatureCollection\",\"name\":{},\"features\":[\n",
        json!(name)
    );
    for (i, f) in features.iter().enumerate() {
        out.push_str(&f.to_string());
        out.push_str(if i + 1 < features.len() { ",\n" } else { "\n" });
    }
    out.push_str("]}\n");
    out
}

/// A layer file to write: name, features, whether synthetic, and its catalog entry.
pub(crate) struct LayerFile {
    pub id: &'static str,
    pub title_zh: &'static str,
    pub title_en: &'static str,
    pub kind: &'static str,
    pub crs: &'static str,
    pub radius_m: u32,
    pub features: Vec<Value>,
    pub synthetic: bool,
    /// The catalog's `style` override as a TOML inline table, or "" for the kind's look.
    pub style: &'static str,
}

/// Regenerate every file of `data/geojson` into `out` from the real data in `shared`.
pub fn generate(shared: &Path, out: &Path, seed: u64) -> Result<GenerateReport, String> {
    let real = real::RealData::read(shared)?;
    let mut rng = Rng::new(seed);
    let mut layers = real.layers();
    layers.extend(synth::layers(&real, &mut rng)?);
    // The streets reach every place made above, so they come last (from a generator of their
    // own: the other layers are as they were before there was a network). In the catalog the
    // roads follow the water, beneath everything the map draws on them.
    let streets = streets::streets(&real, &layers, seed)?;
    let roads_at = layers
        .iter()
        .position(|l| l.id == "water")
        .map_or(layers.len(), |i| i + 1);
    layers.insert(roads_at, streets.roads);
    let mut report = Vec::new();
    let mut catalog = String::from(
        "# The layer catalog: each layer's id, titles, kind, file, source CRS, default service\n\
         # radius in metres and, where a layer looks unlike its kind, its style (README, Data).\n\
         # Written by `nestmap generate`; see SOURCES.md for origins and licences.\n",
    );
    for l in &layers {
        let file = format!("{}.geojson", l.id);
        std::fs::write(out.join(&file), collection(l.id, &l.features))
            .map_err(|e| format!("{}: {e}", out.join(&file).display()))?;
        catalog.push_str(&entry(
            l.id, l.title_zh, l.title_en, l.kind, &file, l.crs, l.radius_m,
        ));
        if !l.style.is_empty() {
            catalog.push_str(&format!("style = {}\n", l.style));
        }
        report.push(format!(
            "{file}: {} features ({}, {})",
            l.features.len(),
            if l.synthetic { "synthetic" } else { "real" },
            l.crs
        ));
        if l.kind == "roads" {
            // The walking network made from the same ways, declared beside them.
            let path = out.join(NETWORK_FILE);
            crate::network::write(&streets.network, &path).map_err(|e| e.to_string())?;
            catalog.push_str(&entry(
                "network",
                "步行路网（示例）",
                "Walking network (sample)",
                "network",
                NETWORK_FILE,
                "wgs84",
                1000,
            ));
            report.push(streets.summary.clone());
        }
    }
    let path = out.join(crate::catalog::CATALOG_FILE);
    std::fs::write(&path, catalog).map_err(|e| format!("{}: {e}", path.display()))?;
    report.push(format!(
        "{}: {} layers",
        crate::catalog::CATALOG_FILE,
        layers.len() + 1
    ));
    Ok(report)
}
