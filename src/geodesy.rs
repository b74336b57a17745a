//! Ground distances on the WGS84 ellipsoid, and the cheap lower bounds that let the index
//! prune without ever comparing raw degrees.
//!
//! Exact distances are Karney's geodesics (via `geo::Geodesic`); [`FromPoint`] gives the same
//! figure to well under a millimetre for lines under 100 km, much faster. Lower bounds are
//! chords in Earth-centred coordinates ([`ecef`]). A segment between two vertices is the straight
//! line in `[lon, lat]` (as a web map draws it); its nearest point to a query is found in a
//! local frame centred on the query and its distance is then measured as a geodesic.

use geo::{Distance, Geodesic, Point};

/// Mean Earth radius in metres (IUGG), for the spherical lower bounds.
pub const EARTH_RADIUS_M: f64 = 6_371_008.8;

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

/// Where a chord of this length or more is measured with Karney's geodesic instead of
/// [`FromPoint::distance_m`]'s chord-and-curvature formula.
pub const SHORT_LINE_M: f64 = 100_000.0;

/// Earth-centred, Earth-fixed coordinates in metres of a `[lon, lat]` position on the WGS84
/// ellipsoid. The straight chord between two such points is never longer than the ground
/// distance, so boxes of these coordinates give cheap, exact lower bounds.
pub fn ecef(p: [f64; 2]) -> [f64; 3] {
    let (sl, cl) = p[0].to_radians().sin_cos();
    let (sp, cp) = p[1].to_radians().sin_cos();
    let n = WGS84_A / (1.0 - WGS84_E2 * sp * sp).sqrt();
    [n * cp * cl, n * cp * sl, n * (1.0 - WGS84_E2) * sp]
}

/// Distances from one fixed point, fast: the straight chord between the two positions on the
/// ellipsoid (Earth-centred coordinates), turned into an arc with the normal-section radius
/// of curvature in the line's direction (Euler's formula). Within [`SHORT_LINE_M`] this agrees
/// with Karney's geodesic to well under a millimetre (tested), at a fraction of the cost;
/// longer lines fall back to Karney.
#[derive(Debug, Clone, Copy)]
pub struct FromPoint {
    origin: [f64; 2],
    xyz: [f64; 3],
    east: [f64; 3],
    north: [f64; 3],
    inv_m: f64,
    inv_n: f64,
}

impl FromPoint {
    /// Prepare distances from `origin` (`[lon, lat]`).
    pub fn new(origin: [f64; 2]) -> Self {
        let (sl, cl) = origin[0].to_radians().sin_cos();
        let (sp, cp) = origin[1].to_radians().sin_cos();
        let w = (1.0 - WGS84_E2 * sp * sp).sqrt();
        FromPoint {
            origin,
            xyz: ecef(origin),
            east: [-sl, cl, 0.0],
            north: [-sp * cl, -sp * sl, cp],
            inv_m: (w * w * w) / (WGS84_A * (1.0 - WGS84_E2)),
            inv_n: w / WGS84_A,
        }
    }

    /// Ground distance in metres to `p` (`[lon, lat]`).
    #[inline]
    pub fn distance_m(&self, p: [f64; 2]) -> f64 {
        self.distance_to_ecef_m(ecef(p), || p)
    }

    /// Initial bearing in degrees clockwise from north (0..360) to `p` (`[lon, lat]`): within
    /// [`SHORT_LINE_M`], the direction of the chord in the local east/north plane (the normal
    /// section's azimuth, within 1e-6 degrees of the geodesic's there); beyond, Karney's.
    pub fn bearing_deg(&self, p: [f64; 2]) -> f64 {
        let q = ecef(p);
        let c = [q[0] - self.xyz[0], q[1] - self.xyz[1], q[2] - self.xyz[2]];
        if c[0] * c[0] + c[1] * c[1] + c[2] * c[2] >= SHORT_LINE_M * SHORT_LINE_M {
            return bearing_deg(self.origin, p);
        }
        let e = c[0] * self.east[0] + c[1] * self.east[1];
        let n = c[0] * self.north[0] + c[1] * self.north[1] + c[2] * self.north[2];
        e.atan2(n).to_degrees().rem_euclid(360.0)
    }

    /// The origin in Earth-centred coordinates.
    pub fn xyz(&self) -> [f64; 3] {
        self.xyz
    }

    /// Ground distance in metres to a position given as [`ecef`] coordinates `q`; `p` gives
    /// it as `[lon, lat]`, asked for only beyond [`SHORT_LINE_M`].
    #[inline]
    pub fn distance_to_ecef_m(&self, q: [f64; 3], p: impl FnOnce() -> [f64; 2]) -> f64 {
        let c = [q[0] - self.xyz[0], q[1] - self.xyz[1], q[2] - self.xyz[2]];
        let c2 = c[0] * c[0] + c[1] * c[1] + c[2] * c[2];
        if c2 >= SHORT_LINE_M * SHORT_LINE_M {
            return distance_m(self.origin, p());
        }
        let e = c[0] * self.east[0] + c[1] * self.east[1];
        let n = c[0] * self.north[0] + c[1] * self.north[1] + c[2] * self.north[2];
        let h2 = e * e + n * n;
        let cos2 = if h2 > 0.0 { n * n / h2 } else { 1.0 };
        let inv_r = cos2 * self.inv_m + (1.0 - cos2) * self.inv_n;
        2.0 * (0.5 * c2.sqrt() * inv_r).asin() / inv_r
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

    use crate::sample::Rng;

    fn rng(seed: u64) -> impl FnMut() -> f64 {
        Rng::uniform(seed)
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
    fn the_fast_distance_agrees_with_karney_to_a_millimetre_within_100_km() {
        let mut r = rng(17);
        let mut worst = 0.0f64;
        for _ in 0..200_000 {
            let p = [73.0 + 62.0 * r(), 18.0 + 36.0 * r()];
            let span = [0.001, 0.01, 0.1, 0.5][(r() * 4.0) as usize];
            let q = [
                p[0] + (r() - 0.5) * 2.0 * span,
                p[1] + (r() - 0.5) * 2.0 * span,
            ];
            let fast = FromPoint::new(p).distance_m(q);
            let exact = distance_m(p, q);
            worst = worst.max((fast - exact).abs());
        }
        assert!(worst < 1e-3, "worst difference {worst} m");
    }

    #[test]
    fn the_fast_bearing_agrees_with_karney_within_100_km() {
        let mut r = rng(19);
        let mut worst = 0.0f64;
        for _ in 0..100_000 {
            let p = [73.0 + 62.0 * r(), 18.0 + 36.0 * r()];
            let span = [0.001, 0.01, 0.1, 0.5][(r() * 4.0) as usize];
            let q = [
                p[0] + (r() - 0.5) * 2.0 * span,
                p[1] + (r() - 0.5) * 2.0 * span,
            ];
            let d = (FromPoint::new(p).bearing_deg(q) - bearing_deg(p, q)).abs();
            worst = worst.max(d.min(360.0 - d));
        }
        assert!(worst < 1e-4, "worst difference {worst} degrees");
    }

    #[test]
    fn a_degree_of_longitude_is_shorter_than_a_degree_of_latitude_at_31n() {
        let east = distance_m([120.0, 31.0], [121.0, 31.0]);
        let north = distance_m([120.0, 31.0], [120.0, 32.0]);
        assert!((east / north - 0.857).abs() < 0.01, "{east} {north}");
    }
}
