//! Lanes (step 5 of the [module doc](super)): a straight lane from every place farther than
//! [`LANE_FROM_M`] from a street to the nearest point of the network.

use std::collections::HashMap;

use geo::{Coord, Intersects, Line};

use super::super::r7;
use super::lattice::{Frame, EXTRA_ID};
use super::rings::{boxes_meet, corners, Water};
use super::{SWay, Site, LANE_FROM_M, LANE_SEARCH_KM};

/// What the lanes did.
pub(super) struct Lanes {
    pub(super) count: usize,
    pub(super) farthest_m: f64,
    pub(super) farthest: String,
}

/// Give every site farther than [`LANE_FROM_M`] from a street a lane to the nearest point of
/// the network (see the module doc).
pub(super) fn lanes(
    ways: &mut Vec<SWay>,
    pos: &mut HashMap<i64, [f64; 2]>,
    sites: &[Site],
    frame: &Frame,
    water: &Water,
) -> Result<Lanes, String> {
    // Every segment: (way, node a, node b), and its ends in the plane (km).
    let mut segs: Vec<(usize, i64, i64)> = Vec::new();
    let mut segs_km: Vec<[[f64; 2]; 2]> = Vec::new();
    let mut grid = SegmentGrid::default();
    for (w, way) in ways.iter().enumerate() {
        for s in way.nodes.windows(2) {
            segs.push((w, s[0], s[1]));
            segs_km.push([frame.km(pos[&s[0]]), frame.km(pos[&s[1]])]);
            grid.add(segs_km.len() - 1, segs_km[segs_km.len() - 1]);
        }
    }
    let mut next_id = EXTRA_ID;
    let mut out = Lanes {
        count: 0,
        farthest_m: 0.0,
        farthest: String::new(),
    };
    for site in sites {
        let p = [r7(site.at[0]), r7(site.at[1])];
        let pk = frame.km(p);
        // Near a street already? Every segment within LANE_FROM_M is in the grid's cells
        // around the site, so the nearest of those is the nearest of all when it is that close.
        let close = grid
            .around(pk, LANE_FROM_M / 1000.0)
            .map(|k| point_segment_km(pk, segs_km[k][0], segs_km[k][1]).0)
            .fold(f64::INFINITY, f64::min);
        if close * 1000.0 <= LANE_FROM_M {
            if close * 1000.0 > out.farthest_m {
                out.farthest_m = close * 1000.0;
                out.farthest = site.what.clone();
            }
            continue;
        }
        // The segments within LANE_SEARCH_KM (twice that if none), as (distance km,
        // segment, parameter along it), nearest first.
        let mut near: Vec<(f64, usize, f64)> = Vec::new();
        for r in [LANE_SEARCH_KM, 2.0 * LANE_SEARCH_KM] {
            let mut ks: Vec<usize> = grid.around(pk, r).collect();
            ks.sort_unstable();
            ks.dedup();
            near = ks
                .into_iter()
                .map(|k| {
                    let (d, t) = point_segment_km(pk, segs_km[k][0], segs_km[k][1]);
                    (d, k, t)
                })
                .filter(|x| x.0 <= r)
                .collect();
            if !near.is_empty() {
                break;
            }
        }
        near.sort_by(|x, y| x.0.total_cmp(&y.0).then(x.1.cmp(&y.1)));
        let d0 = near.first().map_or(f64::INFINITY, |x| x.0);
        let mut joined = false;
        for &(_, k, t) in &near {
            let (w, a, b) = segs[k];
            let (pa, pb) = (pos[&a], pos[&b]);
            let [ka, kb] = segs_km[k];
            let seg_m = (ka[0] - kb[0]).hypot(ka[1] - kb[1]) * 1000.0;
            // Join at a node when the point is within 10 m of it; else split the segment.
            let (q_id, q, split) = if t * seg_m < 10.0 {
                (a, pa, false)
            } else if (1.0 - t) * seg_m < 10.0 {
                (b, pb, false)
            } else {
                let q = [
                    r7(pa[0] + (pb[0] - pa[0]) * t),
                    r7(pa[1] + (pb[1] - pa[1]) * t),
                ];
                (next_id, q, true)
            };
            if water.touches(p, q) || (split && (water.touches(pa, q) || water.touches(q, pb))) {
                continue;
            }
            let lane = Line::new(Coord { x: p[0], y: p[1] }, Coord { x: q[0], y: q[1] });
            let lane_box = corners(&lane);
            let qk = frame.km(q);
            let mid = [(pk[0] + qk[0]) / 2.0, (pk[1] + qk[1]) / 2.0];
            let half = (pk[0] - qk[0]).hypot(pk[1] - qk[1]) / 2.0 + GRID_KM;
            let crosses = grid.around(mid, half).any(|j| {
                let (_, x, y) = segs[j];
                if j == k || (!split && (x == q_id || y == q_id)) {
                    return false;
                }
                let (px, py) = (pos[&x], pos[&y]);
                let other = Line::new(Coord { x: px[0], y: px[1] }, Coord { x: py[0], y: py[1] });
                boxes_meet(corners(&other), lane_box) && other.intersects(&lane)
            });
            if crosses {
                continue;
            }
            if split {
                next_id += 1;
                pos.insert(q_id, q);
                let nodes = &mut ways[w].nodes;
                let at = nodes
                    .windows(2)
                    .position(|s| s[0] == a && s[1] == b)
                    .ok_or("a split segment is not in its way")?;
                nodes.insert(at + 1, q_id);
                segs[k] = (w, a, q_id);
                segs.push((w, q_id, b));
                // Segment k shrinks within its cells; the new half is added to them.
                segs_km[k] = [frame.km(pa), frame.km(q)];
                segs_km.push([frame.km(q), frame.km(pb)]);
                grid.add(segs_km.len() - 1, segs_km[segs_km.len() - 1]);
            }
            let p_id = next_id;
            next_id += 1;
            pos.insert(p_id, p);
            out.count += 1;
            ways.push(SWay {
                nodes: vec![q_id, p_id],
                name: format!("示例巷 {}", out.count),
                name_en: format!("Sample Lane {}", out.count),
                highway: "service",
                bridge: false,
            });
            segs.push((ways.len() - 1, q_id, p_id));
            segs_km.push([frame.km(q), pk]);
            grid.add(segs_km.len() - 1, segs_km[segs_km.len() - 1]);
            joined = true;
            break;
        }
        if !joined && d0 * 1000.0 > out.farthest_m {
            out.farthest_m = d0 * 1000.0;
            out.farthest = site.what.clone();
        }
    }
    Ok(out)
}

/// Segments (km in the plane) by the [`GRID_KM`] cells their boxes overlap.
#[derive(Default)]
struct SegmentGrid(HashMap<(i32, i32), Vec<usize>>);

/// The segment grid's cell, km.
const GRID_KM: f64 = 0.25;

impl SegmentGrid {
    fn add(&mut self, k: usize, [a, b]: [[f64; 2]; 2]) {
        let c = |x: f64| (x / GRID_KM).floor() as i32;
        for cx in c(a[0].min(b[0]))..=c(a[0].max(b[0])) {
            for cy in c(a[1].min(b[1]))..=c(a[1].max(b[1])) {
                self.0.entry((cx, cy)).or_default().push(k);
            }
        }
    }
    /// Segments in the cells within `r` km of `p` (a segment may come more than once).
    fn around(&self, p: [f64; 2], r: f64) -> impl Iterator<Item = usize> + '_ {
        let c = |x: f64| (x / GRID_KM).floor() as i32;
        let (x0, x1, y0, y1) = (c(p[0] - r), c(p[0] + r), c(p[1] - r), c(p[1] + r));
        (x0..=x1)
            .flat_map(move |cx| (y0..=y1).map(move |cy| (cx, cy)))
            .filter_map(|k| self.0.get(&k))
            .flatten()
            .copied()
    }
}

/// Distance from `p` to segment `a`-`b` in the plane, and the parameter of the nearest point.
fn point_segment_km(p: [f64; 2], a: [f64; 2], b: [f64; 2]) -> (f64, f64) {
    let (dx, dy) = (b[0] - a[0], b[1] - a[1]);
    let len2 = dx * dx + dy * dy;
    let t = if len2 > 0.0 {
        (((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / len2).clamp(0.0, 1.0)
    } else {
        0.0
    };
    let q = [a[0] + dx * t, a[1] + dy * t];
    ((p[0] - q[0]).hypot(p[1] - q[1]), t)
}
