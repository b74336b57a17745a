//! The spatial index: one R-tree (rstar) per layer over every geometry, answering "which
//! features, nearest first, in metres on the ground" and "which features touch this box".
//!
//! Points go in as themselves; lines and polygon rings go in as their segments, so a long
//! line or a detailed outline costs no more to search than its nearby pieces. Polygons also
//! go into a second tree of their bounding boxes, to find the ones that contain the query
//! (distance 0). The nearest search is best-first over the tree with lower bounds in metres
//! ([`geodesy::rect_lower_bound_m`]); exact geodesics are computed only for the leaves that
//! reach the front of the queue, so filters can be applied lazily before any limit.

pub mod geodesy;

use std::cmp::Ordering;
use std::collections::{BinaryHeap, HashSet};

use geo::{BoundingRect, Contains, Geometry, Intersects};
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{ParentNode, RTree, RTreeNode, RTreeObject, AABB};

use geodesy::{
    distance_m, lerp, nearest_t, rect_lower_bound_m, sphere_distance_m, LocalFrame, SPHERE_SAFETY,
};

/// A piece of a feature's geometry in the tree.
#[derive(Debug, Clone, Copy)]
pub struct Piece {
    /// Index of the feature in its layer.
    pub feature: u32,
    a: [f64; 2],
    b: [f64; 2],
}

impl Piece {
    fn is_point(&self) -> bool {
        self.a == self.b
    }
}

impl RTreeObject for Piece {
    type Envelope = AABB<[f64; 2]>;
    fn envelope(&self) -> Self::Envelope {
        AABB::from_corners(self.a, self.b)
    }
}

type PolygonBox = GeomWithData<Rectangle<[f64; 2]>, u32>;

/// The frozen index of one layer. Build once with [`LayerIndex::build`], query many times.
pub struct LayerIndex {
    pieces: RTree<Piece>,
    polygons: RTree<PolygonBox>,
    geometries: Vec<Geometry<f64>>,
}

impl std::fmt::Debug for LayerIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LayerIndex")
            .field("pieces", &self.pieces.size())
            .field("polygons", &self.polygons.size())
            .finish()
    }
}

fn push_line(out: &mut Vec<Piece>, feature: u32, coords: &[geo::Coord<f64>]) {
    if coords.len() == 1 {
        let c = [coords[0].x, coords[0].y];
        out.push(Piece {
            feature,
            a: c,
            b: c,
        });
    }
    for w in coords.windows(2) {
        out.push(Piece {
            feature,
            a: [w[0].x, w[0].y],
            b: [w[1].x, w[1].y],
        });
    }
}

fn pieces_of(g: &Geometry<f64>, feature: u32, out: &mut Vec<Piece>) {
    use Geometry as G;
    match g {
        G::Point(p) => {
            let c = [p.x(), p.y()];
            out.push(Piece {
                feature,
                a: c,
                b: c,
            });
        }
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

fn is_areal(g: &Geometry<f64>) -> bool {
    matches!(
        g,
        Geometry::Polygon(_)
            | Geometry::MultiPolygon(_)
            | Geometry::Rect(_)
            | Geometry::Triangle(_)
    )
}

/// One entry of the best-first queue: a node to open, a leaf with only a lower bound, or a
/// leaf with its exact distance.
enum Item<'a> {
    Node(&'a ParentNode<Piece>),
    Bound(&'a Piece),
    Exact(u32),
}

struct Queued<'a> {
    key_m: f64,
    item: Item<'a>,
}

impl PartialEq for Queued<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.key_m == other.key_m
    }
}
impl Eq for Queued<'_> {}
impl PartialOrd for Queued<'_> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Queued<'_> {
    // Reversed: BinaryHeap is a max-heap and we want the nearest first.
    fn cmp(&self, other: &Self) -> Ordering {
        other.key_m.total_cmp(&self.key_m)
    }
}

/// Features in order of distance from a point, each once, as `(feature index, metres)`.
/// Lazy: stop pulling whenever you have enough.
pub struct Nearest<'a> {
    index: &'a LayerIndex,
    query: [f64; 2],
    frame: LocalFrame,
    heap: BinaryHeap<Queued<'a>>,
    inside: std::vec::IntoIter<u32>,
    seen: HashSet<u32>,
}

impl<'a> Nearest<'a> {
    fn push_children(&mut self, node: &'a ParentNode<Piece>) {
        for child in node.children() {
            match child {
                RTreeNode::Parent(p) => {
                    let env = p.envelope();
                    let key_m = rect_lower_bound_m(self.query, env.lower(), env.upper());
                    self.heap.push(Queued {
                        key_m,
                        item: Item::Node(p),
                    });
                }
                RTreeNode::Leaf(piece) => {
                    if self.seen.contains(&piece.feature) {
                        continue;
                    }
                    let key_m = if piece.is_point() {
                        sphere_distance_m(self.query, piece.a) * SPHERE_SAFETY
                    } else {
                        let env = piece.envelope();
                        rect_lower_bound_m(self.query, env.lower(), env.upper())
                    };
                    self.heap.push(Queued {
                        key_m,
                        item: Item::Bound(piece),
                    });
                }
            }
        }
    }

    fn exact_m(&self, piece: &Piece) -> f64 {
        if piece.is_point() {
            distance_m(self.query, piece.a)
        } else {
            let t = nearest_t(&self.frame, piece.a, piece.b);
            distance_m(self.query, lerp(piece.a, piece.b, t))
        }
    }
}

impl Iterator for Nearest<'_> {
    type Item = (usize, f64);

    fn next(&mut self) -> Option<Self::Item> {
        if let Some(f) = self.inside.next() {
            return Some((f as usize, 0.0));
        }
        while let Some(Queued { key_m, item }) = self.heap.pop() {
            match item {
                Item::Node(node) => self.push_children(node),
                Item::Bound(piece) => {
                    if !self.seen.contains(&piece.feature) {
                        let key_m = self.exact_m(piece);
                        self.heap.push(Queued {
                            key_m,
                            item: Item::Exact(piece.feature),
                        });
                    }
                }
                Item::Exact(f) => {
                    if self.seen.insert(f) {
                        return Some((f as usize, key_m));
                    }
                }
            }
        }
        None
    }
}

impl LayerIndex {
    /// Build the index over a layer's geometries (`[lon, lat]` WGS84), in feature order.
    pub fn build(geometries: Vec<Geometry<f64>>) -> Self {
        let mut pieces = Vec::new();
        let mut boxes = Vec::new();
        for (i, g) in geometries.iter().enumerate() {
            pieces_of(g, i as u32, &mut pieces);
            if is_areal(g) {
                if let Some(r) = g.bounding_rect() {
                    let rect =
                        Rectangle::from_corners([r.min().x, r.min().y], [r.max().x, r.max().y]);
                    boxes.push(GeomWithData::new(rect, i as u32));
                }
            }
        }
        LayerIndex {
            pieces: RTree::bulk_load(pieces),
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
        let pt = geo::Point::new(query[0], query[1]);
        let mut inside: Vec<u32> = self
            .polygons
            .locate_all_at_point(&query)
            .map(|b| b.data)
            .filter(|&f| self.geometries[f as usize].intersects(&pt))
            .collect();
        inside.sort_unstable();
        let mut it = Nearest {
            index: self,
            query,
            frame: LocalFrame::new(query),
            heap: BinaryHeap::new(),
            seen: inside.iter().copied().collect(),
            inside: inside.into_iter(),
        };
        let root = it.index.pieces.root();
        it.push_children(root);
        it
    }

    /// Features whose geometry intersects the `[lon, lat]` box `min..max`, in feature order.
    pub fn intersecting(&self, min: [f64; 2], max: [f64; 2]) -> Vec<usize> {
        let env = AABB::from_corners(min, max);
        let rect = geo::Rect::new(
            geo::coord! {x: min[0], y: min[1]},
            geo::coord! {x: max[0], y: max[1]},
        );
        let mut hits: HashSet<u32> = self
            .pieces
            .locate_in_envelope_intersecting(&env)
            .map(|p| p.feature)
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

/// Exact ground distance in metres from `p` (`[lon, lat]`) to a geometry: 0 inside a polygon,
/// else to the nearest point of its vertices and segments (the same measure the index uses).
pub fn distance_to_geometry_m(g: &Geometry<f64>, p: [f64; 2]) -> f64 {
    if is_areal(g) && g.intersects(&geo::Point::new(p[0], p[1])) {
        return 0.0;
    }
    let mut pieces = Vec::new();
    pieces_of(g, 0, &mut pieces);
    let frame = LocalFrame::new(p);
    pieces
        .iter()
        .map(|pc| {
            if pc.is_point() {
                distance_m(p, pc.a)
            } else {
                distance_m(p, lerp(pc.a, pc.b, nearest_t(&frame, pc.a, pc.b)))
            }
        })
        .fold(f64::INFINITY, f64::min)
}
