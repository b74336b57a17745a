//! Bridges (step 4 of the [module doc](super)): runs of lattice line across water between
//! two kept streets, chosen first to join what water cut off, then for the detours they
//! save.

use std::collections::{BTreeMap, BTreeSet, BinaryHeap, HashMap};

use geo::{Contains, Point};

use super::super::real::RealData;
use super::lattice::{node_id, Frame, Piece};
use super::{
    BRIDGE_SPACING_KM, MAX_BRIDGES, MAX_BRIDGE_KM, MIN_BRIDGED, MIN_DETOUR, ROOT, UNIT_KM,
};

/// Choose the bridges among `candidates` ([`candidates`]) over `graph` (the kept streets),
/// adding each to it: first those that join two components of [`MIN_BRIDGED`] vertices or
/// more, shortest first; then, up to [`MAX_BRIDGES`], the one saving the longest detour
/// (graph distance between its ends over its length, at least [`MIN_DETOUR`]), at least
/// [`BRIDGE_SPACING_KM`] from every bridge chosen, again and again.
pub(super) fn choose(
    candidates: &[Vec<Piece>],
    graph: &mut Graph,
    frame: &Frame,
    pos: &HashMap<i64, [f64; 2]>,
) -> Vec<Vec<Piece>> {
    let mut bridges: Vec<Vec<Piece>> = Vec::new();
    let mut by_len: Vec<usize> = (0..candidates.len()).collect();
    by_len.sort_by_key(|&c| (candidates[c].len(), c));
    for c in by_len {
        if bridges.len() >= MAX_BRIDGES {
            break;
        }
        let [a, b] = ends(&candidates[c]);
        let (ca, cb) = (graph.root(a), graph.root(b));
        if ca != cb && graph.size(ca) >= MIN_BRIDGED && graph.size(cb) >= MIN_BRIDGED {
            graph.add(&candidates[c], pos, frame);
            bridges.push(candidates[c].clone());
        }
    }
    while bridges.len() < MAX_BRIDGES {
        let mids: Vec<[f64; 2]> = bridges.iter().map(|b| mid(b, frame, pos)).collect();
        let mut best: Option<(f64, usize)> = None;
        for (c, cand) in candidates.iter().enumerate() {
            let m = mid(cand, frame, pos);
            if mids
                .iter()
                .any(|q| (m[0] - q[0]).hypot(m[1] - q[1]) < BRIDGE_SPACING_KM)
            {
                continue;
            }
            let [a, b] = ends(cand);
            let (ra, rb) = (graph.root(a), graph.root(b));
            if graph.size(ra) < MIN_BRIDGED || graph.size(rb) < MIN_BRIDGED {
                continue;
            }
            let len = cand.len() as f64 * UNIT_KM;
            let ratio = graph.distance_km(a, b) / len;
            if ratio >= MIN_DETOUR && best.is_none_or(|(r, _)| ratio > r) {
                best = Some((ratio, c));
            }
        }
        let Some((_, c)) = best else { break };
        graph.add(&candidates[c], pos, frame);
        bridges.push(candidates[c].clone());
    }
    bridges.sort();
    bridges
}

/// Runs of wet pieces on one line of the countryside grid, between two kept nodes, at most
/// [`MAX_BRIDGE_KM`] long, whose middle lies in the district.
pub(super) fn candidates(
    wet: &BTreeSet<Piece>,
    kept_nodes: &BTreeSet<(i32, i32)>,
    frame: &Frame,
    pos: &HashMap<i64, [f64; 2]>,
    real: &RealData,
) -> Vec<Vec<Piece>> {
    let mut out = Vec::new();
    let mut run: Vec<Piece> = Vec::new();
    let max = (MAX_BRIDGE_KM / UNIT_KM).round() as usize;
    let mut close = |run: &mut Vec<Piece>| {
        if let (Some(first), Some(last)) = (run.first(), run.last()) {
            let ends_kept =
                kept_nodes.contains(&first.ends()[0]) && kept_nodes.contains(&last.ends()[1]);
            if ends_kept && run.len() <= max && first.line % ROOT == 0 {
                let m = mid(run, frame, pos);
                let m = [frame.lon0 + m[0] / frame.kx, frame.lat0 + m[1] / frame.ky];
                if real.district.contains(&Point::new(m[0], m[1])) {
                    out.push(run.clone());
                }
            }
        }
        run.clear();
    };
    for &p in wet {
        if run
            .last()
            .is_some_and(|q| q.vertical != p.vertical || q.line != p.line || q.along + 1 != p.along)
        {
            close(&mut run);
        }
        // A run that reaches a kept node in its middle is two runs.
        if run.last().is_some() && kept_nodes.contains(&p.ends()[0]) {
            close(&mut run);
        }
        run.push(p);
    }
    close(&mut run);
    out
}

pub(super) fn ends(run: &[Piece]) -> [(i32, i32); 2] {
    [run[0].ends()[0], run[run.len() - 1].ends()[1]]
}

/// The middle of a run, km.
pub(super) fn mid(run: &[Piece], frame: &Frame, pos: &HashMap<i64, [f64; 2]>) -> [f64; 2] {
    let [a, b] = ends(run).map(|n| {
        frame.km(pos
            .get(&node_id(n))
            .copied()
            .unwrap_or_else(|| frame.pos(n)))
    });
    [(a[0] + b[0]) / 2.0, (a[1] + b[1]) / 2.0]
}

/// The lattice network while bridges are chosen: union-find for components, adjacency for
/// detours (km in the local plane).
pub(super) struct Graph {
    index: BTreeMap<(i32, i32), usize>,
    parent: Vec<usize>,
    size: Vec<usize>,
    adj: Vec<Vec<(usize, f64)>>,
}

impl Graph {
    pub(super) fn new(kept: &BTreeSet<Piece>, pos: &HashMap<i64, [f64; 2]>, frame: &Frame) -> Self {
        let mut g = Graph {
            index: BTreeMap::new(),
            parent: Vec::new(),
            size: Vec::new(),
            adj: Vec::new(),
        };
        for p in kept {
            g.piece(*p, pos, frame);
        }
        g
    }
    fn node(&mut self, n: (i32, i32)) -> usize {
        let next = self.parent.len();
        let k = *self.index.entry(n).or_insert(next);
        if k == next {
            self.parent.push(k);
            self.size.push(1);
            self.adj.push(Vec::new());
        }
        k
    }
    fn piece(&mut self, p: Piece, pos: &HashMap<i64, [f64; 2]>, frame: &Frame) {
        let [a, b] = p.ends();
        let [pa, pb] = [a, b].map(|n| {
            frame.km(pos
                .get(&node_id(n))
                .copied()
                .unwrap_or_else(|| frame.pos(n)))
        });
        let w = ((pa[0] - pb[0]).powi(2) + (pa[1] - pb[1]).powi(2)).sqrt();
        let (a, b) = (self.node(a), self.node(b));
        self.adj[a].push((b, w));
        self.adj[b].push((a, w));
        let (ra, rb) = (self.find(a), self.find(b));
        if ra != rb {
            let (big, small) = if self.size[ra] >= self.size[rb] {
                (ra, rb)
            } else {
                (rb, ra)
            };
            self.parent[small] = big;
            self.size[big] += self.size[small];
        }
    }
    pub(super) fn add(&mut self, run: &[Piece], pos: &HashMap<i64, [f64; 2]>, frame: &Frame) {
        for p in run {
            self.piece(*p, pos, frame);
        }
    }
    fn find(&mut self, mut a: usize) -> usize {
        while self.parent[a] != a {
            self.parent[a] = self.parent[self.parent[a]];
            a = self.parent[a];
        }
        a
    }
    /// The component's representative of a lattice node (a node not in the graph is its
    /// own component of size 0).
    pub(super) fn root(&mut self, n: (i32, i32)) -> Option<usize> {
        let k = *self.index.get(&n)?;
        Some(self.find(k))
    }
    pub(super) fn size(&self, root: Option<usize>) -> usize {
        root.map_or(0, |r| self.size[r])
    }
    /// Shortest distance along the graph, km (infinity when not connected).
    fn distance_km(&self, a: (i32, i32), b: (i32, i32)) -> f64 {
        let (Some(&s), Some(&t)) = (self.index.get(&a), self.index.get(&b)) else {
            return f64::INFINITY;
        };
        let mut dist = vec![f64::INFINITY; self.adj.len()];
        let mut heap = BinaryHeap::new();
        dist[s] = 0.0;
        heap.push(std::cmp::Reverse((0u64, s)));
        while let Some(std::cmp::Reverse((k, v))) = heap.pop() {
            let d = f64::from_bits(k);
            if d > dist[v] {
                continue;
            }
            if v == t {
                return d;
            }
            for &(w, c) in &self.adj[v] {
                let nd = d + c;
                if nd < dist[w] {
                    dist[w] = nd;
                    heap.push(std::cmp::Reverse((nd.to_bits(), w)));
                }
            }
        }
        f64::INFINITY
    }
}
