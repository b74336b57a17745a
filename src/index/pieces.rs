//! The pieces a geometry goes into the tree as: its points, and its segments straight in
//! `[lon, lat]` (lines and polygon rings), each with its Earth-centred box.

use geo::Geometry;

use super::packed::{self, Box3};
use crate::geodesy::{ecef, EARTH_RADIUS_M};

/// A piece of a feature's geometry in the tree: a point (with its Earth-centred position, for
/// the exact distance), or a segment straight in `[lon, lat]`.
#[derive(Debug, Clone, Copy)]
pub(super) enum Shape {
    Point { lonlat: [f64; 2], xyz: [f64; 3] },
    Segment { a: [f64; 2], b: [f64; 2] },
}

#[derive(Debug, Clone, Copy)]
pub(super) struct Piece {
    /// Index of the feature in its layer.
    pub(super) feature: u32,
    pub(super) shape: Shape,
}

impl Piece {
    pub(super) fn point(feature: u32, a: [f64; 2]) -> Piece {
        Piece {
            feature,
            shape: Shape::Point {
                lonlat: a,
                xyz: ecef(a),
            },
        }
    }

    pub(super) fn segment(feature: u32, a: [f64; 2], b: [f64; 2]) -> Piece {
        if a == b {
            return Piece::point(feature, a);
        }
        Piece {
            feature,
            shape: Shape::Segment { a, b },
        }
    }

    /// The Earth-centred box of the piece. A segment's is padded by far more than the path's
    /// bulge away from the chord (the sagitta, L^2 / 8R), so it holds every point of the
    /// `[lon, lat]`-straight path.
    pub(super) fn envelope(&self) -> Box3 {
        match self.shape {
            Shape::Point { xyz, .. } => packed::box3(xyz, xyz),
            Shape::Segment { a, b } => {
                let (pa, pb) = (ecef(a), ecef(b));
                let l2 = (0..3).map(|i| (pa[i] - pb[i]).powi(2)).sum::<f64>();
                let pad = l2 / EARTH_RADIUS_M + 0.01;
                packed::box3(
                    [0, 1, 2].map(|k| pa[k].min(pb[k]) - pad),
                    [0, 1, 2].map(|k| pa[k].max(pb[k]) + pad),
                )
            }
        }
    }
}

fn push_line(out: &mut Vec<Piece>, feature: u32, coords: &[geo::Coord<f64>]) {
    if coords.len() == 1 {
        out.push(Piece::point(feature, [coords[0].x, coords[0].y]));
    }
    for w in coords.windows(2) {
        out.push(Piece::segment(feature, [w[0].x, w[0].y], [w[1].x, w[1].y]));
    }
}

pub(super) fn pieces_of(g: &Geometry<f64>, feature: u32, out: &mut Vec<Piece>) {
    use Geometry as G;
    match g {
        G::Point(p) => out.push(Piece::point(feature, [p.x(), p.y()])),
        G::MultiPoint(mp) => mp
            .iter()
            .for_each(|p| pieces_of(&G::Point(*p), feature, out)),
        G::Line(l) => push_line(out, feature, &[l.start, l.end]),
        G::LineString(ls) => push_line(out, feature, &ls.0),
        G::MultiLineString(m) => m.iter().for_each(|ls| push_line(out, feature, &ls.0)),
        G::Polygon(p) => {
            push_line(out, feature, &p.exterior().0);
            p.interiors()
                .iter()
                .for_each(|r| push_line(out, feature, &r.0));
        }
        G::MultiPolygon(m) => m
            .iter()
            .for_each(|p| pieces_of(&G::Polygon(p.clone()), feature, out)),
        G::GeometryCollection(gc) => gc.iter().for_each(|g| pieces_of(g, feature, out)),
        G::Rect(r) => pieces_of(&G::Polygon(r.to_polygon()), feature, out),
        G::Triangle(t) => pieces_of(&G::Polygon(t.to_polygon()), feature, out),
    }
}

pub(super) fn is_areal(g: &Geometry<f64>) -> bool {
    matches!(
        g,
        Geometry::Polygon(_)
            | Geometry::MultiPolygon(_)
            | Geometry::Rect(_)
            | Geometry::Triangle(_)
    )
}
