//! The spatial index: one R-tree per layer over every geometry, answering "which features,
//! nearest first, in metres on the ground" and "which features touch this box".
//!
//! Points go in as themselves; lines and polygon rings go in as their segments, so a long
//! line or a detailed outline costs no more to search than its nearby pieces. The tree holds
//! them in Earth-centred coordinates ([`geodesy::ecef`], metres): the straight chord between
//! two points of the ellipsoid is never longer than the ground distance, so the distance from
//! the query to a node's box is an exact lower bound that costs no trigonometry, and it works
//! the same at 18 degrees north as at 54. The piece tree is a static packed R-tree of our own
//! (`packed`: `f32` boxes in one array, no node allocations); it is rebuilt, not edited,
//! when a layer changes. Polygons also go into a second tree (rstar) of their
//! `[lon, lat]` boxes, to find the ones that contain the query (distance 0). The nearest search
//! is best-first; ground distances ([`geodesy::FromPoint`]) are computed only for the leaves
//! that reach the front of the queue, so filters can be applied lazily before any limit.

pub mod geodesy;
mod packed;

use std::cmp::Ordering;
use std::collections::{BinaryHeap, HashSet};

use geo::{BoundingRect, Contains, Geometry, Intersects};
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{RTree, AABB};

use packed::{Box3, PackedTree};

use geodesy::{
    distance_m, ecef, lerp, nearest_t, sphere_distance_m, FromPoint, LocalFrame, EARTH_RADIUS_M,
};

/// A piece of a feature's geometry in the tree: a point (with its Earth-centred position, for
/// the exact distance), or a segment straight in `[lon, lat]`.
#[derive(Debug, Clone, Copy)]
enum Shape {
    Point { lonlat: [f64; 2], xyz: [f64; 3] },
    Segment { a: [f64; 2], b: [f64; 2] },
}

#[derive(Debug, Clone, Copy)]
struct Piece {
    /// Index of the feature in its layer.
    feature: u32,
    shape: Shape,
}

impl Piece {
    fn point(feature: u32, a: [f64; 2]) -> Piece {
        Piece {
            feature,
            shape: Shape::Point {
                lonlat: a,
                xyz: ecef(a),
            },
        }
    }

    fn segment(feature: u32, a: [f64; 2], b: [f64; 2]) -> Piece {
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
    fn envelope(&self) -> Box3 {
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

/// A node or piece waiting in the best-first queue, as one integer: the squared chord lower
/// bound (metres^2) in the high half, the tree index in the low half, all inverted so that the
/// max-heap gives the smallest first. The high half is the top 32 bits of the bound's `f64`
/// (sign, exponent and 20 bits of mantissa): for a non-negative number that is the number
/// rounded down, and its bits order like the numbers, so it stays a lower bound.
type Candidate = u64;

const HIGH: u64 = 0xFFFF_FFFF_0000_0000;

#[inline(always)]
fn candidate(d2: f64, g: u32) -> Candidate {
    !((d2.to_bits() & HIGH) | u64::from(g))
}

#[inline(always)]
fn candidate_d2(c: Candidate) -> f64 {
    f64::from_bits(!c & HIGH)
}

#[inline(always)]
fn candidate_index(c: Candidate) -> u32 {
    !c as u32
}

/// Features in order of distance from a point, each once, as `(feature index, metres)`.
/// Lazy: stop pulling whenever you have enough.
///
/// A best-first walk of the piece tree: nodes and pieces wait in `queue` by their chord
/// lower bound; a piece reaching its front gets its ground distance and waits in `pending`
/// until no queued bound is smaller, so features come out in exact ground-distance order.
/// Candidates beyond a horizon wait unordered in `far` (the horizon stands in for their
/// bounds) until the horizon is pushed out: a k = 5 search never orders the hundred-odd
/// siblings it passes on the way down.
pub struct Nearest<'a> {
    tree: &'a PackedTree,
    items: &'a Items,
    geometries: &'a [Geometry<f64>],
    /// The nearest child of the node opened last, kept out of `queue`: it is usually the
    /// next to open, and so skips a push and a pop. 0 (an impossible candidate: it would be
    /// the largest bound of the largest index) when empty.
    front: Candidate,
    /// Candidates whose bound is below the horizon, nearest first.
    queue: BinaryHeap<Candidate>,
    /// Candidates at or beyond the horizon, unordered: most are never needed, and a push
    /// here costs nothing like a heap push.
    far: Vec<Candidate>,
    /// The horizon: the top 32 bits of a squared bound (as in a [`Candidate`]); everything in
    /// `far` has a bound at least this. It starts at 0 (the first walk down the tree puts
    /// every sibling in `far`) and grows when `queue` runs dry ([`Nearest::refill`]).
    horizon: u64,
    pending: BinaryHeap<Pending>,
    frame: LocalFrame,
    from: FromPoint,
    xyz: [f64; 3],
    inside: std::vec::IntoIter<u32>,
    seen: FeatureSet,
    track: bool,
}

impl Nearest<'_> {
    /// Ground distance to item `g`, and its feature.
    #[inline]
    fn exact_m(&self, g: u32) -> (f64, u32) {
        match self.items {
            Items::Points(points) => {
                let PointItem { xyz, feature: f } = points[g as usize];
                let lonlat = || match &self.geometries[f as usize] {
                    Geometry::Point(p) => [p.x(), p.y()],
                    _ => unreachable!("a points layer holds points"),
                };
                (self.from.distance_to_ecef_m(xyz, lonlat), f)
            }
            Items::Pieces(pieces) => {
                let piece = &pieces[g as usize];
                let d = match piece.shape {
                    Shape::Point { lonlat, xyz } => self.from.distance_to_ecef_m(xyz, || lonlat),
                    Shape::Segment { a, b } => {
                        let t = nearest_t(&self.frame, a, b);
                        self.from.distance_m(lerp(a, b, t))
                    }
                };
                (d, piece.feature)
            }
        }
    }

    /// Queue `c`, or keep it as `best` if it beats it (then queueing the old best).
    #[inline(always)]
    fn offer(&mut self, best: &mut Candidate, c: Candidate) {
        if c > *best {
            let old = std::mem::replace(best, c);
            if old != 0 {
                self.queue_or_far(old);
            }
        } else {
            self.queue_or_far(c);
        }
    }

    #[inline(always)]
    fn queue_or_far(&mut self, c: Candidate) {
        if !c & HIGH < self.horizon {
            self.queue.push(c);
        } else {
            self.far.push(c);
        }
    }

    /// Push the horizon out (16 times the squared bound, and at least 4 times the squared
    /// distance of the nearest feature waiting, and 100 m) and queue what of `far` is now
    /// inside it. False when `far` is empty.
    #[cold]
    fn refill(&mut self) -> bool {
        if self.far.is_empty() {
            return false;
        }
        let waiting = self.pending.peek().map_or(0.0, |p| 4.0 * p.key_m * p.key_m);
        let t = (16.0 * f64::from_bits(self.horizon))
            .max(waiting)
            .max(100.0 * 100.0);
        self.horizon = t.to_bits() & HIGH;
        let mut i = 0;
        while i < self.far.len() {
            let c = self.far[i];
            if !c & HIGH < self.horizon {
                self.queue.push(c);
                self.far.swap_remove(i);
            } else {
                i += 1;
            }
        }
        true
    }

    /// Queue the children of node `g`, the nearest in `front` (empty on entry).
    #[inline]
    fn expand(&mut self, g: u32) {
        debug_assert_eq!(self.front, 0);
        let mut best: Candidate = 0;
        let children = self.tree.children(g);
        let first = children.start;
        let p = self.xyz;
        match self.items {
            Items::Points(points) if self.tree.is_item(first) => {
                let range = first as usize..children.end as usize;
                for (child, item) in (first..).zip(&points[range]) {
                    let q = &item.xyz;
                    let d2 = (q[0] - p[0]).powi(2) + (q[1] - p[1]).powi(2) + (q[2] - p[2]).powi(2);
                    self.offer(&mut best, candidate(d2, child));
                }
            }
            _ => {
                let d2 = self.tree.group(g).d2(&p);
                for (child, d2) in children.zip(d2) {
                    self.offer(&mut best, candidate(d2, child));
                }
            }
        }
        self.front = best;
    }

    /// Take the candidate with the smallest bound, from `front` or `queue`.
    #[inline]
    fn pop_candidate(&mut self) -> Option<Candidate> {
        let f = std::mem::take(&mut self.front);
        if f == 0 {
            while self.queue.is_empty() {
                if !self.refill() {
                    return None;
                }
            }
            return self.queue.pop();
        }
        match self.queue.peek_mut() {
            Some(mut top) if *top > f => Some(std::mem::replace(&mut *top, f)),
            _ => Some(f),
        }
    }

    /// The smallest squared chord bound still queued.
    #[inline]
    fn next_bound2(&self) -> f64 {
        let near = match self.queue.peek().map_or(0, |&c| c).max(self.front) {
            0 => f64::INFINITY,
            c => candidate_d2(c),
        };
        if self.far.is_empty() {
            near
        } else {
            near.min(f64::from_bits(self.horizon))
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
            let g = candidate_index(self.pop_candidate()?);
            if !self.tree.is_item(g) {
                self.expand(g);
                continue;
            }
            if self.track && self.seen.contains(&self.items.feature(g)) {
                continue;
            }
            let (key_m, feature) = self.exact_m(g);
            // Nothing waiting and nothing queued can be nearer: give it now.
            if self.pending.is_empty() && key_m * key_m <= self.next_bound2() {
                if self.track {
                    self.seen.insert(feature);
                }
                return Some((feature as usize, key_m));
            }
            self.pending.push(Pending { key_m, feature });
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
            tree: &self.tree,
            items: &self.items,
            geometries: &self.geometries,
            front: 0,
            queue: BinaryHeap::with_capacity(QUEUE_CAPACITY),
            far: Vec::with_capacity(QUEUE_CAPACITY),
            horizon: 0,
            pending: BinaryHeap::new(),
            frame: LocalFrame::new(query),
            xyz: from.xyz(),
            from,
            track: !self.one_piece_each,
            seen: inside.iter().copied().collect(),
            inside: inside.into_iter(),
        };
        if let Some(root) = self.tree.root() {
            nearest.expand(root);
        }
        nearest
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
        .map(|pc| match pc.shape {
            Shape::Point { lonlat, .. } => distance_m(p, lonlat),
            Shape::Segment { a, b } => distance_m(p, lerp(a, b, nearest_t(&frame, a, b))),
        })
        .fold(f64::INFINITY, f64::min)
}
