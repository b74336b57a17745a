//! Query-string parameters: parsed once, taken by name, and anything left over refused by
//! name, so a typo never silently changes an answer. `lang` is every endpoint's: checked
//! here ([`crate::http::lang::from_param`]) and taken out, so no endpoint refuses it.

use std::collections::BTreeMap;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;

use crate::http::error::AppError;
use crate::lang::Text;
use crate::query::QueryError;
use crate::text;

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
        let pairs: Vec<(String, String)> = serde_urlencoded::from_str(raw).map_err(|e| {
            QueryError::bad(
                "query string",
                text!("cannot be decoded: {e}", "无法解码：{e}"),
            )
        })?;
        let mut map = BTreeMap::new();
        for (k, v) in pairs {
            if map.contains_key(&k) {
                return Err(QueryError::bad(
                    k,
                    text!("given more than once", "重复给出，只能给一次"),
                ));
            }
            map.insert(k, v);
        }
        // The request's language, chosen by crate::http::lang: refused here when unknown.
        if let Some(v) = map.remove("lang") {
            crate::http::lang::from_param(&v)?;
        }
        Ok(Params { map })
    }

    /// Set a parameter (a default a handler hands on to a shared reader).
    pub fn insert(&mut self, name: &str, value: &str) {
        self.map.insert(name.into(), value.into());
    }

    /// Take a parameter's raw value.
    pub fn take(&mut self, name: &str) -> Option<String> {
        self.map.remove(name)
    }

    /// Take and parse a parameter; `what` describes the expected form for the message
    /// (`a number` / `数字`).
    pub fn parse_opt<T: std::str::FromStr>(
        &mut self,
        name: &str,
        what: Text,
    ) -> Result<Option<T>, QueryError> {
        match self.take(name) {
            None => Ok(None),
            Some(v) => v.trim().parse::<T>().map(Some).map_err(|_| {
                QueryError::bad(
                    name,
                    Text::new(
                        format!("{v:?} is not {}", what.en()),
                        format!("{v:?} 不是{}", what.zh()),
                    ),
                )
            }),
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
        let Some(raw) = self.take(name) else {
            return Ok(default);
        };
        match raw.trim().parse::<usize>() {
            Ok(v) if (min..=max).contains(&v) => Ok(v),
            Ok(v) => Err(QueryError::bad(
                name,
                text!(
                    "{v} is out of range: expected a whole number from {min} to {max}",
                    "必须是 {min} 到 {max} 之间的整数，给出的 {v} 超出范围"
                ),
            )),
            Err(_) => Err(QueryError::bad(
                name,
                text!(
                    "{raw:?} is not a whole number from {min} to {max}",
                    "必须是 {min} 到 {max} 之间的整数，{raw:?} 不是"
                ),
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
                    text!(
                        "{raw:?} is not four numbers minlon,minlat,maxlon,maxlat",
                        "{raw:?} 不是 minlon,minlat,maxlon,maxlat 四个数"
                    ),
                )
            })?;
        if nums.len() != 4 {
            return Err(QueryError::bad(
                name,
                text!(
                    "expected 4 numbers minlon,minlat,maxlon,maxlat, found {}",
                    "应为 minlon,minlat,maxlon,maxlat 四个数，实际有 {} 个",
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
                text!(
                    "coordinates must be longitudes in -180..180 and latitudes in -90..90",
                    "经度须在 -180..180 之间，纬度须在 -90..90 之间"
                ),
            ));
        }
        if b[0] > b[2] || b[1] > b[3] {
            return Err(QueryError::bad(name, text!(
                "min must not exceed max (minlon,minlat,maxlon,maxlat; boxes across the antimeridian are not supported)",
                "最小值不能大于最大值（minlon,minlat,maxlon,maxlat；不支持跨越 180° 经线的范围）"
            )));
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
            Some(k) => Err(QueryError::bad(k, text!("unknown parameter", "未知参数"))),
        }
    }
}
