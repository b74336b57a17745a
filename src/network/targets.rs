//! Things to walk to, joined to the network, and the search for the nearest of them.
//!
//! A point joins at its [`Snap`]. A line or polygon is reached where the network meets or
//! comes nearest to it: every point of its outline (vertices, and points between them at
//! most [`OUTLINE_STEP_M`] apart) snaps to its nearest edge, and each edge keeps as entrances
//! those snaps no other one on it beats from every side (the least access leg alone is not
//! enough: a snap further along with a slightly longer leg can be the nearer walk). The
//! access leg of each entrance counts as walked.

use std::collections::HashMap;

use geo::{Coord, Geometry};

use super::search::{Search, Seed};
use super::snap::{Snap, SnapIndex};
use super::Network;
use crate::geodesy::{distance_m, lerp};

/// Outline points of a line or polygon target are at most this far apart, metres.
pub const OUTLINE_STEP_M: f64 = 20.0;
/// At most this many outline points per target (a huge outline is sampled more coarsely).
const MAX_OUTLINE_POINTS: usize = 4000;

/// The fastest walk the answers allow (`walk_kmh` at most 10), m/s: a ferry's cost per edge
/// is largest at it, so an entrance dominated at this speed is dominated at every speed.
const MAX_SPEED_MPS: f64 = 10.0 / 3.6;

/// The snaps of one target on one edge that some walk could use: a snap is left out when
/// another, walked to along the edge (at `cost_m` for the whole edge), is no dearer from
/// either end and from any point of the edge (`a_j + |t_j - t_i| * cost <= a_i`). One sweep
/// each way over the snaps in order along the edge; of equal snaps the first is kept.
fn undominated(mut snaps: Vec<Snap>, cost_m: f64) -> Vec<Snap> {
    snaps.sort_by(|x, y| x.t.total_cmp(&y.t));
    let mut keep = vec![true; snaps.len()];
    let mut m = f64::INFINITY; // least a_j - t_j * cost over the snaps before
    for (i, s) in snaps.iter().enumerate() {
        if m + s.t * cost_m <= s.access_m {
            keep[i] = false;
        }
        m = m.min(s.access_m - s.t * cost_m);
    }
    let mut m = f64::INFINITY; // least a_j + t_j * cost over the snaps after
    for (i, s) in snaps.iter().enumerate().rev() {
        if m - s.t * cost_m < s.access_m {
            keep[i] = false;
        }
        m = m.min(s.access_m + s.t * cost_m);
    }
    snaps
        .into_iter()
        .zip(keep)
        .filter_map(|(s, k)| k.then_some(s))
        .collect()
}

/// One entrance of a target: where on which edge, and the access leg to it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Entrance {
    /// The target (the caller's index, a feature's position say).
    pub target: u32,
    /// Where it joins.
    pub snap: Snap,
}

/// Targets joined to one network: entrances grouped by edge.
#[derive(Debug, Default)]
pub struct Targets {
    by_edge: HashMap<u32, Vec<Entrance>>,
    /// Each target's best (shortest) access leg, metres (infinite for an empty geometry).
    best_access_m: Vec<f64>,
}

impl Targets {
    /// Join every geometry (`[lon, lat]`) of `targets`, in order (target `i` is the i-th).
    pub fn attach<'g>(
        net: &Network,
        index: &SnapIndex,
        targets: impl IntoIterator<Item = &'g Geometry<f64>>,
    ) -> Self {
        let mut out = Targets::default();
        for (i, g) in targets.into_iter().enumerate() {
            let i = i as u32;
            let mut best = f64::INFINITY;
            let mut per_edge: HashMap<u32, Vec<Snap>> = HashMap::new();
            for p in outline_points(g) {
                let Some(s) = index.snap(net, p, f64::INFINITY) else {
                    continue;
                };
                best = best.min(s.access_m);
                per_edge.entry(s.edge).or_default().push(s);
            }
            for (e, snaps) in per_edge {
                let keep = undominated(snaps, net.cost_m(e, MAX_SPEED_MPS));
                out.by_edge
                    .entry(e)
                    .or_default()
                    .extend(keep.into_iter().map(|snap| Entrance { target: i, snap }));
            }
            out.best_access_m.push(best);
        }
        out
    }

    /// Every entrance, edge by edge.
    pub fn entrances(&self) -> impl Iterator<Item = &Entrance> {
        self.by_edge.values().flatten()
    }

    /// Entrances on edge `e`.
    pub fn on_edge(&self, e: u32) -> &[Entrance] {
        self.by_edge.get(&e).map_or(&[], Vec::as_slice)
    }

    /// Target `i`'s shortest access leg in metres.
    pub fn access_m(&self, i: u32) -> f64 {
        self.best_access_m[i as usize]
    }

    /// Number of targets.
    pub fn len(&self) -> usize {
        self.best_access_m.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.best_access_m.is_empty()
    }
}

/// The points a geometry is reached at: a point itself; a line's or polygon's vertices and
/// points between them at most [`OUTLINE_STEP_M`] apart.
fn outline_points(g: &Geometry<f64>) -> Vec<[f64; 2]> {
    use geo::CoordsIter;
    let mut rings: Vec<Vec<Coord<f64>>> = Vec::new();
    match g {
        Geometry::Point(p) => return vec![[p.x(), p.y()]],
        Geometry::MultiPoint(mp) => return mp.iter().map(|p| [p.x(), p.y()]).collect(),
        Geometry::LineString(l) => rings.push(l.0.clone()),
        Geometry::MultiLineString(ml) => rings.extend(ml.iter().map(|l| l.0.clone())),
        Geometry::Polygon(p) => {
            rings.push(p.exterior().0.clone());
            rings.extend(p.interiors().iter().map(|r| r.0.clone()));
        }
        Geometry::MultiPolygon(mp) => {
            for p in mp {
                rings.push(p.exterior().0.clone());
                rings.extend(p.interiors().iter().map(|r| r.0.clone()));
            }
        }
        other => return other.coords_iter().map(|c| [c.x, c.y]).collect(),
    }
    let total: f64 = rings
        .iter()
        .flat_map(|r| r.windows(2))
        .map(|s| distance_m([s[0].x, s[0].y], [s[1].x, s[1].y]))
        .sum();
    let step = OUTLINE_STEP_M.max(total / MAX_OUTLINE_POINTS as f64);
    let mut out = Vec::new();
    for r in &rings {
        for s in r.windows(2) {
            let (a, b) = ([s[0].x, s[0].y], [s[1].x, s[1].y]);
            let n = (distance_m(a, b) / step).ceil().max(1.0) as usize;
            out.extend((0..n).map(|i| lerp(a, b, i as f64 / n as f64)));
        }
        if let Some(c) = r.last() {
            out.push([c.x, c.y]);
        }
    }
    out
}

/// A target reached by a search: its cost and how the walk ends.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Reached {
    /// Which set of targets (the index into the slice given to [`nearest_targets`]).
    pub set: usize,
    /// The target.
    pub target: u32,
    /// Total cost in metres of level walking, both access legs included.
    pub cost_m: f64,
    /// The entrance it was reached at.
    pub entrance: Snap,
    /// The vertex the walk leaves the network from (None: along the start's own edge).
    pub via: Option<u32>,
}

/// The targets nearest to `from` by walking, at most `k`, costing at most `limit_m`, among
/// those `accept` lets through (called once per target, before the limit counts it), over
/// several sets of targets at once, nearest first. Entrances whose access leg exceeds
/// `max_access_m` are not used. Exact: a target is given only once no unsettled vertex
/// could still lead to it more cheaply.
#[allow(clippy::too_many_arguments)]
pub fn nearest_targets(
    search: &mut Search,
    from: &Snap,
    sets: &[&Targets],
    k: usize,
    limit_m: f64,
    max_access_m: f64,
    mut accept: impl FnMut(usize, u32) -> bool,
    mut visit: impl FnMut() -> bool,
) -> Option<Vec<Reached>> {
    let net = search.network();
    let speed = search.speed_mps();
    let mut best: HashMap<(usize, u32), Reached> = HashMap::new();
    let mut verdict: HashMap<(usize, u32), bool> = HashMap::new();
    let mut offer = |r: Reached, best: &mut HashMap<(usize, u32), Reached>| {
        if r.cost_m > limit_m {
            return;
        }
        let ok = *verdict
            .entry((r.set, r.target))
            .or_insert_with(|| accept(r.set, r.target));
        if !ok {
            return;
        }
        best.entry((r.set, r.target))
            .and_modify(|b| {
                if r.cost_m < b.cost_m {
                    *b = r
                }
            })
            .or_insert(r);
    };
    // Along the start's own edge, without touching a vertex.
    let own_cost = net.cost_m(from.edge, speed);
    for (set, targets) in sets.iter().enumerate() {
        for en in targets.on_edge(from.edge) {
            if en.snap.access_m > max_access_m {
                continue;
            }
            let cost_m = from.access_m + own_cost * (from.t - en.snap.t).abs() + en.snap.access_m;
            offer(
                Reached {
                    set,
                    target: en.target,
                    cost_m,
                    entrance: en.snap,
                    via: None,
                },
                &mut best,
            );
        }
    }
    search.start(&Seed::from_snap(net, from, speed, 0), limit_m);
    // The k-th best cost so far (infinite until k are known).
    let kth = |best: &HashMap<(usize, u32), Reached>| -> f64 {
        if best.len() < k {
            return f64::INFINITY;
        }
        let mut c: Vec<f64> = best.values().map(|r| r.cost_m).collect();
        c.select_nth_unstable_by(k - 1, f64::total_cmp);
        c[k - 1]
    };
    let mut bound = kth(&best);
    while let Some((v, d)) = search.settle_next() {
        if !visit() {
            return None;
        }
        if d >= bound {
            break;
        }
        let (lo, hi) = (
            net.first_out[v as usize] as usize,
            net.first_out[v as usize + 1] as usize,
        );
        let mut changed = false;
        for i in lo..hi {
            let e = net.adj_edge[i];
            let edge = net.edge(e);
            let cost = net.cost_m(e, speed);
            for (set, targets) in sets.iter().enumerate() {
                for en in targets.on_edge(e) {
                    if en.snap.access_m > max_access_m {
                        continue;
                    }
                    // Walked from v into the edge: from its a towards t, or from its b back.
                    let along = if edge.a == edge.b {
                        en.snap.t.min(1.0 - en.snap.t)
                    } else if edge.a == v {
                        en.snap.t
                    } else {
                        1.0 - en.snap.t
                    };
                    offer(
                        Reached {
                            set,
                            target: en.target,
                            cost_m: d + cost * along + en.snap.access_m,
                            entrance: en.snap,
                            via: Some(v),
                        },
                        &mut best,
                    );
                    changed = true;
                }
            }
        }
        if changed {
            bound = kth(&best);
        }
    }
    let mut out: Vec<Reached> = best.into_values().collect();
    out.sort_by(|a, b| {
        a.cost_m
            .total_cmp(&b.cost_m)
            .then((a.set, a.target).cmp(&(b.set, b.target)))
    });
    out.truncate(k);
    Some(out)
}

/// The walk of a [`Reached`] target from `from`, as `[lon, lat]` positions: the start's
/// access leg, along the network, the entrance's access leg (`start` and `end` are the
/// walker's and the target's own positions).
pub fn path(
    search: &Search,
    from: &Snap,
    start: [f64; 2],
    r: &Reached,
    end: [f64; 2],
) -> Vec<[f64; 2]> {
    let net = search.network();
    let mut out = vec![start, from.point];
    match r.via {
        None => out.extend(net.cut(from.edge, from.t, r.entrance.t)),
        Some(v) => {
            let edges = search.edges_to(v);
            // The first vertex of the walk: an end of the start's edge.
            let first = match edges.first() {
                Some(&(e, forward)) => {
                    let edge = net.edge(e);
                    if forward {
                        edge.a
                    } else {
                        edge.b
                    }
                }
                None => v,
            };
            let own = net.edge(from.edge);
            let t_first = if own.a == first && (own.b != first || from.t <= 0.5) {
                0.0
            } else {
                1.0
            };
            out.extend(net.cut(from.edge, from.t, t_first));
            for (e, forward) in edges {
                let (t0, t1) = if forward { (0.0, 1.0) } else { (1.0, 0.0) };
                out.extend(net.cut(e, t0, t1));
            }
            let last = net.edge(r.entrance.edge);
            let t_v = if last.a == last.b {
                if r.entrance.t <= 0.5 {
                    0.0
                } else {
                    1.0
                }
            } else if last.a == v {
                0.0
            } else {
                1.0
            };
            out.extend(net.cut(r.entrance.edge, t_v, r.entrance.t));
        }
    }
    out.push(r.entrance.point);
    out.push(end);
    out.dedup();
    out
}
