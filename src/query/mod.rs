//! Queries over a [`crate::snapshot::Snapshot`]: plain Rust in, plain Rust out. No HTTP
//! types here; [`crate::http`] extracts parameters, calls these, and serialises.

pub mod coverage;
pub mod deadline;
pub mod features;
pub mod hours;
pub mod isochrones;
pub mod limits;
pub mod nav;
pub mod nearest;
pub mod routes;
pub mod walk;

use crate::lang::Text;

/// Why a query was refused. [`crate::http::error`] is the one place that maps these to
/// HTTP statuses. The words are in both languages ([`Text`]); `Display` is the English.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum QueryError {
    /// A parameter is missing, malformed, out of range or unknown.
    #[error("parameter \"{param}\": {reason}")]
    BadParam {
        /// The parameter's name (the same in both languages).
        param: String,
        /// Why it was refused.
        reason: Text,
    },
    /// The addressed resource (layer, feature) does not exist.
    #[error("{0}")]
    NotFound(Text),
    /// The query ran past its deadline (the request timeout) and was stopped.
    #[error("the request took more than {after_s} s and was stopped; narrow it (a smaller area, larger cells, fewer candidates) or try again")]
    Timeout {
        /// The deadline, seconds after the request began.
        after_s: f64,
    },
}

impl QueryError {
    /// Shorthand for [`QueryError::BadParam`].
    pub fn bad(param: impl Into<String>, reason: Text) -> Self {
        QueryError::BadParam {
            param: param.into(),
            reason,
        }
    }

    /// The whole message, in both languages.
    pub fn text(&self) -> Text {
        match self {
            QueryError::BadParam { param, reason } => Text::new(
                format!("parameter \"{param}\": {}", reason.en()),
                format!("参数 \"{param}\"：{}", reason.zh()),
            ),
            QueryError::NotFound(t) => t.clone(),
            QueryError::Timeout { after_s } => crate::text!(
                "the request took more than {after_s} s and was stopped; narrow it (a smaller area, larger cells, fewer candidates) or try again",
                "请求超过 {after_s} 秒，已停止；请缩小范围（更小的区域、更大的格网、更少的候选点）或稍后再试"
            ),
        }
    }
}
