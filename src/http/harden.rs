//! Protection against bad input and load, outermost first: a panic catcher (500, nothing
//! internal in the body), JSON error bodies for every refusal a layer makes, in the
//! request's language ([`crate::http::lang`]) like every other error body, load shedding
//! past a concurrency limit (503), a request timeout (408), a body limit (413), and CORS
//! (same-origin unless origins are configured); compression ([`crate::http::cache`]) just
//! inside the panic catcher.

use std::time::Duration;

use axum::error_handling::HandleErrorLayer;
use axum::extract::Request;
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{BoxError, Router};
use http_body_util::BodyExt;

use crate::http::error::AppError;
use crate::lang::Text;
use crate::text;
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;

/// Limits applied to every request.
#[derive(Debug, Clone)]
pub struct Hardening {
    /// Largest request body in bytes (413 beyond).
    pub max_body_bytes: usize,
    /// Longest time to answer (408 beyond).
    pub timeout: Duration,
    /// Requests served at once; more are shed with 503 at once rather than queued.
    pub max_concurrency: usize,
    /// Origins allowed cross-origin; empty means same-origin only (no CORS headers).
    pub cors_origins: Vec<String>,
}

impl Default for Hardening {
    fn default() -> Self {
        Hardening {
            max_body_bytes: 1 << 20,
            timeout: Duration::from_secs(30),
            max_concurrency: 512,
            cors_origins: Vec::new(),
        }
    }
}

fn json_error(status: StatusCode, message: Text) -> Response {
    crate::http::error::json_error(status, crate::http::error::code_for(status), message)
}

/// Choose the request's language ([`crate::http::lang::of_request`], kept for the handlers'
/// [`crate::lang::Lang`] extractor), then give every 4xx/5xx a JSON body in it: a layer's or extractor's
/// own words for a 4xx in English (ours in Chinese), nothing internal for a 5xx, and our own
/// errors' words in that language ([`crate::http::error::in_language`]).
async fn json_errors(mut req: Request, next: axum::middleware::Next) -> Response {
    let lang = crate::http::lang::of_request(req.uri().query(), req.headers());
    req.extensions_mut().insert(lang);
    let res = next.run(req).await;
    let status = res.status();
    let is_json = res
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    if !(status.is_client_error() || status.is_server_error())
        || (is_json && !crate::http::error::is_ours(&res))
    {
        return res;
    }
    if crate::http::error::is_ours(&res) {
        return crate::http::error::in_language(res, lang);
    }
    let default = crate::http::error::layer_message(status);
    let message = if status.is_client_error() {
        let bytes = res
            .into_body()
            .collect()
            .await
            .map(|b| b.to_bytes())
            .unwrap_or_default();
        let text = String::from_utf8_lossy(&bytes).trim().to_string();
        if text.is_empty() {
            default
        } else {
            Text::new(text, default.zh())
        }
    } else {
        tracing::error!("answered {status}");
        default
    };
    crate::http::error::in_language(json_error(status, message), lang)
}

async fn shed(err: BoxError) -> Response {
    if err.is::<tower::load_shed::error::Overloaded>() {
        AppError::Overloaded {
            message: text!(
                "the server is at its concurrency limit; retry shortly",
                "服务器已达并发上限；请稍后再试"
            ),
            retry_after_s: 1,
        }
        .into_response()
    } else {
        AppError::Internal(format!("middleware error: {err}")).into_response()
    }
}

fn panicked(_: Box<dyn std::any::Any + Send + 'static>) -> Response {
    AppError::Internal("a handler panicked".into()).into_response()
}

/// Wrap the router in the protective layers; `state` holds the edit tokens, checked ahead of
/// the body limit ([`crate::http::auth`]).
pub fn harden(router: Router, h: &Hardening, state: crate::http::AppState) -> Router {
    let cors = if h.cors_origins.is_empty() {
        None
    } else {
        let origins: Vec<HeaderValue> = h
            .cors_origins
            .iter()
            .filter_map(|o| HeaderValue::from_str(o).ok())
            .collect();
        Some(
            CorsLayer::new()
                .allow_origin(AllowOrigin::list(origins))
                .allow_methods([
                    Method::GET,
                    Method::POST,
                    Method::PUT,
                    Method::PATCH,
                    Method::DELETE,
                ])
                .allow_headers([header::CONTENT_TYPE, header::AUTHORIZATION]),
        )
    };
    let router = match cors {
        Some(c) => router.layer(c),
        None => router,
    };
    // Innermost first: each `layer` call wraps what is already there.
    router
        .layer(RequestBodyLimitLayer::new(h.max_body_bytes))
        .layer(axum::middleware::from_fn_with_state(
            state,
            crate::http::auth::require_token,
        ))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            h.timeout,
        ))
        .layer(
            ServiceBuilder::new()
                .layer(HandleErrorLayer::new(shed))
                .load_shed()
                .layer(tower::limit::GlobalConcurrencyLimitLayer::new(
                    h.max_concurrency,
                )),
        )
        .layer(axum::middleware::from_fn(json_errors))
        // Outside the JSON error bodies, which read the bodies they wrap as they were made.
        .layer(crate::http::cache::compression())
        .layer(CatchPanicLayer::custom(panicked))
}
