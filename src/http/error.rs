//! The one place that maps errors to HTTP statuses and the JSON error body
//! `{"error":{"code","message"}}`. 4xx bodies say what was wrong; 5xx bodies say nothing
//! internal (the detail is logged).

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

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
    /// Something failed on our side; the detail goes to the log only.
    Internal(String),
}

impl From<QueryError> for AppError {
    fn from(e: QueryError) -> Self {
        AppError::Query(e)
    }
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
        let mut res = (
            status,
            Json(json!({"error": {"code": code, "message": message}})),
        )
            .into_response();
        if status == StatusCode::UNAUTHORIZED {
            res.headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        res
    }
}
