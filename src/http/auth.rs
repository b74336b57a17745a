//! Who may edit. Every edit (POST on `/ogcapi/collections/{layer}/items`, PUT, PATCH or
//! DELETE on `.../items/{id}`, whatever the layer or id) is checked here first, ahead of the body limit and before any byte of the body is read or
//! the path is resolved: an anonymous edit gets 401 (403 on a read-only server) before any
//! 404, 413, 415 or 400.
//!
//! Tokens are compared in constant time: the given secret and every configured one are
//! hashed to SHA-256 digests of equal length and compared with `subtle`, against every
//! token, with no early exit on length or on the first match, so the time taken says
//! nothing about how much of a secret was right.

use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use subtle::{ConditionallySelectable, ConstantTimeEq};

use crate::http::error::AppError;
use crate::http::{AppState, Token};
use crate::text;

/// The editor a request was authenticated as (the token's name, for the audit log).
#[derive(Debug, Clone)]
pub struct Editor(pub String);

/// Whether a request is an edit (and so needs a token): by method and the shape of the
/// path alone, so an unknown layer or feature is still 401 first. Other methods on these
/// paths go on to the router (405).
pub fn is_write(method: &Method, path: &str) -> bool {
    let Some(rest) = path.strip_prefix("/ogcapi/collections/") else {
        return false;
    };
    let parts: Vec<&str> = rest.split('/').collect();
    match parts.as_slice() {
        [_, "items"] => *method == Method::POST,
        [_, "items", _] => matches!(*method, Method::PUT | Method::PATCH | Method::DELETE),
        _ => false,
    }
}

/// The name of the token in `headers`, or the refusal.
pub fn editor(st: &AppState, headers: &HeaderMap) -> Result<Editor, AppError> {
    if st.tokens.is_empty() || st.data_dir.is_none() {
        return Err(AppError::Forbidden(text!(
            "this server is read-only: no edit tokens are configured",
            "此服务器只读：没有配置编辑令牌"
        )));
    }
    let Some(auth) = headers.get(header::AUTHORIZATION) else {
        return Err(AppError::Unauthorized(text!(
            "an edit needs an Authorization: Bearer <token> header",
            "编辑需要 Authorization: Bearer <token> 请求头"
        )));
    };
    let given = auth
        .to_str()
        .ok()
        .and_then(|s| s.strip_prefix("Bearer "))
        .map(str::trim)
        .unwrap_or("");
    if given.is_empty() {
        return Err(AppError::Unauthorized(text!(
            "the Authorization header must be \"Bearer <token>\"",
            "Authorization 请求头必须是 \"Bearer <token>\""
        )));
    }
    match matching(&st.tokens, given) {
        Some(i) => Ok(Editor(st.tokens[i].name.clone())),
        None => Err(AppError::Forbidden(text!(
            "the token is not allowed to edit",
            "此令牌无权编辑"
        ))),
    }
}

/// The index of the token whose secret is `given`, compared in constant time against all.
fn matching(tokens: &[Token], given: &str) -> Option<usize> {
    let want: [u8; 32] = Sha256::digest(given.as_bytes()).into();
    let mut found = subtle::Choice::from(0);
    let mut index = 0u64;
    for (i, t) in tokens.iter().enumerate() {
        let have: [u8; 32] = Sha256::digest(t.secret.as_bytes()).into();
        let eq = have.ct_eq(&want);
        index = u64::conditional_select(&index, &(i as u64), eq);
        found |= eq;
    }
    bool::from(found).then_some(index as usize)
}

/// The middleware: writes need a token; the editor's name rides on as an extension.
pub async fn require_token(State(st): State<AppState>, mut req: Request, next: Next) -> Response {
    if !is_write(req.method(), req.uri().path()) {
        return next.run(req).await;
    }
    match editor(&st, req.headers()) {
        Ok(e) => {
            req.extensions_mut().insert(e);
            next.run(req).await
        }
        Err(e) => e.into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens() -> Vec<Token> {
        [
            "alpha:secret-one",
            "beta:secret-two-longer",
            "gamma:s3cr3t-three",
        ]
        .iter()
        .map(|l| {
            let (n, s) = l.split_once(':').unwrap();
            Token {
                name: n.into(),
                secret: s.into(),
            }
        })
        .collect()
    }

    #[test]
    fn every_token_matches_itself_only() {
        let t = tokens();
        for (i, tok) in t.iter().enumerate() {
            assert_eq!(matching(&t, &tok.secret), Some(i));
        }
        for wrong in ["", "secret-on", "secret-one!", "SECRET-ONE", "secret-two"] {
            assert_eq!(matching(&t, wrong), None, "{wrong:?}");
        }
    }

    #[test]
    fn writes_are_the_edit_methods_on_item_paths() {
        assert!(is_write(&Method::POST, "/ogcapi/collections/x/items"));
        assert!(is_write(
            &Method::DELETE,
            "/ogcapi/collections/nope/items/1"
        ));
        assert!(is_write(&Method::PUT, "/ogcapi/collections/x/items/y"));
        assert!(!is_write(&Method::POST, "/ogcapi/collections/x"));
        assert!(!is_write(&Method::DELETE, "/ogcapi/collections/x/items"));
        assert!(!is_write(&Method::GET, "/ogcapi/collections/x/items"));
        assert!(!is_write(&Method::POST, "/api/coverage"));
        assert!(!is_write(&Method::POST, "/api/routes/review"));
    }
}
