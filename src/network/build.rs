//! Ways in, a frozen [`Network`] out: split each way at the nodes it shares, measure each
//! stretch on the ellipsoid, lay the graph out as arrays, and label its components.

use std::collections::HashMap;

use super::{stored_cost, Edge, Network, Provenance, FERRY_KMH};
use crate::geodesy::distance_m;

/// What kind of way a stretch belongs to, which decides its cost.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
#[serde(rename_all = "snake_case", tag = "class")]
pub enum EdgeClass {
    /// Walked at the walker's pace.
    Walk,
    /// Steps: walked at [`super::STEPS_FACTOR`] times the cost per metre.
    Steps,
    /// A ferry crossing taking `duration_s` seconds (whole way, shared out by length when
    /// the way is split).
    Ferry {
        /// Seconds for this stretch.
        duration_s: f64,
    },
}

/// A walkable way, as the importer or the sample generator hands it in.
#[derive(Debug, Clone, PartialEq)]
pub struct Way {
    /// Its nodes in order: an id (shared nodes join ways; any `i64` that is the same for the
    /// same place) and a `[lon, lat]` position.
    pub nodes: Vec<(i64, [f64; 2])>,
    /// Its name, if any.
    pub name: Option<String>,
    /// Walk, steps, or a ferry with its whole duration in seconds (None: at [`FERRY_KMH`]).
    pub class: WayClass,
}

/// What kind of way, as handed in (a ferry's duration is for the whole way).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum WayClass {
    /// Walked at the walker's pace.
    Walk,
    /// Steps.
    Steps,
    /// A ferry, with its tagged duration in seconds when it has one.
    Ferry {
        /// The whole crossing's duration in seconds, if tagged.
        duration_s: Option<f64>,
    },
}

/// What the build made, for the import summary.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct BuildReport {
    /// Ways handed in.
    pub ways: usize,
    /// Ways that gave at least one edge (a way of one node, or of one repeated position,
    /// gives none).
    pub ways_used: usize,
    /// Vertices of the graph.
    pub vertices: usize,
    /// Edges of the graph.
    pub edges: usize,
    /// Total ground length, km.
    pub km: f64,
    /// Vertices per component, largest first.
    pub components: Vec<u32>,
}

/// Build the graph from `ways`.
pub fn build(ways: &[Way], provenance: Provenance) -> (Network, BuildReport) {
    // A node is a vertex where a way starts or ends, or where it is used more than once.
    let mut uses: HashMap<i64, u32> = HashMap::new();
    for w in ways {
        for (id, _) in &w.nodes {
            *uses.entry(*id).or_default() += 1;
        }
    }
    let mut vertex_of: HashMap<i64, u32> = HashMap::new();
    let mut vertices: Vec<[f64; 2]> = Vec::new();
    let mut vertex = |id: i64, p: [f64; 2], vertices: &mut Vec<[f64; 2]>| -> u32 {
        *vertex_of.entry(id).or_insert_with(|| {
            vertices.push(p);
            (vertices.len() - 1) as u32
        })
    };
    let mut names: Vec<String> = Vec::new();
    let mut name_of: HashMap<String, u32> = HashMap::new();
    let mut edges: Vec<Edge> = Vec::new();
    let mut shape: Vec<[f64; 2]> = Vec::new();
    let mut ways_used = 0;
    for w in ways {
        if w.nodes.len() < 2 {
            continue;
        }
        let name = match &w.name {
            Some(n) if !n.is_empty() => *name_of.entry(n.clone()).or_insert_with(|| {
                names.push(n.clone());
                (names.len() - 1) as u32
            }),
            _ => u32::MAX,
        };
        let way_len: f64 = w.nodes.windows(2).map(|s| distance_m(s[0].1, s[1].1)).sum();
        let before = edges.len();
        let mut start = 0;
        for i in 1..w.nodes.len() {
            let last = i + 1 == w.nodes.len();
            if !last && uses[&w.nodes[i].0] < 2 {
                continue;
            }
            let piece = &w.nodes[start..=i];
            start = i;
            let length_m: f64 = piece.windows(2).map(|s| distance_m(s[0].1, s[1].1)).sum();
            let a = vertex(piece[0].0, piece[0].1, &mut vertices);
            let b = vertex(
                piece[piece.len() - 1].0,
                piece[piece.len() - 1].1,
                &mut vertices,
            );
            if a == b && length_m == 0.0 {
                continue;
            }
            let class = match w.class {
                WayClass::Walk => EdgeClass::Walk,
                WayClass::Steps => EdgeClass::Steps,
                WayClass::Ferry { duration_s } => {
                    let whole = duration_s.unwrap_or(way_len / (FERRY_KMH / 3.6));
                    let share = if way_len > 0.0 {
                        length_m / way_len
                    } else {
                        1.0
                    };
                    EdgeClass::Ferry {
                        duration_s: (whole * share).max(1e-3),
                    }
                }
            };
            edges.push(Edge {
                a,
                b,
                length_m,
                class,
                name,
                shape_start: shape.len() as u32,
                shape_len: piece.len() as u32,
            });
            shape.extend(piece.iter().map(|(_, p)| *p));
        }
        if edges.len() > before {
            ways_used += 1;
        }
    }
    let network = freeze(provenance, vertices, edges, shape, names);
    let report = BuildReport {
        ways: ways.len(),
        ways_used,
        vertices: network.vertex_count(),
        edges: network.edge_count(),
        km: network.total_length_m() / 1000.0,
        components: network.component_sizes.clone(),
    };
    (network, report)
}

/// Lay out the adjacency arrays and label the components (also used by the file reader,
/// which stores only vertices, edges, shapes and names).
pub(crate) fn freeze(
    provenance: Provenance,
    vertices: Vec<[f64; 2]>,
    edges: Vec<Edge>,
    shape: Vec<[f64; 2]>,
    names: Vec<String>,
) -> Network {
    let n = vertices.len();
    let mut degree = vec![0u32; n + 1];
    for e in &edges {
        degree[e.a as usize] += 1;
        degree[e.b as usize] += 1;
    }
    let mut first_out = vec![0u32; n + 1];
    for v in 0..n {
        first_out[v + 1] = first_out[v] + degree[v];
    }
    let m2 = first_out[n] as usize;
    let mut fill = first_out.clone();
    let (mut adj_head, mut adj_cost, mut adj_edge) =
        (vec![0u32; m2], vec![0f64; m2], vec![0u32; m2]);
    for (i, e) in edges.iter().enumerate() {
        let c = stored_cost(e);
        for (from, to) in [(e.a, e.b), (e.b, e.a)] {
            let slot = fill[from as usize] as usize;
            fill[from as usize] += 1;
            adj_head[slot] = to;
            adj_cost[slot] = c;
            adj_edge[slot] = i as u32;
        }
    }
    let (component, component_sizes) = components(n, &first_out, &adj_head);
    Network {
        provenance,
        vertices,
        first_out,
        adj_head,
        adj_cost,
        adj_edge,
        edges,
        shape,
        names,
        component,
        component_sizes,
    }
}

/// Component labels by breadth-first search, renumbered by size (largest 0).
fn components(n: usize, first_out: &[u32], adj_head: &[u32]) -> (Vec<u32>, Vec<u32>) {
    let mut label = vec![u32::MAX; n];
    let mut sizes: Vec<u32> = Vec::new();
    let mut queue = Vec::new();
    for s in 0..n {
        if label[s] != u32::MAX {
            continue;
        }
        let c = sizes.len() as u32;
        label[s] = c;
        queue.push(s as u32);
        let mut size = 0;
        while let Some(v) = queue.pop() {
            size += 1;
            for &w in &adj_head[first_out[v as usize] as usize..first_out[v as usize + 1] as usize]
            {
                if label[w as usize] == u32::MAX {
                    label[w as usize] = c;
                    queue.push(w);
                }
            }
        }
        sizes.push(size);
    }
    let mut order: Vec<u32> = (0..sizes.len() as u32).collect();
    order.sort_by_key(|&c| (std::cmp::Reverse(sizes[c as usize]), c));
    let mut rank = vec![0u32; sizes.len()];
    for (r, &c) in order.iter().enumerate() {
        rank[c as usize] = r as u32;
    }
    let label = label.into_iter().map(|c| rank[c as usize]).collect();
    let sizes = order.iter().map(|&c| sizes[c as usize]).collect();
    (label, sizes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn prov() -> Provenance {
        Provenance {
            source: "test".into(),
            synthetic: true,
            attribution: String::new(),
        }
    }

    fn way(ids: &[i64]) -> Way {
        Way {
            nodes: ids
                .iter()
                .map(|&i| (i, [120.0 + i as f64 * 0.001, 31.0]))
                .collect(),
            name: None,
            class: WayClass::Walk,
        }
    }

    #[test]
    fn ways_split_where_they_share_a_node() {
        // 1-2-3-4 crossed at 3 by 10-3-11; 20-21 apart.
        let (net, report) = build(
            &[way(&[1, 2, 3, 4]), way(&[10, 3, 11]), way(&[20, 21])],
            prov(),
        );
        assert_eq!(report.edges, 5, "1-3, 3-4, 10-3, 3-11, 20-21");
        assert_eq!(
            report.vertices, 7,
            "1, 3, 4, 10, 11, 20, 21 (2 is no vertex)"
        );
        assert_eq!(report.components, vec![5, 2]);
        let e0 = net.edge(0);
        assert_eq!(net.shape(0).len(), 3);
        let direct = distance_m(net.vertex(e0.a), net.vertex(e0.b));
        assert!(
            (e0.length_m - direct).abs() < 1e-6,
            "collinear: {} vs {direct}",
            e0.length_m
        );
    }

    #[test]
    fn a_ferry_shares_its_duration_by_length() {
        let mut w = way(&[1, 2, 3]);
        w.class = WayClass::Ferry {
            duration_s: Some(600.0),
        };
        let (net, _) = build(&[w, way(&[2, 9])], prov());
        let total: f64 = net
            .edges()
            .iter()
            .filter_map(|e| match e.class {
                EdgeClass::Ferry { duration_s } => Some(duration_s),
                _ => None,
            })
            .sum();
        assert!((total - 600.0).abs() < 1e-9, "{total}");
    }
}
