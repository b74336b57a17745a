//! The spatial index: one R-tree per layer over every geometry, answering "which features,
//! nearest first, in metres on the ground" and "which features touch this box".
//!
//! Points go in as themselves; lines and polygon rings go in as their segments, so a long
//! line or a detailed outline costs no more to search than its nearby pieces. The tree holds
//! them in Earth-centred coordinates ([`crate::geodesy::ecef`], metres): the straight chord between
//! two points of the ellipsoid is never longer than the ground distance, so the distance from
//! the query to a node's box is an exact lower bound that costs no trigonometry, and it works
//! the same at 18 degrees north as at 54. The piece tree is a static packed R-tree of our own
//! (`packed`: `f32` boxes in one array, no node allocations); it is rebuilt, not edited,
//! when a layer changes. Polygons also go into a second tree (rstar) of their
//! `[lon, lat]` boxes, to find the ones that contain the query (distance 0). The nearest search
//! is best-first; ground distances ([`crate::geodesy::FromPoint`]) are computed only for the leaves
//! that reach the front of the queue, so filters can be applied lazily before any limit.
//!
//! The files: `pieces` (what a geometry goes in as), `packed` (the tree), `nearest` (the
//! iterator, [`Nearest`]), `distance` (one geometry's distance and nearest point by the same
//! measure, [`nearest_on`]).

mod distance;
mod nearest;
mod packed;
mod pieces;

use std::collections::HashSet;

use geo::{BoundingRect, Contains, Geometry, Intersects};
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{RTree, AABB};

use packed::{Box3, PackedTree};
use pieces::{is_areal, pieces_of, Piece, Shape};

use crate::geodesy::{ecef, sphere_distance_m, EARTH_RADIUS_M};

pub use distance::{distance_to_geometry_m, nearest_on};
pub use nearest::Nearest;

/// Initial room of the best-first queue: a k = 5 search on a million points peaks near 100.
const QUEUE_CAPACITY: usize = 128;

type PolygonBox = GeomWithData<Rectangle<[f64; 2]>, u32>;

/// A point of a layer of single points.
#[derive(Debug, Clone, Copy)]
struct PointItem {
    xyz: [f64; 3],
    feature: u32,
}

/// The items of the piece tree, in packing order.
enum Items {
    /// A layer of single points: each item's Earth-centred position (its own exact box, and
    /// all the exact distance needs) with its feature, side by side.
    Points(Vec<PointItem>),
    /// Anything else: each piece (its box is in the tree).
    Pieces(Vec<Piece>),
}

impl Items {
    fn feature(&self, g: u32) -> u32 {
        match self {
            Items::Points(points) => points[g as usize].feature,
            Items::Pieces(pieces) => pieces[g as usize].feature,
        }
    }

    fn len(&self) -> usize {
        match self {
            Items::Points(points) => points.len(),
            Items::Pieces(pieces) => pieces.len(),
        }
    }
}

/// The frozen index of one layer. Build once with [`LayerIndex::build`], query many times.
pub struct LayerIndex {
    /// The packed tree over `items`.
    tree: PackedTree,
    items: Items,
    polygons: RTree<PolygonBox>,
    geometries: Vec<Geometry<f64>>,
    /// Every feature is one piece (a layer of single points): no feature can come twice,
    /// so the search keeps no set of features already given.
    one_piece_each: bool,
}

/// A hasher for feature indices: a multiply, no SipHash (the search is a hot loop).
#[derive(Default, Clone, Copy)]
pub struct IndexHasher(u64);

impl std::hash::Hasher for IndexHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0.rotate_left(5) ^ u64::from(*b)).wrapping_mul(0x517c_c1b7_2722_0a95);
        }
    }
    fn write_u32(&mut self, i: u32) {
        self.0 = u64::from(i).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
}

type FeatureSet = HashSet<u32, std::hash::BuildHasherDefault<IndexHasher>>;

impl std::fmt::Debug for LayerIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LayerIndex")
            .field("pieces", &self.items.len())
            .field("polygons", &self.polygons.size())
            .finish()
    }
}

impl LayerIndex {
    /// Build the index over a layer's geometries (`[lon, lat]` WGS84), in feature order.
    pub fn build(geometries: Vec<Geometry<f64>>) -> Self {
        let mut pieces = Vec::new();
        let mut boxes = Vec::new();
        let mut one_piece_each = true;
        for (i, g) in geometries.iter().enumerate() {
            let before = pieces.len();
            pieces_of(g, i as u32, &mut pieces);
            one_piece_each &= pieces.len() - before == 1;
            if is_areal(g) {
                if let Some(r) = g.bounding_rect() {
                    let rect =
                        Rectangle::from_corners([r.min().x, r.min().y], [r.max().x, r.max().y]);
                    boxes.push(GeomWithData::new(rect, i as u32));
                }
            }
        }
        let envelopes: Vec<Box3> = pieces.iter().map(Piece::envelope).collect();
        let centres: Vec<[f64; 3]> = envelopes
            .iter()
            .map(|b| [0, 1, 2].map(|k| (f64::from(b[k]) + f64::from(b[k + 3])) * 0.5))
            .collect();
        let order = packed::packing_order(&centres);
        let envelopes: Vec<Box3> = order.iter().map(|&i| envelopes[i as usize]).collect();
        let tree = PackedTree::build(&envelopes);
        let points_only = geometries.iter().all(|g| matches!(g, Geometry::Point(_)));
        let items = if points_only {
            Items::Points(
                order
                    .iter()
                    .map(|&i| match pieces[i as usize].shape {
                        Shape::Point { xyz, .. } => PointItem {
                            xyz,
                            feature: pieces[i as usize].feature,
                        },
                        Shape::Segment { .. } => unreachable!("a point is one point piece"),
                    })
                    .collect(),
            )
        } else {
            Items::Pieces(order.iter().map(|&i| pieces[i as usize]).collect())
        };
        LayerIndex {
            tree,
            items,
            one_piece_each: one_piece_each && boxes.is_empty(),
            polygons: RTree::bulk_load(boxes),
            geometries,
        }
    }

    /// Number of features indexed.
    pub fn len(&self) -> usize {
        self.geometries.len()
    }

    /// Whether the layer has no features.
    pub fn is_empty(&self) -> bool {
        self.geometries.is_empty()
    }

    /// The geometry of feature `i`.
    pub fn geometry(&self, i: usize) -> &Geometry<f64> {
        &self.geometries[i]
    }

    /// Every feature in order of ground distance from `query` (`[lon, lat]`): metres to the
    /// nearest point of its geometry, 0 inside a polygon.
    pub fn nearest(&self, query: [f64; 2]) -> Nearest<'_> {
        Nearest::new(self, query)
    }

    /// Features whose geometry intersects the `[lon, lat]` box `min..max`, in feature order.
    pub fn intersecting(&self, min: [f64; 2], max: [f64; 2]) -> Vec<usize> {
        let env = AABB::from_corners(min, max);
        let (lo, hi) = patch_box(min, max);
        let rect = geo::Rect::new(
            geo::coord! {x: min[0], y: min[1]},
            geo::coord! {x: max[0], y: max[1]},
        );
        let mut hits: HashSet<u32> = self
            .tree
            .meeting(lo, hi)
            .into_iter()
            .map(|g| self.items.feature(g))
            .collect();
        // A polygon can contain the whole box without any of its edges touching it.
        hits.extend(
            self.polygons
                .locate_in_envelope_intersecting(&env)
                .map(|b| b.data)
                .filter(|&f| self.geometries[f as usize].contains(&rect.center())),
        );
        let mut out: Vec<usize> = hits
            .into_iter()
            .map(|f| f as usize)
            .filter(|&f| self.geometries[f].intersects(&rect))
            .collect();
        out.sort_unstable();
        out
    }
}

/// The Earth-centred box `(lo, hi)` holding every point of the `[lon, lat]` box `min..max`: the
/// box of a 9 x 9 grid of its points, padded by more than the surface can bulge between them.
fn patch_box(min: [f64; 2], max: [f64; 2]) -> ([f64; 3], [f64; 3]) {
    const N: usize = 8;
    let (dlon, dlat) = ((max[0] - min[0]) / N as f64, (max[1] - min[1]) / N as f64);
    let mut lo = [f64::INFINITY; 3];
    let mut hi = [f64::NEG_INFINITY; 3];
    for i in 0..=N {
        for j in 0..=N {
            let p = ecef([min[0] + dlon * i as f64, min[1] + dlat * j as f64]);
            for k in 0..3 {
                lo[k] = lo[k].min(p[k]);
                hi[k] = hi[k].max(p[k]);
            }
        }
    }
    let lat0 = 0f64.clamp(min[1], max[1]);
    let diag = sphere_distance_m([min[0], lat0], [min[0] + dlon, (lat0 + dlat).min(90.0)])
        + sphere_distance_m([0.0, lat0], [0.0, lat0 + dlat]);
    let pad = diag * diag / EARTH_RADIUS_M + 1.0;
    (lo.map(|v| v - pad), hi.map(|v| v + pad))
}
