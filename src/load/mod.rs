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
use std::path::Path;
use std::sync::Arc;

use opening_hours::OpeningHours;

use serde_json::Value;

use crate::catalog::{read_catalog, CatalogError, LayerSpec};
use crate::lang::Text;
use crate::model::{geometry_name, Feature, IdTable, LayerKind};
use crate::report::{LoadReport, Problem};
use crate::snapshot::{Layer, NetworkLayer, Snapshot};
use crate::text;

/// Load every layer of the catalog in `dir`. A broken catalog is an error; broken files and
/// features are reported in the snapshot's report and left out.
pub fn load_dir(dir: &Path) -> Result<Snapshot, CatalogError> {
    let specs = read_catalog(dir)?;
    let mut report = LoadReport::default();
    let mut layers = Vec::with_capacity(specs.len());
    let mut network = None;
    for spec in specs {
        if spec.kind == LayerKind::Network {
            // The catalog allows one; a file that cannot be read is reported, and answers
            // fall back to straight lines as if none were declared.
            match crate::network::read(&dir.join(&spec.file)) {
                Ok(graph) => network = Some(Arc::new(NetworkLayer::new(spec, graph))),
                Err(e) => report.problems.push(Problem {
                    file: spec.file.clone(),
                    feature: None,
                    field: None,
                    reason: text!("{e}", "步行路网文件无法使用：{e}"),
                }),
            }
            continue;
        }
        let started = std::time::Instant::now();
        let text = std::fs::read_to_string(dir.join(&spec.file));
        let read_ms = started.elapsed().as_secs_f64() * 1e3;
        let parsed = match text {
            Ok(text) => parse_layer(&spec, &text, &mut report.problems),
            Err(e) => {
                report.problems.push(Problem {
                    file: spec.file.clone(),
                    feature: None,
                    field: None,
                    reason: text!("cannot read the file: {e}", "无法读取文件：{e}"),
                });
                Parsed::default()
            }
        };
        let checked_ms = started.elapsed().as_secs_f64() * 1e3;
        let (id, n) = (spec.id.clone(), parsed.kept.len());
        report.counts.push((id.clone(), n, parsed.refused));
        layers.push(parsed.into_layer(spec));
        tracing::debug!(
            "layer {id}: {n} features; read {read_ms:.0} ms, parsed and checked {:.0} ms, indexed {:.0} ms",
            checked_ms - read_ms,
            started.elapsed().as_secs_f64() * 1e3 - checked_ms
        );
    }
    let mut snapshot = Snapshot::new(layers, report);
    snapshot.network = network;
    Ok(snapshot)
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
    let parsed = parse_layer(spec, text, problems);
    (parsed.kept, parsed.refused)
}

/// A parsed layer: the valid features, their parsed hours and id table (so a layer is built
/// without parsing or hashing again), and how many were refused.
#[derive(Default)]
pub(crate) struct Parsed {
    pub(crate) kept: Vec<(Feature, geo::Geometry<f64>)>,
    pub(crate) hours: Vec<Option<Box<OpeningHours>>>,
    pub(crate) ids: IdTable,
    pub(crate) refused: usize,
}

impl Parsed {
    /// The frozen layer of these features.
    pub(crate) fn into_layer(self, spec: LayerSpec) -> Layer {
        Layer::from_parts(spec, self.kept, self.ids, self.hours)
    }
}

/// [`load_layer_text`], also handing over what was built on the way ([`Parsed`]).
pub(crate) fn parse_layer(spec: &LayerSpec, text: &str, problems: &mut Vec<Problem>) -> Parsed {
    let file_problem = |reason: Text| Problem {
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
            problems.push(file_problem(text!("invalid JSON: {e}", "JSON 无效：{e}")));
            return Parsed::default();
        }
    };
    if !root.is_collection {
        problems.push(file_problem(text!(
            "not a GeoJSON FeatureCollection (\"type\" must be \"FeatureCollection\")",
            "不是 GeoJSON FeatureCollection（\"type\" 必须是 \"FeatureCollection\"）"
        )));
        return Parsed::default();
    }
    if !root.features_array {
        problems.push(file_problem(text!(
            "a FeatureCollection needs a \"features\" array",
            "FeatureCollection 需要 \"features\" 数组"
        )));
        return Parsed::default();
    }
    problems.append(&mut layer.problems);
    layer.parsed
}

/// The features of one layer as they stream in: kept ones, refusals, ids seen.
struct Features<'s> {
    spec: &'s LayerSpec,
    parsed: Parsed,
    /// File index of each kept feature (for "features[i] has it already").
    kept_at: Vec<u32>,
    problems: Vec<Problem>,
}

impl<'s> Features<'s> {
    fn new(spec: &'s LayerSpec) -> Self {
        Features {
            spec,
            parsed: Parsed::default(),
            kept_at: Vec::new(),
            problems: Vec::new(),
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
        let here = |problems: &mut Vec<Problem>, field: &str, reason: Text| {
            problems.push(Problem {
                file: spec.file.clone(),
                feature: Some((i, id.clone())),
                field: Some(field.to_string()),
                reason,
            })
        };
        match read_feature_owned(spec, fv) {
            Err((field, reason)) => here(problems, &field, reason),
            Ok(ReadFeature {
                feature,
                geometry,
                hours,
                errors,
            }) => {
                for (field, reason) in errors {
                    here(problems, &field, reason);
                }
                let p = &mut self.parsed;
                if problems.len() == before {
                    let kept = &p.kept;
                    let first = p.ids.find(&feature.id, |k| kept[k as usize].0.id.as_str());
                    if let Some(k) = first {
                        let first = self.kept_at[k as usize];
                        here(
                            problems,
                            "id",
                            text!(
                                "duplicate id {:?}: features[{first}] has it already",
                                "id {:?} 重复：features[{first}] 已经用了",
                                feature.id
                            ),
                        );
                    } else {
                        let k = p.kept.len() as u32;
                        p.kept.push((feature, geometry));
                        p.hours.push(hours.map(Box::new));
                        self.kept_at.push(i as u32);
                        let kept = &p.kept;
                        p.ids.insert_new(k, |k| kept[k as usize].0.id.as_str());
                    }
                }
            }
        }
        if problems.len() > before {
            self.parsed.refused += 1;
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
            self.0.parsed.kept.reserve(n);
            self.0.parsed.hours.reserve(n);
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

type FieldError = (String, Text);

/// A feature read and checked.
#[derive(Debug)]
pub struct ReadFeature {
    /// Its id and properties.
    pub feature: Feature,
    /// Its geometry, `[lon, lat]` WGS84.
    pub geometry: geo::Geometry<f64>,
    /// Its parsed `opening_hours`, when valid ones are given.
    pub hours: Option<OpeningHours>,
    /// Every problem with its properties (the feature is refused when any).
    pub errors: Vec<FieldError>,
}

/// One feature: id, geometry, then properties (all property problems at once). `Err` is the
/// first problem that stops reading (the id, the geometry, the properties' type).
pub fn read_feature(spec: &LayerSpec, fv: &Value) -> Result<ReadFeature, FieldError> {
    read_feature_owned(spec, fv.clone())
}

/// [`read_feature`] on a feature the caller gives away (its properties are kept, not copied).
fn read_feature_owned(spec: &LayerSpec, mut fv: Value) -> Result<ReadFeature, FieldError> {
    let obj = fv.as_object_mut().ok_or_else(|| {
        (
            "feature".to_string(),
            text!("a feature must be a JSON object", "要素必须是 JSON 对象"),
        )
    })?;
    if obj.get("type").and_then(Value::as_str) != Some("Feature") {
        return Err((
            "type".into(),
            text!("must be \"Feature\"", "必须是 \"Feature\""),
        ));
    }
    let id = match obj.get("id") {
        Some(Value::String(s)) if !s.trim().is_empty() => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        Some(other) => {
            return Err((
                "id".into(),
                text!(
                    "must be a non-empty string or a number, found {other}",
                    "必须是非空字符串或数字，给出的是 {other}"
                ),
            ))
        }
        None => {
            return Err((
                "id".into(),
                text!(
                    "missing: every feature needs an id",
                    "缺失：每个要素都需要 id"
                ),
            ))
        }
    };
    let geom_value = obj.get("geometry").unwrap_or(&Value::Null);
    let geom = geometry::read_geometry(geom_value, spec.crs).map_err(|e| (e.field, e.reason))?;
    if !spec.kind.geometry().admits(&geom) {
        return Err((
            "geometry.type".into(),
            text!(
                "a {:?} layer needs {:?} geometries, found {}",
                "{:?} 图层需要 {:?} 几何，给出的是 {}",
                spec.kind,
                spec.kind.geometry(),
                geometry_name(&geom)
            ),
        ));
    }
    let properties = match obj.remove("properties") {
        Some(Value::Object(m)) => m,
        Some(Value::Null) | None => serde_json::Map::new(),
        Some(other) => {
            return Err((
                "properties".into(),
                text!(
                    "must be an object or null, found {other}",
                    "必须是对象或 null，给出的是 {other}"
                ),
            ))
        }
    };
    let checked = properties::check_properties(spec.kind, &properties);
    Ok(ReadFeature {
        feature: Feature {
            id,
            properties: properties.into(),
        },
        geometry: geom,
        hours: checked.hours,
        errors: checked.errors,
    })
}
