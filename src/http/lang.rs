//! Which language a request is answered in, decided here once: `lang=zh|en` (a tag such as
//! `en-GB` too; any other value is refused naming `lang`) when the query string gives one,
//! else the request's `Accept-Language` by its weights, else [`DEFAULT`], English. Machine
//! clients (curl, GDAL, schemathesis) send no `Accept-Language`; a browser always does, and
//! the map sends its own `lang=`. Every endpoint takes `lang=` ([`crate::http::params`] takes
//! it out before any endpoint sees its parameters). An answer whose words follow the choice
//! carries `Vary: Accept-Language` ([`vary`]); error bodies are put into the language by
//! [`crate::http::error::in_language`], called from the one middleware that writes them
//! ([`crate::http::harden`]).

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::Response;

use crate::lang::Lang;
use crate::query::QueryError;
use crate::text;

/// The language of a request that names none, by `lang=` or `Accept-Language`.
pub const DEFAULT: Lang = Lang::En;

/// A `lang=` value: the language, or the refusal naming `lang`.
pub fn from_param(value: &str) -> Result<Lang, QueryError> {
    Lang::from_tag(value).ok_or_else(|| {
        QueryError::bad(
            "lang",
            text!(
                "{value:?} is not offered: use zh or en",
                "不提供 {value:?}：请用 zh 或 en"
            ),
        )
    })
}

/// The language `Accept-Language` asks for, when it names one we speak.
fn from_headers(headers: &HeaderMap) -> Option<Lang> {
    headers
        .get_all(header::ACCEPT_LANGUAGE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(Lang::from_accept_language)
}

/// The first `lang=` of a raw query string, as given.
fn lang_param(query: Option<&str>) -> Option<String> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query?).ok()?;
    pairs.into_iter().find(|(k, _)| k == "lang").map(|(_, v)| v)
}

/// The language of a request: `lang=`, else `Accept-Language`, else [`DEFAULT`]. A `lang=`
/// we do not speak counts as absent here: the request's parameters refuse it, and that
/// refusal is worded by the header.
pub fn of_request(query: Option<&str>, headers: &HeaderMap) -> Lang {
    lang_param(query)
        .and_then(|v| Lang::from_tag(&v))
        .or_else(|| from_headers(headers))
        .unwrap_or(DEFAULT)
}

/// A handler's language: the one [`crate::http::harden`]'s middleware chose (the same rule
/// when it did not run).
impl<S: Send + Sync> FromRequestParts<S> for Lang {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(match parts.extensions.get::<Lang>() {
            Some(l) => *l,
            None => of_request(parts.uri.query(), &parts.headers),
        })
    }
}

/// Mark `res` as following `Accept-Language` (added once, beside any other `Vary`).
pub fn vary(res: &mut Response) {
    let already = res
        .headers()
        .get_all(header::VARY)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|v| v.trim().eq_ignore_ascii_case("accept-language"));
    if !already {
        res.headers_mut()
            .append(header::VARY, HeaderValue::from_static("accept-language"));
    }
}

/// `res` marked by [`vary`].
pub fn varies(mut res: Response) -> Response {
    vary(&mut res);
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lang_then_accept_language_then_english() {
        let mut h = HeaderMap::new();
        assert_eq!(of_request(None, &h), Lang::En);
        assert_eq!(of_request(Some("k=1"), &h), Lang::En);
        h.insert(
            header::ACCEPT_LANGUAGE,
            HeaderValue::from_static("zh-CN,zh;q=0.9"),
        );
        assert_eq!(of_request(None, &h), Lang::Zh);
        assert_eq!(of_request(Some("lang=en"), &h), Lang::En);
        assert_eq!(of_request(Some("lang=fr"), &h), Lang::Zh);
        assert_eq!(
            of_request(Some("a=1&lang=zh-TW"), &HeaderMap::new()),
            Lang::Zh
        );
        assert!(from_param("fr").is_err());
        assert_eq!(from_param("en-GB"), Ok(Lang::En));
    }
}
