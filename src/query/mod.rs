//! Queries over a [`crate::snapshot::Snapshot`]: plain Rust in, plain Rust out. No HTTP
//! types here; [`crate::http`] extracts parameters, calls these, and serialises.

pub mod coverage;
pub mod deadline;
pub mod features;
pub mod hours;
pub mod limits;
pub mod nav;
pub mod nearest;
pub mod routes;

/// Why a query was refused. [`crate::http::error`] is the one place that maps these to
/// HTTP statuses.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum QueryError {
    /// A parameter is missing, malformed, out of range or unknown.
    #[error("parameter \"{param}\": {reason}")]
    BadParam {
        /// The parameter's name.
        param: String,
        /// Why it was refused.
        reason: String,
    },
    /// The addressed resource (layer, feature) does not exist.
    #[error("{0}")]
    NotFound(String),
    /// The query ran past its deadline (the request timeout) and was stopped.
    #[error("the request took more than {after_s} s and was stopped; narrow it (a smaller area, larger cells, fewer candidates) or try again")]
    Timeout {
        /// The deadline, seconds after the request began.
        after_s: f64,
    },
}

impl QueryError {
    /// Shorthand for [`QueryError::BadParam`].
    pub fn bad(param: impl Into<String>, reason: impl Into<String>) -> Self {
        QueryError::BadParam {
            param: param.into(),
            reason: reason.into(),
        }
    }
}
