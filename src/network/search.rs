//! Shortest walking costs: Dijkstra over the CSR arrays from one or many seeds at once, one
//! vertex settled at a time, so a caller stops as soon as it knows enough (k facilities,
//! a radius). The state is reused between searches: only what a search touched is reset.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use super::{Network, Snap};

/// A place a search starts from: a vertex, the cost already spent reaching it, and a label
/// the search carries to everything it reaches first from there.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Seed {
    /// The vertex.
    pub vertex: u32,
    /// Cost already spent, metres of level walking.
    pub cost_m: f64,
    /// The caller's label (a facility's index, say).
    pub origin: u32,
}

impl Seed {
    /// The two seeds of a snapped point: the ends of its edge, each at the access leg plus
    /// the part of the edge walked to reach it.
    pub fn from_snap(net: &Network, snap: &Snap, speed_mps: f64, origin: u32) -> [Seed; 2] {
        let edge = net.edge(snap.edge);
        let cost = net.cost_m(snap.edge, speed_mps);
        [
            Seed {
                vertex: edge.a,
                cost_m: snap.access_m + cost * snap.t,
                origin,
            },
            Seed {
                vertex: edge.b,
                cost_m: snap.access_m + cost * (1.0 - snap.t),
                origin,
            },
        ]
    }
}

/// A reusable Dijkstra over one network at one walking speed.
pub struct Search<'a> {
    net: &'a Network,
    speed_mps: f64,
    state: State,
}

/// The arrays of a search, kept between searches (a search resets only what it touched, so
/// a network of a million vertices costs no allocation per question):
/// [`Search::with_state`], [`Search::into_state`].
#[derive(Debug, Default)]
pub struct State {
    dist: Vec<f64>,
    /// The incidence (index into `adj_*`) a vertex was reached by, `u32::MAX` for a seed.
    via: Vec<u32>,
    origin: Vec<u32>,
    settled: Vec<bool>,
    touched: Vec<u32>,
    heap: BinaryHeap<Reverse<(u64, u32)>>,
    limit_m: f64,
}

/// Non-negative costs order as their bit patterns do.
#[inline]
fn key(c: f64) -> u64 {
    c.to_bits()
}

impl<'a> Search<'a> {
    /// A search over `net` for a walker at `speed_mps` (which only ferries depend on).
    pub fn new(net: &'a Network, speed_mps: f64) -> Self {
        Search::with_state(net, speed_mps, State::default())
    }

    /// A search over `net` reusing the arrays of an earlier one (of any network: they are
    /// sized and cleared here).
    pub fn with_state(net: &'a Network, speed_mps: f64, mut state: State) -> Self {
        let n = net.vertex_count();
        if state.dist.len() != n {
            state = State {
                dist: vec![f64::INFINITY; n],
                via: vec![u32::MAX; n],
                origin: vec![u32::MAX; n],
                settled: vec![false; n],
                touched: Vec::new(),
                heap: BinaryHeap::new(),
                limit_m: f64::INFINITY,
            };
        }
        let mut search = Search {
            net,
            speed_mps,
            state,
        };
        search.start(&[], f64::INFINITY);
        search
    }

    /// The arrays, for the next search.
    pub fn into_state(self) -> State {
        self.state
    }

    /// The network searched.
    pub fn network(&self) -> &'a Network {
        self.net
    }

    /// The walker's speed, m/s.
    pub fn speed_mps(&self) -> f64 {
        self.speed_mps
    }

    /// Start a new search from `seeds`, reaching no vertex beyond `limit_m` (infinity for
    /// all of them). Forgets the previous search.
    pub fn start(&mut self, seeds: &[Seed], limit_m: f64) {
        for &v in &self.state.touched {
            let v = v as usize;
            self.state.dist[v] = f64::INFINITY;
            self.state.via[v] = u32::MAX;
            self.state.origin[v] = u32::MAX;
            self.state.settled[v] = false;
        }
        self.state.touched.clear();
        self.state.heap.clear();
        self.state.limit_m = limit_m;
        for s in seeds {
            let v = s.vertex as usize;
            if s.cost_m <= limit_m && s.cost_m < self.state.dist[v] {
                if self.state.dist[v].is_infinite() {
                    self.state.touched.push(s.vertex);
                }
                self.state.dist[v] = s.cost_m;
                self.state.via[v] = u32::MAX;
                self.state.origin[v] = s.origin;
                self.state.heap.push(Reverse((key(s.cost_m), s.vertex)));
            }
        }
    }

    /// Settle the next vertex: `(vertex, cost)`, in order of cost; None when nothing more
    /// is reachable within the limit.
    pub fn settle_next(&mut self) -> Option<(u32, f64)> {
        let net = self.net;
        while let Some(Reverse((k, v))) = self.state.heap.pop() {
            let vi = v as usize;
            if self.state.settled[vi] || k != key(self.state.dist[vi]) {
                continue;
            }
            self.state.settled[vi] = true;
            let d = self.state.dist[vi];
            let (lo, hi) = (net.first_out[vi] as usize, net.first_out[vi + 1] as usize);
            for i in lo..hi {
                let mut c = net.adj_cost[i];
                if c < 0.0 {
                    c = -c * self.speed_mps;
                }
                let w = net.adj_head[i];
                let wi = w as usize;
                let nd = d + c;
                if nd < self.state.dist[wi] && nd <= self.state.limit_m {
                    if self.state.dist[wi].is_infinite() {
                        self.state.touched.push(w);
                    }
                    self.state.dist[wi] = nd;
                    self.state.via[wi] = i as u32;
                    self.state.origin[wi] = self.state.origin[vi];
                    self.state.heap.push(Reverse((key(nd), w)));
                }
            }
            return Some((v, d));
        }
        None
    }

    /// Run to the end (everything within the limit settled).
    pub fn run(&mut self) {
        while self.settle_next().is_some() {}
    }

    /// The best cost found to `v` so far (final once `v` is settled), infinity if unreached.
    pub fn cost_m(&self, v: u32) -> f64 {
        self.state.dist[v as usize]
    }

    /// Whether `v` is settled.
    pub fn is_settled(&self, v: u32) -> bool {
        self.state.settled[v as usize]
    }

    /// The label of the seed `v` was reached from.
    pub fn origin(&self, v: u32) -> Option<u32> {
        Some(self.state.origin[v as usize]).filter(|&o| o != u32::MAX)
    }

    /// The vertices reached so far (settled or waiting), in the order first reached.
    pub fn touched(&self) -> &[u32] {
        &self.state.touched
    }

    /// The edges from the seed to `v`, seed first, with the direction each is walked in
    /// (`true`: from its `a` to its `b`).
    pub fn edges_to(&self, v: u32) -> Vec<(u32, bool)> {
        let mut out = Vec::new();
        let mut at = v as usize;
        while self.state.via[at] != u32::MAX {
            let i = self.state.via[at] as usize;
            let e = self.net.adj_edge[i];
            let edge = self.net.edge(e);
            // Reached `at` over edge e: walked towards `at`.
            let forward = edge.b as usize == at;
            out.push((e, forward));
            at = if forward { edge.a } else { edge.b } as usize;
        }
        out.reverse();
        out
    }
}
