//! A static, packed R-tree over boxes in Earth-centred coordinates (metres), built once by a
//! k-d partition whose cuts fall on subtree sizes, grouping [`NODE`] neighbours per node.
//!
//! The nodes' boxes live in one contiguous array as `f32`, rounded outward (so every box still
//! holds what it bounds, and a distance to it is still a lower bound), level by level up to the
//! root, last. Indices below `items` are the items (the caller keeps their bounds, in whatever
//! form suits them); index `items + k` is node `k`, whose children are the indices
//! `first_child[k] .. first_child[k + 1]`. A node costs no pointer and no allocation of its
//! own, and a search walks plain indices over a few cache lines per node. (After Flatbush; our
//! boxes are 3-D because the bounds are chords through the Earth.)

/// Children per node (4 to 16 measured: 8 is the fastest wall-clock on 1M points).
pub const NODE: usize = 8;

/// A box as `[lo_x, lo_y, lo_z, hi_x, hi_y, hi_z]`.
pub type Box3 = [f32; 6];

/// The boxes of one node's children, axis by axis, so that the bounds of all of them are
/// computed together (in SIMD lanes); lanes past the last child hold empty boxes.
#[derive(Debug, Clone, Copy)]
#[repr(C, align(64))]
pub struct Group {
    lo: [[f32; NODE]; 3],
    hi: [[f32; NODE]; 3],
}

impl Group {
    const EMPTY: Group = Group {
        lo: [[f32::INFINITY; NODE]; 3],
        hi: [[f32::NEG_INFINITY; NODE]; 3],
    };

    /// Squared distance in metres^2 from `p` to each lane's box (0 inside, infinite for an
    /// empty lane). Written with comparisons, not `f64::max`, so that it vectorises.
    #[inline(always)]
    pub fn d2(&self, p: &[f64; 3]) -> [f64; NODE] {
        let mut out = [0.0; NODE];
        for ((lo, hi), &pk) in self.lo.iter().zip(&self.hi).zip(p) {
            for ((o, &lo), &hi) in out.iter_mut().zip(lo).zip(hi) {
                let a = f64::from(lo) - pk;
                let b = pk - f64::from(hi);
                let d = if a > b { a } else { b };
                let d = if d > 0.0 { d } else { 0.0 };
                *o += d * d;
            }
        }
        out
    }

    /// Lane `l` as a box.
    pub fn lane(&self, l: usize) -> Box3 {
        [
            self.lo[0][l],
            self.lo[1][l],
            self.lo[2][l],
            self.hi[0][l],
            self.hi[1][l],
            self.hi[2][l],
        ]
    }

    fn set(&mut self, l: usize, b: &Box3) {
        for k in 0..3 {
            self.lo[k][l] = b[k];
            self.hi[k][l] = b[k + 3];
        }
    }
}

/// The packed tree's nodes: see the module documentation.
#[derive(Debug, Default)]
pub struct PackedTree {
    /// Node `k`'s children's boxes.
    groups: Vec<Group>,
    first_child: Vec<u32>,
    items: usize,
}

/// The largest `f32` not above `x`.
#[inline]
fn down(x: f64) -> f32 {
    let f = x as f32;
    if f64::from(f) > x {
        f.next_down()
    } else {
        f
    }
}

/// The smallest `f32` not below `x`.
#[inline]
fn up(x: f64) -> f32 {
    let f = x as f32;
    if f64::from(f) < x {
        f.next_up()
    } else {
        f
    }
}

/// `lo..hi` (f64) as an `f32` box holding it.
pub fn box3(lo: [f64; 3], hi: [f64; 3]) -> Box3 {
    [
        down(lo[0]),
        down(lo[1]),
        down(lo[2]),
        up(hi[0]),
        up(hi[1]),
        up(hi[2]),
    ]
}

fn union(a: &Box3, b: &Box3) -> Box3 {
    [
        a[0].min(b[0]),
        a[1].min(b[1]),
        a[2].min(b[2]),
        a[3].max(b[3]),
        a[4].max(b[4]),
        a[5].max(b[5]),
    ]
}

/// Squared distance in metres^2 from `p` to box `b` (0 inside).
#[cfg(test)]
fn box_d2(b: &Box3, p: &[f64; 3]) -> f64 {
    let mut s = 0.0;
    for k in 0..3 {
        let d = (f64::from(b[k]) - p[k])
            .max(p[k] - f64::from(b[k + 3]))
            .max(0.0);
        s += d * d;
    }
    s
}

/// Whether box `b` meets the box `lo..hi`.
#[inline]
fn meets(b: &Box3, lo: &[f64; 3], hi: &[f64; 3]) -> bool {
    (0..3).all(|k| f64::from(b[k]) <= hi[k] && f64::from(b[k + 3]) >= lo[k])
}

/// The order in which to pack items whose box centres are `centres`: a k-d partition whose
/// cuts fall on multiples of each level's subtree size, so that every run of [`NODE`]^h
/// consecutive items (the subtree of one node at height h) is one compact part of space.
pub fn packing_order(centres: &[[f64; 3]]) -> Vec<u32> {
    // Contiguous (centre, index) records: the partition reads neighbours, not scattered
    // centres. `f32` is plenty for an order.
    let mut items: Vec<([f32; 3], u32)> = centres
        .iter()
        .enumerate()
        .map(|(i, c)| (c.map(|v| v as f32), i as u32))
        .collect();
    let mut sub = 1;
    while sub * NODE < items.len() {
        sub *= NODE;
    }
    partition(&mut items, sub, 0);
    items.into_iter().map(|(_, i)| i).collect()
}

/// Parts at least this large are partitioned on two threads (at the first two cuts only).
const PARALLEL_FROM: usize = 200_000;

/// Order `items` (at most `sub * NODE`) into runs of `sub` compact items, recursively.
fn partition(items: &mut [([f32; 3], u32)], sub: usize, depth: u32) {
    if sub == 1 || items.len() <= 1 {
        return;
    }
    if items.len() <= sub {
        return partition(items, sub / NODE, depth);
    }
    let mut lo = [f32::INFINITY; 3];
    let mut hi = [f32::NEG_INFINITY; 3];
    for (c, _) in items.iter() {
        for k in 0..3 {
            lo[k] = lo[k].min(c[k]);
            hi[k] = hi[k].max(c[k]);
        }
    }
    let axis = (0..3)
        .max_by(|&a, &b| (hi[a] - lo[a]).total_cmp(&(hi[b] - lo[b])))
        .unwrap_or(0);
    let cut = items.len().div_ceil(sub) / 2 * sub;
    items.select_nth_unstable_by(cut, |a, b| a.0[axis].total_cmp(&b.0[axis]));
    let (l, r) = items.split_at_mut(cut);
    if l.len() + r.len() >= PARALLEL_FROM && depth < 2 {
        std::thread::scope(|s| {
            s.spawn(|| partition(l, sub, depth + 1));
            partition(r, sub, depth + 1);
        });
    } else {
        partition(l, sub, depth);
        partition(r, sub, depth);
    }
}

impl PackedTree {
    /// Pack the item boxes, already in packing order (item `i` keeps index `i`).
    pub fn build(items: &[Box3]) -> PackedTree {
        let n = items.len();
        if n == 0 {
            return PackedTree::default();
        }
        let mut nodes: Vec<Box3> = Vec::with_capacity(n / (NODE - 1) + 2);
        let mut groups: Vec<Group> = Vec::with_capacity(n / (NODE - 1) + 2);
        let mut first_child = Vec::with_capacity(n / (NODE - 1) + 3);
        let bbox = |nodes: &[Box3], g: usize| if g < n { items[g] } else { nodes[g - n] };
        // One level at a time until a single box (the root) is made; a one-item tree still
        // gets a root over its item, so every search starts at a node.
        let (mut start, mut end) = (0usize, n);
        loop {
            let mut i = start;
            while i < end {
                let j = (i + NODE).min(end);
                let mut group = Group::EMPTY;
                let mut b = bbox(&nodes, i);
                for g in i..j {
                    let c = bbox(&nodes, g);
                    b = union(&b, &c);
                    group.set(g - i, &c);
                }
                first_child.push(i as u32);
                nodes.push(b);
                groups.push(group);
                i = j;
            }
            (start, end) = (end, n + nodes.len());
            if end - start == 1 {
                break;
            }
        }
        first_child.push(start as u32);
        PackedTree {
            groups,
            first_child,
            items: n,
        }
    }

    /// Number of items.
    #[cfg(test)]
    pub fn items(&self) -> usize {
        self.items
    }

    /// The root's index, `None` for an empty tree.
    #[inline]
    pub fn root(&self) -> Option<u32> {
        (self.items > 0).then(|| (self.items + self.groups.len() - 1) as u32)
    }

    /// Whether `g` is an item rather than a node.
    #[inline(always)]
    pub fn is_item(&self, g: u32) -> bool {
        (g as usize) < self.items
    }

    /// The children of node `g`, as a range of indices: all items or all nodes.
    #[inline(always)]
    pub fn children(&self, g: u32) -> std::ops::Range<u32> {
        let k = g as usize - self.items;
        self.first_child[k]..self.first_child[k + 1]
    }

    /// The boxes of node `g`'s children.
    #[inline(always)]
    pub fn group(&self, g: u32) -> &Group {
        &self.groups[g as usize - self.items]
    }

    /// Items whose box meets `lo..hi`, in no particular order.
    pub fn meeting(&self, lo: [f64; 3], hi: [f64; 3]) -> Vec<u32> {
        let mut out = Vec::new();
        let Some(root) = self.root() else {
            return out;
        };
        let mut stack = vec![root];
        while let Some(g) = stack.pop() {
            let group = self.group(g);
            for (l, child) in self.children(g).enumerate() {
                if meets(&group.lane(l), &lo, &hi) {
                    if self.is_item(child) {
                        out.push(child);
                    } else {
                        stack.push(child);
                    }
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::sample::Rng;

    fn rng(seed: u64) -> impl FnMut() -> f64 {
        Rng::uniform(seed)
    }

    #[test]
    fn rounding_holds_the_f64_box() {
        let mut r = rng(3);
        for _ in 0..10_000 {
            let lo = [
                r() * 1.3e7 - 6.5e6,
                r() * 1.3e7 - 6.5e6,
                r() * 1.3e7 - 6.5e6,
            ];
            let hi = [lo[0] + r() * 10.0, lo[1] + r(), lo[2]];
            let b = box3(lo, hi);
            for k in 0..3 {
                assert!(f64::from(b[k]) <= lo[k] && f64::from(b[k + 3]) >= hi[k]);
                assert!(lo[k] - f64::from(b[k]) <= 1.0 && f64::from(b[k + 3]) - hi[k] <= 1.0);
            }
        }
    }

    #[test]
    fn every_node_holds_its_children_and_every_item_is_reached_once() {
        for n in [0usize, 1, 2, 7, 8, 9, 63, 64, 65, 1000] {
            let mut r = rng(n as u64 + 1);
            let items: Vec<Box3> = (0..n)
                .map(|_| {
                    let lo = [r() * 1e6, r() * 1e6, r() * 1e6];
                    box3(lo, [lo[0] + r() * 100.0, lo[1] + 5.0, lo[2]])
                })
                .collect();
            let t = PackedTree::build(&items);
            assert_eq!(t.items(), n);
            let Some(root) = t.root() else {
                assert_eq!(n, 0);
                continue;
            };
            let mut seen = vec![0u32; n];
            let mut stack = vec![root];
            while let Some(g) = stack.pop() {
                let c = t.children(g);
                assert!(!c.is_empty() && c.len() <= NODE, "node {g} has {c:?}");
                let group = t.group(g);
                for (l, ch) in c.clone().enumerate() {
                    let b = group.lane(l);
                    if t.is_item(ch) {
                        seen[ch as usize] += 1;
                        assert_eq!(b, items[ch as usize]);
                        continue;
                    }
                    // A child's box holds each of its own children's boxes.
                    for (m, _) in t.children(ch).enumerate() {
                        let inner = t.group(ch).lane(m);
                        assert!((0..3).all(|k| b[k] <= inner[k] && b[k + 3] >= inner[k + 3]));
                    }
                    stack.push(ch);
                }
                // Empty lanes are infinitely far; full ones are the box distances.
                let p = [r() * 1e6, r() * 1e6, r() * 1e6];
                let d2 = group.d2(&p);
                for (l, d) in d2.iter().enumerate() {
                    if l < c.len() {
                        assert_eq!(*d, box_d2(&group.lane(l), &p));
                    } else {
                        assert!(d.is_infinite());
                    }
                }
            }
            assert!(seen.iter().all(|&s| s == 1), "n = {n}");
            // Box queries against a scan of every item.
            for _ in 0..50 {
                let lo = [r() * 1e6, r() * 1e6, r() * 1e6];
                let hi = [lo[0] + 1e5, lo[1] + 2e5, lo[2] + 3e5];
                let mut got = t.meeting(lo, hi);
                got.sort_unstable();
                let want: Vec<u32> = (0..n as u32)
                    .filter(|&i| meets(&items[i as usize], &lo, &hi))
                    .collect();
                assert_eq!(got, want);
            }
        }
    }

    #[test]
    fn packing_order_is_a_permutation_and_keeps_siblings_close() {
        let mut r = rng(9);
        let pts: Vec<[f64; 3]> = (0..5000)
            .map(|_| [r() * 1e6, r() * 1e6, r() * 1e6])
            .collect();
        let order = packing_order(&pts);
        let mut sorted = order.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, (0..5000).collect::<Vec<u32>>());
        // The items of one leaf node span far less than the whole cube.
        let span: f64 = order
            .chunks(NODE)
            .map(|c| {
                (0..3)
                    .map(|k| {
                        let v = c.iter().map(|&i| pts[i as usize][k]);
                        v.clone().fold(f64::MIN, f64::max) - v.fold(f64::MAX, f64::min)
                    })
                    .sum::<f64>()
            })
            .sum::<f64>()
            / (5000 / NODE) as f64;
        assert!(span < 0.5e6, "mean leaf span {span} m");
    }
}
