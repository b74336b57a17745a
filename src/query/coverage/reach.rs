//! "Is this point within r metres of that facility?", fast and exact: a planar test in a
//! local frame settles every point clearly inside or outside; points within a thin band of
//! the boundary are settled by the exact geodesic measure
//! ([`crate::index::distance_to_geometry_m`]). Existing, hypothetical and suggested
//! facilities all go through this one test, so gains add up exactly.

use geo::{BoundingRect, Contains, Geometry};

use super::grid::Grid;
use crate::index::distance_to_geometry_m;
use crate::index::geodesy::LocalFrame;

/// A facility's reach: its geometry and radius, prepared for many tests.
pub struct Reach {
    geometry: Geometry<f64>,
    radius_m: f64,
    frame: LocalFrame,
    /// Segments (or single points) in frame metres.
    segments: Vec<([f64; 2], [f64; 2])>,
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
            areal,
        }
    }

    /// The radius in metres.
    pub fn radius_m(&self) -> f64 {
        self.radius_m
    }

    /// Call `f(cell)` for every cell of `grid` whose centre this reach covers.
    pub fn cells(&self, grid: &Grid, mut f: impl FnMut(usize)) {
        let (cols, rows) = grid.span(self.min, self.max);
        if cols.is_empty() {
            return;
        }
        let Geometry::Point(p) = &self.geometry else {
            for row in rows {
                for col in cols.clone() {
                    let c = row * grid.nx + col;
                    if self.covers(grid.centre(c)) {
                        f(c);
                    }
                }
            }
            return;
        };
        // Along a row (a parallel) the distance to a point grows with the difference in
        // longitude, so a row's covered cells are one run of columns around the point's
        // nearest column: two binary searches find its ends.
        let mid = (((p.x() - grid.origin[0]) / grid.dlon - 0.5).round())
            .clamp(cols.start as f64, (cols.end - 1) as f64) as usize;
        for row in rows {
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

    fn rng(mut seed: u64) -> impl FnMut() -> f64 {
        move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed >> 11) as f64 / (1u64 << 53) as f64
        }
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
            let mut listed = Vec::new();
            reach.cells(&grid, |c| listed.push(c));
            let want: Vec<usize> = (0..grid.nx * grid.ny)
                .filter(|&c| distance_to_geometry_m(&g, grid.centre(c)) <= radius)
                .collect();
            assert_eq!(listed, want, "{g:?} r {radius}");
        }
    }
}
