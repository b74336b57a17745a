//! The sample data generator (`nestmap generate`): copies the real district data and
//! synthesizes the facility layers with a fixed seed, byte for byte reproducibly.

use std::path::Path;

/// What `generate` wrote: one line per file, for the CLI to print.
pub type GenerateReport = Vec<String>;

/// Regenerate every file of `data/geojson` into `out` from the real data in `shared`.
pub fn generate(shared: &Path, out: &Path, seed: u64) -> Result<GenerateReport, String> {
    let _ = (shared, out, seed);
    Err("not yet written".into())
}
