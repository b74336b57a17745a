//! The walking graph: built once from walkable ways ([`build`]), saved and loaded as one
//! versioned file ([`file`]), then frozen and asked questions: where a point joins it
//! ([`snap`]) and how far everything is along it ([`search`]). No OSM or HTTP types inside:
//! the OSM importer and the sample generator both hand in plain [`Way`]s.
//!
//! # The graph
//!
//! Vertices are the ends of ways and the nodes two ways share (or one way passes twice);
//! an edge is the stretch of one way between two vertices, with its shape. The graph is
//! undirected (a pedestrian may walk a one-way street both ways) and stored as plain arrays
//! (CSR: each vertex's incident edges are one slice of `adj_head`/`adj_cost`), after
//! `osm4routing` and `fast_paths`.
//!
//! # Units
//!
//! Positions are `[lon, lat]` WGS84. An edge's `length_m` is its ground length on the WGS84
//! ellipsoid (Karney's geodesics, segment by segment). What a search minimises is its
//! *cost*, in metres of level walking: a walking edge costs its length; steps cost
//! [`STEPS_FACTOR`] times theirs; a ferry costs its duration, turned into metres at the
//! walker's own speed when the search runs (the boat does not go faster when she walks
//! faster). Minutes are cost divided by the speed.
//!
//! # Components
//!
//! Every connected component is kept, not only the largest: a mall's indoor corridors or a
//! village's lanes may be mapped without the street that joins them, and dropping them
//! would move a nursing room onto a far street. The build reports each component's size;
//! a search simply never reaches another component, and an answer says "not reachable".

pub mod build;
pub mod file;
pub mod isochrone;
pub mod search;
pub mod snap;
pub mod targets;

pub use build::{build, BuildReport, EdgeClass, Way, WayClass};
pub use file::{read, write, NetworkFileError, FORMAT_VERSION};
pub use search::{Search, Seed};
pub use snap::{Snap, SnapIndex};
pub use targets::{nearest_targets, Entrance, Reached, Targets};

/// How much longer steps take than level ground per metre: Fruin (1971), *Pedestrian
/// Planning and Design*, measured free stair speeds of about half level walking speed.
pub const STEPS_FACTOR: f64 = 2.0;

/// The walking pace behind the 15-minute / 1000 m life circle (GB 50180-2018), km/h.
pub const DEFAULT_WALK_KMH: f64 = 4.0;

/// The speed assumed for a ferry with no tagged `duration`, km/h (a slow passenger boat).
pub const FERRY_KMH: f64 = 10.0;

/// Where a network came from, stored in its file and shown in answers.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Provenance {
    /// What it was built from (a file name, "synthetic sample", …).
    pub source: String,
    /// Whether the ways are invented (the sample) rather than surveyed.
    pub synthetic: bool,
    /// The licence or attribution of the source (e.g. "© OpenStreetMap contributors, ODbL").
    pub attribution: String,
}

/// The frozen walking graph.
#[derive(Debug, Clone, PartialEq)]
pub struct Network {
    /// Where it came from.
    pub provenance: Provenance,
    /// Vertex positions, `[lon, lat]`.
    pub(crate) vertices: Vec<[f64; 2]>,
    /// `first_out[v] .. first_out[v + 1]` indexes `adj_*` for vertex `v` (length V + 1).
    pub(crate) first_out: Vec<u32>,
    /// For each incidence: the vertex at the other end.
    pub(crate) adj_head: Vec<u32>,
    /// For each incidence: the edge's cost in metres of level walking, or, for a ferry,
    /// minus its duration in seconds (see [`Network::cost_m`]).
    pub(crate) adj_cost: Vec<f64>,
    /// For each incidence: the edge.
    pub(crate) adj_edge: Vec<u32>,
    /// The edges.
    pub(crate) edges: Vec<Edge>,
    /// Shapes of all edges, one after another (`Edge::shape`).
    pub(crate) shape: Vec<[f64; 2]>,
    /// Way names, deduplicated (`Edge::name`, `u32::MAX` for none).
    pub(crate) names: Vec<String>,
    /// Component of each vertex, numbered by size, largest first.
    pub(crate) component: Vec<u32>,
    /// Vertices per component, largest first.
    pub(crate) component_sizes: Vec<u32>,
}

/// One edge: a stretch of one way between two vertices.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Edge {
    /// The vertex at the shape's start.
    pub a: u32,
    /// The vertex at the shape's end.
    pub b: u32,
    /// Ground length in metres.
    pub length_m: f64,
    /// What kind of way (walking, steps, ferry).
    pub class: EdgeClass,
    /// Index into the names, `u32::MAX` for none.
    pub name: u32,
    /// `shape[start .. start + len]`: from `a` to `b`, both ends included.
    pub shape_start: u32,
    /// Number of shape points (at least 2).
    pub shape_len: u32,
}

impl Network {
    /// Number of vertices.
    pub fn vertex_count(&self) -> usize {
        self.vertices.len()
    }

    /// Number of edges.
    pub fn edge_count(&self) -> usize {
        self.edges.len()
    }

    /// A vertex's position.
    pub fn vertex(&self, v: u32) -> [f64; 2] {
        self.vertices[v as usize]
    }

    /// An edge.
    pub fn edge(&self, e: u32) -> &Edge {
        &self.edges[e as usize]
    }

    /// All edges, in edge order.
    pub fn edges(&self) -> &[Edge] {
        &self.edges
    }

    /// An edge's shape, from its `a` to its `b`.
    pub fn shape(&self, e: u32) -> &[[f64; 2]] {
        let edge = &self.edges[e as usize];
        &self.shape[edge.shape_start as usize..(edge.shape_start + edge.shape_len) as usize]
    }

    /// An edge's way name, if it has one.
    pub fn name(&self, e: u32) -> Option<&str> {
        let n = self.edges[e as usize].name;
        self.names.get(n as usize).map(String::as_str)
    }

    /// The component a vertex belongs to (0 is the largest).
    pub fn component(&self, v: u32) -> u32 {
        self.component[v as usize]
    }

    /// Vertices per component, largest first.
    pub fn component_sizes(&self) -> &[u32] {
        &self.component_sizes
    }

    /// Total ground length of all edges in metres.
    pub fn total_length_m(&self) -> f64 {
        self.edges.iter().map(|e| e.length_m).sum()
    }

    /// `[minlon, minlat, maxlon, maxlat]` of all shapes; None when empty.
    pub fn bbox(&self) -> Option<[f64; 4]> {
        let mut it = self.shape.iter();
        let first = it.next()?;
        Some(it.fold([first[0], first[1], first[0], first[1]], |b, p| {
            [
                b[0].min(p[0]),
                b[1].min(p[1]),
                b[2].max(p[0]),
                b[3].max(p[1]),
            ]
        }))
    }

    /// An edge's cost in metres of level walking for a walker at `speed_mps` (a ferry's
    /// duration times the speed; every other edge ignores the speed).
    #[inline]
    pub fn cost_m(&self, e: u32, speed_mps: f64) -> f64 {
        class_cost(&self.edges[e as usize], speed_mps)
    }

    /// The positions of edge `e` from fraction `t0` to fraction `t1` of its length (either
    /// way round), the cut points and the shape's vertices between them.
    pub fn cut(&self, e: u32, t0: f64, t1: f64) -> Vec<[f64; 2]> {
        let shape = self.shape(e);
        let len = self.edges[e as usize].length_m;
        let (lo, hi, rev) = if t0 <= t1 {
            (t0, t1, false)
        } else {
            (t1, t0, true)
        };
        let (lo_m, hi_m) = (lo * len, hi * len);
        let mut out = Vec::new();
        let mut at = 0.0;
        for s in shape.windows(2) {
            let d = crate::geodesy::distance_m(s[0], s[1]);
            let (a, b) = (at, at + d);
            if b >= lo_m && a <= hi_m {
                let f = |m: f64| {
                    if d > 0.0 {
                        ((m - a) / d).clamp(0.0, 1.0)
                    } else {
                        0.0
                    }
                };
                let p0 = crate::geodesy::lerp(s[0], s[1], f(lo_m.max(a)));
                let p1 = crate::geodesy::lerp(s[0], s[1], f(hi_m.min(b)));
                if out.last() != Some(&p0) {
                    out.push(p0);
                }
                out.push(p1);
            }
            at = b;
        }
        if out.is_empty() {
            out.push(shape[0]);
        }
        if rev {
            out.reverse();
        }
        out
    }

    /// The cost of the part of edge `e` from its `a` to parameter `t` along its length
    /// (`0..=1`), for a walker at `speed_mps`.
    pub fn partial_cost_m(&self, e: u32, t: f64, speed_mps: f64) -> f64 {
        self.cost_m(e, speed_mps) * t
    }
}

/// The cost of a whole edge (see [`Network::cost_m`]).
#[inline]
fn class_cost(edge: &Edge, speed_mps: f64) -> f64 {
    match edge.class {
        EdgeClass::Walk => edge.length_m,
        EdgeClass::Steps => edge.length_m * STEPS_FACTOR,
        EdgeClass::Ferry { duration_s } => duration_s * speed_mps,
    }
}

/// The stored incidence cost of an edge (a ferry's as minus its duration in seconds).
fn stored_cost(edge: &Edge) -> f64 {
    match edge.class {
        EdgeClass::Ferry { duration_s } => -duration_s,
        _ => class_cost(edge, 1.0),
    }
}
