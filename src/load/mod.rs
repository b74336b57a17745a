//! Loading: the catalog and its GeoJSON files -> validated WGS84 layers, with a report that
//! names, for every refusal, the file, the feature (index and id), the field and the reason.
//!
//! Steps per layer: read the file; parse JSON; check it is a FeatureCollection; per feature,
//! read the id, reproject and check the geometry ([`geometry`]), check the properties
//! against the kind's schema ([`properties`]), refuse duplicate ids. Valid features are kept,
//! so `serve --skip-invalid` can serve the rest.

pub mod geometry;
pub mod properties;

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
        let started = std::time::Instant::now();
        let text = std::fs::read_to_string(dir.join(&spec.file));
        let read_ms = started.elapsed().as_secs_f64() * 1e3;
        let (features, ids, refused) = match text {
            Ok(text) => parse_layer(&spec, &text, &mut report.problems),
            Err(e) => {
                report.problems.push(Problem {
                    file: spec.file.clone(),
                    feature: None,
                    field: None,
                    reason: format!("cannot read the file: {e}"),
                });
                (Vec::new(), Default::default(), 0)
            }
        };
        let checked_ms = started.elapsed().as_secs_f64() * 1e3;
        report
            .counts
            .push((spec.id.clone(), features.len(), refused));
        let (id, n) = (spec.id.clone(), features.len());
        layers.push(Layer::with_ids(spec, features, ids));
        tracing::debug!(
            "layer {id}: {n} features; read {read_ms:.0} ms, parsed and checked {:.0} ms, indexed {:.0} ms",
            checked_ms - read_ms,
            started.elapsed().as_secs_f64() * 1e3 - checked_ms
        );
    }
    Ok(Snapshot::new(layers, report))
}

/// Parse and validate one layer's GeoJSON text. Returns the valid features and how many were
/// refused; problems are appended to `problems`.
///
/// The `features` array is streamed: one feature's JSON tree at a time, validated and dropped,
/// so a million features never sit in memory as one `serde_json::Value`. What is refused, and
/// how it is worded, is as if the whole file had been parsed first: a syntax error anywhere
/// refuses the whole file (and nothing else is reported), then the collection's `type`, then
/// its `features`.
pub fn load_layer_text(
    spec: &LayerSpec,
    text: &str,
    problems: &mut Vec<Problem>,
) -> (Vec<(Feature, geo::Geometry<f64>)>, usize) {
    let (kept, _, refused) = parse_layer(spec, text, problems);
    (kept, refused)
}

/// A parsed layer: the valid features, their id table and how many were refused.
pub(crate) type Parsed = (
    Vec<(Feature, geo::Geometry<f64>)>,
    crate::snapshot::IdTable,
    usize,
);

/// [`load_layer_text`], also handing over the id table built to find duplicates (for
/// [`Layer::with_ids`]).
pub(crate) fn parse_layer(spec: &LayerSpec, text: &str, problems: &mut Vec<Problem>) -> Parsed {
    let file_problem = |reason: String| Problem {
        file: spec.file.clone(),
        feature: None,
        field: None,
        reason,
    };
    let mut layer = Features::new(spec);
    let mut de = serde_json::Deserializer::from_str(text);
    let root = serde::de::DeserializeSeed::deserialize(Root(&mut layer), &mut de)
        .and_then(|root| de.end().map(|()| root));
    let root = match root {
        Ok(r) => r,
        Err(e) => {
            problems.push(file_problem(format!("invalid JSON: {e}")));
            return (Vec::new(), Default::default(), 0);
        }
    };
    if !root.is_collection {
        problems.push(file_problem(
            "not a GeoJSON FeatureCollection (\"type\" must be \"FeatureCollection\")".into(),
        ));
        return (Vec::new(), Default::default(), 0);
    }
    if !root.features_array {
        problems.push(file_problem(
            "a FeatureCollection needs a \"features\" array".into(),
        ));
        return (Vec::new(), Default::default(), 0);
    }
    problems.append(&mut layer.problems);
    (layer.kept, layer.ids, layer.refused)
}

/// The features of one layer as they stream in: kept ones, refusals, ids seen.
struct Features<'s> {
    spec: &'s LayerSpec,
    kept: Vec<(Feature, geo::Geometry<f64>)>,
    /// File index of each kept feature (for "features[i] has it already").
    kept_at: Vec<u32>,
    ids: crate::snapshot::IdTable,
    problems: Vec<Problem>,
    refused: usize,
}

impl<'s> Features<'s> {
    fn new(spec: &'s LayerSpec) -> Self {
        Features {
            spec,
            kept: Vec::new(),
            kept_at: Vec::new(),
            ids: Default::default(),
            problems: Vec::new(),
            refused: 0,
        }
    }

    /// Check feature `i` and keep it or record why not.
    fn push(&mut self, i: usize, fv: Value) {
        let spec = self.spec;
        let id = match fv.get("id") {
            Some(Value::String(s)) if !s.is_empty() => Some(s.clone()),
            Some(Value::Number(n)) => Some(n.to_string()),
            _ => None,
        };
        let problems = &mut self.problems;
        let before = problems.len();
        let here = |problems: &mut Vec<Problem>, field: &str, reason: String| {
            problems.push(Problem {
                file: spec.file.clone(),
                feature: Some((i, id.clone())),
                field: Some(field.to_string()),
                reason,
            })
        };
        match read_feature_owned(spec, fv) {
            Err((field, reason)) => here(problems, &field, reason),
            Ok((feature, geom, prop_errors)) => {
                for (field, reason) in prop_errors {
                    here(problems, &field, reason);
                }
                if problems.len() == before {
                    let kept = &self.kept;
                    let first = self
                        .ids
                        .find(&feature.id, |k| kept[k as usize].0.id.as_str());
                    if let Some(k) = first {
                        let first = self.kept_at[k as usize];
                        here(
                            problems,
                            "id",
                            format!(
                                "duplicate id {:?}: features[{first}] has it already",
                                feature.id
                            ),
                        );
                    } else {
                        let k = self.kept.len() as u32;
                        self.kept.push((feature, geom));
                        self.kept_at.push(i as u32);
                        let kept = &self.kept;
                        self.ids.insert_new(k, |k| kept[k as usize].0.id.as_str());
                    }
                }
            }
        }
        if problems.len() > before {
            self.refused += 1;
        }
    }
}

/// The top level of a layer file: an object whose `type` and `features` matter.
struct Root<'a, 's>(&'a mut Features<'s>);

/// What the top level turned out to be.
struct RootSeen {
    is_collection: bool,
    features_array: bool,
}

impl<'de> serde::de::DeserializeSeed<'de> for Root<'_, '_> {
    type Value = RootSeen;
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<RootSeen, D::Error> {
        d.deserialize_any(self)
    }
}

/// Any JSON that is not an object: not a FeatureCollection.
const NOT_AN_OBJECT: RootSeen = RootSeen {
    is_collection: false,
    features_array: false,
};

impl<'de> serde::de::Visitor<'de> for Root<'_, '_> {
    type Value = RootSeen;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a GeoJSON FeatureCollection")
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<RootSeen, A::Error> {
        // Like a parsed object, the last of repeated keys wins.
        let mut seen = NOT_AN_OBJECT;
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            match &*key {
                "type" => {
                    let v: Value = map.next_value()?;
                    seen.is_collection = v.as_str() == Some("FeatureCollection");
                }
                "features" => {
                    *self.0 = Features::new(self.0.spec);
                    seen.features_array = map.next_value_seed(FeatureArray(&mut *self.0))?;
                }
                _ => {
                    map.next_value::<serde::de::IgnoredAny>()?;
                }
            }
        }
        Ok(seen)
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<RootSeen, A::Error> {
        while seq.next_element::<serde::de::IgnoredAny>()?.is_some() {}
        Ok(NOT_AN_OBJECT)
    }
    fn visit_bool<E>(self, _: bool) -> Result<RootSeen, E> {
        Ok(NOT_AN_OBJECT)
    }
    fn visit_i64<E>(self, _: i64) -> Result<RootSeen, E> {
        Ok(NOT_AN_OBJECT)
    }
    fn visit_u64<E>(self, _: u64) -> Result<RootSeen, E> {
        Ok(NOT_AN_OBJECT)
    }
    fn visit_f64<E>(self, _: f64) -> Result<RootSeen, E> {
        Ok(NOT_AN_OBJECT)
    }
    fn visit_str<E>(self, _: &str) -> Result<RootSeen, E> {
        Ok(NOT_AN_OBJECT)
    }
    fn visit_unit<E>(self) -> Result<RootSeen, E> {
        Ok(NOT_AN_OBJECT)
    }
}

/// The `features` member: streamed when it is an array (true), skipped otherwise (false).
struct FeatureArray<'a, 's>(&'a mut Features<'s>);

impl<'de> serde::de::DeserializeSeed<'de> for FeatureArray<'_, '_> {
    type Value = bool;
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<bool, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> serde::de::Visitor<'de> for FeatureArray<'_, '_> {
    type Value = bool;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an array of features")
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<bool, A::Error> {
        if let Some(n) = seq.size_hint() {
            self.0.kept.reserve(n);
        }
        let mut i = 0;
        while let Some(fv) = seq.next_element::<Value>()? {
            self.0.push(i, fv);
            i += 1;
        }
        Ok(true)
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<bool, A::Error> {
        while map
            .next_entry::<serde::de::IgnoredAny, serde::de::IgnoredAny>()?
            .is_some()
        {}
        Ok(false)
    }
    fn visit_bool<E>(self, _: bool) -> Result<bool, E> {
        Ok(false)
    }
    fn visit_i64<E>(self, _: i64) -> Result<bool, E> {
        Ok(false)
    }
    fn visit_u64<E>(self, _: u64) -> Result<bool, E> {
        Ok(false)
    }
    fn visit_f64<E>(self, _: f64) -> Result<bool, E> {
        Ok(false)
    }
    fn visit_str<E>(self, _: &str) -> Result<bool, E> {
        Ok(false)
    }
    fn visit_unit<E>(self) -> Result<bool, E> {
        Ok(false)
    }
}

type FieldError = (String, String);

/// One feature: id, geometry, then properties (all property problems at once).
pub fn read_feature(
    spec: &LayerSpec,
    fv: &Value,
) -> Result<(Feature, geo::Geometry<f64>, Vec<FieldError>), FieldError> {
    read_feature_owned(spec, fv.clone())
}

/// [`read_feature`] on a feature the caller gives away (its properties are kept, not copied).
fn read_feature_owned(
    spec: &LayerSpec,
    mut fv: Value,
) -> Result<(Feature, geo::Geometry<f64>, Vec<FieldError>), FieldError> {
    let obj = fv.as_object_mut().ok_or_else(|| {
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
    let properties = match obj.remove("properties") {
        Some(Value::Object(m)) => m,
        Some(Value::Null) | None => serde_json::Map::new(),
        Some(other) => {
            return Err((
                "properties".into(),
                format!("must be an object or null, found {other}"),
            ))
        }
    };
    let errors = properties::check_properties(spec.kind, &properties);
    Ok((
        Feature {
            id,
            properties: properties.into(),
        },
        geom,
        errors,
    ))
}
