//! Edits to a layer (OGC API - Features Part 4 style: create, replace, patch, delete): what
//! an edit may write, what it is judged on, and what it leaves as it was.
//!
//! - From the file: every edit starts from the layer file as it is on disk, not from the
//!   served snapshot. PATCH too merges into the feature as stored in the file (source CRS),
//!   so a hand edit of the file that has not been reloaded yet is taken in, never silently
//!   reverted. Of the two honest choices (take it in, or refuse with 409 "reload first") this
//!   takes it in: the file is what a reload would serve anyway, and create, replace and delete
//!   already build on it.
//! - Layout: only the edited feature's bytes change ([`store::FileLayout`]); it is written as
//!   one compact line, and every other byte of the file is kept.
//! - Judged like the loader: the edited file is re-parsed whole by the loader before it is
//!   written, so a refused edit changes nothing. Strict (the default, and the only way a
//!   server can run without `--skip-invalid`): any problem in the file refuses the edit. With
//!   `skip_invalid` (`serve --skip-invalid`), an edit is judged on what it changes: it is
//!   refused for a problem of the feature it writes, or of a feature it would get refused
//!   (a duplicate id), never for a feature the file refused already; that one stays refused
//!   and listed under `skipped`, and the rebuilt layer serves the rest, as the start did.
//!   When a refused feature shares its id with a served one, an edit of that id goes to the
//!   served one (what the client sees); a create with an id any feature has is a 409. A
//!   file refused whole (not JSON, not a FeatureCollection) cannot be edited (409).
//!
//! Edited positions arrive in WGS84 and are stored in the layer file's own CRS.

use std::collections::HashSet;
use std::path::Path;
use std::sync::Arc;

use serde_json::{Map, Value};

use crate::catalog::LayerSpec;
use crate::crs::Crs;
use crate::lang::Text;
use crate::load::{parse_layer, read_feature};
use crate::report::{LoadReport, Problem};
use crate::snapshot::{Layer, Snapshot};
use crate::store::{self, FileLayout};
use crate::text;

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
        reason: Text,
    },
    /// The layer file cannot take an edit as it is (refused whole); nothing was changed.
    #[error("{0}")]
    Conflict(Text),
    /// The file could not be read or written; nothing acknowledged.
    #[error("storage: {0}")]
    Storage(String),
}

fn invalid(field: impl Into<String>, reason: Text) -> EditError {
    EditError::Invalid {
        field: field.into(),
        reason,
    }
}

impl EditError {
    /// The refusal in both languages (`Display` is the English). A storage failure's detail
    /// is for the log; its words here are never sent.
    pub fn text(&self) -> Text {
        match self {
            EditError::NoLayer(layer) => {
                text!("no collection {layer:?}", "没有图层（集合）{layer:?}")
            }
            EditError::NoFeature(id, layer) => text!(
                "no feature {id:?} in collection {layer:?}",
                "图层 {layer:?} 中没有要素 {id:?}"
            ),
            EditError::Exists(id, layer) => text!(
                "feature {id:?} exists already in collection {layer:?}",
                "图层 {layer:?} 中已有要素 {id:?}"
            ),
            EditError::Invalid { field, reason } => Text::new(
                format!("field \"{field}\": {}", reason.en()),
                format!("字段 \"{field}\"：{}", reason.zh()),
            ),
            EditError::Conflict(t) => t.clone(),
            EditError::Storage(detail) => text!("storage: {detail}", "存储失败：{detail}"),
        }
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
    f: &impl Fn(f64, f64) -> Result<(f64, f64), Text>,
) -> Result<(), Text> {
    match v {
        Value::Array(a) if a.len() >= 2 && a.iter().all(Value::is_number) => {
            let (x, y) = (
                a[0].as_f64().unwrap_or(f64::NAN),
                a[1].as_f64().unwrap_or(f64::NAN),
            );
            let (nx, ny) = f(x, y)?;
            let finite = || text!("not a finite number", "不是有限的数");
            a[0] = serde_json::Number::from_f64(nx)
                .map(Value::Number)
                .ok_or_else(finite)?;
            a[1] = serde_json::Number::from_f64(ny)
                .map(Value::Number)
                .ok_or_else(finite)?;
            Ok(())
        }
        Value::Array(a) => a.iter_mut().try_for_each(|x| map_positions(x, f)),
        _ => Ok(()),
    }
}

/// Check a feature with the loader's rules, its positions read in `spec`'s CRS.
fn check(spec: &LayerSpec, feature: &Value) -> Result<(), EditError> {
    let read = read_feature(spec, feature).map_err(|(f, r)| invalid(f, r))?;
    match read.errors.into_iter().next() {
        Some((f, r)) => Err(invalid(f, r)),
        None => Ok(()),
    }
}

/// Check a WGS84 feature with the loader's rules, then convert it to the layer's CRS.
fn prepare(spec: &LayerSpec, mut feature: Value) -> Result<Value, EditError> {
    let wgs = LayerSpec {
        crs: Crs::Wgs84,
        ..spec.clone()
    };
    check(&wgs, &feature)?;
    if spec.crs != Crs::Wgs84 {
        if let Some(c) = feature
            .get_mut("geometry")
            .and_then(|g| g.get_mut("coordinates"))
        {
            map_positions(c, &|x, y| spec.crs.from_wgs84(x, y).map_err(|e| e.text()))
                .map_err(|r| invalid("geometry", r))?;
        }
    }
    Ok(feature)
}

/// Feature `current`, as stored in the file (source CRS), with `patch` merged in:
/// `properties` members replace (null deletes), a `geometry` (WGS84) replaces and is
/// converted to the layer's CRS. Checked with the loader's rules.
fn patched(
    spec: &LayerSpec,
    mut current: Value,
    id: &str,
    patch: &Value,
) -> Result<Value, EditError> {
    let patch = patch.as_object().ok_or_else(|| {
        invalid(
            "body",
            text!("a patch must be a JSON object", "补丁必须是 JSON 对象"),
        )
    })?;
    if let Some(k) = patch
        .keys()
        .find(|k| !["type", "id", "geometry", "properties"].contains(&k.as_str()))
    {
        return Err(invalid(
            k.clone(),
            text!(
                "cannot be patched (only geometry and properties)",
                "不能修改（只能修改 geometry 和 properties）"
            ),
        ));
    }
    if patch.get("id").is_some_and(|v| v.as_str() != Some(id)) {
        return Err(invalid("id", id_mismatch()));
    }
    let Some(stored) = current.as_object_mut() else {
        return Err(invalid(
            "feature",
            text!(
                "the stored feature is not a JSON object",
                "存储的要素不是 JSON 对象"
            ),
        ));
    };
    if let Some(p) = patch.get("properties") {
        let p = p
            .as_object()
            .ok_or_else(|| invalid("properties", text!("must be an object", "必须是对象")))?;
        let props = stored
            .get_mut("properties")
            .and_then(Value::as_object_mut)
            .map(std::mem::take)
            .unwrap_or_default();
        stored.insert("properties".into(), Value::Object(merge(props, p)));
    }
    match patch.get("geometry") {
        // A new geometry arrives in WGS84, like a created or replaced feature.
        Some(g) => {
            stored.insert("geometry".into(), g.clone());
            prepare(spec, current)
        }
        // The stored geometry stays as it is, in the file's CRS.
        None => check(spec, &current).map(|()| current),
    }
}

/// Refuse a body that is not a JSON object before it is indexed: `feature["id"] = ..` on an
/// array or a string panics (a hostile `POST [1,2,3]` was a 500).
fn object(v: &Value) -> Result<(), EditError> {
    if v.is_object() {
        Ok(())
    } else {
        Err(invalid(
            "feature",
            text!("a feature must be a JSON object", "要素必须是 JSON 对象"),
        ))
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
            text!(
                "must be a non-empty string or a number, found {other}",
                "必须是非空字符串或数字，给出的是 {other}"
            ),
        )),
    }
}

fn id_mismatch() -> Text {
    text!("must match the id in the path", "必须与路径中的 id 一致")
}

fn id_of(v: &Value) -> Option<String> {
    match v.get("id") {
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    }
}

/// Where an edit puts its feature in the file.
#[derive(Debug, Clone, Copy)]
enum Change {
    /// After the last feature.
    Append,
    /// In place of feature `i`.
    Replace(usize),
    /// Feature `i` goes.
    Remove(usize),
}

impl Change {
    /// The position of the written feature in the edited file.
    fn written(self, len: usize) -> Option<usize> {
        match self {
            Change::Append => Some(len),
            Change::Replace(i) => Some(i),
            Change::Remove(_) => None,
        }
    }

    /// Where feature `i` of the file before the edit is in the file after it.
    fn moved(self, i: usize) -> Option<usize> {
        match self {
            Change::Remove(r) if i == r => None,
            Change::Remove(r) if i > r => Some(i - 1),
            _ => Some(i),
        }
    }
}

/// The positions of the features the loader refuses in `text` (the file before the edit).
fn refused_before(spec: &LayerSpec, text: &str) -> HashSet<usize> {
    let mut problems = Vec::new();
    parse_layer(spec, text, &mut problems);
    problems
        .iter()
        .filter_map(|p| p.feature.as_ref().map(|(i, _)| *i))
        .collect()
}

/// Judge the edited file by its `problems`. `written`: the written feature's position;
/// `before`: under `skip_invalid`, the positions (in the edited file) of the features that
/// were refused already, which are not the edit's doing. Strict (None): any problem refuses.
/// A file refused whole (it was before the edit: the edit writes valid JSON) is a conflict.
fn judge(
    problems: &[Problem],
    written: Option<usize>,
    before: Option<&HashSet<usize>>,
) -> Result<(), EditError> {
    let at = |p: &Problem| p.feature.as_ref().map(|(i, _)| *i);
    let field = |p: &Problem| p.field.clone().unwrap_or_else(|| "feature".into());
    if let Some(p) = problems.iter().find(|p| at(p).is_none()) {
        return Err(EditError::Conflict(Text::new(
            format!("{p}: the layer file is refused whole and cannot be edited; fix it and reload first"),
            format!("{}：整个图层文件被拒收，不能编辑；请先修好并重新加载", p.text().zh()),
        )));
    }
    if let Some(p) = problems.iter().find(|p| at(p) == written) {
        return Err(invalid(field(p), p.reason.clone()));
    }
    let new = |p: &&Problem| match (at(p), before) {
        (Some(i), Some(before)) => !before.contains(&i),
        _ => true,
    };
    match problems.iter().find(new) {
        Some(p) => Err(invalid(
            field(p),
            Text::new(
                format!("after this edit the layer would refuse another feature: {p}"),
                format!("这次编辑后，图层会拒收另一个要素：{}", p.text().zh()),
            ),
        )),
        None => Ok(()),
    }
}

/// `old` with the problems and counts of layer `li` replaced by those of its edited file.
fn report_with(
    old: &LoadReport,
    layers: &[Arc<Layer>],
    li: usize,
    problems: Vec<Problem>,
    kept: usize,
    refused: usize,
) -> LoadReport {
    let spec = &layers[li].spec;
    // Problems are in catalog order: this layer's go before the first of a later layer.
    let from_here: HashSet<&Path> = layers[li..].iter().map(|l| l.spec.file.as_path()).collect();
    let at = old
        .problems
        .iter()
        .position(|p| from_here.contains(p.file.as_path()))
        .unwrap_or(old.problems.len());
    let mut out = old.problems[..at].to_vec();
    out.extend(problems);
    out.extend(
        old.problems[at..]
            .iter()
            .filter(|p| p.file != spec.file)
            .cloned(),
    );
    let counts = old
        .counts
        .iter()
        .map(|(id, k, r)| {
            if *id == spec.id {
                (id.clone(), kept, refused)
            } else {
                (id.clone(), *k, *r)
            }
        })
        .collect();
    LoadReport {
        problems: out,
        counts,
    }
}

/// Apply `op` to layer `layer_id` of the data in `dir`: validate (strictly, or under
/// `skip_invalid` on what the edit changes; see the module doc), call `record` with the id,
/// the feature before and after (the audit line, written first so that no applied edit goes
/// unrecorded, even if the process dies between the two), write the layer durably with only
/// the edited feature's bytes changed, and return the snapshot with the layer and its report
/// rebuilt. The caller serialises edits.
pub fn apply(
    dir: &Path,
    snap: &Snapshot,
    layer_id: &str,
    op: EditOp,
    skip_invalid: bool,
    record: impl FnOnce(&str, Option<&Value>, Option<&Value>) -> Result<(), EditError>,
) -> Result<Applied, EditError> {
    let li = snap
        .layers
        .iter()
        .position(|l| l.spec.id == layer_id)
        .ok_or_else(|| EditError::NoLayer(layer_id.into()))?;
    let spec = snap.layers[li].spec.clone();
    let path = dir.join(&spec.file);
    let file = spec.file.display().to_string();
    let text =
        std::fs::read_to_string(&path).map_err(|e| EditError::Storage(format!("{file}: {e}")))?;
    let layout = FileLayout::read(&text).map_err(|why| {
        EditError::Conflict(Text::new(
            format!("{file}: {why}; the layer file cannot be edited: fix it and reload first"),
            format!("{file}：{}；图层文件不能编辑：请先修好并重新加载", why.zh()),
        ))
    })?;
    // Under skip_invalid, what the file refuses already is not the edit's doing.
    let before_edit = skip_invalid.then(|| refused_before(&spec, &text));
    let stored = |i: usize| {
        serde_json::from_str::<Value>(layout.feature(i))
            .map_err(|e| EditError::Storage(format!("{file}: features[{i}]: {e}")))
    };
    let ids: Vec<Option<String>> = (0..layout.len())
        .map(|i| stored(i).map(|f| id_of(&f)))
        .collect::<Result<_, _>>()?;
    let find = |id: &str| ids.iter().position(|f| f.as_deref() == Some(id));
    // The feature an edit of `id` goes to: the one served under that id (a refused one of
    // the same id earlier in the file is not what the client sees), else the first.
    let found = |id: &str| {
        let refused = |i: &usize| before_edit.as_ref().is_some_and(|r| r.contains(i));
        (0..ids.len())
            .find(|i| ids[*i].as_deref() == Some(id) && !refused(i))
            .or_else(|| find(id))
            .ok_or_else(|| EditError::NoFeature(id.into(), spec.id.clone()))
    };
    let (id, before, after, change) = match op {
        EditOp::Create(mut f) => {
            object(&f)?;
            let id = match given_id(&f)? {
                Some(id) => id,
                None => {
                    let id = (1..)
                        .map(|n| format!("{}-{n}", spec.id))
                        .find(|c| find(c).is_none())
                        .unwrap_or_default();
                    f["id"] = Value::String(id.clone());
                    id
                }
            };
            if find(&id).is_some() {
                return Err(EditError::Exists(id, spec.id.clone()));
            }
            (id, None, Some(prepare(&spec, f)?), Change::Append)
        }
        EditOp::Replace(id, mut f) => {
            let at = found(&id)?;
            object(&f)?;
            if given_id(&f)?.is_some_and(|other| other != id) {
                return Err(invalid("id", id_mismatch()));
            }
            f["id"] = Value::String(id.clone());
            let f = prepare(&spec, f)?;
            (id, Some(stored(at)?), Some(f), Change::Replace(at))
        }
        EditOp::Patch(id, patch) => {
            let at = found(&id)?;
            let current = stored(at)?;
            let f = patched(&spec, current.clone(), &id, &patch)?;
            (id, Some(current), Some(f), Change::Replace(at))
        }
        EditOp::Delete(id) => {
            let at = found(&id)?;
            (id, Some(stored(at)?), None, Change::Remove(at))
        }
    };
    // One compact line in place of (or after) the old feature; every other byte is kept.
    let line = after
        .as_ref()
        .map(serde_json::to_string)
        .transpose()
        .map_err(|e| EditError::Storage(format!("{file}: {e}")))?
        .unwrap_or_default();
    let new_text = match change {
        Change::Append => layout.appended(&line),
        Change::Replace(i) => layout.replaced(i, &line),
        Change::Remove(i) => layout.removed(i),
    };
    // The whole file again, through the loader: a refused edit changes nothing.
    let mut problems = Vec::new();
    let parsed = parse_layer(&spec, &new_text, &mut problems);
    let still_refused =
        before_edit.map(|b| b.into_iter().filter_map(|i| change.moved(i)).collect());
    judge(
        &problems,
        change.written(layout.len()),
        still_refused.as_ref(),
    )?;
    record(&id, before.as_ref(), after.as_ref())?;
    store::write_atomic(&path, new_text.as_bytes())
        .map_err(|e| EditError::Storage(format!("{file}: {e}")))?;
    let report = report_with(
        &snap.report,
        &snap.layers,
        li,
        problems,
        parsed.kept.len(),
        parsed.refused,
    );
    let mut layers = snap.layers.clone();
    layers[li] = Arc::new(parsed.into_layer(spec));
    Ok(Applied {
        snapshot: Snapshot {
            layers,
            report,
            network: snap.network.clone(),
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
