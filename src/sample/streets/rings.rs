//! The lakes and the district outline as bucketed segments: the many "does this piece of
//! street touch water", "is this point inside" tests of the generator, made cheap.

use std::collections::HashMap;

use geo::{Coord, Intersects, Line, Polygon, Rect};

use super::super::real::RealData;

/// Polygon rings (a lake's shore and islands, the district's outline) as segments bucketed
/// by [`CELL_DEG`] cells and rows, for the many point and segment tests against them.
pub(super) struct Rings {
    lines: Vec<Line<f64>>,
    /// Segments by the cells their boxes overlap.
    cells: HashMap<(i32, i32), Vec<usize>>,
    /// Segments by the rows of cells their boxes overlap (for the ray of [`Rings::contains`]).
    rows: HashMap<i32, Vec<usize>>,
}

/// The buckets' size, degrees (about 1 km).
const CELL_DEG: f64 = 0.01;

fn cell(c: Coord<f64>) -> (i32, i32) {
    (
        (c.x / CELL_DEG).floor() as i32,
        (c.y / CELL_DEG).floor() as i32,
    )
}

/// Whether two boxes, as (min, max) corners, overlap (touching counts).
pub(super) fn boxes_meet(a: (Coord<f64>, Coord<f64>), b: (Coord<f64>, Coord<f64>)) -> bool {
    a.0.x <= b.1.x && b.0.x <= a.1.x && a.0.y <= b.1.y && b.0.y <= a.1.y
}

pub(super) fn corners(l: &Line<f64>) -> (Coord<f64>, Coord<f64>) {
    (
        Coord {
            x: l.start.x.min(l.end.x),
            y: l.start.y.min(l.end.y),
        },
        Coord {
            x: l.start.x.max(l.end.x),
            y: l.start.y.max(l.end.y),
        },
    )
}

impl Rings {
    pub(super) fn new<'a>(polygons: impl IntoIterator<Item = &'a Polygon<f64>>) -> Self {
        let lines: Vec<Line<f64>> = polygons
            .into_iter()
            .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
            .flat_map(|r| r.lines())
            .collect();
        let mut cells: HashMap<(i32, i32), Vec<usize>> = HashMap::new();
        let mut rows: HashMap<i32, Vec<usize>> = HashMap::new();
        for (k, line) in lines.iter().enumerate() {
            let (lo, hi) = (cell(corners(line).0), cell(corners(line).1));
            for cy in lo.1..=hi.1 {
                rows.entry(cy).or_default().push(k);
                for cx in lo.0..=hi.0 {
                    cells.entry((cx, cy)).or_default().push(k);
                }
            }
        }
        Rings { lines, cells, rows }
    }

    /// The segments whose cells the box `(lo, hi)` overlaps and whose boxes meet it.
    fn near_box(&self, (lo, hi): (Coord<f64>, Coord<f64>)) -> impl Iterator<Item = &Line<f64>> {
        let (a, b) = (cell(lo), cell(hi));
        (a.0..=b.0)
            .flat_map(move |cx| (a.1..=b.1).map(move |cy| (cx, cy)))
            .filter_map(|k| self.cells.get(&k))
            .flatten()
            .map(|&k| &self.lines[k])
            .filter(move |s| boxes_meet(corners(s), (lo, hi)))
    }

    /// Whether `p` is inside the rings: a ray from it to the east crosses them an odd number
    /// of times (even-odd, so an island in a lake is out of it).
    pub(super) fn contains(&self, p: Coord<f64>) -> bool {
        self.rows.get(&cell(p).1).is_some_and(|row| {
            row.iter()
                .map(|&k| &self.lines[k])
                .filter(|l| {
                    (l.start.y > p.y) != (l.end.y > p.y)
                        && l.start.x
                            + (p.y - l.start.y) * (l.end.x - l.start.x) / (l.end.y - l.start.y)
                            > p.x
                })
                .count()
                % 2
                == 1
        })
    }

    /// Whether a ring comes into `rect`.
    pub(super) fn crosses_rect(&self, rect: &Rect<f64>) -> bool {
        self.near_box((rect.min(), rect.max()))
            .any(|l| l.intersects(rect))
    }

    /// Whether segment `seg` touches the area: meets a ring, or lies inside (a segment that
    /// meets no ring is all on one side of them, as its start is).
    fn touches(&self, seg: &Line<f64>) -> bool {
        self.near_box(corners(seg)).any(|l| l.intersects(seg)) || self.contains(seg.start)
    }
}

/// The lakes.
pub(super) struct Water(Rings);

impl Water {
    pub(super) fn new(real: &RealData) -> Self {
        Water(Rings::new(real.lakes.iter().map(|l| &l.2)))
    }

    /// Whether any lake comes into `rect`: a shore crosses it, or it lies in a lake.
    pub(super) fn near(&self, rect: &Rect<f64>) -> bool {
        self.0.crosses_rect(rect) || self.0.contains(rect.center())
    }

    /// Whether segment `a`-`b` touches a lake.
    pub(super) fn touches(&self, a: [f64; 2], b: [f64; 2]) -> bool {
        self.0.touches(&Line::new(
            Coord { x: a[0], y: a[1] },
            Coord { x: b[0], y: b[1] },
        ))
    }
}
