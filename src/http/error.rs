//! The one place that maps errors to HTTP statuses and the JSON error body
//! `{"error":{"code","message"}}`. 4xx bodies say what was wrong; 5xx bodies say nothing
//! internal (the detail is logged).

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

use crate::edit::EditError;
use crate::pool::PoolError;
use crate::query::QueryError;

/// An error answer.
#[derive(Debug)]
pub enum AppError {
    /// A query refused its input or found nothing.
    Query(QueryError),
    /// No such route.
    NoRoute(String),
    /// The route exists but not for this method.
    Method(String),
    /// No credentials for an edit.
    Unauthorized(String),
    /// Credentials that do not allow the edit, or a read-only server.
    Forbidden(String),
    /// The resource exists already.
    Conflict(String),
    /// The body's content type is not one we read.
    UnsupportedMedia(String),
    /// Load shedding: too much heavy work queued, or too many requests at once. Not the
    /// input's fault: the same request succeeds later.
    Overloaded {
        /// What is busy.
        message: String,
        /// Seconds to wait, sent as `Retry-After`.
        retry_after_s: u64,
    },
    /// Something failed on our side; the detail goes to the log only.
    Internal(String),
}

impl From<QueryError> for AppError {
    fn from(e: QueryError) -> Self {
        AppError::Query(e)
    }
}

impl From<PoolError> for AppError {
    fn from(e: PoolError) -> Self {
        match e {
            PoolError::Query(q) => AppError::Query(q),
            e @ PoolError::Overloaded { retry_after_s, .. } => AppError::Overloaded {
                message: e.to_string(),
                retry_after_s,
            },
            PoolError::Failed(detail) => AppError::Internal(detail),
        }
    }
}

impl From<EditError> for AppError {
    fn from(e: EditError) -> Self {
        match e {
            EditError::NoLayer(_) | EditError::NoFeature(..) => {
                AppError::Query(QueryError::NotFound(e.to_string()))
            }
            EditError::Exists(..) | EditError::Conflict(_) => AppError::Conflict(e.to_string()),
            EditError::Invalid { field, reason } => AppError::Query(QueryError::bad(field, reason)),
            EditError::Storage(detail) => AppError::Internal(detail),
        }
    }
}

/// The code of an answer the protective layers made themselves (a body limit's 413, a
/// timeout's 408), by its status, for [`json_error`].
pub(crate) fn code_for(status: StatusCode) -> &'static str {
    match status.as_u16() {
        400 => "bad_request",
        401 => "unauthorized",
        403 => "forbidden",
        404 => "not_found",
        405 => "method_not_allowed",
        408 => "timeout",
        409 => "conflict",
        413 => "payload_too_large",
        415 => "unsupported_media_type",
        422 => "unprocessable",
        503 => "overloaded",
        s if s >= 500 => "internal",
        _ => "error",
    }
}

/// The words for an answer a protective layer made without any (a timeout's 408, a body
/// limit's 413), by its status.
pub(crate) fn layer_message(status: StatusCode) -> String {
    match status {
        StatusCode::REQUEST_TIMEOUT => "the request took too long and was abandoned".to_string(),
        StatusCode::PAYLOAD_TOO_LARGE => "the request body is too large".to_string(),
        StatusCode::NOT_FOUND => "not found".to_string(),
        s => s.canonical_reason().unwrap_or("error").to_lowercase(),
    }
}

/// The JSON error body `{"error":{"code","message"}}` with its status.
pub(crate) fn json_error(status: StatusCode, code: &str, message: &str) -> Response {
    (
        status,
        Json(json!({"error": {"code": code, "message": message}})),
    )
        .into_response()
}

/// `304 Not Modified` with the validator that matched and its `Cache-Control`: not an
/// error, but a status, so it is chosen here ([`crate::http::cache`] decides when).
pub(crate) fn not_modified(etag: HeaderValue, cache_control: HeaderValue) -> Response {
    let mut res = StatusCode::NOT_MODIFIED.into_response();
    res.headers_mut().insert(header::ETAG, etag);
    res.headers_mut()
        .insert(header::CACHE_CONTROL, cache_control);
    res
}

impl AppError {
    fn parts(&self) -> (StatusCode, &'static str, String) {
        match self {
            AppError::Query(e @ QueryError::BadParam { .. }) => {
                (StatusCode::BAD_REQUEST, "invalid_parameter", e.to_string())
            }
            AppError::Query(e @ QueryError::NotFound(_)) => {
                (StatusCode::NOT_FOUND, "not_found", e.to_string())
            }
            AppError::Query(e @ QueryError::Timeout { .. }) => {
                (StatusCode::REQUEST_TIMEOUT, "timeout", e.to_string())
            }
            AppError::NoRoute(path) => (
                StatusCode::NOT_FOUND,
                "not_found",
                format!("no such endpoint: {path} (see /ogcapi/api for the API)"),
            ),
            AppError::Method(m) => (
                StatusCode::METHOD_NOT_ALLOWED,
                "method_not_allowed",
                format!("method {m} is not allowed here"),
            ),
            AppError::Unauthorized(m) => (StatusCode::UNAUTHORIZED, "unauthorized", m.clone()),
            AppError::Forbidden(m) => (StatusCode::FORBIDDEN, "forbidden", m.clone()),
            AppError::Conflict(m) => (StatusCode::CONFLICT, "conflict", m.clone()),
            AppError::UnsupportedMedia(m) => (
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                m.clone(),
            ),
            AppError::Overloaded { message, .. } => (
                StatusCode::SERVICE_UNAVAILABLE,
                "overloaded",
                message.clone(),
            ),
            AppError::Internal(_) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "internal error; it has been logged".to_string(),
            ),
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        if let AppError::Internal(detail) = &self {
            tracing::error!("internal error: {detail}");
        }
        let (status, code, message) = self.parts();
        let mut res = json_error(status, code, &message);
        if status == StatusCode::UNAUTHORIZED {
            res.headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        if let AppError::Overloaded { retry_after_s, .. } = &self {
            res.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(*retry_after_s));
        }
        res
    }
}
