//! How a draft compares with the line it would replace: villages (and children) gained and
//! lost by their served sets, and the change in length and run time.

use std::collections::HashSet;

use super::{Diff, Review, Village};

/// The draft (its `served` villages, `length_m` and `run_time_min`) against `base`'s review.
pub(super) fn against(base: &Review, served: &[Village], length_m: f64, run_time_min: f64) -> Diff {
    let had: HashSet<&str> = base.served.iter().map(|v| v.id.as_str()).collect();
    let has: HashSet<&str> = served.iter().map(|v| v.id.as_str()).collect();
    let villages_gained: Vec<Village> = served
        .iter()
        .filter(|v| !had.contains(v.id.as_str()))
        .cloned()
        .collect();
    let villages_lost: Vec<Village> = base
        .served
        .iter()
        .filter(|v| !has.contains(v.id.as_str()))
        .cloned()
        .collect();
    Diff {
        against: base.line.id.clone(),
        children_gained: villages_gained.iter().map(|v| v.children).sum(),
        children_lost: villages_lost.iter().map(|v| v.children).sum(),
        villages_gained,
        villages_lost,
        length_change_m: length_m - base.length_m,
        run_time_change_min: run_time_min - base.run_time_min,
    }
}
