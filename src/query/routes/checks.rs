//! The findings of a review, each with its threshold: stops (too few, off the line, out of
//! order, duplicated), segments (zero length, self-intersections), spacing along the line,
//! the last stop's walk to the school, villages left unserved, and length shared with the
//! other lines. Each check appends in the order the answer lists them within a severity.

use super::path::shared_length_m;
use super::{
    lines, self_intersections, Finding, Line, PathIndex, ReviewParams, Severity, Spacing,
    StopReview, Village,
};
use crate::geodesy::distance_m;
use crate::query::deadline::Deadline;
use crate::query::QueryError;
use crate::snapshot::Snapshot;
use crate::text;

/// A stop farther than this from the line is reported (`stop_off_line`).
pub const STOP_OFF_LINE_M: f64 = 50.0;
/// Two stops closer than this are the same stop (`duplicate_stop`).
pub const DUPLICATE_STOP_M: f64 = 1.0;
/// A segment shorter than this has zero length (`zero_length_segment`).
pub const ZERO_SEGMENT_M: f64 = 0.01;
/// Consecutive stops closer than this along the line are too close (`stop_spacing_short`):
/// the low end of the 500-800 m spacing CJJ/T 15-2011 and GB 50220 give for urban bus stops.
pub const MIN_SPACING_M: f64 = 300.0;
/// Two lines closer than this at a point of one of them share that stretch of road.
pub const SHARED_TOLERANCE_M: f64 = 25.0;
/// Sampling step along the line when measuring shared length.
pub const SHARED_STEP_M: f64 = 10.0;

/// `too_few_stops`, `stop_off_line`, `stop_order` and `duplicate_stop`, over the stops in
/// `seq` order.
pub(super) fn stops(stops: &[StopReview]) -> Vec<Finding> {
    let mut findings = Vec::new();
    if stops.len() < 2 {
        findings.push(Finding {
            severity: Severity::Error,
            code: "too_few_stops",
            message: text!(
                "the line has {} stop(s); it needs at least 2",
                "线路只有 {} 个站点；至少需要 2 个",
                stops.len()
            ),
            location: stops.first().map(|s| s.stop.position),
        });
    }
    for s in stops {
        if s.offset_m > STOP_OFF_LINE_M {
            findings.push(Finding {
                severity: Severity::Warning,
                code: "stop_off_line",
                message: text!(
                    "stop {} (seq {}) is {:.0} m from the line (more than {STOP_OFF_LINE_M} m)",
                    "站点 {}（seq {}）离线路 {:.0} 米（超过 {STOP_OFF_LINE_M} 米）",
                    s.stop.id,
                    s.stop.seq,
                    s.offset_m
                ),
                location: Some(s.stop.position),
            });
        }
    }
    for w in stops.windows(2) {
        if w[1].along_m < w[0].along_m {
            findings.push(Finding {
                severity: Severity::Error,
                code: "stop_order",
                message: text!(
                    "stop {} (seq {}) lies {:.0} m along the line, before stop {} (seq {}) at {:.0} m",
                    "站点 {}（seq {}）在沿线 {:.0} 米处，排在沿线 {5:.0} 米处的站点 {3}（seq {4}）之前",
                    w[1].stop.id, w[1].stop.seq, w[1].along_m, w[0].stop.id, w[0].stop.seq, w[0].along_m
                ),
                location: Some(w[1].stop.position),
            });
        }
    }
    for (i, a) in stops.iter().enumerate() {
        for b in &stops[i + 1..] {
            if distance_m(a.stop.position, b.stop.position) < DUPLICATE_STOP_M {
                findings.push(Finding {
                    severity: Severity::Error,
                    code: "duplicate_stop",
                    message: text!(
                        "stops {} (seq {}) and {} (seq {}) are at the same place",
                        "站点 {}（seq {}）和 {}（seq {}）在同一位置",
                        a.stop.id,
                        a.stop.seq,
                        b.stop.id,
                        b.stop.seq
                    ),
                    location: Some(b.stop.position),
                });
            }
        }
    }
    findings
}

/// `zero_length_segment` and `self_intersection`, over the line's parts.
pub(super) fn segments(
    parts: &[Vec<[f64; 2]>],
    deadline: &Deadline,
) -> Result<Vec<Finding>, QueryError> {
    let mut findings = Vec::new();
    for (pi, part) in parts.iter().enumerate() {
        for (si, w) in part.windows(2).enumerate() {
            if distance_m(w[0], w[1]) < ZERO_SEGMENT_M {
                findings.push(Finding {
                    severity: Severity::Warning,
                    code: "zero_length_segment",
                    message: text!(
                        "vertices {si} and {} of part {pi} are at the same place",
                        "第 {pi} 段的顶点 {si} 和 {} 在同一位置",
                        si + 1
                    ),
                    location: Some(w[0]),
                });
            }
        }
    }
    deadline.check()?;
    for x in self_intersections(parts, deadline)? {
        findings.push(Finding {
            severity: Severity::Warning,
            code: "self_intersection",
            message: text!(
                "the line crosses or touches itself at [{:.6}, {:.6}]",
                "线路在 [{:.6}, {:.6}] 处自身交叉或相接",
                x[0],
                x[1]
            ),
            location: Some(x),
        });
    }
    Ok(findings)
}

/// The spacing along the line between consecutive stops (None with fewer than 2), and
/// `stop_spacing_short` for each pair closer than [`MIN_SPACING_M`] that is not a duplicate.
pub(super) fn spacing(stops: &[StopReview]) -> (Option<Spacing>, Vec<Finding>) {
    let gaps: Vec<f64> = stops
        .windows(2)
        .map(|w| (w[1].along_m - w[0].along_m).abs())
        .collect();
    let mut findings = Vec::new();
    for (w, g) in stops.windows(2).zip(&gaps) {
        if *g < MIN_SPACING_M
            && distance_m(w[0].stop.position, w[1].stop.position) >= DUPLICATE_STOP_M
        {
            findings.push(Finding {
                severity: Severity::Warning,
                code: "stop_spacing_short",
                message: text!(
                    "stops {} and {} are {g:.0} m apart along the line (less than {MIN_SPACING_M} m)",
                    "站点 {} 和 {} 沿线相距 {g:.0} 米（不足 {MIN_SPACING_M} 米）",
                    w[0].stop.id,
                    w[1].stop.id
                ),
                location: Some(w[1].stop.position),
            });
        }
    }
    let spacing = (!gaps.is_empty()).then(|| Spacing {
        min_m: gaps.iter().copied().fold(f64::INFINITY, f64::min),
        mean_m: gaps.iter().sum::<f64>() / gaps.len() as f64,
        max_m: gaps.iter().copied().fold(0.0, f64::max),
    });
    (spacing, findings)
}

/// `far_from_school` when the last stop is farther than `walk_m` from the school.
pub(super) fn school(
    line: &Line,
    last_stop_to_school_m: Option<f64>,
    params: &ReviewParams,
) -> Option<Finding> {
    let (d, school) = (last_stop_to_school_m?, line.school_location?);
    (d > params.walk_m).then(|| Finding {
        severity: Severity::Warning,
        code: "far_from_school",
        message: text!(
            "the last stop is {d:.0} m from the school {} (more than walk_m = {} m)",
            "末站离学校{}有 {d:.0} 米（超过 walk_m = {} 米）",
            line.school.as_deref().unwrap_or(""),
            params.walk_m
        ),
        location: Some(school),
    })
}

/// `unserved_village` for each unserved village with children.
pub(super) fn unserved(unserved: &[Village], params: &ReviewParams) -> Vec<Finding> {
    unserved
        .iter()
        .filter(|v| v.children > 0)
        .map(|v| Finding {
            severity: Severity::Warning,
            code: "unserved_village",
            message: text!(
                "{} ({} children) is {:.0} m from the nearest stop, within {} m of the line",
                "{}（{} 名儿童）离最近的站点 {:.0} 米，在线路 {} 米范围内",
                v.name,
                v.children,
                v.distance_m,
                params.corridor_m
            ),
            location: Some(v.position),
        })
        .collect()
}

/// Metres shared with each other line, by its id.
type Shared = Vec<(String, f64)>;

/// Length shared with each other line of the snapshot (only those sharing any), and a
/// `shared_length` finding for each.
pub(super) fn shared(
    snap: &Snapshot,
    line: &Line,
    deadline: &Deadline,
) -> Result<(Shared, Vec<Finding>), QueryError> {
    let (mut shared, mut findings) = (Vec::new(), Vec::new());
    for other in lines(snap) {
        if other.id == line.id {
            continue;
        }
        let m = shared_length_m(
            &line.parts,
            &PathIndex::new(&other.parts),
            SHARED_TOLERANCE_M,
            SHARED_STEP_M,
            deadline,
        )?;
        if m > 0.0 {
            findings.push(Finding {
                severity: Severity::Info,
                code: "shared_length",
                message: text!(
                    "{m:.0} m of the line runs along line {}",
                    "线路有 {m:.0} 米与线路 {} 共线",
                    other.id
                ),
                location: None,
            });
            shared.push((other.id, m));
        }
    }
    Ok((shared, findings))
}
