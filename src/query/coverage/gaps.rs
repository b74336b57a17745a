//! Dissolving uncovered cells into polygons: 4-connected components, whose boundary edges
//! (oriented with the component on the left) are chained into rings; counter-clockwise rings
//! are exteriors, clockwise ones holes. Collinear vertices are dropped.

use geo::{LineString, MultiPolygon, Polygon};

use super::grid::Grid;

/// One connected gap: its cells and its outline.
pub struct GapShape {
    /// The cells (row-major indices).
    pub cells: Vec<usize>,
    /// The outline, `[lon, lat]`.
    pub polygon: MultiPolygon<f64>,
}

/// Components of cells where `member(cell)` holds, 4-connected, each with its outline, in
/// the order of their first cell.
///
/// Two passes over the grid, no search: the first labels each member cell from its left
/// and lower neighbours, joining labels that meet (union-find); the second resolves labels
/// to components and lists each component's cells in ascending order.
pub fn dissolve(grid: &Grid, member: impl Fn(usize) -> bool) -> Vec<GapShape> {
    let (nx, ny) = (grid.nx, grid.ny);
    let n = nx * ny;
    let mut label = vec![u32::MAX; n];
    let mut parent: Vec<u32> = Vec::new();
    fn root(parent: &mut [u32], mut l: u32) -> u32 {
        while parent[l as usize] != l {
            let up = parent[parent[l as usize] as usize];
            parent[l as usize] = up;
            l = up;
        }
        l
    }
    for row in 0..ny {
        for col in 0..nx {
            let c = row * nx + col;
            if !member(c) {
                continue;
            }
            let left = if col > 0 { label[c - 1] } else { u32::MAX };
            let below = if row > 0 { label[c - nx] } else { u32::MAX };
            label[c] = match (left != u32::MAX, below != u32::MAX) {
                (false, false) => {
                    parent.push(parent.len() as u32);
                    parent.len() as u32 - 1
                }
                (true, false) => left,
                (false, true) => below,
                (true, true) => {
                    let (a, b) = (root(&mut parent, left), root(&mut parent, below));
                    let (lo, hi) = (a.min(b), a.max(b));
                    parent[hi as usize] = lo;
                    lo
                }
            };
        }
    }
    // Components numbered by their first cell, each listing its cells in order.
    let mut id_of = vec![u32::MAX; parent.len()];
    let mut cells: Vec<Vec<usize>> = Vec::new();
    let mut last = (u32::MAX, u32::MAX);
    for (c, l) in label.iter_mut().enumerate() {
        if *l == u32::MAX {
            continue;
        }
        if *l != last.0 {
            let r = root(&mut parent, *l) as usize;
            if id_of[r] == u32::MAX {
                id_of[r] = cells.len() as u32;
                cells.push(Vec::new());
            }
            last = (*l, id_of[r]);
        }
        *l = last.1;
        cells[last.1 as usize].push(c);
    }
    // Boundary sides already traced, one bit per side of each cell (see `STEP`).
    let mut traced = vec![0u8; n];
    cells
        .into_iter()
        .enumerate()
        .map(|(id, cells)| {
            let polygon = outline(grid, &cells, &label, id as u32, &mut traced);
            GapShape { cells, polygon }
        })
        .collect()
}

/// A grid vertex `(col, row)`: the lower-left corner of cell `(col, row)`.
type V = (i64, i64);

/// Directions of a boundary edge, the component always on its left: east, north, west,
/// south. Bit `d` of `traced[cell]` marks the side of `cell` that an edge going `d` runs
/// along (east: its bottom, north: its right, west: its top, south: its left).
const STEP: [V; 4] = [(1, 0), (0, 1), (-1, 0), (0, -1)];

/// The cell on the left of the edge leaving vertex `v` in direction `d`.
fn left_cell(v: V, d: usize) -> V {
    match d {
        0 => (v.0, v.1),
        1 => (v.0 - 1, v.1),
        2 => (v.0 - 1, v.1 - 1),
        _ => (v.0, v.1 - 1),
    }
}

/// Trace the outline of component `id`: every boundary side of its cells belongs to exactly
/// one ring; at a pinch (two cells touching only at a corner) the ring turns left, so rings
/// stay simple.
fn outline(
    grid: &Grid,
    cells: &[usize],
    label: &[u32],
    id: u32,
    traced: &mut [u8],
) -> MultiPolygon<f64> {
    let (nx, ny) = (grid.nx as i64, grid.ny as i64);
    let is_in = |(col, row): V| {
        col >= 0 && row >= 0 && col < nx && row < ny && label[(row * nx + col) as usize] == id
    };
    let index = |(col, row): V| (row * nx + col) as usize;
    let mut rings: Vec<Vec<V>> = Vec::new();
    let (w, h) = (grid.nx, grid.ny);
    for &c in cells {
        let (row, col) = (c / w, c % w);
        // Sides facing a cell outside the component, as bits in `STEP` order.
        let open = (row == 0 || label[c - w] != id) as u8
            | ((col + 1 == w || label[c + 1] != id) as u8) << 1
            | ((row + 1 == h || label[c + w] != id) as u8) << 2
            | ((col == 0 || label[c - 1] != id) as u8) << 3;
        if open & !traced[c] == 0 {
            continue;
        }
        let cell = (col as i64, row as i64);
        for d in 0..4 {
            // The vertex this side's edge leaves from.
            let start = match d {
                0 => cell,
                1 => (cell.0 + 1, cell.1),
                2 => (cell.0 + 1, cell.1 + 1),
                _ => (cell.0, cell.1 + 1),
            };
            if traced[c] & (1 << d) != 0 || open & (1 << d) == 0 {
                continue;
            }
            let (mut v, mut dir) = (start, d);
            let mut ring = Vec::new();
            loop {
                traced[index(left_cell(v, dir))] |= 1 << dir;
                ring.push(v);
                v = (v.0 + STEP[dir].0, v.1 + STEP[dir].1);
                if v == start {
                    break;
                }
                // Left if the cell ahead on the left is out; straight if the one ahead on
                // the right is out; right otherwise.
                let left = (dir + 1) % 4;
                let right = (dir + 3) % 4;
                dir = if !is_in(left_cell(v, dir)) {
                    left
                } else if !is_in(left_cell(v, right)) {
                    dir
                } else {
                    right
                };
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
    let (exteriors, holes): (Vec<Vec<V>>, Vec<Vec<V>>) =
        rings.into_iter().partition(|r| signed(r) > 0);
    let mut polygons: Vec<Polygon<f64>> = exteriors
        .iter()
        .map(|r| Polygon::new(to_ls(r), vec![]))
        .collect();
    for ring in holes {
        // The centre of the cell to the right of the hole's first edge lies inside the
        // hole, in doubled vertex units.
        let (a, b) = (ring[0], ring[1]);
        let (sx, sy) = ((b.0 - a.0).signum(), (b.1 - a.1).signum());
        let p = (2 * a.0 + sx + sy, 2 * a.1 + sy - sx);
        let owner = if exteriors.len() == 1 {
            Some(0)
        } else {
            exteriors.iter().position(|e| encloses(e, p))
        };
        if let Some(i) = owner {
            polygons[i].interiors_push(to_ls(&ring));
        }
    }
    MultiPolygon(polygons)
}

/// Whether the point `p` (doubled vertex units, never on an edge) lies inside `ring`
/// (even-odd rule).
fn encloses(ring: &[V], p: (i64, i64)) -> bool {
    let mut inside = false;
    for i in 0..ring.len() {
        let (a, b) = (ring[i], ring[(i + 1) % ring.len()]);
        let (ax, ay, bx, by) = (2 * a.0, 2 * a.1, 2 * b.0, 2 * b.1);
        // Vertical edges only cross a horizontal ray; a cell centre never lies on a row of
        // vertices, so no edge is met at its end.
        if ax == bx && (ay > p.1) != (by > p.1) && ax > p.0 {
            inside = !inside;
        }
    }
    inside
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

#[cfg(test)]
mod tests {
    use geo::{Area, Contains, Point};

    use super::*;

    /// Random grids (seeded), the outlines checked cell by cell: every member cell's centre
    /// lies inside its own component's outline and no other; every other centre in none;
    /// each outline's area is its cell count times the cell's.
    #[test]
    fn outlines_hold_exactly_their_cells() {
        let mut seed = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for round in 0..200 {
            let (nx, ny) = (1 + next() as usize % 14, 1 + next() as usize % 14);
            let mut grid = Grid::over([120.0, 31.0, 120.1, 31.1], 1000.0, 1 << 20).unwrap();
            (grid.nx, grid.ny, grid.zone) = (nx, ny, vec![0; nx * ny]);
            let fill = 20 + next() % 60;
            let member: Vec<bool> = (0..nx * ny).map(|_| next() % 100 < fill).collect();
            let shapes = dissolve(&grid, |c| member[c]);
            let cell_area = grid.dlon * grid.dlat;
            let mut seen = vec![0; nx * ny];
            for s in &shapes {
                let area = s.polygon.unsigned_area();
                assert!(
                    (area - s.cells.len() as f64 * cell_area).abs() < 1e-9 * area.max(1e-12),
                    "round {round}: area {area} for {} cells",
                    s.cells.len()
                );
                for (c, seen) in seen.iter_mut().enumerate() {
                    let centre = grid.centre(c);
                    let inside = s.polygon.contains(&Point::new(centre[0], centre[1]));
                    let own = s.cells.binary_search(&c).is_ok();
                    assert_eq!(inside, own, "round {round}, cell {c}");
                    *seen += own as usize;
                }
            }
            let listed: Vec<bool> = seen.iter().map(|&k| k == 1).collect();
            assert!(
                seen.iter().all(|&k| k <= 1),
                "round {round}: a cell listed twice"
            );
            assert_eq!(listed, member, "round {round}");
            // Components are maximal: 4-neighbouring member cells share one.
            let mut owner = vec![usize::MAX; nx * ny];
            for (i, s) in shapes.iter().enumerate() {
                for &c in &s.cells {
                    owner[c] = i;
                }
            }
            for c in 0..nx * ny {
                let right = (c % nx + 1 < nx).then_some(c + 1);
                let up = (c + nx < nx * ny).then_some(c + nx);
                for nb in [right, up].into_iter().flatten() {
                    if member[c] && member[nb] {
                        assert_eq!(owner[c], owner[nb], "round {round}: cells {c} and {nb}");
                    }
                }
            }
        }
    }
}
