//! Loading: the catalog and its GeoJSON files -> validated WGS84 layers, with a report that
//! names, for every refusal, the file, the feature (index and id), the field and the reason.
//!
//! Steps per layer: read the file; parse JSON; check it is a FeatureCollection; per feature,
//! read the id, reproject and check the geometry ([`geometry`]), check the properties
//! against the kind's schema ([`properties`]), refuse duplicate ids. Valid features are kept,
//! so `serve --skip-invalid` can serve the rest.

pub mod geometry;
pub mod properties;

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::catalog::{read_catalog, CatalogError, LayerSpec};
use crate::model::Feature;
use crate::snapshot::{Layer, Snapshot};

/// One refusal: where and why.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    /// The file, as declared in the catalog (relative to the data directory).
    pub file: PathBuf,
    /// The feature's index in `features` and its id when it has one.
    pub feature: Option<(usize, Option<String>)>,
    /// The offending field (`id`, `geometry.coordinates[0][3]`, a property name).
    pub field: Option<String>,
    /// Why.
    pub reason: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if let Some((i, id)) = &self.feature {
            write!(f, ": features[{i}]")?;
            if let Some(id) = id {
                write!(f, " (id {id:?})")?;
            }
        }
        if let Some(field) = &self.field {
            write!(f, ": field \"{field}\"")?;
        }
        write!(f, ": {}", self.reason)
    }
}

/// Everything the loader refused, and what it kept.
#[derive(Debug, Clone, Default)]
pub struct LoadReport {
    /// Refusals, in file and feature order.
    pub problems: Vec<Problem>,
    /// Per layer: (layer id, features kept, features refused).
    pub counts: Vec<(String, usize, usize)>,
}

impl LoadReport {
    /// Whether anything was refused.
    pub fn has_errors(&self) -> bool {
        !self.problems.is_empty()
    }
}

/// Load every layer of the catalog in `dir`. A broken catalog is an error; broken files and
/// features are reported in the snapshot's report and left out.
pub fn load_dir(dir: &Path) -> Result<Snapshot, CatalogError> {
    let specs = read_catalog(dir)?;
    let mut report = LoadReport::default();
    let mut layers = Vec::with_capacity(specs.len());
    for spec in specs {
        let text = std::fs::read_to_string(dir.join(&spec.file));
        let (features, refused) = match text {
            Ok(text) => load_layer_text(&spec, &text, &mut report.problems),
            Err(e) => {
                report.problems.push(Problem {
                    file: spec.file.clone(),
                    feature: None,
                    field: None,
                    reason: format!("cannot read the file: {e}"),
                });
                (Vec::new(), 0)
            }
        };
        report
            .counts
            .push((spec.id.clone(), features.len(), refused));
        layers.push(Layer::new(spec, features));
    }
    Ok(Snapshot::new(layers, report))
}

/// Parse and validate one layer's GeoJSON text. Returns the valid features and how many were
/// refused; problems are appended to `problems`.
pub fn load_layer_text(
    spec: &LayerSpec,
    text: &str,
    problems: &mut Vec<Problem>,
) -> (Vec<(Feature, geo::Geometry<f64>)>, usize) {
    let file_problem = |reason: String| Problem {
        file: spec.file.clone(),
        feature: None,
        field: None,
        reason,
    };
    let root: Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => {
            problems.push(file_problem(format!("invalid JSON: {e}")));
            return (Vec::new(), 0);
        }
    };
    if root.get("type").and_then(Value::as_str) != Some("FeatureCollection") {
        problems.push(file_problem(
            "not a GeoJSON FeatureCollection (\"type\" must be \"FeatureCollection\")".into(),
        ));
        return (Vec::new(), 0);
    }
    let Some(features) = root.get("features").and_then(Value::as_array) else {
        problems.push(file_problem(
            "a FeatureCollection needs a \"features\" array".into(),
        ));
        return (Vec::new(), 0);
    };
    let mut kept = Vec::with_capacity(features.len());
    let mut first_seen: HashMap<String, usize> = HashMap::new();
    let mut refused = 0;
    for (i, fv) in features.iter().enumerate() {
        let id = match fv.get("id") {
            Some(Value::String(s)) if !s.is_empty() => Some(s.clone()),
            Some(Value::Number(n)) => Some(n.to_string()),
            _ => None,
        };
        let before = problems.len();
        let here = |problems: &mut Vec<Problem>, field: &str, reason: String| {
            problems.push(Problem {
                file: spec.file.clone(),
                feature: Some((i, id.clone())),
                field: Some(field.to_string()),
                reason,
            })
        };
        match read_feature(spec, fv) {
            Err((field, reason)) => here(problems, &field, reason),
            Ok((feature, geom, prop_errors)) => {
                for (field, reason) in prop_errors {
                    here(problems, &field, reason);
                }
                if problems.len() == before {
                    if let Some(first) = first_seen.get(&feature.id) {
                        here(
                            problems,
                            "id",
                            format!(
                                "duplicate id {:?}: features[{first}] has it already",
                                feature.id
                            ),
                        );
                    } else {
                        first_seen.insert(feature.id.clone(), i);
                        kept.push((feature, geom));
                    }
                }
            }
        }
        if problems.len() > before {
            refused += 1;
        }
    }
    (kept, refused)
}

type FieldError = (String, String);

/// One feature: id, geometry, then properties (all property problems at once).
pub fn read_feature(
    spec: &LayerSpec,
    fv: &Value,
) -> Result<(Feature, geo::Geometry<f64>, Vec<FieldError>), FieldError> {
    let obj = fv.as_object().ok_or_else(|| {
        (
            "feature".to_string(),
            "a feature must be a JSON object".to_string(),
        )
    })?;
    if obj.get("type").and_then(Value::as_str) != Some("Feature") {
        return Err(("type".into(), "must be \"Feature\"".into()));
    }
    let id = match obj.get("id") {
        Some(Value::String(s)) if !s.trim().is_empty() => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        Some(other) => {
            return Err((
                "id".into(),
                format!("must be a non-empty string or a number, found {other}"),
            ))
        }
        None => return Err(("id".into(), "missing: every feature needs an id".into())),
    };
    let geom_value = obj.get("geometry").unwrap_or(&Value::Null);
    let geom = geometry::read_geometry(geom_value, spec.crs).map_err(|e| (e.field, e.reason))?;
    if !spec.kind.geometry().admits(&geom) {
        return Err((
            "geometry.type".into(),
            format!(
                "a {:?} layer needs {:?} geometries, found {}",
                spec.kind,
                spec.kind.geometry(),
                crate::snapshot::geometry_name(&geom)
            ),
        ));
    }
    let properties = match obj.get("properties") {
        Some(Value::Object(m)) => m.clone(),
        Some(Value::Null) | None => serde_json::Map::new(),
        Some(other) => {
            return Err((
                "properties".into(),
                format!("must be an object or null, found {other}"),
            ))
        }
    };
    let errors = properties::check_properties(spec.kind, &properties);
    Ok((Feature { id, properties }, geom, errors))
}
