//! One-to-all Dijkstra on the walking network, in settled vertices per second, against a
//! plain CSR + binary-heap Dijkstra written here over the same edges (the reference of
//! TOOLCHAIN.md: about 7.8 M settled/s on this machine kind). Goal: ours ≥ 0.8 × plain.
//!
//! `cargo bench --bench dijkstra` — on a 300 × 300 street grid (90k vertices, jittered, 20 %
//! of the streets missing) built by the crate's own `network::build`, and on the Helsinki
//! extract's network when target/fixtures/helsinki.nnet exists (bench/osm.sh writes it).
//! Both are timed side by side, alternating, in one run.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::time::Instant;

use nestmap::network::{build, Network, Provenance, Search, Seed, Way, WayClass};
use nestmap::sample::Rng;

fn grid(n: i64) -> Network {
    let mut r = Rng::new(3);
    let pos = |i: i64, j: i64, r: &mut Rng| {
        [
            120.5 + i as f64 * 0.001 + (r.f() - 0.5) * 0.0002,
            31.3 + j as f64 * 0.001 + (r.f() - 0.5) * 0.0002,
        ]
    };
    let mut at = std::collections::HashMap::new();
    for i in 0..n {
        for j in 0..n {
            at.insert((i, j), pos(i, j, &mut r));
        }
    }
    let mut ways = Vec::new();
    for i in 0..n {
        for j in 0..n {
            for (di, dj) in [(1, 0), (0, 1)] {
                if i + di < n && j + dj < n && r.f() < 0.8 {
                    ways.push(Way {
                        nodes: vec![
                            (i * n + j, at[&(i, j)]),
                            ((i + di) * n + j + dj, at[&(i + di, j + dj)]),
                        ],
                        name: None,
                        class: WayClass::Walk,
                    });
                }
            }
        }
    }
    let prov = Provenance {
        source: "bench grid".into(),
        synthetic: true,
        attribution: String::new(),
    };
    build(&ways, prov).0
}

/// The plain baseline: CSR arrays of (head, cost) and a binary heap, nothing else.
struct Plain {
    first: Vec<u32>,
    head: Vec<u32>,
    cost: Vec<f64>,
}

impl Plain {
    fn new(net: &Network) -> Self {
        let n = net.vertex_count();
        let mut deg = vec![0u32; n + 1];
        for e in net.edges() {
            deg[e.a as usize] += 1;
            deg[e.b as usize] += 1;
        }
        let mut first = vec![0u32; n + 1];
        for v in 0..n {
            first[v + 1] = first[v] + deg[v];
        }
        let mut fill = first.clone();
        let m = first[n] as usize;
        let (mut head, mut cost) = (vec![0u32; m], vec![0f64; m]);
        for (i, e) in net.edges().iter().enumerate() {
            let c = net.cost_m(i as u32, 4.0 / 3.6);
            for (a, b) in [(e.a, e.b), (e.b, e.a)] {
                let s = fill[a as usize] as usize;
                fill[a as usize] += 1;
                head[s] = b;
                cost[s] = c;
            }
        }
        Plain { first, head, cost }
    }

    fn run(&self, s: u32, dist: &mut [f64]) -> usize {
        dist.fill(f64::INFINITY);
        let mut heap = BinaryHeap::new();
        dist[s as usize] = 0.0;
        heap.push(Reverse((0u64, s)));
        let mut settled = 0;
        while let Some(Reverse((k, v))) = heap.pop() {
            let d = f64::from_bits(k);
            if d > dist[v as usize] {
                continue;
            }
            settled += 1;
            for i in self.first[v as usize] as usize..self.first[v as usize + 1] as usize {
                let w = self.head[i];
                let nd = d + self.cost[i];
                if nd < dist[w as usize] {
                    dist[w as usize] = nd;
                    heap.push(Reverse((nd.to_bits(), w)));
                }
            }
        }
        settled
    }
}

fn measure(name: &str, net: &Network) {
    let plain = Plain::new(net);
    let mut dist = vec![0.0; net.vertex_count()];
    let mut search = Search::new(net, 4.0 / 3.6);
    let mut r = Rng::new(9);
    let sources: Vec<u32> = (0..30)
        .map(|_| (r.f() * net.vertex_count() as f64) as u32)
        .collect();
    let (mut ours_s, mut plain_s, mut ours_n, mut plain_n) = (0.0, 0.0, 0usize, 0usize);
    for round in 0..3 {
        for &s in &sources {
            let t = Instant::now();
            search.start(
                &[Seed {
                    vertex: s,
                    cost_m: 0.0,
                    origin: 0,
                }],
                f64::INFINITY,
            );
            let mut n = 0;
            while search.settle_next().is_some() {
                n += 1;
            }
            let a = t.elapsed().as_secs_f64();
            let t = Instant::now();
            let m = plain.run(s, &mut dist);
            let b = t.elapsed().as_secs_f64();
            if round > 0 {
                // The first round warms caches and allocations.
                ours_s += a;
                plain_s += b;
                ours_n += n;
                plain_n += m;
            }
        }
    }
    let (ours, base) = (ours_n as f64 / ours_s, plain_n as f64 / plain_s);
    println!(
        "dijkstra {name}: {} vertices, {} edges: ours {:.2} M settled/s, plain CSR {:.2} M settled/s, ratio {:.2} (goal >= 0.8)",
        net.vertex_count(),
        net.edge_count(),
        ours / 1e6,
        base / 1e6,
        ours / base
    );
}

fn main() {
    // `cargo bench` passes --bench; nothing else is read.
    measure("grid 300x300", &grid(300));
    let helsinki = std::path::Path::new("target/fixtures/helsinki.nnet");
    if let Ok(net) = nestmap::network::read(helsinki) {
        measure("Helsinki", &net);
    } else {
        println!("dijkstra Helsinki: {helsinki:?} not built (bench/osm.sh writes it)");
    }
}
