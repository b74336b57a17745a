//! Dissolving uncovered cells into polygons: 4-connected components, found as runs of cells
//! along the rows joined to the overlapping runs of the row below (union-find), whose
//! boundary edges (oriented with the component on the left) are traced into rings;
//! counter-clockwise rings are exteriors, clockwise ones holes. Collinear vertices are
//! dropped. Work grows with the cells scanned once, the runs and the outlines' lengths.

use geo::{LineString, MultiPolygon, Polygon};

use super::grid::Grid;

/// Cells `start..end` of one grid row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Run {
    /// Row.
    pub row: u32,
    /// First column.
    pub start: u32,
    /// One past the last column.
    pub end: u32,
}

/// One connected gap: its cells and its outline.
pub struct GapShape {
    /// The cells, as runs in row-major order.
    pub runs: Vec<Run>,
    /// The outline, `[lon, lat]`.
    pub polygon: MultiPolygon<f64>,
}

impl GapShape {
    /// Number of cells.
    pub fn cell_count(&self) -> usize {
        self.runs.iter().map(|r| (r.end - r.start) as usize).sum()
    }

    /// The cells (row-major indices on a grid of `nx` columns), ascending.
    pub fn cells(&self, nx: usize) -> impl Iterator<Item = usize> + '_ {
        self.runs
            .iter()
            .flat_map(move |r| (r.start..r.end).map(move |col| r.row as usize * nx + col as usize))
    }

    /// Whether cell `c` (on a grid of `nx` columns) is one of the gap's.
    pub fn holds(&self, nx: usize, c: usize) -> bool {
        let (row, col) = ((c / nx) as u32, (c % nx) as u32);
        let i = self
            .runs
            .partition_point(|r| (r.row, r.start) <= (row, col));
        i > 0 && self.runs[i - 1].row == row && col < self.runs[i - 1].end
    }
}

/// Components of cells where `member(cell)` holds, 4-connected, each with its outline, in
/// the order of their first cell.
pub fn dissolve(grid: &Grid, member: impl Fn(usize) -> bool) -> Vec<GapShape> {
    let (nx, ny) = (grid.nx, grid.ny);
    // Runs row by row; each joined to the runs of the row below that it overlaps.
    let mut runs: Vec<Run> = Vec::new();
    let mut parent: Vec<u32> = Vec::new();
    fn root(parent: &mut [u32], mut l: u32) -> u32 {
        while parent[l as usize] != l {
            let up = parent[parent[l as usize] as usize];
            parent[l as usize] = up;
            l = up;
        }
        l
    }
    let mut below = 0..0;
    for row in 0..ny {
        let first = runs.len();
        let mut col = 0;
        while col < nx {
            if !member(row * nx + col) {
                col += 1;
                continue;
            }
            let start = col;
            while col < nx && member(row * nx + col) {
                col += 1;
            }
            let (start, end) = (start as u32, col as u32);
            let me = runs.len() as u32;
            runs.push(Run {
                row: row as u32,
                start,
                end,
            });
            parent.push(me);
            // Runs below, in column order: skip those ending before this one starts.
            while below.start < below.end && runs[below.start].end <= start {
                below.start += 1;
            }
            let mut k = below.start;
            while k < below.end && runs[k].start < end {
                let (a, b) = (root(&mut parent, me), root(&mut parent, k as u32));
                parent[a.max(b) as usize] = a.min(b);
                k += 1;
            }
        }
        below = first..runs.len();
    }
    // Components numbered by their first run (so by their first cell).
    let mut id_of = vec![u32::MAX; runs.len()];
    let mut groups: Vec<Vec<Run>> = Vec::new();
    for (i, run) in runs.iter().enumerate() {
        let r = root(&mut parent, i as u32) as usize;
        if id_of[r] == u32::MAX {
            id_of[r] = groups.len() as u32;
            groups.push(Vec::new());
        }
        groups[id_of[r] as usize].push(*run);
    }
    // Boundary sides already traced, one bit per side of each cell (see `STEP`).
    let mut traced = vec![0u8; nx * ny];
    groups
        .into_iter()
        .map(|runs| {
            let polygon = outline(grid, &runs, &member, &mut traced);
            GapShape { runs, polygon }
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

/// Trace the outline of one component: every boundary side of its cells belongs to exactly
/// one ring; at a pinch (two cells touching only at a corner) the ring turns left, so rings
/// stay simple. A member cell next to the component's is the component's, so `member`
/// tells inside from outside. Every ring has vertical sides, and each is the left side of a
/// run's first cell or the right side of its last: rings start from those.
fn outline(
    grid: &Grid,
    runs: &[Run],
    member: &impl Fn(usize) -> bool,
    traced: &mut [u8],
) -> MultiPolygon<f64> {
    let (nx, ny) = (grid.nx as i64, grid.ny as i64);
    let is_in = |(col, row): V| {
        col >= 0 && row >= 0 && col < nx && row < ny && member((row * nx + col) as usize)
    };
    let index = |(col, row): V| (row * nx + col) as usize;
    let mut rings: Vec<Vec<V>> = Vec::new();
    for run in runs {
        let row = run.row as i64;
        // The left side of the first cell goes south, the right side of the last north.
        let ends = [
            ((run.start as i64, row), 3, (run.start as i64, row + 1)),
            (((run.end - 1) as i64, row), 1, (run.end as i64, row)),
        ];
        for (cell, d, start) in ends {
            if traced[index(cell)] & (1 << d) != 0 {
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
                let cells: Vec<usize> = s.cells(nx).collect();
                assert_eq!(cells.len(), s.cell_count());
                assert!(
                    (area - cells.len() as f64 * cell_area).abs() < 1e-9 * area.max(1e-12),
                    "round {round}: area {area} for {} cells",
                    cells.len()
                );
                for (c, seen) in seen.iter_mut().enumerate() {
                    let centre = grid.centre(c);
                    let inside = s.polygon.contains(&Point::new(centre[0], centre[1]));
                    let own = cells.binary_search(&c).is_ok();
                    assert_eq!(s.holds(nx, c), own, "round {round}, cell {c}");
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
            // Each component is 4-connected: a search from its first cell reaches all.
            for s in &shapes {
                let cells: Vec<usize> = s.cells(nx).collect();
                let mut reached = vec![cells[0]];
                let mut k = 0;
                while k < reached.len() {
                    let c = reached[k];
                    let (row, col) = (c / nx, c % nx);
                    let nbs = [
                        (col > 0).then(|| c - 1),
                        (col + 1 < nx).then_some(c + 1),
                        (row > 0).then(|| c - nx),
                        (row + 1 < ny).then_some(c + nx),
                    ];
                    for nb in nbs.into_iter().flatten() {
                        if s.holds(nx, nb) && !reached.contains(&nb) {
                            reached.push(nb);
                        }
                    }
                    k += 1;
                }
                assert_eq!(reached.len(), cells.len(), "round {round}: not connected");
            }
            // Components are maximal: 4-neighbouring member cells share one.
            let mut owner = vec![usize::MAX; nx * ny];
            for (i, s) in shapes.iter().enumerate() {
                for c in s.cells(nx) {
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
