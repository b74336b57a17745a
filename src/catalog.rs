//! The layer catalog, `layers.toml`: which layers exist, where their files are, in which
//! CRS their coordinates arrive, and each layer's default service radius.
//!
//! ```toml
//! [[layer]]
//! id = "nursing_rooms"
//! title_zh = "母婴室"
//! title_en = "Nursing rooms"
//! kind = "nursing_rooms"
//! file = "nursing_rooms.geojson"
//! crs = "wgs84"            # or gcj02, bd09, EPSG:4549, ...
//! service_radius_m = 1000
//! ```

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::crs::Crs;
use crate::model::LayerKind;

/// The catalog's file name inside a data directory.
pub const CATALOG_FILE: &str = "layers.toml";

/// One declared layer, validated.
#[derive(Debug, Clone)]
pub struct LayerSpec {
    /// Layer id: lowercase letters, digits and `_`; used in URLs.
    pub id: String,
    /// Chinese title.
    pub title_zh: String,
    /// English title.
    pub title_en: String,
    /// Kind (decides the property schema).
    pub kind: LayerKind,
    /// The GeoJSON file, relative to the data directory.
    pub file: PathBuf,
    /// The CRS the file's coordinates are in.
    pub crs: Crs,
    /// Default service radius in metres on the ground.
    pub service_radius_m: f64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCatalog {
    #[serde(default)]
    layer: Vec<RawLayer>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLayer {
    id: String,
    title_zh: String,
    title_en: String,
    kind: LayerKind,
    file: PathBuf,
    #[serde(default = "default_crs")]
    crs: String,
    #[serde(default = "default_radius")]
    service_radius_m: f64,
}

fn default_crs() -> String {
    "wgs84".into()
}

fn default_radius() -> f64 {
    1000.0
}

/// Why the catalog was refused.
#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    /// The file could not be read.
    #[error("{path}: cannot read the layer catalog: {source}")]
    Io {
        /// The catalog path.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The TOML is malformed or has unknown keys.
    #[error("{path}: {message}")]
    Syntax {
        /// The catalog path.
        path: PathBuf,
        /// What TOML said.
        message: String,
    },
    /// A layer entry is invalid.
    #[error("{path}: layer {index} ({id:?}): field \"{field}\": {reason}")]
    Layer {
        /// The catalog path.
        path: PathBuf,
        /// Index of the `[[layer]]` entry, from 0.
        index: usize,
        /// The layer id as written.
        id: String,
        /// The offending field.
        field: &'static str,
        /// Why.
        reason: String,
    },
}

/// Read and validate `DIR/layers.toml`.
pub fn read_catalog(dir: &Path) -> Result<Vec<LayerSpec>, CatalogError> {
    let path = dir.join(CATALOG_FILE);
    let text = std::fs::read_to_string(&path).map_err(|source| CatalogError::Io {
        path: path.clone(),
        source,
    })?;
    parse_catalog(&text, &path)
}

/// Parse and validate catalog text; `path` is only used in messages.
pub fn parse_catalog(text: &str, path: &Path) -> Result<Vec<LayerSpec>, CatalogError> {
    let raw: RawCatalog = toml::from_str(text).map_err(|e| CatalogError::Syntax {
        path: path.to_path_buf(),
        message: e.message().to_string(),
    })?;
    let mut seen = HashSet::new();
    let mut out = Vec::with_capacity(raw.layer.len());
    for (index, l) in raw.layer.into_iter().enumerate() {
        let fail = |field: &'static str, reason: String| CatalogError::Layer {
            path: path.to_path_buf(),
            index,
            id: l.id.clone(),
            field,
            reason,
        };
        let id_ok = !l.id.is_empty()
            && l.id.len() <= 64
            && l.id
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if !id_ok {
            return Err(fail(
                "id",
                "must be 1-64 characters of a-z, 0-9 and _".into(),
            ));
        }
        if !seen.insert(l.id.clone()) {
            return Err(fail("id", "declared twice".into()));
        }
        let crs: Crs = l
            .crs
            .parse()
            .map_err(|e: crate::crs::CrsError| fail("crs", e.to_string()))?;
        crs.check().map_err(|e| fail("crs", e.to_string()))?;
        if !(l.service_radius_m.is_finite()
            && l.service_radius_m > 0.0
            && l.service_radius_m <= 50_000.0)
        {
            return Err(fail(
                "service_radius_m",
                format!("{} is not between 0 and 50000 metres", l.service_radius_m),
            ));
        }
        if l.file.is_absolute() || l.file.components().any(|c| c.as_os_str() == "..") {
            return Err(fail(
                "file",
                "must be a relative path inside the data directory".into(),
            ));
        }
        out.push(LayerSpec {
            id: l.id,
            title_zh: l.title_zh,
            title_en: l.title_en,
            kind: l.kind,
            file: l.file,
            crs,
            service_radius_m: l.service_radius_m,
        });
    }
    Ok(out)
}
