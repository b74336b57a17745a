//! "Is this point within r metres of that facility?", fast and exact: a planar test in a
//! local frame settles every point clearly inside or outside; points within a thin band of
//! the boundary are settled by the exact geodesic measure
//! ([`crate::index::distance_to_geometry_m`]). Existing, hypothetical and suggested
//! facilities all go through this one test, so gains add up exactly.

use geo::{BoundingRect, Contains, Geometry};

use super::grid::Grid;
use crate::geodesy::LocalFrame;
use crate::index::distance_to_geometry_m;
use crate::query::deadline::Deadline;
use crate::query::QueryError;

/// Rows of a point's reach between deadline checks.
const ROWS_PER_CHECK: usize = 64;

/// A facility's reach: its geometry and radius, prepared for many tests.
pub struct Reach {
    geometry: Geometry<f64>,
    radius_m: f64,
    frame: LocalFrame,
    /// Segments (or single points) in frame metres.
    segments: Vec<([f64; 2], [f64; 2])>,
    /// Per polygon, its rings' edges in `[lon, lat]` (for the row-by-row inside test); empty
    /// for points and lines.
    polygons: Vec<Vec<([f64; 2], [f64; 2])>>,
    areal: bool,
    /// Bound on the planar measure's relative error anywhere in the box (see `new`).
    rel_err: f64,
    /// `[lon, lat]` box that holds every point within reach.
    pub min: [f64; 2],
    /// Upper corner of that box.
    pub max: [f64; 2],
}

fn seg_dist(p: [f64; 2], a: [f64; 2], b: [f64; 2]) -> f64 {
    let d = [b[0] - a[0], b[1] - a[1]];
    let len2 = d[0] * d[0] + d[1] * d[1];
    let t = if len2 == 0.0 {
        0.0
    } else {
        (((p[0] - a[0]) * d[0] + (p[1] - a[1]) * d[1]) / len2).clamp(0.0, 1.0)
    };
    let q = [a[0] + d[0] * t - p[0], a[1] + d[1] * t - p[1]];
    (q[0] * q[0] + q[1] * q[1]).sqrt()
}

impl Reach {
    /// Prepare `geometry` (`[lon, lat]`) with a reach of `radius_m`.
    pub fn new(geometry: Geometry<f64>, radius_m: f64) -> Reach {
        use geo::CoordsIter;
        let r = geometry
            .bounding_rect()
            .expect("validated geometries are not empty");
        let centre = [(r.min().x + r.max().x) / 2.0, (r.min().y + r.max().y) / 2.0];
        let frame = LocalFrame::new(centre);
        let mut segments = Vec::new();
        let mut push_ring = |coords: &[geo::Coord<f64>]| {
            if coords.len() == 1 {
                let p = frame.to_xy([coords[0].x, coords[0].y]);
                segments.push((p, p));
            }
            for w in coords.windows(2) {
                segments.push((frame.to_xy([w[0].x, w[0].y]), frame.to_xy([w[1].x, w[1].y])));
            }
        };
        match &geometry {
            Geometry::Point(p) => push_ring(&[p.0]),
            Geometry::MultiPoint(m) => m.iter().for_each(|p| push_ring(&[p.0])),
            Geometry::LineString(l) => push_ring(&l.0),
            Geometry::MultiLineString(m) => m.iter().for_each(|l| push_ring(&l.0)),
            Geometry::Polygon(p) => std::iter::once(p.exterior())
                .chain(p.interiors())
                .for_each(|l| push_ring(&l.0)),
            Geometry::MultiPolygon(m) => m
                .iter()
                .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
                .for_each(|l| push_ring(&l.0)),
            other => other.coords_iter().for_each(|c| push_ring(&[c])),
        }
        let areal = matches!(geometry, Geometry::Polygon(_) | Geometry::MultiPolygon(_));
        let edges = |p: &geo::Polygon<f64>| -> Vec<([f64; 2], [f64; 2])> {
            std::iter::once(p.exterior())
                .chain(p.interiors())
                .flat_map(|r| r.0.windows(2).map(|w| ([w[0].x, w[0].y], [w[1].x, w[1].y])))
                .collect()
        };
        let polygons = match &geometry {
            Geometry::Polygon(p) => vec![edges(p)],
            Geometry::MultiPolygon(m) => m.iter().map(edges).collect(),
            _ => vec![],
        };
        // Generous margins: the frame's scale drifts by well under 1 % across a few km.
        let mlat = radius_m * 1.01 / frame.m_per_deg_lat() + 1e-9;
        let lat_far = r.min().y.abs().max(r.max().y.abs()) + mlat;
        let mlon = radius_m * 1.01
            / LocalFrame::new([centre[0], lat_far.min(89.0)]).m_per_deg_lon()
            + 1e-9;
        let (min, max) = (
            [r.min().x - mlon, r.min().y - mlat],
            [r.max().x + mlon, r.max().y + mlat],
        );
        // The frame keeps the scales of its centre. Between two points within `far` metres
        // of it, the east-west scale it uses differs from the true one at their latitudes
        // by at most tan(latitude) x far / R (relative); the north-south scale and the
        // Earth's curvature add far less. Twice that, with room for both, bounds the
        // planar measure's relative error over the whole box.
        let far = [min, max, [min[0], max[1]], [max[0], min[1]]]
            .iter()
            .map(|c| {
                let xy = frame.to_xy(*c);
                xy[0].hypot(xy[1])
            })
            .fold(0.0, f64::max)
            * 1.01;
        let lat_max = min[1].abs().max(max[1].abs()).min(89.0);
        let rel_err = 2.0 * (lat_max.to_radians().tan() + 0.1) * far / 6_335_000.0 + 1e-6;
        Reach {
            min,
            max,
            rel_err,
            geometry,
            radius_m,
            frame,
            segments,
            polygons,
            areal,
        }
    }

    /// The radius in metres.
    pub fn radius_m(&self) -> f64 {
        self.radius_m
    }

    /// Call `f(cell)` for every cell of `grid` whose centre this reach covers (exactly the
    /// cells [`Reach::covers`] says yes to), in row order; stops with
    /// [`QueryError::Timeout`] once `deadline` passes.
    pub fn cells(
        &self,
        grid: &Grid,
        deadline: &Deadline,
        mut f: impl FnMut(usize),
    ) -> Result<(), QueryError> {
        let (cols, rows) = grid.span(self.min, self.max);
        if cols.is_empty() {
            return Ok(());
        }
        let Geometry::Point(p) = &self.geometry else {
            return self.cells_by_rows(grid, cols, rows, deadline, f);
        };
        // Along a row (a parallel) the distance to a point grows with the difference in
        // longitude, so a row's covered cells are one run of columns around the point's
        // nearest column: two binary searches find its ends.
        let mid = (((p.x() - grid.origin[0]) / grid.dlon - 0.5).round())
            .clamp(cols.start as f64, (cols.end - 1) as f64) as usize;
        for (n, row) in rows.enumerate() {
            if n % ROWS_PER_CHECK == 0 {
                deadline.check()?;
            }
            let at = |col: usize| self.covers(grid.centre(row * grid.nx + col));
            if !at(mid) {
                continue;
            }
            let (mut lo, mut hi) = (cols.start, mid);
            while lo < hi {
                let m = (lo + hi) / 2;
                if at(m) {
                    hi = m;
                } else {
                    lo = m + 1;
                }
            }
            let first = lo;
            let (mut lo, mut hi) = (mid, cols.end - 1);
            while lo < hi {
                let m = (lo + hi).div_ceil(2);
                if at(m) {
                    lo = m;
                } else {
                    hi = m - 1;
                }
            }
            for col in first..=lo {
                f(row * grid.nx + col);
            }
        }
        Ok(())
    }

    /// [`Reach::cells`] for lines and polygons, one row at a time: the row's cells are
    /// measured against the segments that come near the row only, and are inside a polygon
    /// by the parity of its edges crossing the row east of them. Both give what
    /// [`Reach::covers`] gives cell by cell: a segment farther north or south of the row
    /// than `near` is farther than `near` from every cell of it, and no point that far from
    /// the outline is within reach unless inside; the crossing parity is the inside test
    /// away from the outline, and on it the distance is 0 and the cell covered either way.
    fn cells_by_rows(
        &self,
        grid: &Grid,
        cols: std::ops::Range<usize>,
        rows: std::ops::Range<usize>,
        deadline: &Deadline,
        mut f: impl FnMut(usize),
    ) -> Result<(), QueryError> {
        // Beyond this planar distance `covers` answers "no" unless inside (see `covers`:
        // approx - band > radius).
        let near = (self.radius_m * (1.0 + self.rel_err) + 0.01) / (1.0 - self.rel_err) + 1.0;
        // The column (fractional, of cell centres) of a frame x on a row.
        let col_of = |x: f64, y: f64| {
            let lon = self.frame.to_lonlat([x, y])[0];
            (lon - grid.origin[0]) / grid.dlon - 0.5
        };
        // Per row: the segments near it, each with the columns it can matter to (those within
        // `near` east-west of it), swept west to east so a cell meets only its neighbours.
        let mut spans: Vec<(usize, usize, usize)> = Vec::new();
        let mut active: Vec<(usize, usize, usize)> = Vec::new();
        let mut crossings: Vec<Vec<f64>> = vec![Vec::new(); self.polygons.len()];
        for row in rows {
            deadline.check()?;
            let lat = grid.centre(row * grid.nx)[1];
            let y = self.frame.to_xy([0.0, lat])[1];
            spans.clear();
            for (i, (a, b)) in self.segments.iter().enumerate() {
                if a[1].min(b[1]) - near <= y && y <= a[1].max(b[1]) + near {
                    let c0 = col_of(a[0].min(b[0]) - near, y)
                        .floor()
                        .max(cols.start as f64);
                    let c1 = col_of(a[0].max(b[0]) + near, y)
                        .ceil()
                        .min((cols.end - 1) as f64);
                    if c0 <= c1 {
                        spans.push((c0 as usize, c1 as usize, i));
                    }
                }
            }
            spans.sort_unstable();
            for (edges, xs) in self.polygons.iter().zip(&mut crossings) {
                xs.clear();
                xs.extend(
                    edges
                        .iter()
                        .filter(|(a, b)| (a[1] > lat) != (b[1] > lat))
                        .map(|(a, b)| a[0] + (lat - a[1]) * (b[0] - a[0]) / (b[1] - a[1])),
                );
                xs.sort_by(f64::total_cmp);
            }
            active.clear();
            let mut next = 0;
            for col in cols.clone() {
                while next < spans.len() && spans[next].0 <= col {
                    active.push(spans[next]);
                    next += 1;
                }
                active.retain(|s| s.1 >= col);
                let c = row * grid.nx + col;
                let p = grid.centre(c);
                let xy = self.frame.to_xy(p);
                let approx = active
                    .iter()
                    .map(|&(_, _, i)| seg_dist(xy, self.segments[i].0, self.segments[i].1))
                    .fold(f64::INFINITY, f64::min);
                let band = self.rel_err * (approx + self.radius_m) + 0.01;
                let inside = || {
                    crossings
                        .iter()
                        .any(|xs| (xs.len() - xs.partition_point(|&x| x <= p[0])) % 2 == 1)
                };
                let covered = if approx + band < self.radius_m || inside() {
                    true
                } else if approx > near || approx - band > self.radius_m {
                    false
                } else {
                    distance_to_geometry_m(&self.geometry, p) <= self.radius_m
                };
                if covered {
                    f(c);
                }
            }
        }
        Ok(())
    }

    /// Distance in metres from `p` to the geometry's outline in the local frame: within
    /// `rel_err` (relative) of the ground distance anywhere in the box.
    fn planar_m(&self, p: [f64; 2]) -> f64 {
        let xy = self.frame.to_xy(p);
        self.segments
            .iter()
            .map(|(a, b)| seg_dist(xy, *a, *b))
            .fold(f64::INFINITY, f64::min)
    }

    /// Whether `p` (`[lon, lat]`) lies within the radius of the geometry (0 inside a polygon).
    pub fn covers(&self, p: [f64; 2]) -> bool {
        if p[0] < self.min[0] || p[0] > self.max[0] || p[1] < self.min[1] || p[1] > self.max[1] {
            return false;
        }
        let approx = self.planar_m(p);
        let band = self.rel_err * (approx + self.radius_m) + 0.01;
        if approx + band < self.radius_m {
            return true;
        }
        if self.areal && self.geometry.contains(&geo::Point::new(p[0], p[1])) {
            return true;
        }
        if approx - band > self.radius_m {
            return false;
        }
        distance_to_geometry_m(&self.geometry, p) <= self.radius_m
    }
}

#[cfg(test)]
mod tests {
    use geo::{Destination, Geodesic, LineString, Point, Polygon};

    use super::*;

    use crate::sample::Rng;

    fn rng(seed: u64) -> impl FnMut() -> f64 {
        Rng::uniform(seed)
    }

    /// Random points, lines and polygons up to a few km across, anywhere in China's
    /// latitudes, with radii up to the API's 5 km.
    fn geometries(n: usize, mut u: impl FnMut() -> f64) -> Vec<(Geometry<f64>, f64)> {
        (0..n)
            .map(|i| {
                let c = Point::new(73.0 + 62.0 * u(), 18.0 + 36.0 * u());
                let size = 5000.0 * u() * u();
                let radius = 10.0 + 4990.0 * u() * u();
                let g = match i % 3 {
                    0 => Geometry::Point(c),
                    1 => {
                        let k = 2 + (u() * 5.0) as usize;
                        Geometry::LineString(LineString::from(
                            (0..k)
                                .map(|_| Geodesic.destination(c, 360.0 * u(), size * u()))
                                .collect::<Vec<_>>(),
                        ))
                    }
                    _ => {
                        let k = 3 + (u() * 8.0) as usize;
                        let ring: Vec<Point<f64>> = (0..k)
                            .map(|j| {
                                let az = 360.0 * (j as f64 + 0.8 * u()) / k as f64;
                                Geodesic.destination(c, az, size * (0.3 + 0.7 * u()) + 1.0)
                            })
                            .collect();
                        Geometry::Polygon(Polygon::new(LineString::from(ring), vec![]))
                    }
                };
                (g, radius)
            })
            .collect()
    }

    /// The planar measure keeps within its stated error of the ground distance everywhere in
    /// the box, which is what makes `covers` exact.
    #[test]
    fn planar_measure_stays_within_its_error_bound() {
        let mut u = rng(0x9e37_79b9_7f4a_7c15);
        let mut checked = 0;
        for (g, radius) in geometries(900, &mut u) {
            let reach = Reach::new(g.clone(), radius);
            for _ in 0..150 {
                let p = [
                    reach.min[0] + (reach.max[0] - reach.min[0]) * u(),
                    reach.min[1] + (reach.max[1] - reach.min[1]) * u(),
                ];
                let exact = distance_to_geometry_m(&g, p);
                if exact == 0.0 {
                    continue;
                }
                let planar = reach.planar_m(p);
                let bound = reach.rel_err * (planar + radius) + 0.01;
                assert!(
                    (planar - exact).abs() <= bound,
                    "{g:?} r {radius}: at {p:?} planar {planar} exact {exact} bound {bound}"
                );
                checked += 1;
            }
        }
        assert!(checked > 100_000, "{checked}");
    }

    /// Points a hair inside and outside the radius, and every cell `cells` lists, agree
    /// with the exact distance.
    #[test]
    fn covers_and_cells_agree_with_the_exact_distance_at_the_edge() {
        let mut u = rng(0x2545_f491_4f6c_dd1d);
        for (g, radius) in geometries(300, &mut u) {
            let reach = Reach::new(g.clone(), radius);
            let centre = match &g {
                Geometry::Point(c) => *c,
                _ => continue,
            };
            for _ in 0..40 {
                let delta = [-0.05, -0.005, 0.005, 0.05][(u() * 4.0) as usize];
                let q = Geodesic.destination(centre, 360.0 * u(), radius + delta);
                let exact = distance_to_geometry_m(&g, [q.x(), q.y()]);
                assert_eq!(reach.covers([q.x(), q.y()]), exact <= radius, "{g:?} {q:?}");
            }
            // A grid whose rows cross the disc: the binary searches find every covered cell.
            let cell = (radius / 7.0).max(10.0);
            let grid = Grid::over(
                [reach.min[0], reach.min[1], reach.max[0], reach.max[1]],
                cell,
                1 << 20,
            )
            .expect("small grid");
            let (listed, want) = listed_and_within(&reach, &g, radius, &grid);
            assert_eq!(listed, want, "{g:?} r {radius}");
        }
    }

    /// The cells `reach.cells` lists, and the cells whose centre is within `radius` of `g` by
    /// the exact distance (0 inside a polygon), one by one.
    fn listed_and_within(
        reach: &Reach,
        g: &Geometry<f64>,
        radius: f64,
        grid: &Grid,
    ) -> (Vec<usize>, Vec<usize>) {
        let mut listed = Vec::new();
        reach
            .cells(grid, &Deadline::none(), |c| listed.push(c))
            .unwrap();
        let within = (0..grid.nx * grid.ny)
            .filter(|&c| distance_to_geometry_m(g, grid.centre(c)) <= radius)
            .collect();
        (listed, within)
    }

    /// Lines and polygons (the row-by-row path): every cell `cells` lists, and no other, is
    /// within reach by the exact distance of its centre (0 inside a polygon), on grids whose
    /// cells are from a seventh of the radius to the radius (at least 40 m).
    #[test]
    fn cells_of_lines_and_polygons_are_the_cells_within_reach() {
        let mut u = rng(0x6a09_e667_f3bc_c908);
        let mut compared = 0;
        for (g, radius) in geometries(240, &mut u) {
            if matches!(g, Geometry::Point(_)) {
                continue;
            }
            let reach = Reach::new(g.clone(), radius);
            let cell = (radius / (1.0 + 6.0 * u())).max(40.0);
            let Ok(grid) = Grid::over(
                [reach.min[0], reach.min[1], reach.max[0], reach.max[1]],
                cell,
                1 << 16,
            ) else {
                continue;
            };
            let (listed, want) = listed_and_within(&reach, &g, radius, &grid);
            assert_eq!(listed, want, "{g:?} r {radius} cell {cell}");
            compared += want.len();
        }
        assert!(compared > 10_000, "{compared}");
    }
}
