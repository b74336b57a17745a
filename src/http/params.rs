//! Query-string parameters: parsed once, taken by name, and anything left over refused by
//! name, so a typo never silently changes an answer.

use std::collections::BTreeMap;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;

use crate::http::error::AppError;
use crate::query::QueryError;

/// The query string as name -> value, with repeated names refused.
#[derive(Debug, Default)]
pub struct Params {
    map: BTreeMap<String, String>,
}

impl<S: Send + Sync> FromRequestParts<S> for Params {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let raw = parts.uri.query().unwrap_or("");
        Ok(Params::parse(raw)?)
    }
}

impl Params {
    /// Parse a raw query string (`a=1&b=2`).
    pub fn parse(raw: &str) -> Result<Self, QueryError> {
        let pairs: Vec<(String, String)> = serde_urlencoded::from_str(raw)
            .map_err(|e| QueryError::bad("query string", format!("cannot be decoded: {e}")))?;
        let mut map = BTreeMap::new();
        for (k, v) in pairs {
            if map.contains_key(&k) {
                return Err(QueryError::bad(k, "given more than once"));
            }
            map.insert(k, v);
        }
        Ok(Params { map })
    }

    /// Take a parameter's raw value.
    pub fn take(&mut self, name: &str) -> Option<String> {
        self.map.remove(name)
    }

    /// Take and parse a parameter; `what` describes the expected form for the message.
    pub fn parse_opt<T: std::str::FromStr>(
        &mut self,
        name: &str,
        what: &str,
    ) -> Result<Option<T>, QueryError> {
        match self.take(name) {
            None => Ok(None),
            Some(v) => v
                .trim()
                .parse::<T>()
                .map(Some)
                .map_err(|_| QueryError::bad(name, format!("{v:?} is not {what}"))),
        }
    }

    /// Take a whole number in `min..=max`, or the default.
    pub fn int_in(
        &mut self,
        name: &str,
        min: usize,
        max: usize,
        default: usize,
    ) -> Result<usize, QueryError> {
        let what = format!("a whole number from {min} to {max}");
        match self.parse_opt::<usize>(name, &what)? {
            None => Ok(default),
            Some(v) if (min..=max).contains(&v) => Ok(v),
            Some(v) => Err(QueryError::bad(
                name,
                format!("{v} is out of range: expected {what}"),
            )),
        }
    }

    /// Take a bbox `minlon,minlat,maxlon,maxlat` in WGS84.
    pub fn bbox(&mut self, name: &str) -> Result<Option<[f64; 4]>, QueryError> {
        let Some(raw) = self.take(name) else {
            return Ok(None);
        };
        let nums: Vec<f64> = raw
            .split(',')
            .map(|s| s.trim().parse::<f64>())
            .collect::<Result<_, _>>()
            .map_err(|_| {
                QueryError::bad(
                    name,
                    format!("{raw:?} is not four numbers minlon,minlat,maxlon,maxlat"),
                )
            })?;
        if nums.len() != 4 {
            return Err(QueryError::bad(
                name,
                format!(
                    "expected 4 numbers minlon,minlat,maxlon,maxlat, found {}",
                    nums.len()
                ),
            ));
        }
        let b = [nums[0], nums[1], nums[2], nums[3]];
        if b.iter().any(|x| !x.is_finite())
            || !(-180.0..=180.0).contains(&b[0])
            || !(-180.0..=180.0).contains(&b[2])
            || !(-90.0..=90.0).contains(&b[1])
            || !(-90.0..=90.0).contains(&b[3])
        {
            return Err(QueryError::bad(
                name,
                "coordinates must be longitudes in -180..180 and latitudes in -90..90",
            ));
        }
        if b[0] > b[2] || b[1] > b[3] {
            return Err(QueryError::bad(name, "min must not exceed max (minlon,minlat,maxlon,maxlat; boxes across the antimeridian are not supported)"));
        }
        Ok(Some(b))
    }

    /// The names left over.
    pub fn remaining(&self) -> impl Iterator<Item = (&String, &String)> {
        self.map.iter()
    }

    /// Refuse whatever was not taken.
    pub fn finish(self) -> Result<(), QueryError> {
        match self.map.into_keys().next() {
            None => Ok(()),
            Some(k) => Err(QueryError::bad(k, "unknown parameter")),
        }
    }
}
