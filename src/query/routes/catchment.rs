//! Which villages a line serves and which it misses: villages of the `demand` layer within
//! `walk_m` of a stop (served, through the demand index) and villages within `corridor_m` of
//! the line but farther than `walk_m` from every stop (unserved, through a box query around
//! the line and exact distances to its path).

use std::collections::BTreeMap;

use serde_json::Value;

use super::lines::{layers_of, text};
use super::{Line, PathIndex, ReviewParams, Village};
use crate::geodesy::{distance_m, LocalFrame};
use crate::model::LayerKind;
use crate::query::deadline::Deadline;
use crate::query::QueryError;
use crate::snapshot::{Layer, Snapshot};

fn demand_layer(snap: &Snapshot) -> Option<&Layer> {
    layers_of(snap, LayerKind::Demand).next()
}

fn village(layer: &Layer, i: usize, distance_m: f64, stop: &str) -> Option<Village> {
    let f = &layer.features[i];
    let geo::Geometry::Point(p) = layer.geometry(i) else {
        return None;
    };
    let int = |k: &str| f.properties.get(k).and_then(Value::as_i64).unwrap_or(0);
    Some(Village {
        id: f.id.clone(),
        name: text(&f.properties, "name").unwrap_or_else(|| f.id.clone()),
        township: text(&f.properties, "township"),
        children: int("children"),
        population: int("population"),
        position: [p.x(), p.y()],
        distance_m,
        stop: stop.to_string(),
    })
}

/// Served villages (within `walk_m` of a stop, by the demand index) and unserved villages of
/// the corridor (by a box query around the line, then exact distances).
pub(super) fn villages(
    snap: &Snapshot,
    line: &Line,
    path: &PathIndex,
    params: &ReviewParams,
    deadline: &Deadline,
) -> Result<(Vec<Village>, Vec<Village>), QueryError> {
    let Some(layer) = demand_layer(snap) else {
        return Ok((vec![], vec![]));
    };
    // Nearest stop of every village that has one within walk_m.
    let mut best: BTreeMap<usize, (f64, &str)> = BTreeMap::new();
    for s in &line.stops {
        deadline.check()?;
        for (i, d) in layer.index.nearest(s.position) {
            if d > params.walk_m {
                break;
            }
            let e = best.entry(i).or_insert((d, &s.id));
            if d < e.0 {
                *e = (d, &s.id);
            }
        }
    }
    let mut served: Vec<Village> = best
        .iter()
        .filter_map(|(&i, &(d, s))| village(layer, i, d, s))
        .collect();
    served.sort_by(|a, b| a.distance_m.total_cmp(&b.distance_m).then(a.id.cmp(&b.id)));

    // The corridor: a lon/lat box around the line grown by corridor_m, then exact distances.
    let all: Vec<[f64; 2]> = line.parts.iter().flatten().copied().collect();
    let mut unserved = Vec::new();
    if let Some(first) = all.first() {
        let (mut min, mut max) = (*first, *first);
        for p in &all {
            min = [min[0].min(p[0]), min[1].min(p[1])];
            max = [max[0].max(p[0]), max[1].max(p[1])];
        }
        let lat = if min[1].abs() > max[1].abs() {
            min[1]
        } else {
            max[1]
        };
        let frame = LocalFrame::new([min[0], lat.clamp(-89.0, 89.0)]);
        // 1 % margin: metres per degree change across the box.
        let dlon = params.corridor_m * 1.01 / frame.m_per_deg_lon().max(1.0);
        let dlat = params.corridor_m * 1.01 / frame.m_per_deg_lat();
        let lo = [min[0] - dlon, (min[1] - dlat).max(-90.0)];
        let hi = [max[0] + dlon, (max[1] + dlat).min(90.0)];
        for (n, i) in layer.index.intersecting(lo, hi).into_iter().enumerate() {
            if n % 256 == 0 {
                deadline.check()?;
            }
            if best.contains_key(&i) {
                continue;
            }
            let geo::Geometry::Point(p) = layer.geometry(i) else {
                continue;
            };
            let pos = [p.x(), p.y()];
            if path.within(pos, params.corridor_m).is_none() {
                continue;
            }
            let (d, s) = line
                .stops
                .iter()
                .map(|s| (distance_m(pos, s.position), s.id.as_str()))
                .min_by(|a, b| a.0.total_cmp(&b.0))
                .unwrap_or((f64::INFINITY, ""));
            if let Some(v) = village(layer, i, d, s) {
                unserved.push(v);
            }
        }
    }
    unserved.sort_by(|a, b| {
        b.children
            .cmp(&a.children)
            .then(a.distance_m.total_cmp(&b.distance_m))
            .then(a.id.cmp(&b.id))
    });
    Ok((served, unserved))
}
