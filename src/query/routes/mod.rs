//! School commuter line review (通学专线): one answer that says how long a line is, whether
//! its stops are sensible, which villages it serves and which it misses, and how a draft
//! compares with the line it would replace.
//!
//! Steps: the line's vertices and stops (`[lon, lat]` WGS84) -> length as the sum of Karney
//! geodesics per segment -> each stop projected onto the line (its distance along the line and
//! its offset from it, metres on the ground) -> stop spacing along the line -> structural
//! checks (stop order, duplicate stops, zero-length segments, self-intersections) -> villages
//! of the `demand` layer within `walk_m` of a stop (served) or within `corridor_m` of the line
//! but farther than `walk_m` from every stop (unserved) -> length shared with the other lines
//! -> findings. A segment between two vertices is the straight line in `[lon, lat]`, as the
//! index and a web map draw it.
//!
//! One question per file: [`lines`] reads the lines from the snapshot, [`path`] measures along
//! a path, [`checks`] words the findings, [`catchment`] finds the served and unserved
//! villages, [`draft`] reads a client's GeoJSON draft within its limits, [`diff`] compares a
//! draft with the line it would replace; this file holds the types and the review itself.

mod catchment;
mod checks;
mod diff;
mod draft;
mod lines;
pub mod path;

use crate::lang::Text;
use crate::query::deadline::Deadline;
use crate::query::QueryError;
use crate::snapshot::Snapshot;
use crate::text;

pub use checks::{
    DUPLICATE_STOP_M, MIN_SPACING_M, SHARED_STEP_M, SHARED_TOLERANCE_M, STOP_OFF_LINE_M,
    ZERO_SEGMENT_M,
};
pub use draft::{draft, MAX_STOPS, MAX_VERTICES};
pub use lines::{line, lines, summaries};
pub use path::{distance_to_path_m, length_m, project, self_intersections, PathIndex};

/// Range of `walk_m`, metres.
pub const WALK_M_RANGE: (f64, f64) = (1.0, 5000.0);
/// Range of `speed_kmh`.
pub const SPEED_KMH_RANGE: (f64, f64) = (1.0, 120.0);
/// Range of `dwell_s`, seconds.
pub const DWELL_S_RANGE: (f64, f64) = (0.0, 600.0);
/// Range of `corridor_m`, metres (and at least `walk_m`).
pub const CORRIDOR_M_RANGE: (f64, f64) = (1.0, 20_000.0);

/// A stop of a line.
#[derive(Debug, Clone, PartialEq)]
pub struct Stop {
    /// The stop's id (its feature id, or `stop-<seq>` in a draft without ids).
    pub id: String,
    /// Its position in the line's order, from 1.
    pub seq: i64,
    /// Its name, when known.
    pub name: Option<String>,
    /// `[lon, lat]` WGS84.
    pub position: [f64; 2],
}

/// A school commuter line: its path and its stops.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    /// The route id (`route_id`).
    pub id: String,
    /// Its name.
    pub name: Option<String>,
    /// Its English name.
    pub name_en: Option<String>,
    /// The school it carries children to.
    pub school: Option<String>,
    /// The school's position, `[lon, lat]` WGS84, when known.
    pub school_location: Option<[f64; 2]>,
    /// The operator.
    pub operator: Option<String>,
    /// Departure times.
    pub departures: Vec<String>,
    /// The path: one or more parts of `[lon, lat]` positions.
    pub parts: Vec<Vec<[f64; 2]>>,
    /// The stops, sorted by `seq`.
    pub stops: Vec<Stop>,
}

/// The review's settings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ReviewParams {
    /// A village is served when a stop lies within this walk, metres (default 500: the
    /// 10-minute life circle of GB 50180-2018).
    pub walk_m: f64,
    /// Average running speed, km/h (default 30).
    pub speed_kmh: f64,
    /// Dwell time at each stop, seconds (default 30).
    pub dwell_s: f64,
    /// Villages within this distance of the line are in its catchment, metres (default 3000).
    pub corridor_m: f64,
}

impl Default for ReviewParams {
    fn default() -> Self {
        ReviewParams {
            walk_m: 500.0,
            speed_kmh: 30.0,
            dwell_s: 30.0,
            corridor_m: 3000.0,
        }
    }
}

impl ReviewParams {
    /// Check every setting against its documented range.
    pub fn validate(&self) -> Result<(), QueryError> {
        let check = |name: &str, v: f64, (lo, hi): (f64, f64)| {
            if v.is_finite() && v >= lo && v <= hi {
                Ok(())
            } else {
                Err(QueryError::bad(
                    name,
                    text!("{v} is outside {lo}..={hi}", "{v} 超出 {lo}..={hi}"),
                ))
            }
        };
        check("walk_m", self.walk_m, WALK_M_RANGE)?;
        check("speed_kmh", self.speed_kmh, SPEED_KMH_RANGE)?;
        check("dwell_s", self.dwell_s, DWELL_S_RANGE)?;
        check("corridor_m", self.corridor_m, CORRIDOR_M_RANGE)?;
        if self.corridor_m < self.walk_m {
            return Err(QueryError::bad(
                "corridor_m",
                text!(
                    "{} is smaller than walk_m ({}): the corridor must hold the walk",
                    "{} 小于 walk_m（{}）：走廊宽度必须不小于步行距离",
                    self.corridor_m,
                    self.walk_m
                ),
            ));
        }
        Ok(())
    }
}

/// A line in the list: `GET /api/routes`.
#[derive(Debug, Clone, PartialEq)]
pub struct LineSummary {
    /// The route id.
    pub id: String,
    /// Name, English name, school and operator.
    pub name: Option<String>,
    /// English name.
    pub name_en: Option<String>,
    /// The school.
    pub school: Option<String>,
    /// The operator.
    pub operator: Option<String>,
    /// Departure times.
    pub departures: Vec<String>,
    /// Length along the line, metres.
    pub length_m: f64,
    /// Number of stops.
    pub stop_count: usize,
}

/// A stop as reviewed: where it sits along the line.
#[derive(Debug, Clone, PartialEq)]
pub struct StopReview {
    /// The stop.
    pub stop: Stop,
    /// Distance along the line to the stop's projection onto it, metres.
    pub along_m: f64,
    /// Distance from the stop to the line, metres.
    pub offset_m: f64,
}

/// A village or community of the demand layer, with its distance to the nearest stop.
#[derive(Debug, Clone, PartialEq)]
pub struct Village {
    /// Feature id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Township name.
    pub township: Option<String>,
    /// Children.
    pub children: i64,
    /// Population.
    pub population: i64,
    /// `[lon, lat]`.
    pub position: [f64; 2],
    /// Metres to the nearest stop.
    pub distance_m: f64,
    /// Id of the nearest stop.
    pub stop: String,
}

/// How severe a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// Wrong: the line cannot run as drawn.
    Error,
    /// Probably wrong or costly for children.
    Warning,
    /// Worth knowing.
    Info,
}

impl Severity {
    /// Its name in answers.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }
}

/// One problem, seen at a glance.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    /// Severity.
    pub severity: Severity,
    /// Stable code (see [`FINDING_CODES`]).
    pub code: &'static str,
    /// What is wrong, in words (English and Chinese; ids and names as they are).
    pub message: Text,
    /// Where, `[lon, lat]`.
    pub location: Option<[f64; 2]>,
}

/// Every finding code with its severity and meaning in English and Chinese (documented in
/// the README).
pub const FINDING_CODES: &[(&str, &str, &str, &str)] = &[
    (
        "too_few_stops",
        "error",
        "the line has fewer than 2 stops",
        "线路少于 2 个站点",
    ),
    (
        "stop_order",
        "error",
        "a stop's seq disagrees with its order along the line",
        "站点的 seq 与它沿线的先后顺序不一致",
    ),
    (
        "duplicate_stop",
        "error",
        "two stops at the same place (within 1 m)",
        "两个站点在同一位置（相距不到 1 米）",
    ),
    (
        "self_intersection",
        "warning",
        "the line crosses or touches itself",
        "线路自身交叉或相接",
    ),
    (
        "zero_length_segment",
        "warning",
        "two consecutive vertices at the same place",
        "相邻两个顶点在同一位置",
    ),
    (
        "stop_off_line",
        "warning",
        "a stop more than 50 m from the line",
        "站点离线路超过 50 米",
    ),
    (
        "stop_spacing_short",
        "warning",
        "consecutive stops less than 300 m apart along the line",
        "相邻站点沿线距离不足 300 米",
    ),
    (
        "far_from_school",
        "warning",
        "the last stop is farther than walk_m from the school",
        "末站离学校超过 walk_m",
    ),
    (
        "unserved_village",
        "warning",
        "a village in the corridor with children and no stop within walk_m",
        "走廊内有儿童的村庄在 walk_m 内没有站点",
    ),
    (
        "shared_length",
        "info",
        "the line runs along another line",
        "线路与另一条线路共线",
    ),
];

// Every Chinese meaning has Chinese in it: checked when the crate is built.
const _: () = {
    let mut i = 0;
    while i < FINDING_CODES.len() {
        assert!(crate::lang::has_cjk(FINDING_CODES[i].3));
        i += 1;
    }
};

/// Spacing between consecutive stops along the line.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Spacing {
    /// Shortest, metres.
    pub min_m: f64,
    /// Mean, metres.
    pub mean_m: f64,
    /// Longest, metres.
    pub max_m: f64,
}

/// What changed against the line a draft would replace.
#[derive(Debug, Clone, PartialEq)]
pub struct Diff {
    /// The line compared against.
    pub against: String,
    /// Villages served by the draft and not by the line.
    pub villages_gained: Vec<Village>,
    /// Villages served by the line and not by the draft.
    pub villages_lost: Vec<Village>,
    /// Children in the villages gained.
    pub children_gained: i64,
    /// Children in the villages lost.
    pub children_lost: i64,
    /// Draft length minus line length, metres.
    pub length_change_m: f64,
    /// Draft run time minus line run time, minutes.
    pub run_time_change_min: f64,
}

/// The whole review.
#[derive(Debug, Clone, PartialEq)]
pub struct Review {
    /// The settings used.
    pub params: ReviewParams,
    /// The line reviewed (stops sorted by `seq`).
    pub line: Line,
    /// Length along the line on the ground, metres.
    pub length_m: f64,
    /// Each stop, in `seq` order, with its place along the line.
    pub stops: Vec<StopReview>,
    /// Spacing along the line between consecutive stops (None with fewer than 2 stops).
    pub spacing: Option<Spacing>,
    /// Running time plus dwell at every stop, minutes.
    pub run_time_min: f64,
    /// Ground distance from the last stop to the school, metres, when the school is known.
    pub last_stop_to_school_m: Option<f64>,
    /// Villages within `walk_m` of a stop, nearest stop first.
    pub served: Vec<Village>,
    /// Villages within `corridor_m` of the line but farther than `walk_m` from every stop,
    /// most children first.
    pub unserved: Vec<Village>,
    /// Length shared with each other line, metres (only lines that share any).
    pub shared: Vec<(String, f64)>,
    /// Problems, most severe first.
    pub findings: Vec<Finding>,
    /// Against `compare`, when asked.
    pub diff: Option<Diff>,
}
impl Review {
    /// Children in the served villages.
    pub fn served_children(&self) -> i64 {
        self.served.iter().map(|v| v.children).sum()
    }

    /// Children in the unserved villages of the corridor.
    pub fn unserved_children(&self) -> i64 {
        self.unserved.iter().map(|v| v.children).sum()
    }
}

fn run_time_min(length_m: f64, stops: usize, p: &ReviewParams) -> f64 {
    length_m / (p.speed_kmh / 3.6) / 60.0 + stops as f64 * p.dwell_s / 60.0
}

/// Review `line` against the snapshot's demand layer and other lines; with `compare`, also
/// the difference from that line.
pub fn review(
    snap: &Snapshot,
    line: &Line,
    params: &ReviewParams,
    compare: Option<&Line>,
) -> Result<Review, QueryError> {
    review_until(snap, line, params, compare, &Deadline::none())
}

/// [`review`], stopping with [`QueryError::Timeout`] once `deadline` passes.
///
/// # Cost
/// With `n` vertices, `s` stops, `v` villages in the corridor and `o` vertices in the other
/// lines: `(n + o) log n` to index, `s log n` to project the stops, `s^2` for duplicates
/// (`s` <= 500), `v log n` for the corridor, `(L / 10 m + n) log o` for shared length (`L`
/// the length, at most [`crate::query::limits::MAX_LINE_LENGTH_M`]), and the
/// self-intersection sweep.
pub fn review_until(
    snap: &Snapshot,
    line: &Line,
    params: &ReviewParams,
    compare: Option<&Line>,
    deadline: &Deadline,
) -> Result<Review, QueryError> {
    params.validate()?;
    let mut line = line.clone();
    line.stops.sort_by_key(|s| s.seq);
    let length = length_m(&line.parts);
    let path = PathIndex::new(&line.parts);
    let stops: Vec<StopReview> = line
        .stops
        .iter()
        .map(|s| {
            let (along_m, offset_m, _) = path.project(s.position);
            StopReview {
                stop: s.clone(),
                along_m,
                offset_m,
            }
        })
        .collect();

    let mut findings = checks::stops(&stops);
    findings.extend(checks::segments(&line.parts, deadline)?);
    let (spacing, spacing_findings) = checks::spacing(&stops);
    findings.extend(spacing_findings);
    let last_stop_to_school_m = match (line.school_location, stops.last()) {
        (Some(school), Some(last)) => Some(crate::geodesy::distance_m(last.stop.position, school)),
        _ => None,
    };
    findings.extend(checks::school(&line, last_stop_to_school_m, params));
    let (served, unserved) = catchment::villages(snap, &line, &path, params, deadline)?;
    findings.extend(checks::unserved(&unserved, params));
    let (shared, shared_findings) = checks::shared(snap, &line, deadline)?;
    findings.extend(shared_findings);

    let run_time = run_time_min(length, stops.len(), params);
    let diff = match compare {
        None => None,
        Some(base) => {
            let base_review = review_until(snap, base, params, None, deadline)?;
            Some(diff::against(&base_review, &served, length, run_time))
        }
    };
    findings.sort_by_key(|f| f.severity);
    Ok(Review {
        params: *params,
        length_m: length,
        stops,
        spacing,
        run_time_min: run_time,
        last_stop_to_school_m,
        served,
        unserved,
        shared,
        findings,
        diff,
        line,
    })
}
