//! Reloading the data directory: what changed for planners (features added, moved, changed,
//! removed per layer) and the coverage shares before and after for each facility layer
//! (every one, edited or not: the district, water and demand layers move them too).

use serde::Serialize;

use crate::query::coverage::{coverage_until, profile, AreaSpec, CoverageRequest};
use crate::query::deadline::Deadline;
use crate::snapshot::Snapshot;

/// Changes in one layer.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct LayerChanges {
    /// Layer id.
    pub layer: String,
    /// Ids of new features.
    pub added: Vec<String>,
    /// Ids of features whose geometry changed.
    pub moved: Vec<String>,
    /// Ids of features whose properties (only) changed.
    pub changed: Vec<String>,
    /// Ids of features gone.
    pub removed: Vec<String>,
    /// Covered population share before and after (facility layers, district at 100 m,
    /// each layer's own radius), when the district is known.
    pub coverage_before: Option<Shares>,
    /// The same after.
    pub coverage_after: Option<Shares>,
}

/// Area and population shares.
#[derive(Debug, Clone, Copy, Serialize, PartialEq)]
pub struct Shares {
    /// Covered share of the area.
    pub area: f64,
    /// Covered share of the people.
    pub population: f64,
}

fn shares(snap: &Snapshot, layer: usize, deadline: &Deadline) -> Option<Shares> {
    let req = CoverageRequest {
        layers: vec![layer],
        profile: profile("layer").ok()?,
        radius_m: None,
        area: AreaSpec::Code("320507".into()),
        cell_m: 100.0,
        suggest: 0,
        add: vec![],
        remove: vec![],
        candidates: None,
    };
    let c = coverage_until(snap, &req, deadline).ok()?;
    Some(Shares {
        area: c.total.area_share(),
        population: c.total.population_share(),
    })
}

/// Compare two snapshots layer by layer (by layer id and feature id); the shares are left
/// out (None) once `deadline` passes (the server shutting down).
pub fn diff(old: &Snapshot, new: &Snapshot, deadline: &Deadline) -> Vec<LayerChanges> {
    let mut out = Vec::new();
    for (ni, nl) in new.layers.iter().enumerate() {
        let mut ch = LayerChanges {
            layer: nl.spec.id.clone(),
            ..Default::default()
        };
        let ol = old.layers.iter().position(|l| l.spec.id == nl.spec.id);
        match ol.map(|i| (i, &old.layers[i])) {
            None => ch.added = nl.features.iter().map(|f| f.id.clone()).collect(),
            Some((_, ol)) => {
                for (i, f) in nl.features.iter().enumerate() {
                    match ol.position(&f.id) {
                        None => ch.added.push(f.id.clone()),
                        Some(j) if ol.geometry(j) != nl.geometry(i) => ch.moved.push(f.id.clone()),
                        Some(j) if ol.features[j].properties != f.properties => {
                            ch.changed.push(f.id.clone())
                        }
                        Some(_) => {}
                    }
                }
                ch.removed = ol
                    .features
                    .iter()
                    .filter(|f| nl.position(&f.id).is_none())
                    .map(|f| f.id.clone())
                    .collect();
            }
        }
        let touched = !(ch.added.is_empty() && ch.moved.is_empty() && ch.removed.is_empty());
        // Every facility layer: its shares move with its own edits and with any edit to the
        // district, water or demand layers.
        let facility = nl.spec.kind.is_facility();
        if facility {
            ch.coverage_before = ol.and_then(|i| shares(old, i, deadline));
            ch.coverage_after = shares(new, ni, deadline);
        }
        if touched || !ch.changed.is_empty() || facility {
            out.push(ch);
        }
    }
    for ol in &old.layers {
        if new.layer(&ol.spec.id).is_none() {
            let i = old.layers.iter().position(|l| l.spec.id == ol.spec.id);
            out.push(LayerChanges {
                layer: ol.spec.id.clone(),
                removed: ol.features.iter().map(|f| f.id.clone()).collect(),
                coverage_before: i
                    .filter(|_| ol.spec.kind.is_facility())
                    .and_then(|i| shares(old, i, deadline)),
                ..Default::default()
            });
        }
    }
    out
}
