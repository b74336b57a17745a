//! The lattice the streets are laid on (steps 1 and 2 of the [module doc](super)): 100 m
//! pieces of lattice line, the warp that places their nodes, and the blocks the demand
//! layer's density asks for.

use std::collections::BTreeSet;

use super::super::{r7, Rng};
use super::{ARTERIAL, DENSE_200, DENSE_400, DROP_SHARE, ROOT, SIGMA_KM, UNIT_KM};

/// A 100 m piece of lattice line: horizontal (along `x`) or vertical, the line's index and
/// the index along it of its first node. Ordered by line, then along it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(super) struct Piece {
    pub(super) vertical: bool,
    pub(super) line: i32,
    pub(super) along: i32,
}

impl Piece {
    pub(super) fn h(i: i32, j: i32) -> Self {
        Piece {
            vertical: false,
            line: j,
            along: i,
        }
    }
    pub(super) fn v(i: i32, j: i32) -> Self {
        Piece {
            vertical: true,
            line: i,
            along: j,
        }
    }
    /// The lattice node at `along` on this piece's line.
    fn node_at(self, along: i32) -> (i32, i32) {
        if self.vertical {
            (self.line, along)
        } else {
            (along, self.line)
        }
    }
    pub(super) fn ends(self) -> [(i32, i32); 2] {
        [self.node_at(self.along), self.node_at(self.along + 1)]
    }
}

pub(super) fn node_id((i, j): (i32, i32)) -> i64 {
    ((i as i64) << 20) | j as i64
}

/// Ids of nodes that are not lattice nodes (lane ends and the points lanes join).
pub(super) const EXTRA_ID: i64 = 1 << 40;

/// The lattice's placement: origin, km per degree, and the warp.
pub(super) struct Frame {
    pub(super) lon0: f64,
    pub(super) lat0: f64,
    pub(super) kx: f64,
    pub(super) ky: f64,
    /// Two waves for x, two for y.
    waves: [[Wave; 2]; 2],
}

/// One sine wave of the warp: (amplitude km, wavelength km, phase, direction).
type Wave = (f64, f64, f64, [f64; 2]);

impl Frame {
    pub(super) fn new(rng: &mut Rng, lon0: f64, lat0: f64, lat_mid: f64) -> Self {
        let mut wave = |amp: f64, len: f64, dir: [f64; 2]| {
            (amp, len, rng.range(0.0, std::f64::consts::TAU), dir)
        };
        // Slopes: 2π·amp/len is 0.09 or 0.10 for each wave, so the warp moves no point
        // relative to another by more than about 0.2 of their distance: it stays one-to-one.
        let waves = [
            [wave(0.06, 4.2, [0.0, 1.0]), wave(0.025, 1.7, [0.6, 0.8])],
            [wave(0.06, 3.9, [1.0, 0.0]), wave(0.025, 1.6, [0.8, -0.6])],
        ];
        Frame {
            lon0,
            lat0,
            kx: 111.320 * lat_mid.to_radians().cos(),
            ky: 110.86,
            waves,
        }
    }

    /// A lattice node's position, `[lon, lat]`, rounded.
    pub(super) fn pos(&self, (i, j): (i32, i32)) -> [f64; 2] {
        let (x, y) = (i as f64 * UNIT_KM, j as f64 * UNIT_KM);
        let shift = |k: usize| -> f64 {
            self.waves[k]
                .iter()
                .map(|&(amp, len, phase, d)| {
                    amp * (std::f64::consts::TAU * (d[0] * x + d[1] * y) / len + phase).sin()
                })
                .sum()
        };
        let (x, y) = (x + shift(0), y + shift(1));
        [r7(self.lon0 + x / self.kx), r7(self.lat0 + y / self.ky)]
    }

    /// A position in the local plane, km (unwarped: for distances only).
    pub(super) fn km(&self, p: [f64; 2]) -> [f64; 2] {
        [(p[0] - self.lon0) * self.kx, (p[1] - self.lat0) * self.ky]
    }
}

/// The block size (in units) wanted where the density is `d` persons per km².
fn block_for(d: f64) -> i32 {
    if d >= DENSE_200 {
        2
    } else if d >= DENSE_400 {
        4
    } else {
        ROOT
    }
}

/// Persons per km² at `p` (km), from the kernel around each demand point.
pub(super) fn density(people_km: &[([f64; 2], f64)], p: [f64; 2]) -> f64 {
    let s2 = 2.0 * SIGMA_KM * SIGMA_KM;
    people_km
        .iter()
        .map(|(q, pop)| {
            let d2 = (p[0] - q[0]).powi(2) + (p[1] - q[1]).powi(2);
            if d2 > 25.0 * s2 {
                0.0
            } else {
                pop / (std::f64::consts::PI * s2) * (-d2 / s2).exp()
            }
        })
        .sum()
}

/// The streets of the blocks, as lattice pieces (steps 1 and 2 of the module doc): a quadtree
/// over each 800 m root of the `ni` × `nj` lattice, each leaf as small as the density at its
/// centre asks, every leaf's sides; then a share of the countryside sides dropped, off the
/// arterials, each corner keeping three streets or more before the drop.
pub(super) fn blocks(
    frame: &Frame,
    (ni, nj): (i32, i32),
    people_km: &[([f64; 2], f64)],
    rng: &mut Rng,
) -> BTreeSet<Piece> {
    let mut pieces: BTreeSet<Piece> = BTreeSet::new();
    let mut root_leaf: BTreeSet<(i32, i32)> = BTreeSet::new();
    let mut stack = Vec::new();
    for i0 in (0..ni).step_by(ROOT as usize) {
        for j0 in (0..nj).step_by(ROOT as usize) {
            stack.push((i0, j0, ROOT));
            while let Some((i, j, s)) = stack.pop() {
                let corner = frame.km(frame.pos((i, j)));
                let c = [
                    corner[0] + s as f64 * UNIT_KM / 2.0,
                    corner[1] + s as f64 * UNIT_KM / 2.0,
                ];
                if s > block_for(density(people_km, c)) {
                    let h = s / 2;
                    for (di, dj) in [(0, 0), (h, 0), (0, h), (h, h)] {
                        stack.push((i + di, j + dj, h));
                    }
                    continue;
                }
                if s == ROOT {
                    root_leaf.insert((i, j));
                }
                for k in 0..s {
                    pieces.insert(Piece::h(i + k, j));
                    pieces.insert(Piece::h(i + k, j + s));
                    pieces.insert(Piece::v(i, j + k));
                    pieces.insert(Piece::v(i + s, j + k));
                }
            }
        }
    }
    let degree = |pieces: &BTreeSet<Piece>, (i, j): (i32, i32)| {
        [
            Piece::h(i, j),
            Piece::h(i - 1, j),
            Piece::v(i, j),
            Piece::v(i, j - 1),
        ]
        .iter()
        .filter(|p| pieces.contains(p))
        .count()
    };
    for &(i, j) in &root_leaf {
        for vertical in [true, false] {
            let (line, other) = if vertical {
                (i + ROOT, (i + ROOT, j))
            } else {
                (j + ROOT, (i, j + ROOT))
            };
            if line % ARTERIAL == 0 || !root_leaf.contains(&other) || !rng.chance(DROP_SHARE) {
                continue;
            }
            let side: Vec<Piece> = (0..ROOT)
                .map(|k| {
                    if vertical {
                        Piece::v(line, j + k)
                    } else {
                        Piece::h(i + k, line)
                    }
                })
                .collect();
            let ends = [side[0].ends()[0], side[ROOT as usize - 1].ends()[1]];
            if ends.iter().all(|&n| degree(&pieces, n) >= 3) {
                for p in &side {
                    pieces.remove(p);
                }
            }
        }
    }
    pieces
}

/// The OSM `highway` class of a street on lattice line `line`.
pub(super) fn class_of(line: i32) -> &'static str {
    if line % ARTERIAL == 0 {
        "secondary"
    } else if line % ROOT == 0 {
        "tertiary"
    } else {
        "residential"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_warp_keeps_neighbouring_nodes_apart_and_in_order() {
        // One-to-one in practice: along every lattice line of a 10 km square, consecutive
        // nodes stay between 0.8 and 1.2 units apart and never swap order.
        let frame = Frame::new(&mut Rng::new(7), 120.5, 31.4, 31.45);
        for line in 0..100 {
            for k in 0..100 {
                let (a, b) = (
                    frame.km(frame.pos((k, line))),
                    frame.km(frame.pos((k + 1, line))),
                );
                let (c, d) = (
                    frame.km(frame.pos((line, k))),
                    frame.km(frame.pos((line, k + 1))),
                );
                let h = (b[0] - a[0]).hypot(b[1] - a[1]) / UNIT_KM;
                let v = (d[0] - c[0]).hypot(d[1] - c[1]) / UNIT_KM;
                assert!((0.8..1.2).contains(&h) && b[0] > a[0], "{line} {k}: {h}");
                assert!((0.8..1.2).contains(&v) && d[1] > c[1], "{line} {k}: {v}");
            }
        }
    }

    #[test]
    fn blocks_shrink_where_people_are_dense() {
        assert_eq!(block_for(0.0), ROOT);
        assert_eq!(block_for(DENSE_400), 4);
        assert_eq!(block_for(DENSE_200 + 1.0), 2);
        // 10,000 people at one point: the kernel's peak is 10000 / (π 2σ²) per km².
        let peak = density(&[([0.0, 0.0], 10_000.0)], [0.0, 0.0]);
        let want = 10_000.0 / (std::f64::consts::PI * 2.0 * SIGMA_KM * SIGMA_KM);
        assert!((peak - want).abs() < 1e-9, "{peak} {want}");
    }
}
