//! The school commuter lines of a snapshot: each route feature with its stops (from the
//! stops layer, matched on `route_id` and ordered by `seq`), and the property readers the
//! draft and the catchment share.

use std::collections::HashMap;

use serde_json::{Map, Value};

use super::{length_m, Line, LineSummary, Stop};
use crate::model::LayerKind;
use crate::query::QueryError;
use crate::snapshot::{Layer, Snapshot};
use crate::text;

/// Property maps `text` reads: a loaded feature's, or one of a request body.
pub(super) trait Props {
    fn prop(&self, key: &str) -> Option<&Value>;
}

impl Props for Map<String, Value> {
    fn prop(&self, key: &str) -> Option<&Value> {
        self.get(key)
    }
}

impl Props for crate::model::Properties {
    fn prop(&self, key: &str) -> Option<&Value> {
        self.get(key)
    }
}

pub(super) fn text(props: &impl Props, key: &str) -> Option<String> {
    props.prop(key).and_then(Value::as_str).map(str::to_string)
}

pub(super) fn position_of(v: Option<&Value>) -> Option<[f64; 2]> {
    let a = v?.as_array()?;
    let lon = a.first()?.as_f64()?;
    let lat = a.get(1)?.as_f64()?;
    (lon.is_finite() && lat.is_finite()).then_some([lon, lat])
}

fn parts_of(g: &geo::Geometry<f64>) -> Vec<Vec<[f64; 2]>> {
    let ls = |l: &geo::LineString<f64>| l.0.iter().map(|c| [c.x, c.y]).collect::<Vec<_>>();
    match g {
        geo::Geometry::LineString(l) => vec![ls(l)],
        geo::Geometry::MultiLineString(m) => m.0.iter().map(ls).collect(),
        _ => vec![],
    }
}

pub(super) fn layers_of(snap: &Snapshot, kind: LayerKind) -> impl Iterator<Item = &Layer> {
    snap.layers
        .iter()
        .filter(move |l| l.spec.kind == kind)
        .map(|l| &**l)
}

/// Every line of the snapshot's school-bus route layers, with its stops.
pub fn lines(snap: &Snapshot) -> Vec<Line> {
    let mut stops: HashMap<String, Vec<Stop>> = HashMap::new();
    for layer in layers_of(snap, LayerKind::SchoolBusStops) {
        for (i, f) in layer.features.iter().enumerate() {
            let (Some(route), Some(seq)) = (
                text(&f.properties, "route_id"),
                f.properties.get("seq").and_then(Value::as_i64),
            ) else {
                continue;
            };
            if let geo::Geometry::Point(p) = layer.geometry(i) {
                stops.entry(route).or_default().push(Stop {
                    id: f.id.clone(),
                    seq,
                    name: text(&f.properties, "name"),
                    position: [p.x(), p.y()],
                });
            }
        }
    }
    let mut out = Vec::new();
    for layer in layers_of(snap, LayerKind::SchoolBusRoutes) {
        for (i, f) in layer.features.iter().enumerate() {
            let p = &f.properties;
            let id = text(p, "route_id").unwrap_or_else(|| f.id.clone());
            let mut s = stops.remove(&id).unwrap_or_default();
            s.sort_by_key(|s| s.seq);
            out.push(Line {
                name: text(p, "name"),
                name_en: text(p, "name_en"),
                school: text(p, "school"),
                school_location: position_of(p.get("school_location")),
                operator: text(p, "operator"),
                departures: p
                    .get("departures")
                    .and_then(Value::as_array)
                    .map(|a| {
                        a.iter()
                            .filter_map(|d| d.as_str().map(str::to_string))
                            .collect()
                    })
                    .unwrap_or_default(),
                parts: parts_of(layer.geometry(i)),
                stops: s,
                id,
            });
        }
    }
    out
}

/// The line with this route id.
pub fn line(snap: &Snapshot, id: &str) -> Result<Line, QueryError> {
    let all = lines(snap);
    if all.is_empty() {
        return Err(QueryError::NotFound(text!(
            "no school_bus_routes layer is loaded",
            "没有加载 school_bus_routes 图层"
        )));
    }
    let known: Vec<String> = all.iter().map(|l| l.id.clone()).collect();
    all.into_iter().find(|l| l.id == id).ok_or_else(|| {
        QueryError::NotFound(text!(
            "no school commuter line {id:?} (known: {})",
            "没有通学专线 {id:?}（已有：{}）",
            known.join(", ")
        ))
    })
}

/// `GET /api/routes`: each line with its length and stop count.
pub fn summaries(snap: &Snapshot) -> Vec<LineSummary> {
    lines(snap)
        .into_iter()
        .map(|l| LineSummary {
            length_m: length_m(&l.parts),
            stop_count: l.stops.len(),
            id: l.id,
            name: l.name,
            name_en: l.name_en,
            school: l.school,
            operator: l.operator,
            departures: l.departures,
        })
        .collect()
}
