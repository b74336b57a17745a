//! The layer catalog, `layers.toml`: which layers exist, where their files are, in which
//! CRS their coordinates arrive, each layer's default service radius, and how the map should
//! draw a layer that does not look like the rest of its kind.
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
//! style = { colour = "#ad1457", circle_radius = 7 }   # optional, see LayerStyle
//! ```
//!
//! # Why the style is here
//!
//! The map styles a layer by its `kind`, so a layer added later with a known kind looks right
//! with no code change. Two layers of one kind can still mean different things on the map
//! (the district outline and the surrounding Suzhou districts are both `district`): the
//! catalog says so with a few named keys, checked here like every other field, rather than
//! the front end knowing layer ids.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::crs::Crs;
use crate::model::{GeometryFamily, LayerKind};

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
    /// How the map draws this layer where it differs from its kind (empty: the kind's look).
    pub style: LayerStyle,
}

/// A layer's style override: every key is optional; the map starts from the kind's style
/// (for a kind it does not know, from the geometry type) and replaces what is set here.
/// Colours are `#rgb` or `#rrggbb`; widths and radii are CSS pixels on the screen. Served as
/// the layer's `style` at `/api/layers`, with the keys that are not set left out.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct LayerStyle {
    /// Lines, polygon outlines and points (a point's ring when `fill_colour` is set).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub colour: Option<String>,
    /// The inside of polygons and of points.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fill_colour: Option<String>,
    /// Opacity of that inside, 0-1.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fill_opacity: Option<f64>,
    /// Width of lines, outlines and point rings, 0-20 px (0: none).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line_width: Option<f64>,
    /// Dashes of lines and outlines: 2-8 lengths in line widths, 0-50 each, not all 0.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line_dasharray: Option<Vec<f64>>,
    /// Radius of points, above 0 and at most 30 px.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub circle_radius: Option<f64>,
    /// Drawn beneath every other layer and never a click target (context such as the
    /// surrounding districts).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub backdrop: Option<bool>,
}

/// Which geometry families a style key applies to.
#[derive(Clone, Copy)]
enum Applies {
    All,
    PolygonsAndPoints,
    LinesAndPolygons,
    Points,
}

/// Every style key, what it applies to, and its range (checked in [`parse_style`]).
const STYLE_KEYS: &[(&str, Applies)] = &[
    ("colour", Applies::All),
    ("fill_colour", Applies::PolygonsAndPoints),
    ("fill_opacity", Applies::PolygonsAndPoints),
    ("line_width", Applies::All),
    ("line_dasharray", Applies::LinesAndPolygons),
    ("circle_radius", Applies::Points),
    ("backdrop", Applies::All),
];

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
    /// Checked key by key in [`parse_style`], so a mistake names the layer and the key.
    style: Option<toml::Value>,
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
    /// A key of a layer's `style` table is unknown, out of range or does not apply.
    #[error("{path}: layer {index} ({id:?}): field \"style.{key}\": {reason}")]
    Style {
        /// The catalog path.
        path: PathBuf,
        /// Index of the `[[layer]]` entry, from 0.
        index: usize,
        /// The layer id as written.
        id: String,
        /// The style key as written.
        key: String,
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
        // Kinds a catalog holds at most one of: what answers walk along, what the map's
        // /tiles/roads/ draws.
        let single = match l.kind {
            LayerKind::Network => Some(("a second walking network", "network")),
            LayerKind::Roads => Some((
                "a second roads layer (the streets the map draws from /tiles/roads/)",
                "roads",
            )),
            _ => None,
        };
        if let Some((what, kind)) = single {
            if out.iter().any(|s: &LayerSpec| s.kind == l.kind) {
                return Err(fail(
                    "kind",
                    format!("{what}: a catalog declares at most one layer of kind \"{kind}\""),
                ));
            }
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
        let style = match &l.style {
            None => LayerStyle::default(),
            Some(toml::Value::Table(table)) => {
                parse_style(table, l.kind.geometry()).map_err(|(key, reason)| {
                    CatalogError::Style {
                        path: path.to_path_buf(),
                        index,
                        id: l.id.clone(),
                        key,
                        reason,
                    }
                })?
            }
            Some(other) => {
                return Err(fail(
                    "style",
                    format!(
                        "must be a table such as `style = {{ colour = \"#d81b60\" }}`, not a {}",
                        other.type_str()
                    ),
                ))
            }
        };
        out.push(LayerSpec {
            id: l.id,
            title_zh: l.title_zh,
            title_en: l.title_en,
            kind: l.kind,
            file: l.file,
            crs,
            service_radius_m: l.service_radius_m,
            style,
        });
    }
    Ok(out)
}

/// Check a `style` table key by key for a layer whose kind draws `geometry`; a refusal is
/// (key, reason).
fn parse_style(
    table: &toml::Table,
    geometry: GeometryFamily,
) -> Result<LayerStyle, (String, String)> {
    let mut style = LayerStyle::default();
    for (key, value) in table {
        let refuse = |reason: String| (key.clone(), reason);
        let Some(&(_, applies)) = STYLE_KEYS.iter().find(|(k, _)| k == key) else {
            let known: Vec<&str> = STYLE_KEYS.iter().map(|(k, _)| *k).collect();
            return Err(refuse(format!(
                "unknown style key; the keys are {}",
                known.join(", ")
            )));
        };
        let applies_here = match (applies, geometry) {
            (Applies::All, _) | (_, GeometryFamily::Any) => true,
            (Applies::PolygonsAndPoints, g) => g != GeometryFamily::Line,
            (Applies::LinesAndPolygons, g) => g != GeometryFamily::Point,
            (Applies::Points, g) => g == GeometryFamily::Point,
        };
        if !applies_here {
            let what = match geometry {
                GeometryFamily::Point => "points",
                GeometryFamily::Line => "lines",
                _ => "polygons",
            };
            return Err(refuse(format!(
                "does not apply to this layer: its kind draws {what}"
            )));
        }
        match key.as_str() {
            "colour" => style.colour = Some(colour(value).map_err(refuse)?),
            "fill_colour" => style.fill_colour = Some(colour(value).map_err(refuse)?),
            "fill_opacity" => {
                style.fill_opacity = Some(number_in(value, 0.0, 1.0, "").map_err(refuse)?)
            }
            "line_width" => {
                style.line_width = Some(number_in(value, 0.0, 20.0, " px").map_err(refuse)?)
            }
            "circle_radius" => {
                let r = number_in(value, 0.0, 30.0, " px").map_err(refuse)?;
                if r == 0.0 {
                    return Err(refuse(
                        "must be above 0 px: a point of radius 0 is not drawn".into(),
                    ));
                }
                style.circle_radius = Some(r);
            }
            "line_dasharray" => {
                let items = value
                    .as_array()
                    .filter(|a| (2..=8).contains(&a.len()))
                    .ok_or_else(|| {
                        refuse(format!(
                            "must be an array of 2 to 8 dash lengths such as [3, 2], not {value}"
                        ))
                    })?;
                let dashes = items
                    .iter()
                    .map(|x| number_in(x, 0.0, 50.0, ""))
                    .collect::<Result<Vec<f64>, String>>()
                    .map_err(refuse)?;
                if dashes.iter().all(|&d| d == 0.0) {
                    return Err(refuse(
                        "dash lengths are all 0: the line would not be drawn".into(),
                    ));
                }
                style.line_dasharray = Some(dashes);
            }
            "backdrop" => {
                style.backdrop = Some(
                    value
                        .as_bool()
                        .ok_or_else(|| refuse(format!("must be true or false, not {value}")))?,
                )
            }
            _ => unreachable!("every key of STYLE_KEYS is matched"),
        }
    }
    Ok(style)
}

/// A `#rgb` or `#rrggbb` colour (the forms every renderer reads the same way).
fn colour(value: &toml::Value) -> Result<String, String> {
    let ok = |s: &str| {
        s.strip_prefix('#').is_some_and(|hex| {
            (hex.len() == 3 || hex.len() == 6) && hex.chars().all(|c| c.is_ascii_hexdigit())
        })
    };
    match value.as_str() {
        Some(s) if ok(s) => Ok(s.to_string()),
        _ => Err(format!(
            "{value} is not a colour written \"#rgb\" or \"#rrggbb\""
        )),
    }
}

/// A finite number (TOML integer or float) within `min..=max`; `unit` only for messages.
fn number_in(value: &toml::Value, min: f64, max: f64, unit: &str) -> Result<f64, String> {
    let x = match value {
        toml::Value::Float(f) => *f,
        toml::Value::Integer(i) => *i as f64,
        _ => return Err(format!("{value} is not a number")),
    };
    if x.is_finite() && (min..=max).contains(&x) {
        Ok(x)
    } else {
        Err(format!("{value} is not between {min} and {max}{unit}"))
    }
}
