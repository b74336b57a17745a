//! Isochrones: what a walk of a given cost reaches along the network, and the polygon drawn
//! around it.
//!
//! # How a polygon is drawn
//!
//! A band is the network reached within its cost — whole edges, and the reached ends of edges
//! a walk enters but cannot finish, from either end, plus the stretch of each origin's own
//! edge around its snap — buffered by `width_m` on the ground and dissolved (geo's `Buffer`,
//! in a local metric frame, round caps). Ferry crossings carry the walk but are not drawn
//! (the boat's line is water, not a place to stand). Where nothing is reached the polygon has
//! holes: blocks without paths wider than twice the width, lakes, the far side of a canal.
//! Bands are cumulative: the 15-minute band holds the 10-minute one.

use geo::{Buffer, Coord, LineString, MultiLineString, MultiPolygon};

use super::search::Search;
use super::{EdgeClass, Network, Snap};
use crate::geodesy::LocalFrame;

/// What one band reached.
#[derive(Debug, Clone, PartialEq)]
pub struct Reach {
    /// The reached pieces of the network (ferries left out), `[lon, lat]` polylines.
    pub pieces: Vec<Vec<[f64; 2]>>,
    /// Their total ground length, metres.
    pub length_m: f64,
}

/// The network reached within `limit_m` by a search already run to at least that limit from
/// `origins` (each origin's own edge, where the walk starts mid-edge, is reached around it).
pub fn reached(search: &Search, origins: &[Snap], limit_m: f64) -> Reach {
    let net = search.network();
    let speed = search.speed_mps();
    let mut out = Reach {
        pieces: Vec::new(),
        length_m: 0.0,
    };
    let push = |net: &Network, e: u32, t0: f64, t1: f64, out: &mut Reach| {
        if t1 <= t0 || matches!(net.edge(e).class, EdgeClass::Ferry { .. }) {
            return;
        }
        out.length_m += net.edge(e).length_m * (t1 - t0);
        out.pieces.push(net.cut(e, t0, t1));
    };
    for (e, edge) in net.edges().iter().enumerate() {
        let e = e as u32;
        let cost = net.cost_m(e, speed);
        let (da, db) = (search.cost_m(edge.a), search.cost_m(edge.b));
        let reach = |d: f64| {
            if d > limit_m {
                0.0
            } else if cost > 0.0 {
                ((limit_m - d) / cost).min(1.0)
            } else {
                1.0
            }
        };
        let (fa, fb) = (reach(da), reach(db));
        if fa + fb >= 1.0 {
            push(net, e, 0.0, 1.0, &mut out);
        } else {
            push(net, e, 0.0, fa, &mut out);
            push(net, e, 1.0 - fb, 1.0, &mut out);
        }
    }
    for o in origins {
        let left = limit_m - o.access_m;
        let cost = net.cost_m(o.edge, speed);
        if left <= 0.0 || cost <= 0.0 {
            continue;
        }
        let r = left / cost;
        push(
            net,
            o.edge,
            (o.t - r).max(0.0),
            (o.t + r).min(1.0),
            &mut out,
        );
    }
    out
}

/// The polygon of a reach: its pieces buffered by `width_m` and dissolved, `[lon, lat]`.
pub fn polygon(reach: &Reach, width_m: f64) -> MultiPolygon<f64> {
    let Some(origin) = reach.pieces.first().and_then(|p| p.first()).copied() else {
        return MultiPolygon::new(vec![]);
    };
    let frame = LocalFrame::new(origin);
    let lines = MultiLineString::new(
        reach
            .pieces
            .iter()
            .map(|p| {
                let mut c: Vec<Coord<f64>> = p
                    .iter()
                    .map(|q| {
                        let xy = frame.to_xy(*q);
                        Coord { x: xy[0], y: xy[1] }
                    })
                    .collect();
                if c.len() == 1 {
                    c.push(c[0]);
                }
                LineString::new(c)
            })
            .collect(),
    );
    let buffered = lines.buffer(width_m);
    use geo::MapCoords;
    buffered.map_coords(|c| {
        let p = frame.to_lonlat([c.x, c.y]);
        Coord { x: p[0], y: p[1] }
    })
}
