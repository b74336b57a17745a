//! The spatial index: one R-tree (rstar) per layer over every geometry, answering "which
//! features, nearest first, in metres on the ground" and "which features touch this box".
//!
//! Points go in as themselves; lines and polygon rings go in as their segments, so a long
//! line or a detailed outline costs no more to search than its nearby pieces. The tree holds
//! them in Earth-centred coordinates ([`geodesy::ecef`], metres): the straight chord between
//! two points of the ellipsoid is never longer than the ground distance, so the distance from
//! the query to a node's box is an exact lower bound that costs no trigonometry, and it works
//! the same at 18 degrees north as at 54. Polygons also go into a second tree of their
//! `[lon, lat]` boxes, to find the ones that contain the query (distance 0). The nearest search
//! is best-first; ground distances ([`geodesy::FromPoint`]) are computed only for the leaves
//! that reach the front of the queue, so filters can be applied lazily before any limit.

pub mod geodesy;

use std::cmp::Ordering;
use std::collections::{BinaryHeap, HashSet};

use geo::{BoundingRect, Contains, Geometry, Intersects};
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{ParentNode, RTree, RTreeNode, RTreeObject, AABB};

use geodesy::{
    distance_m, ecef, lerp, nearest_t, sphere_distance_m, FromPoint, LocalFrame, EARTH_RADIUS_M,
};

/// A piece of a feature's geometry in the tree: a point, or a segment straight in
/// `[lon, lat]`, boxed in Earth-centred coordinates.
#[derive(Debug, Clone, Copy)]
pub struct Piece {
    /// Index of the feature in its layer.
    pub feature: u32,
    a: [f64; 2],
    b: [f64; 2],
    env: AABB<[f64; 3]>,
}

impl Piece {
    fn point(feature: u32, a: [f64; 2]) -> Piece {
        let p = ecef(a);
        Piece {
            feature,
            a,
            b: a,
            env: AABB::from_point(p),
        }
    }

    /// A segment's box, padded by far more than the path's bulge away from the chord (the
    /// sagitta, L^2 / 8R), so it holds every point of the `[lon, lat]`-straight path.
    fn segment(feature: u32, a: [f64; 2], b: [f64; 2]) -> Piece {
        let (pa, pb) = (ecef(a), ecef(b));
        let l2 = (0..3).map(|i| (pa[i] - pb[i]).powi(2)).sum::<f64>();
        let pad = l2 / EARTH_RADIUS_M + 0.01;
        let lo = [
            pa[0].min(pb[0]) - pad,
            pa[1].min(pb[1]) - pad,
            pa[2].min(pb[2]) - pad,
        ];
        let hi = [
            pa[0].max(pb[0]) + pad,
            pa[1].max(pb[1]) + pad,
            pa[2].max(pb[2]) + pad,
        ];
        Piece {
            feature,
            a,
            b,
            env: AABB::from_corners(lo, hi),
        }
    }

    fn is_point(&self) -> bool {
        self.a == self.b
    }
}

impl RTreeObject for Piece {
    type Envelope = AABB<[f64; 3]>;
    fn envelope(&self) -> Self::Envelope {
        self.env
    }
}

/// The Earth-centred box holding every point of the `[lon, lat]` box `min..max`: the box of a
/// 9 x 9 grid of its points, padded by more than the surface can bulge between them.
fn patch_box(min: [f64; 2], max: [f64; 2]) -> AABB<[f64; 3]> {
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
    AABB::from_corners(
        [lo[0] - pad, lo[1] - pad, lo[2] - pad],
        [hi[0] + pad, hi[1] + pad, hi[2] + pad],
    )
}

/// Initial room of the best-first queue: a k = 5 search on a million points peaks near 100.
const QUEUE_CAPACITY: usize = 128;

type PolygonBox = GeomWithData<Rectangle<[f64; 2]>, u32>;

/// The frozen index of one layer. Build once with [`LayerIndex::build`], query many times.
pub struct LayerIndex {
    pieces: RTree<Piece>,
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
            .field("pieces", &self.pieces.size())
            .field("polygons", &self.polygons.size())
            .finish()
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

fn pieces_of(g: &Geometry<f64>, feature: u32, out: &mut Vec<Piece>) {
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

fn is_areal(g: &Geometry<f64>) -> bool {
    matches!(
        g,
        Geometry::Polygon(_)
            | Geometry::MultiPolygon(_)
            | Geometry::Rect(_)
            | Geometry::Triangle(_)
    )
}

/// A feature with its ground distance, waiting until no closer one can come.
struct Pending {
    key_m: f64,
    feature: u32,
}

impl PartialEq for Pending {
    fn eq(&self, other: &Self) -> bool {
        self.key_m == other.key_m
    }
}
impl Eq for Pending {}
impl PartialOrd for Pending {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Pending {
    // Reversed: BinaryHeap is a max-heap and we want the nearest first.
    fn cmp(&self, other: &Self) -> Ordering {
        other
            .key_m
            .total_cmp(&self.key_m)
            .then(other.feature.cmp(&self.feature))
    }
}

/// A subtree or a piece waiting in the best-first queue, keyed by its squared chord lower
/// bound (metres^2) from the query, as the bits of that non-negative `f64` (which order like
/// the numbers, and compare in one instruction).
struct Candidate<'a> {
    d2_bits: u64,
    node: &'a RTreeNode<Piece>,
}

impl PartialEq for Candidate<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.d2_bits == other.d2_bits
    }
}
impl Eq for Candidate<'_> {}
impl PartialOrd for Candidate<'_> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Candidate<'_> {
    // Reversed: the smallest bound first.
    #[inline]
    fn cmp(&self, other: &Self) -> Ordering {
        other.d2_bits.cmp(&self.d2_bits)
    }
}

/// Squared distance from `p` to the box `lo..hi` (0 inside).
#[inline(always)]
fn box_d2(lo: &[f64; 3], hi: &[f64; 3], p: &[f64; 3]) -> f64 {
    let mut s = 0.0;
    for k in 0..3 {
        let d = (lo[k] - p[k]).max(p[k] - hi[k]).max(0.0);
        s += d * d;
    }
    s
}

#[inline(always)]
fn node_d2(node: &RTreeNode<Piece>, p: &[f64; 3]) -> f64 {
    match node {
        RTreeNode::Leaf(piece) => {
            let (lo, hi) = (piece.env.lower(), piece.env.upper());
            box_d2(&lo, &hi, p)
        }
        RTreeNode::Parent(parent) => {
            let env = parent.envelope();
            box_d2(&env.lower(), &env.upper(), p)
        }
    }
}

/// Features in order of distance from a point, each once, as `(feature index, metres)`.
/// Lazy: stop pulling whenever you have enough.
///
/// A best-first walk of the piece tree: subtrees and pieces wait in `queue` by their chord
/// lower bound; a piece reaching its front gets its ground distance and waits in `pending`
/// until no queued bound is smaller, so features come out in exact ground-distance order.
pub struct Nearest<'a> {
    /// The nearest child of the node opened last, kept out of `queue`: it is usually the
    /// next to open, and so skips a push and a pop.
    front: Option<Candidate<'a>>,
    queue: BinaryHeap<Candidate<'a>>,
    pending: BinaryHeap<Pending>,
    frame: LocalFrame,
    from: FromPoint,
    xyz: [f64; 3],
    inside: std::vec::IntoIter<u32>,
    seen: FeatureSet,
    track: bool,
}

impl<'a> Nearest<'a> {
    #[inline]
    fn exact_m(&self, piece: &Piece) -> f64 {
        if piece.is_point() {
            return self.from.distance_to_ecef_m(piece.env.lower(), piece.a);
        }
        let t = nearest_t(&self.frame, piece.a, piece.b);
        self.from.distance_m(lerp(piece.a, piece.b, t))
    }

    /// Queue the children of `parent`, the nearest in `front` (empty on entry).
    #[inline]
    fn expand(&mut self, parent: &'a ParentNode<Piece>) {
        debug_assert!(self.front.is_none());
        let mut best: Option<Candidate<'a>> = None;
        for node in parent.children() {
            let c = Candidate {
                d2_bits: node_d2(node, &self.xyz).to_bits(),
                node,
            };
            match &best {
                Some(b) if b.d2_bits <= c.d2_bits => self.queue.push(c),
                _ => {
                    if let Some(b) = best.replace(c) {
                        self.queue.push(b);
                    }
                }
            }
        }
        self.front = best;
    }

    /// Take the candidate with the smallest bound, from `front` or `queue`.
    #[inline]
    fn pop_candidate(&mut self) -> Option<Candidate<'a>> {
        let Some(f) = self.front.take() else {
            return self.queue.pop();
        };
        match self.queue.peek_mut() {
            Some(mut top) if top.d2_bits < f.d2_bits => Some(std::mem::replace(&mut *top, f)),
            _ => Some(f),
        }
    }

    /// The smallest squared chord bound still queued.
    #[inline]
    fn next_bound2(&self) -> f64 {
        let q = self.queue.peek().map_or(u64::MAX, |c| c.d2_bits);
        let f = self.front.as_ref().map_or(u64::MAX, |c| c.d2_bits);
        match q.min(f) {
            u64::MAX => f64::INFINITY,
            bits => f64::from_bits(bits),
        }
    }
}

impl Iterator for Nearest<'_> {
    type Item = (usize, f64);

    fn next(&mut self) -> Option<Self::Item> {
        if let Some(f) = self.inside.next() {
            return Some((f as usize, 0.0));
        }
        loop {
            if let Some(p) = self.pending.peek() {
                if p.key_m * p.key_m <= self.next_bound2() {
                    let Pending { key_m, feature } = self.pending.pop()?;
                    if !self.track || self.seen.insert(feature) {
                        return Some((feature as usize, key_m));
                    }
                    continue;
                }
            }
            let Candidate { node, .. } = self.pop_candidate()?;
            let piece = match node {
                RTreeNode::Parent(parent) => {
                    self.expand(parent);
                    continue;
                }
                RTreeNode::Leaf(piece) => piece,
            };
            if self.track && self.seen.contains(&piece.feature) {
                continue;
            }
            let key_m = self.exact_m(piece);
            // Nothing waiting and nothing queued can be nearer: give it now.
            if self.pending.is_empty() && key_m * key_m <= self.next_bound2() {
                if self.track {
                    self.seen.insert(piece.feature);
                }
                return Some((piece.feature as usize, key_m));
            }
            self.pending.push(Pending {
                key_m,
                feature: piece.feature,
            });
        }
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
        LayerIndex {
            pieces: RTree::bulk_load(pieces),
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
        let pt = geo::Point::new(query[0], query[1]);
        let mut inside: Vec<u32> = self
            .polygons
            .locate_all_at_point(&query)
            .map(|b| b.data)
            .filter(|&f| self.geometries[f as usize].intersects(&pt))
            .collect();
        inside.sort_unstable();
        let from = FromPoint::new(query);
        let mut nearest = Nearest {
            front: None,
            queue: BinaryHeap::with_capacity(QUEUE_CAPACITY),
            pending: BinaryHeap::new(),
            frame: LocalFrame::new(query),
            xyz: from.xyz(),
            from,
            track: !self.one_piece_each,
            seen: inside.iter().copied().collect(),
            inside: inside.into_iter(),
        };
        nearest.expand(self.pieces.root());
        nearest
    }

    /// Features whose geometry intersects the `[lon, lat]` box `min..max`, in feature order.
    pub fn intersecting(&self, min: [f64; 2], max: [f64; 2]) -> Vec<usize> {
        let env = AABB::from_corners(min, max);
        let env3 = patch_box(min, max);
        let rect = geo::Rect::new(
            geo::coord! {x: min[0], y: min[1]},
            geo::coord! {x: max[0], y: max[1]},
        );
        let mut hits: HashSet<u32> = self
            .pieces
            .locate_in_envelope_intersecting(&env3)
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
