//! Where a point joins the network: the nearest point of the nearest edge, by ground
//! distance, and the straight access leg to it (which counts as walked).

use geo::{Geometry, LineString};

use super::Network;
use crate::geodesy::{distance_m, lerp, nearest_t, LocalFrame};
use crate::index::LayerIndex;

/// A point joined to the network.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Snap {
    /// The edge it joins.
    pub edge: u32,
    /// How far along the edge from its `a`, as a fraction of its length (`0..=1`).
    pub t: f64,
    /// The point of the edge it joins, `[lon, lat]`.
    pub point: [f64; 2],
    /// The straight access leg from the point to the edge, metres on the ground.
    pub access_m: f64,
}

/// An index of the network's edges, for snapping (built once per network).
pub struct SnapIndex {
    index: LayerIndex,
}

impl std::fmt::Debug for SnapIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SnapIndex")
            .field("edges", &self.index.len())
            .finish()
    }
}

impl SnapIndex {
    /// Index every edge's shape.
    pub fn build(net: &Network) -> Self {
        let geometries = (0..net.edge_count() as u32)
            .map(|e| {
                Geometry::LineString(LineString::from(
                    net.shape(e)
                        .iter()
                        .map(|p| (p[0], p[1]))
                        .collect::<Vec<_>>(),
                ))
            })
            .collect();
        SnapIndex {
            index: LayerIndex::build(geometries),
        }
    }

    /// Join `p` (`[lon, lat]`) to the nearest edge, or None when no edge lies within
    /// `max_access_m`.
    pub fn snap(&self, net: &Network, p: [f64; 2], max_access_m: f64) -> Option<Snap> {
        let (edge, d) = self.index.nearest(p).next()?;
        if d > max_access_m {
            return None;
        }
        Some(snap_to_edge(net, edge as u32, p))
    }

    /// Edges within `max_access_m` of `p`, nearest first, each with its snap (a polygon's
    /// outline, or a point that should try more than one edge).
    pub fn within(&self, net: &Network, p: [f64; 2], max_access_m: f64) -> Vec<Snap> {
        self.index
            .nearest(p)
            .take_while(|&(_, d)| d <= max_access_m)
            .map(|(e, _)| snap_to_edge(net, e as u32, p))
            .collect()
    }
}

/// The snap of `p` onto edge `e`: the nearest point of its shape (each segment straight in
/// `[lon, lat]`, its nearest point found in a frame centred on `p`, as the index measures).
pub fn snap_to_edge(net: &Network, e: u32, p: [f64; 2]) -> Snap {
    let shape = net.shape(e);
    let frame = LocalFrame::new(p);
    let mut best = (f64::INFINITY, 0usize, 0.0, shape[0]);
    for (i, s) in shape.windows(2).enumerate() {
        let t = nearest_t(&frame, s[0], s[1]);
        let q = lerp(s[0], s[1], t);
        let d = distance_m(p, q);
        if d < best.0 {
            best = (d, i, t, q);
        }
    }
    let (access_m, seg, _, point) = best;
    let before: f64 = shape[..=seg]
        .windows(2)
        .map(|s| distance_m(s[0], s[1]))
        .sum();
    let along = before + distance_m(shape[seg], point);
    let length = net.edge(e).length_m;
    let t = if length > 0.0 {
        (along / length).clamp(0.0, 1.0)
    } else {
        0.0
    };
    Snap {
        edge: e,
        t,
        point,
        access_m,
    }
}
