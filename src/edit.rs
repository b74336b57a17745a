//! Edits to a layer (OGC API - Features Part 4 style: create, replace, patch, delete), with
//! the loader's own validation: the edited file is re-validated whole before it is written,
//! so a refused edit changes nothing. Edited positions arrive in WGS84 and are stored in the
//! layer file's own CRS; untouched features are kept byte-for-byte as they were.

use std::path::Path;

use serde_json::{Map, Value};

use crate::catalog::LayerSpec;
use crate::crs::Crs;
use crate::load::{parse_layer, read_feature};
use crate::snapshot::{Layer, Snapshot};
use crate::store;

/// One edit.
#[derive(Debug, Clone)]
pub enum EditOp {
    /// Add a feature (a GeoJSON Feature in WGS84; its `id` is taken or one is made).
    Create(Value),
    /// Replace feature `id` whole.
    Replace(String, Value),
    /// Merge into feature `id`: `properties` members replace (null deletes), `geometry` replaces.
    Patch(String, Value),
    /// Remove feature `id`.
    Delete(String),
}

/// Why an edit was refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum EditError {
    /// No such layer.
    #[error("no collection {0:?}")]
    NoLayer(String),
    /// No such feature.
    #[error("no feature {0:?} in collection {1:?}")]
    NoFeature(String, String),
    /// The feature already exists.
    #[error("feature {0:?} exists already in collection {1:?}")]
    Exists(String, String),
    /// The edit is invalid; nothing was changed.
    #[error("field \"{field}\": {reason}")]
    Invalid {
        /// The offending field.
        field: String,
        /// Why.
        reason: String,
    },
    /// The file could not be read or written; nothing acknowledged.
    #[error("storage: {0}")]
    Storage(String),
}

fn invalid(field: impl Into<String>, reason: impl Into<String>) -> EditError {
    EditError::Invalid {
        field: field.into(),
        reason: reason.into(),
    }
}

/// What an applied edit produced.
pub struct Applied {
    /// The snapshot with the edited layer rebuilt.
    pub snapshot: Snapshot,
    /// The feature id.
    pub id: String,
    /// The feature before (source CRS, as stored), if it existed.
    pub before: Option<Value>,
    /// The feature after (source CRS, as stored), unless deleted.
    pub after: Option<Value>,
}

/// Map every position of a GeoJSON geometry through `f`.
fn map_positions(
    v: &mut Value,
    f: &impl Fn(f64, f64) -> Result<(f64, f64), String>,
) -> Result<(), String> {
    match v {
        Value::Array(a) if a.len() >= 2 && a.iter().all(Value::is_number) => {
            let (x, y) = (
                a[0].as_f64().unwrap_or(f64::NAN),
                a[1].as_f64().unwrap_or(f64::NAN),
            );
            let (nx, ny) = f(x, y)?;
            a[0] = serde_json::Number::from_f64(nx)
                .map(Value::Number)
                .ok_or("not a finite number")?;
            a[1] = serde_json::Number::from_f64(ny)
                .map(Value::Number)
                .ok_or("not a finite number")?;
            Ok(())
        }
        Value::Array(a) => a.iter_mut().try_for_each(|x| map_positions(x, f)),
        _ => Ok(()),
    }
}

/// Check a WGS84 feature with the loader's rules, then convert it to the layer's CRS.
fn prepare(spec: &LayerSpec, mut feature: Value) -> Result<Value, EditError> {
    let wgs = LayerSpec {
        crs: Crs::Wgs84,
        ..spec.clone()
    };
    let (_, _, problems) = read_feature(&wgs, &feature).map_err(|(f, r)| invalid(f, r))?;
    if let Some((f, r)) = problems.into_iter().next() {
        return Err(invalid(f, r));
    }
    if spec.crs != Crs::Wgs84 {
        if let Some(c) = feature
            .get_mut("geometry")
            .and_then(|g| g.get_mut("coordinates"))
        {
            map_positions(c, &|x, y| {
                spec.crs.from_wgs84(x, y).map_err(|e| e.to_string())
            })
            .map_err(|r| invalid("geometry", r))?;
        }
    }
    Ok(feature)
}

/// Refuse a body that is not a JSON object before it is indexed: `feature["id"] = ..` on an
/// array or a string panics (a hostile `POST [1,2,3]` was a 500).
fn object(v: &Value) -> Result<(), EditError> {
    if v.is_object() {
        Ok(())
    } else {
        Err(invalid("feature", "a feature must be a JSON object"))
    }
}

/// A client-given id: absent or null (one is made), or a non-empty string or a number.
/// Anything else is refused, not silently replaced.
fn given_id(v: &Value) -> Result<Option<String>, EditError> {
    match v.get("id") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if !s.trim().is_empty() => Ok(Some(s.clone())),
        Some(Value::Number(n)) => Ok(Some(n.to_string())),
        Some(other) => Err(invalid(
            "id",
            format!("must be a non-empty string or a number, found {other}"),
        )),
    }
}

fn id_of(v: &Value) -> Option<String> {
    match v.get("id") {
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    }
}

/// Apply `op` to layer `layer_id` of the data in `dir`: validate, call `record` with the id,
/// the feature before and after (the audit line, written first so that no applied edit goes
/// unrecorded, even if the process dies between the two), write the layer durably, and return
/// the snapshot with the layer rebuilt. The caller serialises edits.
pub fn apply(
    dir: &Path,
    snap: &Snapshot,
    layer_id: &str,
    op: EditOp,
    record: impl FnOnce(&str, Option<&Value>, Option<&Value>) -> Result<(), EditError>,
) -> Result<Applied, EditError> {
    let li = snap
        .layers
        .iter()
        .position(|l| l.spec.id == layer_id)
        .ok_or_else(|| EditError::NoLayer(layer_id.into()))?;
    let spec = snap.layers[li].spec.clone();
    let path = dir.join(&spec.file);
    let text = std::fs::read_to_string(&path)
        .map_err(|e| EditError::Storage(format!("{}: {e}", spec.file.display())))?;
    let mut root: Value = serde_json::from_str(&text)
        .map_err(|e| EditError::Storage(format!("{}: {e}", spec.file.display())))?;
    let features = root
        .get_mut("features")
        .and_then(Value::as_array_mut)
        .ok_or_else(|| EditError::Storage(format!("{}: no features array", spec.file.display())))?;
    let find = |features: &Vec<Value>, id: &str| {
        features
            .iter()
            .position(|f| id_of(f).as_deref() == Some(id))
    };
    let (id, before, after) = match op {
        EditOp::Create(mut f) => {
            object(&f)?;
            let id = match given_id(&f)? {
                Some(id) => id,
                None => {
                    let id = (1..)
                        .map(|n| format!("{}-{n}", spec.id))
                        .find(|c| find(features, c).is_none())
                        .unwrap_or_default();
                    f["id"] = Value::String(id.clone());
                    id
                }
            };
            if find(features, &id).is_some() {
                return Err(EditError::Exists(id, spec.id.clone()));
            }
            let f = prepare(&spec, f)?;
            features.push(f.clone());
            (id, None, Some(f))
        }
        EditOp::Replace(id, mut f) => {
            let at = find(features, &id)
                .ok_or_else(|| EditError::NoFeature(id.clone(), spec.id.clone()))?;
            object(&f)?;
            if given_id(&f)?.is_some_and(|other| other != id) {
                return Err(invalid("id", "must match the id in the path"));
            }
            f["id"] = Value::String(id.clone());
            let f = prepare(&spec, f)?;
            let before = std::mem::replace(&mut features[at], f.clone());
            (id, Some(before), Some(f))
        }
        EditOp::Patch(id, patch) => {
            let at = find(features, &id)
                .ok_or_else(|| EditError::NoFeature(id.clone(), spec.id.clone()))?;
            let patch = patch
                .as_object()
                .ok_or_else(|| invalid("body", "a patch must be a JSON object"))?;
            if let Some(k) = patch
                .keys()
                .find(|k| !["type", "id", "geometry", "properties"].contains(&k.as_str()))
            {
                return Err(invalid(
                    k.clone(),
                    "cannot be patched (only geometry and properties)",
                ));
            }
            if patch
                .get("id")
                .is_some_and(|v| v.as_str() != Some(id.as_str()))
            {
                return Err(invalid("id", "must match the id in the path"));
            }
            // Work in WGS84: take the stored feature to WGS84 through the loaded layer.
            let layer = &snap.layers[li];
            let idx = layer
                .position(&id)
                .ok_or_else(|| EditError::NoFeature(id.clone(), spec.id.clone()))?;
            let mut current = crate::output::feature_json(layer, idx, None);
            if let Some(g) = patch.get("geometry") {
                current["geometry"] = g.clone();
            }
            if let Some(p) = patch.get("properties") {
                let p = p
                    .as_object()
                    .ok_or_else(|| invalid("properties", "must be an object"))?;
                let props = current["properties"]
                    .as_object_mut()
                    .map(std::mem::take)
                    .unwrap_or_default();
                current["properties"] = Value::Object(merge(props, p));
            }
            let f = prepare(&spec, current)?;
            let before = std::mem::replace(&mut features[at], f.clone());
            (id, Some(before), Some(f))
        }
        EditOp::Delete(id) => {
            let at = find(features, &id)
                .ok_or_else(|| EditError::NoFeature(id.clone(), spec.id.clone()))?;
            let before = features.remove(at);
            (id, Some(before), None)
        }
    };
    // The whole file again, through the loader: a refused edit changes nothing.
    let new_text = serde_json::to_string(&root).map_err(|e| EditError::Storage(e.to_string()))?;
    let mut problems = Vec::new();
    let (loaded, ids, _) = parse_layer(&spec, &new_text, &mut problems);
    if let Some(p) = problems.into_iter().next() {
        return Err(invalid(
            p.field.unwrap_or_else(|| "feature".into()),
            p.reason,
        ));
    }
    record(&id, before.as_ref(), after.as_ref())?;
    store::write_atomic(&path, new_text.as_bytes())
        .map_err(|e| EditError::Storage(format!("{}: {e}", spec.file.display())))?;
    let mut layers = snap.layers.clone();
    layers[li] = std::sync::Arc::new(Layer::with_ids(spec, loaded, ids));
    Ok(Applied {
        snapshot: Snapshot {
            layers,
            report: snap.report.clone(),
        },
        id,
        before,
        after,
    })
}

fn merge(mut base: Map<String, Value>, patch: &Map<String, Value>) -> Map<String, Value> {
    for (k, v) in patch {
        if v.is_null() {
            base.remove(k);
        } else {
            base.insert(k.clone(), v.clone());
        }
    }
    base
}
