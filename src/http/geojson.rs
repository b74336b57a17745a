//! GeoJSON output for handlers: see [`crate::output`].

pub use crate::output::{feature_json, geometry_json};
