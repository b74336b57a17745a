//! Every limit on a number the client chooses, in one list: what each input costs, and the
//! cap that keeps one request's work and memory bounded. Each is checked in `query::`
//! before any work (so library callers get it too), documented in the README and in the
//! OpenAPI document, and refused with a 400 naming the parameter, the limit and the value.
//!
//! # Why these numbers
//! A school commuter line is tens of kilometres with a few hundred vertices; a district
//! is about 40 km across; a planner adds or removes tens of sites. Each cap sits one or two
//! orders of magnitude above real use and keeps the worst request within the request
//! timeout on one core (the figures are in RELIABILITY.md).

pub use crate::query::coverage::{CELL_M_RANGE, MAX_CELLS, MAX_SUGGEST};
pub use crate::query::features::MAX_LIMIT;
pub use crate::query::nearest::{MAX_K, MAX_RADIUS_M, MAX_WITHIN_LIMIT};
pub use crate::query::routes::{MAX_STOPS, MAX_VERTICES};

/// Longest route draft, metres along the line: a school line is tens of km; 300 km is a
/// line across the whole of Jiangsu. Its length is measured (one geodesic per segment,
/// bounded by [`MAX_VERTICES`]) before any other work.
pub const MAX_LINE_LENGTH_M: f64 = 300_000.0;
/// At most this many self-intersections are reported for one line (the check stops there).
pub const MAX_CROSSINGS_REPORTED: usize = 100;

/// Largest coverage radius, metres (walking catchments; larger is not a walk).
pub const MAX_COVERAGE_RADIUS_M: f64 = 5000.0;
/// Smallest coverage radius, metres.
pub const MIN_RADIUS_M: f64 = 1.0;
/// At most this many hypothetical sites in a coverage `add`.
pub const MAX_ADD: usize = 1000;
/// At most this many feature ids in a coverage `remove` (held as a set).
pub const MAX_REMOVE: usize = 10_000;
/// At most this many `candidates` for site suggestions.
pub const MAX_CANDIDATES: usize = 10_000;
/// At most this many vertices in a posted coverage `area`.
pub const MAX_AREA_VERTICES: usize = 100_000;
/// Largest span of a posted `area`'s bounding box, metres on either axis (Suzhou is about
/// 150 km across).
pub const MAX_AREA_SPAN_M: f64 = 200_000.0;
/// Largest scanline work of one outline: edges x grid rows each edge spans, summed.
pub const MAX_SCAN_WORK: u64 = 50_000_000;
/// Largest work of the site suggestions: `suggest` x (candidates x grid rows a site's radius
/// spans + the grid's cells + the exact evaluations' cells): each round estimates every
/// candidate's gain row by row, sums the uncovered cells, and measures the best few.
pub const MAX_SUGGEST_WORK: u64 = 400_000_000;
/// Largest cell-marking work of the added sites: sites x cells inside a site's radius.
pub const MAX_ADD_WORK: u64 = 100_000_000;
/// Largest working memory of one coverage request, bytes, estimated before it is allocated
/// (grid, marks, gaps' labels, candidates), so that requests running side by side cannot
/// take the machine's memory.
pub const MAX_WORKING_BYTES: u64 = 256 << 20;

/// Features a cheap request (nearest, within, items) may visit on the async runtime; past
/// this it moves to the heavy pool, with the request's deadline.
pub const CHEAP_VISIT_BUDGET: usize = 20_000;
/// Client-chosen `crs=EPSG:n` transforms kept at once (least recently used dropped). Each
/// one that has converted a position holds its own PROJ context with the database pages it
/// read, about 5.7 MB (measured: 32 kept were 183 MB), so the cache is small; a code used
/// again after it was dropped costs one more creation (~80 ms), on the transform thread.
pub const MAX_CACHED_TRANSFORMS: usize = 4;
