//! Distance from a point to a whole geometry, with the nearest point on it: the measure the
//! index ranks by, for one geometry at a time (coverage's exact checks, a nearest hit's
//! bearing and navigation target).

use geo::{Geometry, Intersects};

use super::pieces::{is_areal, pieces_of, Shape};
use crate::geodesy::{distance_m, lerp, nearest_t, LocalFrame};

/// The ground distance in metres from `p` (`[lon, lat]`) to a geometry and the nearest point
/// of the geometry to `p`: `(0, p)` inside a polygon, else the nearest of its vertices and of
/// the points of its segments (each segment straight in `[lon, lat]`, its nearest point found
/// in a local frame centred on `p`, as the index measures). `(inf, p)` for an empty geometry.
pub fn nearest_on(g: &Geometry<f64>, p: [f64; 2]) -> (f64, [f64; 2]) {
    if is_areal(g) && g.intersects(&geo::Point::new(p[0], p[1])) {
        return (0.0, p);
    }
    let mut pieces = Vec::new();
    pieces_of(g, 0, &mut pieces);
    let frame = LocalFrame::new(p);
    pieces
        .iter()
        .map(|pc| {
            let q = match pc.shape {
                Shape::Point { lonlat, .. } => lonlat,
                Shape::Segment { a, b } => lerp(a, b, nearest_t(&frame, a, b)),
            };
            (distance_m(p, q), q)
        })
        .fold(
            (f64::INFINITY, p),
            |best, c| if c.0 < best.0 { c } else { best },
        )
}

/// Exact ground distance in metres from `p` (`[lon, lat]`) to a geometry: 0 inside a polygon,
/// else to the nearest point of its vertices and segments (the same measure the index uses).
pub fn distance_to_geometry_m(g: &Geometry<f64>, p: [f64; 2]) -> f64 {
    nearest_on(g, p).0
}
