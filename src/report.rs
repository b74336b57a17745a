//! What loading refused and why: each refusal with its file, feature (index and id), field
//! and reason, and per layer what was kept. The loader writes it; the snapshot keeps it for
//! `/api/layers` and `check`; an edit rewrites its layer's part.

use std::fmt;
use std::path::PathBuf;

/// One refusal: where and why.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    /// The file, as declared in the catalog (relative to the data directory).
    pub file: PathBuf,
    /// The feature's index in `features` and its id when it has one.
    pub feature: Option<(usize, Option<String>)>,
    /// The offending field (`id`, `geometry.coordinates[0][3]`, a property name).
    pub field: Option<String>,
    /// Why.
    pub reason: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if let Some((i, id)) = &self.feature {
            write!(f, ": features[{i}]")?;
            if let Some(id) = id {
                write!(f, " (id {id:?})")?;
            }
        }
        if let Some(field) = &self.field {
            write!(f, ": field \"{field}\"")?;
        }
        write!(f, ": {}", self.reason)
    }
}

/// Everything the loader refused, and what it kept.
#[derive(Debug, Clone, Default)]
pub struct LoadReport {
    /// Refusals, in file and feature order.
    pub problems: Vec<Problem>,
    /// Per layer: (layer id, features kept, features refused).
    pub counts: Vec<(String, usize, usize)>,
}

impl LoadReport {
    /// Whether anything was refused.
    pub fn has_errors(&self) -> bool {
        !self.problems.is_empty()
    }
}
