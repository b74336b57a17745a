//! Greedy site suggestions: each round picks the candidate that newly covers the most
//! people, then the most area, applies it, and repeats. Population gains are accumulated
//! from the uncovered people outwards (only candidates near them are touched); area gains
//! are measured for the best candidates by population, at most [`AREA_EVALUATIONS`] a round.

use geo::Point;

use super::reach::Reach;
use super::{State, Suggestion};
use crate::index::geodesy::distance_m;

/// Candidates whose area gain is measured in one round, at most.
pub const AREA_EVALUATIONS: usize = 2000;
/// Candidate cell centres kept from the grid, at most (a coarser stride beyond).
pub const MAX_CANDIDATES: usize = 60_000;

fn grid_candidates(st: &State) -> Vec<[f64; 2]> {
    let inside = st
        .grid
        .zone
        .iter()
        .filter(|&&z| z != super::grid::OUTSIDE)
        .count();
    let stride = ((inside as f64 / MAX_CANDIDATES as f64).sqrt().ceil() as usize).max(1);
    let mut out = Vec::new();
    for row in (0..st.grid.ny).step_by(stride) {
        for col in (0..st.grid.nx).step_by(stride) {
            let c = row * st.grid.nx + col;
            if st.grid.zone[c] != super::grid::OUTSIDE {
                out.push(st.grid.centre(c));
            }
        }
    }
    out
}

/// Pick `k` sites with a reach of `radius_m`; `candidates` default to cell centres.
pub(crate) fn greedy(
    st: &mut State,
    k: usize,
    radius_m: f64,
    candidates: Option<&[[f64; 2]]>,
) -> Vec<Suggestion> {
    if k == 0 {
        return Vec::new();
    }
    let cands: Vec<[f64; 2]> = match candidates {
        Some(c) => c.to_vec(),
        None => grid_candidates(st),
    };
    let mut out = Vec::new();
    let mut used = vec![false; cands.len()];
    let cell_area = st.grid.cell_area_m2();
    for rank in 1..=k {
        // Population gain of each candidate: exact geodesic test, the same one Reach makes.
        let mut pop = vec![0u64; cands.len()];
        for (i, p) in st.people.iter().enumerate() {
            if st.people_covered[i] || p.population == 0 {
                continue;
            }
            for (ci, c) in cands.iter().enumerate() {
                if !used[ci]
                    && (c[1] - p.position[1]).abs() * 110_000.0 <= radius_m * 1.01 + 1.0
                    && distance_m(*c, p.position) <= radius_m
                {
                    pop[ci] += p.population;
                }
            }
        }
        let mut order: Vec<usize> = (0..cands.len()).filter(|&ci| !used[ci]).collect();
        if order.is_empty() {
            break;
        }
        order.sort_by(|&a, &b| pop[b].cmp(&pop[a]).then(a.cmp(&b)));
        let best_pop = pop[order[0]];
        let tied: Vec<usize> = order
            .iter()
            .copied()
            .take_while(|&ci| pop[ci] == best_pop)
            .collect();
        let step = (tied.len() as f64 / AREA_EVALUATIONS as f64)
            .ceil()
            .max(1.0) as usize;
        let mut best: Option<(usize, usize)> = None;
        for &ci in tied.iter().step_by(step) {
            let reach = Reach::new(
                geo::Geometry::Point(Point::new(cands[ci][0], cands[ci][1])),
                radius_m,
            );
            let gain = area_gain(st, &reach);
            if best.is_none_or(|(_, g)| gain > g) {
                best = Some((ci, gain));
            }
        }
        let Some((ci, _)) = best else { break };
        used[ci] = true;
        let reach = Reach::new(
            geo::Geometry::Point(Point::new(cands[ci][0], cands[ci][1])),
            radius_m,
        );
        let (cells, people) = st.apply(&reach);
        let total = st.tally(None);
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
    out
}

fn area_gain(st: &State, reach: &Reach) -> usize {
    let (cols, rows) = st.grid.span(reach.min, reach.max);
    let mut n = 0;
    for row in rows {
        for col in cols.clone() {
            let c = row * st.grid.nx + col;
            if st.grid.zone[c] != super::grid::OUTSIDE
                && !st.covered[c]
                && reach.covers(st.grid.centre(c))
            {
                n += 1;
            }
        }
    }
    n
}
