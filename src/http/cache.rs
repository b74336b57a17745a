//! What a phone may keep, and how it asks again: compression of the bodies that gain from
//! it, validators (`ETag`) on the answers that depend only on the data, and the
//! `Cache-Control` of the front end's files.
//!
//! # Design
//! An answer made only from layers (`/api/layers`, the OGC collections and items, a
//! coverage `GET`) is named by the versions of the layers it read ([`Layer::version`]: an
//! edit or a reload builds new layers, so new versions), the process that numbered them
//! ([`process_epoch`]) and whatever else shapes its body (the base URL its links use). The
//! name is known before any work is done, so a matching `If-None-Match` is answered `304`
//! without computing the body. Validators are weak (`W/"…"`): the body may be sent
//! compressed or not, and an OGC page's `timeStamp` differs from one request to the next.
//! Answers that depend on the clock (`open=now`, `open_now`) get no validator.

use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::Response;
use sha2::{Digest, Sha256};
use tower_http::compression::predicate::{NotForContentType, Predicate, SizeAbove};
use tower_http::compression::CompressionLayer;

use crate::snapshot::{process_epoch, Layer};

/// `Cache-Control` of an answer that must be revalidated before each use (its validator
/// makes that cheap): the web shell, the validated API answers.
pub const REVALIDATE: HeaderValue = HeaderValue::from_static("no-cache");

/// `Cache-Control` of a file whose URL names its version (`/vendor/maplibre-gl@6.17.0/…`):
/// it never changes, so a year without asking.
pub const IMMUTABLE: HeaderValue = HeaderValue::from_static("public, max-age=31536000, immutable");

/// Bodies smaller than this go out as they are: compressing them saves less than the
/// headers it adds.
pub const MIN_COMPRESS_BYTES: u16 = 1024;

/// gzip and brotli, chosen by the request's `Accept-Encoding`, for bodies of at least
/// [`MIN_COMPRESS_BYTES`] that are not images (already compressed, except SVG) or event
/// streams; `Vary: Accept-Encoding` on those it may compress.
pub fn compression() -> CompressionLayer<impl Predicate> {
    let predicate = SizeAbove::new(MIN_COMPRESS_BYTES)
        .and(NotForContentType::IMAGES)
        .and(NotForContentType::SSE)
        .and(NotForContentType::const_new("application/zip"))
        .and(NotForContentType::const_new("application/gzip"));
    CompressionLayer::new()
        .gzip(true)
        .br(true)
        .no_deflate()
        .no_zstd()
        .compress_when(predicate)
}

/// The validator of an answer made from `layers` and shaped also by `extra` (base URL,
/// reload status, ...).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Validator(HeaderValue);

impl Validator {
    /// The validator of an answer that read `layers` (in the order given) and whose body
    /// also depends on `extra`.
    pub fn of<'a>(layers: impl IntoIterator<Item = &'a Layer>, extra: &[&str]) -> Self {
        let mut h = Sha256::new();
        h.update(process_epoch().to_le_bytes());
        for l in layers {
            h.update(l.spec.id.as_bytes());
            h.update([0]);
            h.update(l.version.to_le_bytes());
        }
        for e in extra {
            h.update([1]);
            h.update(e.as_bytes());
        }
        let digest = h.finalize();
        let hex: String = digest[..12].iter().map(|b| format!("{b:02x}")).collect();
        // Hex digits and quotes only: always a valid header value.
        Validator(HeaderValue::from_str(&format!("W/\"{hex}\"")).unwrap_or(REVALIDATE))
    }

    /// The `ETag` header value.
    pub fn etag(&self) -> &HeaderValue {
        &self.0
    }

    /// Whether the request's `If-None-Match` names this validator (weak comparison, as
    /// RFC 9110 §13.1.2 asks for `If-None-Match`), or is `*`.
    pub fn matches(&self, headers: &HeaderMap) -> bool {
        let ours = opaque(self.0.to_str().unwrap_or(""));
        headers
            .get_all(header::IF_NONE_MATCH)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .any(|tag| tag == "*" || opaque(tag) == ours)
    }

    /// `res` with this validator and [`REVALIDATE`], when it is a success (errors carry
    /// none).
    pub fn apply(&self, mut res: Response) -> Response {
        if res.status().is_success() {
            let h = res.headers_mut();
            h.insert(header::ETAG, self.0.clone());
            h.insert(header::CACHE_CONTROL, REVALIDATE);
        }
        res
    }

    /// The `304 Not Modified` answer to a request whose `If-None-Match` [`matches`](Self::matches).
    pub fn not_modified(&self) -> Response {
        crate::http::error::not_modified(self.0.clone(), REVALIDATE)
    }
}

/// An entity tag without its weakness mark.
fn opaque(tag: &str) -> &str {
    tag.strip_prefix("W/").unwrap_or(tag)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn if_none_match_is_compared_weakly_in_lists_and_star() {
        let v = Validator(HeaderValue::from_static("W/\"abc\""));
        let with = |s: &'static str| {
            let mut h = HeaderMap::new();
            h.insert(header::IF_NONE_MATCH, HeaderValue::from_static(s));
            v.matches(&h)
        };
        assert!(with("W/\"abc\""));
        assert!(with("\"abc\""));
        assert!(with("\"x\", W/\"abc\""));
        assert!(with("*"));
        assert!(!with("\"abcd\""));
        assert!(!v.matches(&HeaderMap::new()));
    }
}
