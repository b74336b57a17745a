//! Dissolving uncovered cells into polygons: 4-connected components, whose boundary edges
//! (oriented with the component on the left) are chained into rings; counter-clockwise rings
//! are exteriors, clockwise ones holes. Collinear vertices are dropped.

use std::collections::HashMap;

use geo::{Contains, LineString, MultiPolygon, Point, Polygon};

use super::grid::Grid;

/// One connected gap: its cells and its outline.
pub struct GapShape {
    /// The cells (row-major indices).
    pub cells: Vec<usize>,
    /// The outline, `[lon, lat]`.
    pub polygon: MultiPolygon<f64>,
}

/// Components of cells where `member(cell)` holds, 4-connected, each with its outline.
pub fn dissolve(grid: &Grid, member: impl Fn(usize) -> bool) -> Vec<GapShape> {
    let n = grid.nx * grid.ny;
    let mut label = vec![u32::MAX; n];
    let mut out = Vec::new();
    let mut stack = Vec::new();
    for start in 0..n {
        if label[start] != u32::MAX || !member(start) {
            continue;
        }
        let id = out.len() as u32;
        let mut cells = Vec::new();
        label[start] = id;
        stack.push(start);
        while let Some(c) = stack.pop() {
            cells.push(c);
            let (row, col) = (c / grid.nx, c % grid.nx);
            let mut visit = |nb: usize| {
                if label[nb] == u32::MAX && member(nb) {
                    label[nb] = id;
                    stack.push(nb);
                }
            };
            if col > 0 {
                visit(c - 1);
            }
            if col + 1 < grid.nx {
                visit(c + 1);
            }
            if row > 0 {
                visit(c - grid.nx);
            }
            if row + 1 < grid.ny {
                visit(c + grid.nx);
            }
        }
        cells.sort_unstable();
        let polygon = outline(grid, &cells, |c| label[c] == id);
        out.push(GapShape { cells, polygon });
    }
    out
}

type V = (i64, i64);

/// Trace the outline of one component.
fn outline(grid: &Grid, cells: &[usize], inside: impl Fn(usize) -> bool) -> MultiPolygon<f64> {
    let (nx, ny) = (grid.nx as i64, grid.ny as i64);
    let is_in = |col: i64, row: i64| {
        col >= 0 && row >= 0 && col < nx && row < ny && inside((row * nx + col) as usize)
    };
    // Directed edges, component on the left: outgoing edges by start vertex.
    let mut next: HashMap<V, Vec<V>> = HashMap::new();
    for &c in cells {
        let (row, col) = ((c / grid.nx) as i64, (c % grid.nx) as i64);
        if !is_in(col, row - 1) {
            next.entry((col, row)).or_default().push((col + 1, row));
        }
        if !is_in(col + 1, row) {
            next.entry((col + 1, row))
                .or_default()
                .push((col + 1, row + 1));
        }
        if !is_in(col, row + 1) {
            next.entry((col + 1, row + 1))
                .or_default()
                .push((col, row + 1));
        }
        if !is_in(col - 1, row) {
            next.entry((col, row + 1)).or_default().push((col, row));
        }
    }
    let mut rings: Vec<Vec<V>> = Vec::new();
    let mut starts: Vec<V> = next.keys().copied().collect();
    starts.sort_unstable();
    for s in starts {
        while next.get(&s).is_some_and(|v| !v.is_empty()) {
            let mut ring = vec![s];
            let mut prev = s;
            let mut cur = take(&mut next, s, None);
            while cur != s {
                ring.push(cur);
                let dir = (cur.0 - prev.0, cur.1 - prev.1);
                prev = cur;
                cur = take(&mut next, cur, Some(dir));
            }
            rings.push(simplify(ring));
        }
    }
    let to_ls = |ring: &[V]| {
        let mut pts: Vec<(f64, f64)> = ring
            .iter()
            .map(|&(c, r)| {
                (
                    grid.origin[0] + c as f64 * grid.dlon,
                    grid.origin[1] + r as f64 * grid.dlat,
                )
            })
            .collect();
        pts.push(pts[0]);
        LineString::from(pts)
    };
    let signed = |ring: &[V]| -> i64 {
        (0..ring.len())
            .map(|i| {
                let (a, b) = (ring[i], ring[(i + 1) % ring.len()]);
                a.0 * b.1 - b.0 * a.1
            })
            .sum()
    };
    let mut exteriors: Vec<Polygon<f64>> = Vec::new();
    let mut holes: Vec<(Vec<V>, LineString<f64>)> = Vec::new();
    for ring in rings {
        let ls = to_ls(&ring);
        if signed(&ring) > 0 {
            exteriors.push(Polygon::new(ls, vec![]));
        } else {
            holes.push((ring, ls));
        }
    }
    for (ring, ls) in holes {
        // The cell to the right of the hole's first edge lies inside the hole.
        let (a, b) = (ring[0], ring[1]);
        let (sx, sy) = ((b.0 - a.0).signum() as f64, (b.1 - a.1).signum() as f64);
        let (pc, pr) = (
            a.0 as f64 + 0.5 * sx + 0.5 * sy,
            a.1 as f64 + 0.5 * sy - 0.5 * sx,
        );
        let pt = Point::new(
            grid.origin[0] + pc * grid.dlon,
            grid.origin[1] + pr * grid.dlat,
        );
        if let Some(ext) = exteriors
            .iter_mut()
            .find(|p| Polygon::new(p.exterior().clone(), vec![]).contains(&pt))
        {
            ext.interiors_push(ls);
        }
    }
    MultiPolygon(exteriors)
}

/// Take the outgoing edge from `v`; at a pinch (two choices) turn left, keeping rings simple.
fn take(next: &mut HashMap<V, Vec<V>>, v: V, came: Option<(i64, i64)>) -> V {
    let outs = next
        .get_mut(&v)
        .expect("a closed boundary always continues");
    let pick = match (came, outs.len()) {
        (Some(d), n) if n > 1 => {
            let left = (-d.1, d.0);
            outs.iter()
                .position(|w| (w.0 - v.0, w.1 - v.1) == left)
                .unwrap_or(0)
        }
        _ => 0,
    };
    outs.swap_remove(pick)
}

/// Drop vertices where the ring goes straight on.
fn simplify(ring: Vec<V>) -> Vec<V> {
    let n = ring.len();
    (0..n)
        .filter(|&i| {
            let (a, b, c) = (ring[(i + n - 1) % n], ring[i], ring[(i + 1) % n]);
            (b.0 - a.0) * (c.1 - b.1) != (b.1 - a.1) * (c.0 - b.0)
        })
        .map(|i| ring[i])
        .collect()
}
