//! nestmap maps the places that help families in Xiangcheng District, Suzhou (相城区,
//! 320507): nursing rooms, child-friendly communities, pocket parks, service stations and
//! school commuter lines, and answers parents, planners and route designers over HTTP.
//!
//! Positions are `[lon, lat]` WGS84 inside; data arriving in another CRS (any EPSG code,
//! GCJ-02, BD-09) is converted on load by [`crs`]. Distances are metres on the ground.
//!
//! The flow: [`catalog`] declares the layers; [`load`] validates them (refusals in
//! [`report`]) into a frozen [`snapshot::Snapshot`] with one [`index::LayerIndex`] per
//! layer; [`query`] answers questions over it, measuring with [`geodesy`]; [`http`] serves
//! the answers; [`config`] and [`serve`] start the server; [`edit`] and [`store`] change the
//! files, [`reload`] says what changed. Opening hours read China's days off and make-up
//! workdays from [`holidays`]. The walking network is built by [`network`] from ways that
//! [`import`] reads from OpenStreetMap (`nestmap import-osm`);
//! [`tiles`] cuts the streets into vector tiles for the map.
#![deny(missing_docs)]

pub mod catalog;
pub mod config;
pub mod crs;
pub mod edit;
pub mod geodesy;
pub mod holidays;
pub mod http;
pub mod import;
pub mod index;
pub mod lang;
pub mod load;
pub mod model;
pub mod network;
pub mod output;
pub mod pool;
pub mod query;
pub mod reload;
pub mod report;
pub mod sample;
pub mod serve;
pub mod snapshot;
pub mod store;
pub mod tiles;

pub use http::{app, app_with, AppState};
