//! "Is this point within r metres of that facility?", fast and exact: a planar test in a
//! local frame settles every point clearly inside or outside; points within a thin band of
//! the boundary are settled by the exact geodesic measure
//! ([`crate::index::distance_to_geometry_m`]). Existing, hypothetical and suggested
//! facilities all go through this one test, so gains add up exactly.

use geo::{BoundingRect, Contains, Geometry};

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
        Reach {
            min: [r.min().x - mlon, r.min().y - mlat],
            max: [r.max().x + mlon, r.max().y + mlat],
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

    /// Whether `p` (`[lon, lat]`) lies within the radius of the geometry (0 inside a polygon).
    pub fn covers(&self, p: [f64; 2]) -> bool {
        if p[0] < self.min[0] || p[0] > self.max[0] || p[1] < self.min[1] || p[1] > self.max[1] {
            return false;
        }
        let xy = self.frame.to_xy(p);
        let approx = self
            .segments
            .iter()
            .map(|(a, b)| seg_dist(xy, *a, *b))
            .fold(f64::INFINITY, f64::min);
        let band = 0.003 * (approx + self.radius_m) + 0.5;
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
