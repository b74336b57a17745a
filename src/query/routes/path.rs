//! Measures along a path (`[lon, lat]` parts of straight segments, as a web map draws
//! them): its length, where a point projects onto it, how far a point is from it, the length
//! it shares with another path, and where it crosses itself.
//!
//! Every per-point question goes through a [`PathIndex`], an R-tree of the segments' boxes,
//! so a review costs about `n log n` in the vertices, not `n` per stop, per village and per
//! sample: a 20,000-vertex draft reviewed against itself was minutes of work before.

use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{RTree, AABB};

use crate::geodesy::{distance_m, lerp, nearest_t, LocalFrame};
use crate::query::deadline::Deadline;
use crate::query::limits::MAX_CROSSINGS_REPORTED;
use crate::query::QueryError;

/// Length along a path on the ground, metres: Karney geodesics per segment.
pub fn length_m(parts: &[Vec<[f64; 2]>]) -> f64 {
    parts
        .iter()
        .flat_map(|p| p.windows(2))
        .map(|w| distance_m(w[0], w[1]))
        .sum()
}

/// One segment: its order along the path, the length before it, its ends.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Seg {
    order: usize,
    before_m: f64,
    a: [f64; 2],
    b: [f64; 2],
}

type Entry = GeomWithData<Rectangle<[f64; 2]>, Seg>;

/// `(along_m, offset_m, point)`.
type Projection = (f64, f64, [f64; 2]);

/// The segments of a path in an R-tree of their `[lon, lat]` boxes (a straight segment
/// lies inside its box, so a box query that holds every point within `r` of a position
/// finds every segment within `r`).
pub struct PathIndex {
    tree: RTree<Entry>,
    /// Every vertex, for the first guess of a projection.
    first: Option<[f64; 2]>,
}

/// A `[lon, lat]` box holding every point within `r_m` of `p` on the ground (1 % margin;
/// the whole longitude range near a pole).
fn envelope(p: [f64; 2], r_m: f64) -> AABB<[f64; 2]> {
    let frame = LocalFrame::new(p);
    let dlat = r_m * 1.01 / frame.m_per_deg_lat();
    let (lo_lat, hi_lat) = ((p[1] - dlat).max(-90.0), (p[1] + dlat).min(90.0));
    let worst = lo_lat.abs().max(hi_lat.abs());
    let dlon = if worst >= 89.5 {
        360.0
    } else {
        r_m * 1.01 / LocalFrame::new([p[0], worst]).m_per_deg_lon()
    };
    let (lo_lon, hi_lon) = if dlon >= 180.0 {
        (-180.0, 180.0)
    } else {
        (p[0] - dlon, p[0] + dlon)
    };
    AABB::from_corners([lo_lon, lo_lat], [hi_lon, hi_lat])
}

impl PathIndex {
    /// Index the segments of `parts` (a one-vertex part counts as a zero-length segment).
    pub fn new(parts: &[Vec<[f64; 2]>]) -> Self {
        let mut entries = Vec::new();
        let mut before = 0.0;
        for part in parts {
            if part.len() == 1 {
                let s = Seg {
                    order: entries.len(),
                    before_m: before,
                    a: part[0],
                    b: part[0],
                };
                entries.push(GeomWithData::new(Rectangle::from_corners(s.a, s.b), s));
            }
            for w in part.windows(2) {
                let s = Seg {
                    order: entries.len(),
                    before_m: before,
                    a: w[0],
                    b: w[1],
                };
                entries.push(GeomWithData::new(Rectangle::from_corners(s.a, s.b), s));
                before += distance_m(w[0], w[1]);
            }
        }
        PathIndex {
            tree: RTree::bulk_load(entries),
            first: parts.iter().flatten().next().copied(),
        }
    }

    /// Segments whose box meets the box of every point within `r_m` of `p`.
    fn near(&self, p: [f64; 2], r_m: f64) -> impl Iterator<Item = &Seg> {
        self.tree
            .locate_in_envelope_intersecting(&envelope(p, r_m))
            .map(|e| &e.data)
    }

    /// `(along_m, offset_m, point)` of the nearest point of `s` to `p`.
    fn on(s: &Seg, frame: &LocalFrame, p: [f64; 2]) -> (f64, f64, [f64; 2]) {
        let c = lerp(s.a, s.b, nearest_t(frame, s.a, s.b));
        (s.before_m + distance_m(s.a, c), distance_m(p, c), c)
    }

    /// Where `p` projects onto the path: `(along_m, offset_m, point)`; the first segment
    /// along the path wins a tie. An empty path gives `(0, inf, p)`.
    pub fn project(&self, p: [f64; 2]) -> (f64, f64, [f64; 2]) {
        let Some(first) = self.first else {
            return (0.0, f64::INFINITY, p);
        };
        let frame = LocalFrame::new(p);
        let limit = distance_m(p, first);
        let mut r = 64.0_f64.min(limit.max(1.0));
        loop {
            let mut best: Option<(usize, Projection)> = None;
            for s in self.near(p, r) {
                let hit = Self::on(s, &frame, p);
                let better = match &best {
                    None => true,
                    Some((order, b)) => hit.1 < b.1 || (hit.1 == b.1 && s.order < *order),
                };
                if better {
                    best = Some((s.order, hit));
                }
            }
            // Found within r: nothing outside the box can be nearer.
            if let Some((_, b)) = best.filter(|(_, b)| b.1 <= r) {
                return b;
            }
            if r >= limit {
                // The first vertex is within `limit`: a box of `limit` holds the answer.
                // Only rounding can bring us here; take what the box held.
                return best.map_or((0.0, distance_m(p, first), first), |(_, b)| b);
            }
            r = (r * 4.0).min(limit * 1.0001 + 1.0);
        }
    }

    /// Ground distance from `p` to the path when it is at most `max_m`.
    pub fn within(&self, p: [f64; 2], max_m: f64) -> Option<f64> {
        let frame = LocalFrame::new(p);
        self.near(p, max_m)
            .map(|s| Self::on(s, &frame, p).1)
            .filter(|&d| d <= max_m)
            .min_by(f64::total_cmp)
    }
}

/// Where `p` projects onto the path: `(along_m, offset_m, point)`.
pub fn project(parts: &[Vec<[f64; 2]>], p: [f64; 2]) -> (f64, f64, [f64; 2]) {
    PathIndex::new(parts).project(p)
}

/// Ground distance from `p` to the nearest point of the path, metres.
pub fn distance_to_path_m(parts: &[Vec<[f64; 2]>], p: [f64; 2]) -> f64 {
    project(parts, p).1
}

/// Length of `line` lying within `tolerance_m` of the path indexed by `other`, sampled at
/// the middle of every `step_m` stretch.
pub fn shared_length_m(
    line: &[Vec<[f64; 2]>],
    other: &PathIndex,
    tolerance_m: f64,
    step_m: f64,
    deadline: &Deadline,
) -> Result<f64, QueryError> {
    let mut shared = 0.0;
    for part in line {
        for w in part.windows(2) {
            deadline.check()?;
            let len = distance_m(w[0], w[1]);
            if len == 0.0 {
                continue;
            }
            let n = (len / step_m).ceil().max(1.0) as usize;
            let step = len / n as f64;
            for k in 0..n {
                let mid = lerp(w[0], w[1], (k as f64 + 0.5) / n as f64);
                if other.within(mid, tolerance_m).is_some() {
                    shared += step;
                }
            }
        }
    }
    Ok(shared)
}

/// Where segments `a-b` and `c-d` meet, if they do (in `[lon, lat]`, where segments are drawn
/// straight; intersection is affine-invariant, so no metric frame is needed).
fn segments_meet(a: [f64; 2], b: [f64; 2], c: [f64; 2], d: [f64; 2]) -> Option<[f64; 2]> {
    let cross = |o: [f64; 2], p: [f64; 2], q: [f64; 2]| {
        (p[0] - o[0]) * (q[1] - o[1]) - (p[1] - o[1]) * (q[0] - o[0])
    };
    let (d1, d2) = (cross(c, d, a), cross(c, d, b));
    let (d3, d4) = (cross(a, b, c), cross(a, b, d));
    let on = |o: [f64; 2], p: [f64; 2], q: [f64; 2]| {
        q[0] >= o[0].min(p[0])
            && q[0] <= o[0].max(p[0])
            && q[1] >= o[1].min(p[1])
            && q[1] <= o[1].max(p[1])
    };
    if ((d1 > 0.0 && d2 < 0.0) || (d1 < 0.0 && d2 > 0.0))
        && ((d3 > 0.0 && d4 < 0.0) || (d3 < 0.0 && d4 > 0.0))
    {
        let t = d3 / (d3 - d4);
        return Some(lerp(c, d, t));
    }
    if d1 == 0.0 && on(c, d, a) {
        return Some(a);
    }
    if d2 == 0.0 && on(c, d, b) {
        return Some(b);
    }
    if d3 == 0.0 && on(a, b, c) {
        return Some(c);
    }
    if d4 == 0.0 && on(a, b, d) {
        return Some(d);
    }
    None
}

/// Places where the path crosses or touches itself (adjacent segments sharing their vertex
/// excepted), in the order of the first segment along the path, at most
/// [`MAX_CROSSINGS_REPORTED`] (the search stops there).
///
/// # Cost
/// Segments sorted by their west edge, each compared only with those whose box overlaps
/// its own along the sweep: `n log n` plus the overlapping pairs. A pathological path whose
/// boxes all overlap (a scribble) costs `n^2 / 2` pair tests at most, 2e8 at the
/// 20,000-vertex cap (about half a second), and the deadline is checked on every segment.
pub fn self_intersections(
    parts: &[Vec<[f64; 2]>],
    deadline: &Deadline,
) -> Result<Vec<[f64; 2]>, QueryError> {
    // (part, index in part, a, b) of every segment of non-zero length, in path order.
    let segs: Vec<(usize, usize, [f64; 2], [f64; 2])> = parts
        .iter()
        .enumerate()
        .flat_map(|(pi, part)| {
            part.windows(2)
                .enumerate()
                .filter(|(_, w)| w[0] != w[1])
                .map(move |(si, w)| (pi, si, w[0], w[1]))
        })
        .collect();
    let west = |s: &(usize, usize, [f64; 2], [f64; 2])| s.2[0].min(s.3[0]);
    let mut by_west: Vec<usize> = (0..segs.len()).collect();
    by_west.sort_by(|&i, &j| west(&segs[i]).total_cmp(&west(&segs[j])).then(i.cmp(&j)));
    // Pairs (earlier segment, later segment) that meet, with the point.
    let mut found: Vec<(usize, usize, [f64; 2])> = Vec::new();
    for (k, &i) in by_west.iter().enumerate() {
        deadline.check()?;
        let (_, _, a, b) = segs[i];
        let maxx = a[0].max(b[0]);
        let (miny, maxy) = (a[1].min(b[1]), a[1].max(b[1]));
        for &j in &by_west[k + 1..] {
            let (_, _, c, d) = segs[j];
            if west(&segs[j]) > maxx {
                break;
            }
            if c[1].max(d[1]) < miny || c[1].min(d[1]) > maxy {
                continue;
            }
            let (lo, hi) = (i.min(j), i.max(j));
            let (pi, si, a, b) = segs[lo];
            let (pj, sj, c, d) = segs[hi];
            let Some(x) = segments_meet(a, b, c, d) else {
                continue;
            };
            if pi == pj {
                let n = parts[pi].len();
                // Neighbours (possibly across zero-length segments) meeting at their shared vertex.
                let between = &parts[pi][si + 1..=sj];
                if between.iter().all(|v| *v == b) && x == b {
                    continue;
                }
                let closed = parts[pi][0] == parts[pi][n - 1];
                if closed && si == 0 && sj + 2 == n && x == a {
                    continue;
                }
            }
            found.push((lo, hi, x));
            if found.len() >= MAX_CROSSINGS_REPORTED {
                found.sort_by_key(|&(lo, hi, _)| (lo, hi));
                return Ok(found.into_iter().map(|f| f.2).collect());
            }
        }
    }
    found.sort_by_key(|&(lo, hi, _)| (lo, hi));
    Ok(found.into_iter().map(|f| f.2).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::sample::Rng;

    fn rng(seed: u64) -> impl FnMut() -> f64 {
        Rng::uniform(seed)
    }

    /// The projection by brute force: every segment, in order, first wins a tie.
    fn brute_project(parts: &[Vec<[f64; 2]>], p: [f64; 2]) -> (f64, f64) {
        let frame = LocalFrame::new(p);
        let mut before = 0.0;
        let mut best = (0.0, f64::INFINITY);
        for part in parts {
            if part.len() == 1 && distance_m(p, part[0]) < best.1 {
                best = (before, distance_m(p, part[0]));
            }
            for w in part.windows(2) {
                let c = lerp(w[0], w[1], nearest_t(&frame, w[0], w[1]));
                let d = distance_m(p, c);
                if d < best.1 {
                    best = (before + distance_m(w[0], c), d);
                }
                before += distance_m(w[0], w[1]);
            }
        }
        best
    }

    #[test]
    fn the_index_projects_and_measures_as_a_scan_of_every_segment() {
        let mut u = rng(13);
        for case in 0..40 {
            // Paths near Suzhou, near the equator and near 70 N, of 1..3 parts.
            let lat0 = [31.4, 0.5, 70.0][case % 3];
            let parts: Vec<Vec<[f64; 2]>> = (0..1 + case % 3)
                .map(|_| {
                    let mut p = [120.6 + u() * 0.2, lat0 + u() * 0.2];
                    (0..1 + (u() * 60.0) as usize)
                        .map(|_| {
                            p = [p[0] + (u() - 0.5) * 0.01, p[1] + (u() - 0.5) * 0.01];
                            p
                        })
                        .collect()
                })
                .collect();
            let idx = PathIndex::new(&parts);
            for _ in 0..50 {
                let q = [120.55 + u() * 0.3, lat0 - 0.05 + u() * 0.3];
                let (along, off, _) = idx.project(q);
                let (b_along, b_off) = brute_project(&parts, q);
                assert!((off - b_off).abs() < 1e-6, "offset {off} vs {b_off}");
                assert!((along - b_along).abs() < 1e-6, "along {along} vs {b_along}");
                for r in [10.0, 300.0, 3000.0] {
                    let w = idx.within(q, r);
                    match w {
                        Some(d) => assert!((d - b_off).abs() < 1e-6 && d <= r),
                        None => assert!(b_off > r, "{b_off} within {r} missed"),
                    }
                }
            }
        }
    }

    /// Every pair of segments, as the check was before the sweep.
    fn brute_crossings(parts: &[Vec<[f64; 2]>]) -> usize {
        let segs: Vec<(usize, usize, [f64; 2], [f64; 2])> = parts
            .iter()
            .enumerate()
            .flat_map(|(pi, part)| {
                part.windows(2)
                    .enumerate()
                    .filter(|(_, w)| w[0] != w[1])
                    .map(move |(si, w)| (pi, si, w[0], w[1]))
            })
            .collect();
        let mut n = 0;
        for (i, &(pi, si, a, b)) in segs.iter().enumerate() {
            for &(pj, sj, c, d) in &segs[i + 1..] {
                let Some(x) = segments_meet(a, b, c, d) else {
                    continue;
                };
                if pi == pj {
                    let between = &parts[pi][si + 1..=sj];
                    if between.iter().all(|v| *v == b) && x == b {
                        continue;
                    }
                    let len = parts[pi].len();
                    if parts[pi][0] == parts[pi][len - 1] && si == 0 && sj + 2 == len && x == a {
                        continue;
                    }
                }
                n += 1;
            }
        }
        n
    }

    #[test]
    fn the_sweep_finds_the_crossings_a_scan_of_every_pair_finds() {
        let mut u = rng(7);
        for case in 0..60 {
            let n = 2 + case;
            let mut part: Vec<[f64; 2]> = (0..n)
                .map(|_| [(u() * 8.0).round() / 8.0, (u() * 8.0).round() / 8.0])
                .collect();
            if case % 5 == 0 {
                part.push(part[0]);
            }
            let parts = vec![part];
            let want = brute_crossings(&parts).min(MAX_CROSSINGS_REPORTED);
            let got = self_intersections(&parts, &Deadline::none()).unwrap();
            assert_eq!(got.len(), want, "case {case}");
        }
    }

    #[test]
    fn a_scribble_stops_at_the_reported_cap_or_the_deadline() {
        // 20,000 vertices zig-zagging across one small square: every pair crosses.
        let part: Vec<[f64; 2]> = (0..20_000)
            .map(|i| {
                if i % 2 == 0 {
                    [0.0, i as f64 * 1e-7]
                } else {
                    [0.01, 0.005]
                }
            })
            .collect();
        let got = self_intersections(std::slice::from_ref(&part), &Deadline::none()).unwrap();
        assert_eq!(got.len(), MAX_CROSSINGS_REPORTED);
        let past = Deadline::after(std::time::Duration::ZERO);
        assert!(self_intersections(&[part], &past).is_err());
    }
}
