//! Greedy site suggestions: each round picks the candidate that newly covers the most
//! people, then the most area, applies it, and repeats. Nothing is candidates x cells or
//! candidates x people: population gains come from the uncovered people outwards, through an
//! R-tree of the candidates (each person touches only the candidates within reach); area
//! gains are estimated for every candidate from per-row prefix sums of the uncovered cells
//! (one subtraction per grid row the disc crosses), and the exact test ([`Reach::covers`],
//! the one `apply` and `add` use) settles the best few.

use geo::Point;
use rstar::primitives::GeomWithData;
use rstar::{RTree, AABB};

use super::grid::OUTSIDE;
use super::reach::Reach;
use super::{State, Suggestion};
use crate::geodesy::{distance_m, LocalFrame};
use crate::query::deadline::Deadline;
use crate::query::QueryError;

/// Candidates, best by population then estimated area, whose area gain is measured exactly.
pub const EXACT_EVALUATIONS: usize = 32;
/// Candidate cell centres kept from the grid, at most (a coarser stride beyond).
pub const MAX_GRID_CANDIDATES: usize = 60_000;

fn grid_candidates(st: &State) -> Vec<[f64; 2]> {
    let inside = st.grid.zone.iter().filter(|&&z| z != OUTSIDE).count();
    let stride = ((inside as f64 / MAX_GRID_CANDIDATES as f64).sqrt().ceil() as usize).max(1);
    let mut out = Vec::new();
    for row in (0..st.grid.ny).step_by(stride) {
        for col in (0..st.grid.nx).step_by(stride) {
            let c = row * st.grid.nx + col;
            if st.grid.zone[c] != OUTSIDE {
                out.push(st.grid.centre(c));
            }
        }
    }
    out
}

/// Per row, the running count of cells in the area and not yet covered:
/// `pre[row * (nx + 1) + col]` counts columns `0..col`.
fn uncovered_prefix(st: &State) -> Vec<u32> {
    let (nx, ny) = (st.grid.nx, st.grid.ny);
    let mut pre = vec![0u32; (nx + 1) * ny];
    for row in 0..ny {
        let (cells, out) = (row * nx, row * (nx + 1));
        for col in 0..nx {
            let c = cells + col;
            let open = st.grid.zone[c] != OUTSIDE && !st.covered[c];
            pre[out + col + 1] = pre[out + col] + open as u32;
        }
    }
    pre
}

/// Uncovered cells whose centres lie within `radius_m` of `q`, in the plane of a local frame
/// at `q` (within a fraction of a percent of the exact count; used only to rank).
fn estimated_area_gain(st: &State, pre: &[u32], q: [f64; 2], radius_m: f64) -> u32 {
    let g = &st.grid;
    let frame = LocalFrame::new(q);
    let (mx, my) = (frame.m_per_deg_lon(), frame.m_per_deg_lat());
    let (_, rows) = g.span([q[0], q[1] - radius_m / my], [q[0], q[1] + radius_m / my]);
    let mut n = 0;
    for row in rows {
        let dy = (g.origin[1] + (row as f64 + 0.5) * g.dlat - q[1]) * my;
        if dy.abs() > radius_m {
            continue;
        }
        let half = (radius_m * radius_m - dy * dy).sqrt() / mx;
        let lo = ((q[0] - half - g.origin[0]) / g.dlon - 0.5).ceil().max(0.0);
        let hi = ((q[0] + half - g.origin[0]) / g.dlon - 0.5)
            .floor()
            .min(g.nx as f64 - 1.0);
        if hi < lo {
            continue;
        }
        let base = row * (g.nx + 1);
        n += pre[base + hi as usize + 1] - pre[base + lo as usize];
    }
    n
}

/// Pick `k` sites with a reach of `radius_m`; `candidates` default to cell centres.
pub(crate) fn greedy(
    st: &mut State,
    k: usize,
    radius_m: f64,
    candidates: Option<&[[f64; 2]]>,
    deadline: &Deadline,
) -> Result<Vec<Suggestion>, QueryError> {
    if k == 0 {
        return Ok(Vec::new());
    }
    let cands: Vec<[f64; 2]> = match candidates {
        Some(c) => c.to_vec(),
        None => grid_candidates(st),
    };
    let tree = RTree::bulk_load(
        cands
            .iter()
            .enumerate()
            .map(|(i, c)| GeomWithData::new(*c, i))
            .collect(),
    );
    let mut out = Vec::new();
    let mut used = vec![false; cands.len()];
    let cell_area = st.grid.cell_area_m2();
    for rank in 1..=k {
        // Population gain of each candidate: exact geodesic test, the same one Reach makes,
        // on the candidates in each uncovered person's reach box only.
        deadline.check()?;
        let mut pop = vec![0u64; cands.len()];
        for (i, p) in st.people.iter().enumerate() {
            if i % 64 == 0 {
                deadline.check()?;
            }
            if st.people_covered[i] || p.population == 0 {
                continue;
            }
            let reach = Reach::new(
                geo::Geometry::Point(Point::new(p.position[0], p.position[1])),
                radius_m,
            );
            for c in tree.locate_in_envelope(&AABB::from_corners(reach.min, reach.max)) {
                if distance_m(*c.geom(), p.position) <= radius_m {
                    pop[c.data] = pop[c.data].saturating_add(p.population);
                }
            }
        }
        let pre = uncovered_prefix(st);
        let mut ranked: Vec<(u64, u32, usize)> = Vec::with_capacity(cands.len());
        for ci in (0..cands.len()).filter(|&ci| !used[ci]) {
            if ci % 256 == 0 {
                deadline.check()?;
            }
            let est = estimated_area_gain(st, &pre, cands[ci], radius_m);
            ranked.push((pop[ci], est, ci));
        }
        if ranked.is_empty() {
            break;
        }
        let top = EXACT_EVALUATIONS.min(ranked.len());
        let by_gain = |a: &(u64, u32, usize), b: &(u64, u32, usize)| {
            b.0.cmp(&a.0).then(b.1.cmp(&a.1)).then(a.2.cmp(&b.2))
        };
        ranked.select_nth_unstable_by(top - 1, by_gain);
        ranked.truncate(top);
        ranked.sort_by(by_gain);
        let mut best: Option<(u64, usize, usize)> = None;
        for &(p, _, ci) in &ranked {
            if best.is_some_and(|(bp, _, _)| p < bp) {
                break;
            }
            deadline.check()?;
            let reach = Reach::new(
                geo::Geometry::Point(Point::new(cands[ci][0], cands[ci][1])),
                radius_m,
            );
            let gain = area_gain(st, &reach);
            if best.is_none_or(|(_, g, _)| gain > g) {
                best = Some((p, gain, ci));
            }
        }
        let Some((_, _, ci)) = best else { break };
        used[ci] = true;
        let reach = Reach::new(
            geo::Geometry::Point(Point::new(cands[ci][0], cands[ci][1])),
            radius_m,
        );
        let (cells, people) = st.apply(&reach);
        let (total, _) = st.tallies(0);
        out.push(Suggestion {
            rank,
            position: cands[ci],
            gain_population: people.iter().map(|&i| st.people[i].population).sum(),
            gain_children: people.iter().map(|&i| st.people[i].children).sum(),
            gain_area_m2: cells as f64 * cell_area,
            covered_area_share: total.area_share(),
            covered_population_share: total.population_share(),
        });
    }
    Ok(out)
}

fn area_gain(st: &State, reach: &Reach) -> usize {
    let mut n = 0;
    // A point reach (a candidate site): a few rows, no deadline needed.
    let _ = reach.cells(&st.grid, &Deadline::none(), |c| {
        if st.grid.zone[c] != OUTSIDE && !st.covered[c] {
            n += 1;
        }
    });
    n
}
