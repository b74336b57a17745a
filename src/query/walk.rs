//! "What is nearest on foot?": the k nearest features by walking distance along the
//! network, not the straight-line k re-sorted (a room across a canal may drop out and
//! another come in). Filters apply before the limit, as in [`crate::query::nearest`].
//!
//! Snapping is stated once ([`crate::network::targets`]): the walker and each facility join
//! the network at the nearest point of the nearest edge, and both access legs count as
//! walked. A walker farther than `max_access_m` from every edge gets no walking answer (the
//! caller says so); a facility whose every entrance is farther than that is left out.

use chrono::NaiveDateTime;

use crate::index::distance_to_geometry_m;
use crate::network::{nearest_targets, targets::path, Reached, Targets};
use crate::query::deadline::{Stop, Work};
use crate::query::nearest::{open_state, passes, Filters, Hit};
use crate::snapshot::{NetworkLayer, Snapshot};

/// `max_access_m` when not given: a point farther than this from every path is off the
/// network.
pub const DEFAULT_MAX_ACCESS_M: f64 = 500.0;
/// The largest `max_access_m` a request may ask.
pub const MAX_ACCESS_CAP_M: f64 = 2000.0;
/// The range of `walk_kmh`.
pub const WALK_KMH_RANGE: (f64, f64) = (1.0, 10.0);

/// How to walk.
#[derive(Debug, Clone, Copy)]
pub struct WalkOptions {
    /// Walking speed, km/h.
    pub walk_kmh: f64,
    /// Access legs longer than this are not walked, metres.
    pub max_access_m: f64,
    /// Whether to return each walk's path.
    pub path: bool,
}

impl WalkOptions {
    /// Metres per second.
    pub fn speed_mps(&self) -> f64 {
        self.walk_kmh / 3.6
    }
}

/// One walking answer.
#[derive(Debug, Clone, PartialEq)]
pub struct WalkHit {
    /// The feature, with `distance_m` the walking distance (metres of level walking: the
    /// ground length, steps counted at [`crate::network::STEPS_FACTOR`], a ferry at its time).
    pub hit: Hit,
    /// Minutes at the walking speed.
    pub walk_min: f64,
    /// Metres on the ground in a straight line to the nearest point of the geometry.
    pub straight_m: f64,
    /// Where the walk reaches the feature (its entrance's access leg ends at the feature's
    /// nearest point to that entrance), `[lon, lat]`.
    pub target: [f64; 2],
    /// The walk, when asked for: `[lon, lat]` from the walker to the target.
    pub path: Option<Vec<[f64; 2]>>,
}

/// What a walking search found.
#[derive(Debug, Clone, PartialEq)]
pub enum WalkAnswer {
    /// The walker joined the network: the hits, nearest first.
    Hits {
        /// The hits.
        hits: Vec<WalkHit>,
        /// The walker's access leg, metres.
        access_m: f64,
    },
    /// No edge within `max_access_m` of the walker; the nearest is this far (None: the
    /// network has no edge at all).
    OffNetwork {
        /// Distance to the nearest edge, metres.
        nearest_m: Option<f64>,
    },
}

/// The `k` nearest features of `layers` by walking from `point` (`[lon, lat]`), passing
/// `filters`, within `max_m` of walking; `now` is each hit's `open` moment.
#[allow(clippy::too_many_arguments)]
pub fn nearest_walk(
    snap: &Snapshot,
    net: &NetworkLayer,
    layers: &[usize],
    point: [f64; 2],
    k: usize,
    max_m: f64,
    filters: &Filters,
    now: NaiveDateTime,
    opts: WalkOptions,
    work: &mut Work,
) -> Result<WalkAnswer, Stop> {
    let graph = &net.graph;
    let Some(from) = net.snap.snap(graph, point, opts.max_access_m) else {
        let nearest_m = net
            .snap
            .snap(graph, point, f64::INFINITY)
            .map(|s| s.access_m);
        return Ok(WalkAnswer::OffNetwork { nearest_m });
    };
    // Standing inside (or on) a feature: it is 0 m away on foot too.
    let mut hits: Vec<WalkHit> = Vec::new();
    for &li in layers {
        let layer = &snap.layers[li];
        for (i, d) in layer.index.nearest(point) {
            if d > 0.0 {
                break;
            }
            work.visit()?;
            if passes(layer, i, filters) {
                hits.push(WalkHit {
                    hit: Hit {
                        layer: li,
                        feature: i,
                        distance_m: 0.0,
                        open: open_state(layer, i, now),
                    },
                    walk_min: 0.0,
                    straight_m: 0.0,
                    target: point,
                    path: opts.path.then(|| vec![point]),
                });
            }
        }
    }
    let sets: Vec<std::sync::Arc<Targets>> = layers
        .iter()
        .map(|&li| net.targets(&snap.layers[li]))
        .collect();
    let set_refs: Vec<&Targets> = sets.iter().map(|t| &**t).collect();
    let inside: Vec<(usize, usize)> = hits.iter().map(|h| (h.hit.layer, h.hit.feature)).collect();
    let mut search = net.search(opts.speed_mps());
    let mut stopped = None;
    let reached = nearest_targets(
        &mut search,
        &from,
        &set_refs,
        k.saturating_sub(hits.len()),
        max_m,
        opts.max_access_m,
        |set, t| {
            let li = layers[set];
            !inside.contains(&(li, t as usize)) && passes(&snap.layers[li], t as usize, filters)
        },
        || match work.visit() {
            Ok(()) => true,
            Err(s) => {
                stopped = Some(s);
                false
            }
        },
    );
    let Some(reached) = reached else {
        return Err(stopped.unwrap_or(Stop::OverBudget));
    };
    let speed_m_per_min = opts.walk_kmh * 1000.0 / 60.0;
    for r in reached {
        let Reached { set, target, .. } = r;
        let li = layers[set];
        let layer = &snap.layers[li];
        let geometry = layer.geometry(target as usize);
        let end = crate::index::nearest_on(geometry, r.entrance.point).1;
        hits.push(WalkHit {
            hit: Hit {
                layer: li,
                feature: target as usize,
                distance_m: r.cost_m,
                open: open_state(layer, target as usize, now),
            },
            walk_min: r.cost_m / speed_m_per_min,
            straight_m: distance_to_geometry_m(geometry, point),
            target: end,
            path: opts.path.then(|| path(&search, &from, point, &r, end)),
        });
    }
    hits.truncate(k);
    net.give_back(search);
    Ok(WalkAnswer::Hits {
        hits,
        access_m: from.access_m,
    })
}
