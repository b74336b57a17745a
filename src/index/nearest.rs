//! The nearest iterator: features of one layer in exact ground-distance order from a point,
//! each once, lazily (a best-first walk of the packed tree with chord lower bounds).

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use geo::{Geometry, Intersects};

use super::packed::PackedTree;
use super::pieces::Shape;
use super::{FeatureSet, Items, LayerIndex, PointItem, QUEUE_CAPACITY};
use crate::geodesy::{lerp, nearest_t, FromPoint, LocalFrame};

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

impl<'a> Nearest<'a> {
    /// The search from `query` over `index`: features containing the query first, then the
    /// walk from the root.
    pub(super) fn new(index: &'a LayerIndex, query: [f64; 2]) -> Self {
        let pt = geo::Point::new(query[0], query[1]);
        let mut inside: Vec<u32> = index
            .polygons
            .locate_all_at_point(&query)
            .map(|b| b.data)
            .filter(|&f| index.geometries[f as usize].intersects(&pt))
            .collect();
        inside.sort_unstable();
        let from = FromPoint::new(query);
        let mut nearest = Nearest {
            tree: &index.tree,
            items: &index.items,
            geometries: &index.geometries,
            front: 0,
            queue: BinaryHeap::with_capacity(QUEUE_CAPACITY),
            far: Vec::with_capacity(QUEUE_CAPACITY),
            horizon: 0,
            pending: BinaryHeap::new(),
            frame: LocalFrame::new(query),
            xyz: from.xyz(),
            from,
            track: !index.one_piece_each,
            seen: inside.iter().copied().collect(),
            inside: inside.into_iter(),
        };
        if let Some(root) = index.tree.root() {
            nearest.expand(root);
        }
        nearest
    }
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
