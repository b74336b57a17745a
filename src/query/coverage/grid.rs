//! The analysis grid: square cells of `cell_m` metres over an area, each cell tagged with
//! its zone (township) or as outside the area (beyond the outline, or on water). Filled by
//! scanlines over each outline's edges filed by row ([`Edges`]), so a grid costs its cells
//! plus the outlines' crossings, not cells x edges nor rows x edges.

use geo::{Coord, MultiPolygon};

use crate::geodesy::LocalFrame;

/// Zone of a cell outside the analysis area.
pub const OUTSIDE: u16 = u16::MAX;
/// Zone of a cell inside the area but in no listed zone.
pub const NO_ZONE: u16 = u16::MAX - 1;

/// A regular grid in `[lon, lat]` whose cells are `cell_m` metres square on the ground at the
/// area's centre latitude (within 0.2 % across a district).
#[derive(Debug, Clone)]
pub struct Grid {
    /// Lower-left corner of cell (0, 0), `[lon, lat]`.
    pub origin: [f64; 2],
    /// Cell width in degrees of longitude.
    pub dlon: f64,
    /// Cell height in degrees of latitude.
    pub dlat: f64,
    /// Columns.
    pub nx: usize,
    /// Rows.
    pub ny: usize,
    /// Cell side in metres.
    pub cell_m: f64,
    /// Per cell (row-major, `row * nx + col`): its zone, [`NO_ZONE`] or [`OUTSIDE`].
    pub zone: Vec<u16>,
}

/// The shape a grid over a box would have, worked out before anything is allocated (so a
/// request's cost can be checked first).
#[derive(Debug, Clone, Copy)]
pub struct Dims {
    /// Lower-left corner, `[lon, lat]`.
    pub origin: [f64; 2],
    /// Cell width, degrees of longitude.
    pub dlon: f64,
    /// Cell height, degrees of latitude.
    pub dlat: f64,
    /// Columns.
    pub nx: usize,
    /// Rows.
    pub ny: usize,
}

impl Dims {
    /// The grid of `cell_m` cells over `bbox` `[minlon, minlat, maxlon, maxlat]`.
    pub fn of(bbox: [f64; 4], cell_m: f64) -> Dims {
        let centre = [(bbox[0] + bbox[2]) / 2.0, (bbox[1] + bbox[3]) / 2.0];
        let frame = LocalFrame::new(centre);
        let dlon = cell_m / frame.m_per_deg_lon();
        let dlat = cell_m / frame.m_per_deg_lat();
        // `as usize` saturates: a huge box gives a huge count, never a wrapped small one.
        let nx = (((bbox[2] - bbox[0]) / dlon).ceil() as usize).max(1);
        let ny = (((bbox[3] - bbox[1]) / dlat).ceil() as usize).max(1);
        Dims {
            origin: [bbox[0], bbox[1]],
            dlon,
            dlat,
            nx,
            ny,
        }
    }

    /// Cells, saturating.
    pub fn cells(&self) -> usize {
        self.nx.saturating_mul(self.ny)
    }

    /// Rows of this grid a `[lon, lat]` latitude range spans (each edge is filed in every
    /// row it spans: the scanline work of an outline is the sum over its edges).
    pub fn rows_spanned(&self, lat_a: f64, lat_b: f64) -> u64 {
        let slab = |y: f64| {
            ((y - self.origin[1]) / self.dlat)
                .floor()
                .clamp(0.0, (self.ny - 1) as f64) as u64
        };
        slab(lat_a.max(lat_b)) - slab(lat_a.min(lat_b)) + 1
    }

    /// Scanline work of an outline: its edges times the rows each spans.
    pub fn scan_work(&self, area: &MultiPolygon<f64>) -> u64 {
        area.iter()
            .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
            .flat_map(|ring| ring.0.windows(2).map(|w| self.rows_spanned(w[0].y, w[1].y)))
            .fold(0u64, u64::saturating_add)
    }
}

impl Grid {
    /// An empty grid (every cell [`OUTSIDE`]) covering `bbox` `[minlon, minlat, maxlon, maxlat]`,
    /// or the number of cells it would need when that exceeds `max_cells`.
    pub fn over(bbox: [f64; 4], cell_m: f64, max_cells: usize) -> Result<Grid, usize> {
        let d = Dims::of(bbox, cell_m);
        let n = d.cells();
        if n > max_cells {
            return Err(n);
        }
        Ok(Grid {
            origin: [bbox[0], bbox[1]],
            dlon: d.dlon,
            dlat: d.dlat,
            nx: d.nx,
            ny: d.ny,
            cell_m,
            zone: vec![OUTSIDE; n],
        })
    }

    /// Centre of cell `c`, `[lon, lat]`.
    #[inline]
    pub fn centre(&self, c: usize) -> [f64; 2] {
        let (row, col) = (c / self.nx, c % self.nx);
        [
            self.origin[0] + (col as f64 + 0.5) * self.dlon,
            self.origin[1] + (row as f64 + 0.5) * self.dlat,
        ]
    }

    /// The cell holding a position, if on the grid.
    pub fn cell_of(&self, p: [f64; 2]) -> Option<usize> {
        let col = ((p[0] - self.origin[0]) / self.dlon).floor();
        let row = ((p[1] - self.origin[1]) / self.dlat).floor();
        if col < 0.0 || row < 0.0 || col >= self.nx as f64 || row >= self.ny as f64 {
            return None;
        }
        Some(row as usize * self.nx + col as usize)
    }

    /// Area of one cell in square metres.
    pub fn cell_area_m2(&self) -> f64 {
        self.cell_m * self.cell_m
    }

    /// Column range `[start, end)` and row range of cells whose centres may lie within the
    /// `[lon, lat]` box.
    pub fn span(
        &self,
        min: [f64; 2],
        max: [f64; 2],
    ) -> (std::ops::Range<usize>, std::ops::Range<usize>) {
        let clamp = |v: f64, n: usize| v.max(0.0).min(n as f64) as usize;
        let c0 = clamp(
            ((min[0] - self.origin[0]) / self.dlon - 0.5).floor(),
            self.nx,
        );
        let c1 = clamp(
            ((max[0] - self.origin[0]) / self.dlon - 0.5).ceil() + 1.0,
            self.nx,
        );
        let r0 = clamp(
            ((min[1] - self.origin[1]) / self.dlat - 0.5).floor(),
            self.ny,
        );
        let r1 = clamp(
            ((max[1] - self.origin[1]) / self.dlat - 0.5).ceil() + 1.0,
            self.ny,
        );
        (c0..c1, r0..r1)
    }

    /// The edges of `area`, filed by the grid rows whose height they overlap.
    pub fn edges(&self, area: &MultiPolygon<f64>) -> Edges {
        let all: Vec<(Coord<f64>, Coord<f64>)> = area
            .iter()
            .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
            .flat_map(|ring| ring.0.windows(2).map(|w| (w[0], w[1])))
            .collect();
        let slab = |y: f64| {
            ((y - self.origin[1]) / self.dlat)
                .floor()
                .clamp(0.0, (self.ny - 1) as f64) as usize
        };
        let span = |(a, b): &(Coord<f64>, Coord<f64>)| slab(a.y.min(b.y))..=slab(a.y.max(b.y));
        // Counting sort of the edges into their rows (an edge is filed in every row it spans).
        let mut start = vec![0u32; self.ny + 1];
        for e in &all {
            for r in span(e) {
                start[r + 1] += 1;
            }
        }
        for r in 0..self.ny {
            start[r + 1] += start[r];
        }
        let mut fill = start.clone();
        let mut list = vec![(Coord::zero(), Coord::zero()); start[self.ny] as usize];
        for e in &all {
            for r in span(e) {
                list[fill[r] as usize] = *e;
                fill[r] += 1;
            }
        }
        Edges {
            origin_lat: self.origin[1],
            dlat: self.dlat,
            start,
            list,
        }
    }

    /// Call `f(cell)` for every cell whose centre lies inside `area` (even-odd rule over all
    /// rings, so holes are honoured).
    pub fn scan(&self, area: &MultiPolygon<f64>, f: impl FnMut(usize)) {
        self.scan_edges(&self.edges(area), f)
    }

    /// [`Grid::scan`] over edges already filed by [`Grid::edges`].
    pub fn scan_edges(&self, edges: &Edges, mut f: impl FnMut(usize)) {
        let mut xs: Vec<f64> = Vec::new();
        for row in 0..self.ny {
            let y = self.origin[1] + (row as f64 + 0.5) * self.dlat;
            xs.clear();
            for (a, b) in edges.row(row) {
                if (a.y <= y) != (b.y <= y) {
                    xs.push(a.x + (y - a.y) * (b.x - a.x) / (b.y - a.y));
                }
            }
            xs.sort_by(f64::total_cmp);
            for pair in xs.chunks_exact(2) {
                let start = ((pair[0] - self.origin[0]) / self.dlon - 0.5)
                    .ceil()
                    .max(0.0) as usize;
                let end = (((pair[1] - self.origin[0]) / self.dlon - 0.5)
                    .ceil()
                    .max(0.0) as usize)
                    .min(self.nx);
                for col in start..end {
                    f(row * self.nx + col);
                }
            }
        }
    }
}

/// A polygon's edges filed by grid row: a row's scanline, or any point within the row's
/// height, meets only the edges filed under that row. Rows past either end of the grid
/// share its first or last row.
pub struct Edges {
    origin_lat: f64,
    dlat: f64,
    /// Row `r`'s edges are `list[start[r]..start[r + 1]]`.
    start: Vec<u32>,
    list: Vec<(Coord<f64>, Coord<f64>)>,
}

impl Edges {
    fn row(&self, r: usize) -> &[(Coord<f64>, Coord<f64>)] {
        &self.list[self.start[r] as usize..self.start[r + 1] as usize]
    }

    /// Whether `p` (`[lon, lat]`) lies inside the polygon (even-odd rule over all rings).
    pub fn contains(&self, p: [f64; 2]) -> bool {
        let rows = self.start.len() - 1;
        let r = ((p[1] - self.origin_lat) / self.dlat)
            .floor()
            .clamp(0.0, (rows - 1) as f64) as usize;
        let mut inside = false;
        for (a, b) in self.row(r) {
            if (a.y <= p[1]) != (b.y <= p[1])
                && p[0] < a.x + (p[1] - a.y) * (b.x - a.x) / (b.y - a.y)
            {
                inside = !inside;
            }
        }
        inside
    }
}
