//! Feature listing as OGC API - Features serves it: a bbox, property equality filters, then
//! offset and limit, with the total number matched.

use serde_json::Value;

use crate::snapshot::Layer;

/// Page size of `/items` when `limit` is not given.
pub const DEFAULT_LIMIT: usize = 10;
/// Largest page size of `/items`.
pub const MAX_LIMIT: usize = 10_000;
/// Pages of `/items` larger than this run on the heavy pool (their JSON is megabytes).
pub const CHEAP_PAGE: usize = 1000;

/// A property equality filter: `name=value`.
#[derive(Debug, Clone, PartialEq)]
pub struct PropertyFilter {
    /// Property name.
    pub name: String,
    /// Wanted value, as written in the query.
    pub value: String,
}

/// Whether a property value equals a value written in a query string: strings compare as
/// text, numbers numerically, booleans as `true`/`false`, and an array matches when any of
/// its items does (so `amenities=sink` finds rooms that have a sink).
pub fn value_matches(v: &Value, wanted: &str) -> bool {
    match v {
        Value::String(s) => s == wanted,
        Value::Number(n) => match (n.as_f64(), wanted.parse::<f64>()) {
            (Some(a), Ok(b)) => a == b,
            _ => false,
        },
        Value::Bool(b) => wanted == if *b { "true" } else { "false" },
        Value::Array(items) => items.iter().any(|x| value_matches(x, wanted)),
        Value::Null => wanted == "null",
        Value::Object(_) => false,
    }
}

/// Whether feature `i` of `layer` passes every filter.
pub fn passes(layer: &Layer, i: usize, filters: &[PropertyFilter]) -> bool {
    let props = &layer.features[i].properties;
    filters.iter().all(|f| {
        props
            .get(&f.name)
            .is_some_and(|v| value_matches(v, &f.value))
    })
}

/// The property names a layer's features carry (schema fields and every key seen), sorted.
pub fn property_names(layer: &Layer) -> Vec<String> {
    let mut names: std::collections::BTreeSet<String> = layer
        .spec
        .kind
        .fields()
        .iter()
        .chain(crate::model::COMMON_FIELDS)
        .map(|f| f.name.to_string())
        .collect();
    for f in &layer.features {
        names.extend(f.properties.keys().map(str::to_string));
    }
    names.into_iter().collect()
}

/// An items request.
#[derive(Debug, Clone, Default)]
pub struct ItemsQuery {
    /// `[minlon, minlat, maxlon, maxlat]`: keep features whose geometry intersects it.
    pub bbox: Option<[f64; 4]>,
    /// Property equality filters, all required.
    pub filters: Vec<PropertyFilter>,
    /// Features to skip.
    pub offset: usize,
    /// Features to return at most.
    pub limit: usize,
}

/// A page of matching features.
#[derive(Debug, Clone)]
pub struct ItemsPage {
    /// How many features match in all.
    pub number_matched: usize,
    /// Indices of the features on this page, in layer order.
    pub features: Vec<usize>,
}

/// Filter, then page.
pub fn items(layer: &Layer, q: &ItemsQuery) -> ItemsPage {
    let candidates: Vec<usize> = match q.bbox {
        Some(b) => layer.index.intersecting([b[0], b[1]], [b[2], b[3]]),
        None => (0..layer.features.len()).collect(),
    };
    let matched: Vec<usize> = candidates
        .into_iter()
        .filter(|&i| passes(layer, i, &q.filters))
        .collect();
    ItemsPage {
        number_matched: matched.len(),
        features: matched.into_iter().skip(q.offset).take(q.limit).collect(),
    }
}
