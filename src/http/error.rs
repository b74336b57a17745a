//! The one place that maps errors to HTTP statuses and the JSON error body
//! `{"error":{"code","message"}}`. 4xx bodies say what was wrong; 5xx bodies say nothing
//! internal (the detail is logged). Every message is made in English and Chinese
//! ([`Text`]) and kept on the response, so that [`in_language`] writes the body in the
//! request's language ([`crate::http::lang`]); the status and `code` never change with it.

use axum::body::Body;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::edit::EditError;
use crate::lang::{Lang, Text};
use crate::pool::PoolError;
use crate::query::QueryError;
use crate::text;

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
    Unauthorized(Text),
    /// Credentials that do not allow the edit, or a read-only server.
    Forbidden(Text),
    /// The resource exists already.
    Conflict(Text),
    /// The body's content type is not one we read.
    UnsupportedMedia(Text),
    /// Load shedding: too much heavy work queued, or too many requests at once. Not the
    /// input's fault: the same request succeeds later.
    Overloaded {
        /// What is busy.
        message: Text,
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
                message: e.text(),
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
                AppError::Query(QueryError::NotFound(e.text()))
            }
            EditError::Exists(..) | EditError::Conflict(_) => AppError::Conflict(e.text()),
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
pub(crate) fn layer_message(status: StatusCode) -> Text {
    match status {
        StatusCode::REQUEST_TIMEOUT => text!(
            "the request took too long and was abandoned",
            "请求用时过长，已放弃"
        ),
        StatusCode::PAYLOAD_TOO_LARGE => text!("the request body is too large", "请求体过大"),
        StatusCode::NOT_FOUND => text!("not found", "未找到"),
        StatusCode::SERVICE_UNAVAILABLE => {
            text!("the service is unavailable", "服务暂时不可用")
        }
        s if s.is_server_error() => text!("internal error", "内部错误"),
        s => Text::new(
            s.canonical_reason().unwrap_or("error").to_lowercase(),
            format!("请求被拒绝（HTTP {}）", s.as_u16()),
        ),
    }
}

/// An error answer's code and words, kept on the response for [`in_language`].
#[derive(Debug, Clone)]
struct ErrorWords {
    code: String,
    message: Text,
}

fn body(code: &str, message: &str) -> Vec<u8> {
    serde_json::to_vec(&json!({"error": {"code": code, "message": message}})).unwrap_or_default()
}

/// The JSON error body `{"error":{"code","message"}}` with its status, in English until
/// [`in_language`] puts it into the request's language.
pub(crate) fn json_error(status: StatusCode, code: &str, message: Text) -> Response {
    let mut res = (
        status,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        body(code, message.en()),
    )
        .into_response();
    res.extensions_mut().insert(ErrorWords {
        code: code.to_string(),
        message,
    });
    res
}

/// Whether `res` is an error answer made by [`json_error`].
pub(crate) fn is_ours(res: &Response) -> bool {
    res.extensions().get::<ErrorWords>().is_some()
}

/// `res` with its error body (if [`json_error`] made it) in `lang`, and `Vary:
/// Accept-Language`; the status, the code and every other header as they were.
pub(crate) fn in_language(res: Response, lang: Lang) -> Response {
    let Some(words) = res.extensions().get::<ErrorWords>().cloned() else {
        return res;
    };
    let (mut parts, _) = res.into_parts();
    parts.headers.remove(header::CONTENT_LENGTH);
    let mut res = Response::from_parts(
        parts,
        Body::from(body(&words.code, words.message.get(lang))),
    );
    crate::http::lang::vary(&mut res);
    res
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
    fn parts(&self) -> (StatusCode, &'static str, Text) {
        match self {
            AppError::Query(e @ QueryError::BadParam { .. }) => {
                (StatusCode::BAD_REQUEST, "invalid_parameter", e.text())
            }
            AppError::Query(e @ QueryError::NotFound(_)) => {
                (StatusCode::NOT_FOUND, "not_found", e.text())
            }
            AppError::Query(e @ QueryError::Timeout { .. }) => {
                (StatusCode::REQUEST_TIMEOUT, "timeout", e.text())
            }
            AppError::NoRoute(path) => (
                StatusCode::NOT_FOUND,
                "not_found",
                text!(
                    "no such endpoint: {path} (see /ogcapi/api for the API)",
                    "没有这个接口：{path}（接口说明见 /ogcapi/api）"
                ),
            ),
            AppError::Method(m) => (
                StatusCode::METHOD_NOT_ALLOWED,
                "method_not_allowed",
                text!("method {m} is not allowed here", "此处不允许 {m} 方法"),
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
                text!(
                    "internal error; it has been logged",
                    "内部错误，已记录在日志中"
                ),
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
        let mut res = json_error(status, code, message);
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
