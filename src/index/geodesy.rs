//! Ground distances on the WGS84 ellipsoid, and the cheap lower bounds that let the index
//! prune without ever comparing raw degrees.
//!
//! Exact distances are Karney's geodesics (via `geo::Geodesic`). Lower bounds are great-circle
//! distances on a sphere, shrunk by [`SPHERE_SAFETY`] so they never exceed the ellipsoidal
//! distance (the two differ by at most ~0.6 %). A segment between two vertices is the straight
//! line in `[lon, lat]` (as a web map draws it); its nearest point to a query is found in a
//! local frame centred on the query and its distance is then measured as a geodesic.

use geo::{Distance, Geodesic, Point};

/// Mean Earth radius in metres (IUGG), for the spherical lower bounds.
pub const EARTH_RADIUS_M: f64 = 6_371_008.8;
/// Factor applied to spherical distances so that they are lower bounds of geodesic ones.
pub const SPHERE_SAFETY: f64 = 0.99;

const WGS84_A: f64 = 6_378_137.0;
const WGS84_E2: f64 = 0.006_694_379_990_141_317;

/// Geodesic distance in metres between two `[lon, lat]` positions.
#[inline]
pub fn distance_m(a: [f64; 2], b: [f64; 2]) -> f64 {
    Geodesic.distance(Point::new(a[0], a[1]), Point::new(b[0], b[1]))
}

/// Initial bearing in degrees clockwise from north (0..360) from `a` to `b`.
pub fn bearing_deg(a: [f64; 2], b: [f64; 2]) -> f64 {
    use geo::Bearing;
    let d = Geodesic.bearing(Point::new(a[0], a[1]), Point::new(b[0], b[1]));
    d.rem_euclid(360.0)
}

/// Great-circle distance in metres on the mean sphere (haversine).
#[inline]
pub fn sphere_distance_m(a: [f64; 2], b: [f64; 2]) -> f64 {
    let (l1, p1) = (a[0].to_radians(), a[1].to_radians());
    let (l2, p2) = (b[0].to_radians(), b[1].to_radians());
    let h = ((p2 - p1) * 0.5).sin().powi(2) + p1.cos() * p2.cos() * ((l2 - l1) * 0.5).sin().powi(2);
    2.0 * EARTH_RADIUS_M * h.sqrt().min(1.0).asin()
}

/// A lower bound, in metres, of the geodesic distance from `p` to any position inside the
/// `[lon, lat]` rectangle `min..max`.
pub fn rect_lower_bound_m(p: [f64; 2], min: [f64; 2], max: [f64; 2]) -> f64 {
    let (lon, lat) = (p[0], p[1]);
    if lon >= min[0] && lon <= max[0] {
        let dlat = if lat < min[1] {
            min[1] - lat
        } else if lat > max[1] {
            lat - max[1]
        } else {
            0.0
        };
        return dlat.to_radians() * EARTH_RADIUS_M * SPHERE_SAFETY;
    }
    // Outside the longitude span: the nearest point lies on the nearer bounding meridian,
    // which is a great circle; clamp the foot of the perpendicular to the edge.
    let edge = if lon < min[0] { min[0] } else { max[0] };
    let dlon = (edge - lon).to_radians();
    if dlon.abs() >= std::f64::consts::FRAC_PI_2 {
        return 0.0; // never happens within China; stay a valid bound
    }
    let foot = (lat.to_radians().tan() / dlon.cos()).atan().to_degrees();
    let q = [edge, foot.clamp(min[1], max[1])];
    sphere_distance_m(p, q) * SPHERE_SAFETY
}

/// A local metric frame at a position: metres per degree of longitude and of latitude on the
/// ellipsoid there. Affine in `[lon, lat]`, so straight segments stay straight.
#[derive(Debug, Clone, Copy)]
pub struct LocalFrame {
    origin: [f64; 2],
    m_per_deg_lon: f64,
    m_per_deg_lat: f64,
}

impl LocalFrame {
    /// The frame centred on `origin` (`[lon, lat]`).
    pub fn new(origin: [f64; 2]) -> Self {
        let phi = origin[1].to_radians();
        let s = phi.sin();
        let w = (1.0 - WGS84_E2 * s * s).sqrt();
        let n = WGS84_A / w; // prime vertical radius of curvature
        let m = WGS84_A * (1.0 - WGS84_E2) / (w * w * w); // meridional radius of curvature
        LocalFrame {
            origin,
            m_per_deg_lon: n * phi.cos() * std::f64::consts::PI / 180.0,
            m_per_deg_lat: m * std::f64::consts::PI / 180.0,
        }
    }

    /// Metres per degree of longitude at the origin.
    pub fn m_per_deg_lon(&self) -> f64 {
        self.m_per_deg_lon
    }

    /// Metres per degree of latitude at the origin.
    pub fn m_per_deg_lat(&self) -> f64 {
        self.m_per_deg_lat
    }

    /// Position in the frame, metres east and north of the origin.
    #[inline]
    pub fn to_xy(&self, p: [f64; 2]) -> [f64; 2] {
        [
            (p[0] - self.origin[0]) * self.m_per_deg_lon,
            (p[1] - self.origin[1]) * self.m_per_deg_lat,
        ]
    }

    /// Back from metres east/north to `[lon, lat]`.
    #[inline]
    pub fn to_lonlat(&self, xy: [f64; 2]) -> [f64; 2] {
        [
            self.origin[0] + xy[0] / self.m_per_deg_lon,
            self.origin[1] + xy[1] / self.m_per_deg_lat,
        ]
    }
}

/// Parameter `t` in `0..=1` of the point of segment `a-b` nearest to the frame's origin.
#[inline]
pub fn nearest_t(frame: &LocalFrame, a: [f64; 2], b: [f64; 2]) -> f64 {
    let pa = frame.to_xy(a);
    let pb = frame.to_xy(b);
    let d = [pb[0] - pa[0], pb[1] - pa[1]];
    let len2 = d[0] * d[0] + d[1] * d[1];
    if len2 == 0.0 {
        return 0.0;
    }
    (-(pa[0] * d[0] + pa[1] * d[1]) / len2).clamp(0.0, 1.0)
}

/// The point at parameter `t` of the `[lon, lat]` segment `a-b`.
#[inline]
pub fn lerp(a: [f64; 2], b: [f64; 2], t: f64) -> [f64; 2] {
    [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t]
}

/// Distance in metres from `p` to the nearest point of segment `a-b`, and that point.
pub fn segment_distance_m(p: [f64; 2], a: [f64; 2], b: [f64; 2]) -> (f64, [f64; 2]) {
    let frame = LocalFrame::new(p);
    let c = lerp(a, b, nearest_t(&frame, a, b));
    (distance_m(p, c), c)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Tiny deterministic generator for the tests.
    fn rng(seed: u64) -> impl FnMut() -> f64 {
        let mut s = seed;
        move || {
            s = s.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = s;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
        }
    }

    #[test]
    fn sphere_bound_never_exceeds_geodesic() {
        let mut r = rng(7);
        for _ in 0..20_000 {
            let p = [73.0 + 62.0 * r(), 18.0 + 36.0 * r()];
            let q = [p[0] + (r() - 0.5) * 4.0, p[1] + (r() - 0.5) * 4.0];
            assert!(sphere_distance_m(p, q) * SPHERE_SAFETY <= distance_m(p, q));
        }
    }

    #[test]
    fn rect_bound_is_below_every_point_of_the_rect() {
        let mut r = rng(11);
        for _ in 0..2_000 {
            let p = [73.0 + 62.0 * r(), 18.0 + 36.0 * r()];
            let min = [p[0] + (r() - 0.5) * 2.0, p[1] + (r() - 0.5) * 2.0];
            let max = [min[0] + r() * 0.5, min[1] + r() * 0.5];
            let bound = rect_lower_bound_m(p, min, max);
            for _ in 0..50 {
                let q = [
                    min[0] + (max[0] - min[0]) * r(),
                    min[1] + (max[1] - min[1]) * r(),
                ];
                assert!(bound <= distance_m(p, q) + 1e-6, "{p:?} {min:?} {max:?}");
            }
        }
    }

    #[test]
    fn segment_distance_matches_dense_sampling() {
        let mut r = rng(13);
        for _ in 0..300 {
            let p = [73.0 + 62.0 * r(), 18.0 + 36.0 * r()];
            let a = [p[0] + (r() - 0.5) * 0.2, p[1] + (r() - 0.5) * 0.2];
            let b = [a[0] + (r() - 0.5) * 0.02, a[1] + (r() - 0.5) * 0.02];
            let (d, _) = segment_distance_m(p, a, b);
            let brute = (0..=2000)
                .map(|i| distance_m(p, lerp(a, b, i as f64 / 2000.0)))
                .fold(f64::INFINITY, f64::min);
            assert!((d - brute).abs() < 0.01, "{d} vs {brute}");
        }
    }

    #[test]
    fn a_degree_of_longitude_is_shorter_than_a_degree_of_latitude_at_31n() {
        let east = distance_m([120.0, 31.0], [121.0, 31.0]);
        let north = distance_m([120.0, 31.0], [120.0, 32.0]);
        assert!((east / north - 0.857).abs() < 0.01, "{east} {north}");
    }
}
