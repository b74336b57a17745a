//! The domain model: layers, their kinds and property schemas, and features.
//!
//! Stated once for the whole crate: positions are `[lon, lat]` in WGS84 degrees
//! (RFC 7946 order), and every distance is in metres on the ground (the WGS84 ellipsoid),
//! named with a `_m` suffix.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use opening_hours::{Context, OpeningHours};
use serde::Serialize;
use serde_json::{Map, Value};

/// The built-in layer kinds. Each has a property schema checked on load; `Generic` layers
/// accept any properties and are served and queried all the same.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LayerKind {
    /// 母婴室: points.
    NursingRooms,
    /// 儿童友好社区: polygons.
    ChildFriendlyCommunities,
    /// 口袋公园: polygons.
    PocketParks,
    /// Service stations such as 巾帼暖"新"驿站: points.
    ServiceStations,
    /// 通学专线: lines.
    SchoolBusRoutes,
    /// Stops of the school commuter lines: points with route id and sequence.
    SchoolBusStops,
    /// District outlines: polygons.
    District,
    /// Township-level units: polygons.
    Townships,
    /// Lakes and other water, excluded from coverage areas: polygons.
    Water,
    /// Villages and residential communities with population: points.
    Demand,
    /// Streets and paths drawn on the map (written by `nestmap import-osm` and the sample
    /// generator beside the walking network): lines with a name and an OSM `highway` class.
    Roads,
    /// The walking network: not GeoJSON but a network file ([`crate::network::file`]),
    /// loaded into the snapshot's [`crate::snapshot::NetworkLayer`], at most one per catalog.
    Network,
    /// Any other layer: any geometry, any properties.
    Generic,
}

/// The broad geometry family a kind requires.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum GeometryFamily {
    /// Point or MultiPoint.
    Point,
    /// LineString or MultiLineString.
    Line,
    /// Polygon or MultiPolygon.
    Polygon,
    /// Anything.
    Any,
}

impl GeometryFamily {
    /// Whether a geometry belongs to this family.
    pub fn admits(self, g: &geo::Geometry<f64>) -> bool {
        use geo::Geometry as G;
        match self {
            GeometryFamily::Point => matches!(g, G::Point(_) | G::MultiPoint(_)),
            GeometryFamily::Line => matches!(g, G::LineString(_) | G::MultiLineString(_)),
            GeometryFamily::Polygon => matches!(g, G::Polygon(_) | G::MultiPolygon(_)),
            GeometryFamily::Any => true,
        }
    }
}

/// The type a property must have.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum FieldType {
    /// Any non-empty string.
    Text,
    /// A finite number, at least the given minimum.
    Number {
        /// Smallest allowed value.
        min: f64,
    },
    /// A whole number, at least the given minimum.
    Integer {
        /// Smallest allowed value.
        min: i64,
    },
    /// `true` or `false`.
    Bool,
    /// One of the listed strings.
    Enum(&'static [&'static str]),
    /// An array whose items are all among the listed strings.
    EnumList(&'static [&'static str]),
    /// An array of non-empty strings.
    TextList,
    /// An array of `HH:MM` times.
    TimeList,
    /// OpenStreetMap `opening_hours` syntax.
    OpeningHours,
    /// A calendar date `YYYY-MM-DD`.
    Date,
    /// A `[lon, lat]` WGS84 position.
    Position,
}

/// One property in a kind's schema.
#[derive(Debug, Clone, Copy)]
pub struct Field {
    /// Property name.
    pub name: &'static str,
    /// Its type.
    pub ty: FieldType,
    /// Whether a feature must carry it.
    pub required: bool,
}

const fn req(name: &'static str, ty: FieldType) -> Field {
    Field {
        name,
        ty,
        required: true,
    }
}

const fn opt(name: &'static str, ty: FieldType) -> Field {
    Field {
        name,
        ty,
        required: false,
    }
}

/// Venue types of a nursing room.
pub const VENUE_TYPES: &[&str] = &[
    "mall",
    "hospital",
    "transport_hub",
    "government",
    "park",
    "office",
    "other",
];
/// Amenities a nursing room may have (the `has` filter of the nearest query).
pub const NURSING_AMENITIES: &[&str] = &[
    "changing_table",
    "nursing_chair",
    "lockable_door",
    "sink",
    "hot_water",
    "fridge",
    "power_outlet",
    "step_free",
];
/// Services a station for riders and couriers may offer.
pub const STATION_SERVICES: &[&str] = &[
    "water",
    "charging",
    "microwave",
    "toilet",
    "rest",
    "first_aid",
];
/// Levels of a child-friendly community.
pub const COMMUNITY_LEVELS: &[&str] = &["municipal_demonstration", "district"];

/// Properties every feature may carry, whatever its kind.
pub const COMMON_FIELDS: &[Field] = &[
    opt("synthetic", FieldType::Bool),
    opt("source", FieldType::Text),
];

impl LayerKind {
    /// The geometry family this kind requires.
    pub fn geometry(self) -> GeometryFamily {
        use LayerKind::*;
        match self {
            NursingRooms | ServiceStations | SchoolBusStops | Demand => GeometryFamily::Point,
            SchoolBusRoutes | Roads => GeometryFamily::Line,
            ChildFriendlyCommunities | PocketParks | District | Townships | Water => {
                GeometryFamily::Polygon
            }
            Network | Generic => GeometryFamily::Any,
        }
    }

    /// Whether features of this kind are facilities a person walks to (used by coverage and
    /// nearest queries to pick sensible layers).
    pub fn is_facility(self) -> bool {
        use LayerKind::*;
        matches!(
            self,
            NursingRooms | ChildFriendlyCommunities | PocketParks | ServiceStations | Generic
        )
    }

    /// The property schema of this kind (beyond [`COMMON_FIELDS`]).
    pub fn fields(self) -> &'static [Field] {
        use FieldType::*;
        use LayerKind::*;
        match self {
            NursingRooms => {
                const F: &[Field] = &[
                    req("name", Text),
                    req("address", Text),
                    req("venue_type", Enum(VENUE_TYPES)),
                    opt("opening_hours", OpeningHours),
                    req("amenities", EnumList(NURSING_AMENITIES)),
                    opt("area_m2", Number { min: 0.0 }),
                    opt("indoor_location", Text),
                    opt("indoor_location_en", Text),
                    opt("phone", Text),
                    opt("verified_on", Date),
                ];
                F
            }
            ChildFriendlyCommunities => {
                const F: &[Field] = &[
                    req("name", Text),
                    req("township", Text),
                    req("level", Enum(COMMUNITY_LEVELS)),
                    opt("facilities", TextList),
                ];
                F
            }
            PocketParks => {
                const F: &[Field] = &[
                    req("name", Text),
                    opt("area_m2", Number { min: 0.0 }),
                    req("child_friendly", Bool),
                    opt("facilities", TextList),
                    opt("opening_hours", OpeningHours),
                ];
                F
            }
            ServiceStations => {
                const F: &[Field] = &[
                    req("name", Text),
                    req("services", EnumList(STATION_SERVICES)),
                    opt("opening_hours", OpeningHours),
                    req("host", Text),
                ];
                F
            }
            SchoolBusRoutes => {
                const F: &[Field] = &[
                    req("route_id", Text),
                    req("name", Text),
                    req("school", Text),
                    opt("school_location", Position),
                    req("operator", Text),
                    req("departures", TimeList),
                ];
                F
            }
            SchoolBusStops => {
                const F: &[Field] = &[
                    req("route_id", Text),
                    req("seq", Integer { min: 1 }),
                    req("name", Text),
                ];
                F
            }
            District => {
                const F: &[Field] = &[req("name", Text), req("code", Text)];
                F
            }
            Townships => {
                const F: &[Field] = &[
                    req("name", Text),
                    req("code", Text),
                    opt("approximate", Bool),
                ];
                F
            }
            Water => {
                const F: &[Field] = &[opt("name", Text)];
                F
            }
            Demand => {
                const F: &[Field] = &[
                    req("name", Text),
                    req("code", Text),
                    req("township", Text),
                    opt("township_code", Text),
                    req("population", Integer { min: 0 }),
                    req("children", Integer { min: 0 }),
                ];
                F
            }
            Roads => {
                const F: &[Field] = &[
                    req("highway", Text),
                    opt("name", Text),
                    opt("name_en", Text),
                ];
                F
            }
            Network | Generic => &[],
        }
    }
}

/// One feature of a layer, validated. Its WGS84 geometry lives in the layer's index, at the
/// same position.
#[derive(Debug, Clone)]
pub struct Feature {
    /// The GeoJSON `id`, unique in its layer.
    pub id: String,
    /// The properties as loaded (validated against the kind's schema).
    pub properties: Properties,
}

impl Feature {
    /// Whether the feature is marked `synthetic: true`.
    pub fn is_synthetic(&self) -> bool {
        self.properties.get("synthetic") == Some(&Value::Bool(true))
    }

    /// Property `key`, if the feature carries it.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.properties.get(key)
    }
}

/// A feature's properties, compact: one allocation of `(key, value)` pairs sorted by key (the
/// order a `serde_json::Map` iterates in), keys shared by every feature that uses them. Reads
/// like the map it replaces (`get`, `contains_key`, `iter`, `keys`, `properties["name"]`);
/// [`Properties::to_map`] gives a `serde_json::Map` to edit.
#[derive(Clone, Default, PartialEq)]
pub struct Properties(Box<[(Arc<str>, Value)]>);

impl Properties {
    /// Property `key`, if present.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.0
            .binary_search_by(|(k, _)| (**k).cmp(key))
            .ok()
            .map(|i| &self.0[i].1)
    }

    /// Whether property `key` is present.
    pub fn contains_key(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    /// `(key, value)` pairs in key order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = (&str, &Value)> + '_ {
        self.0.iter().map(|(k, v)| (&**k, v))
    }

    /// Keys in order.
    pub fn keys(&self) -> impl ExactSizeIterator<Item = &str> + '_ {
        self.0.iter().map(|(k, _)| &**k)
    }

    /// How many properties.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// A copy as a `serde_json::Map`.
    pub fn to_map(&self) -> Map<String, Value> {
        self.0
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect()
    }
}

/// The shared copy of a property name (a handful of distinct names per layer): first from
/// this thread's last few names (no lock, no hashing: the loader asks twice per feature),
/// then from the process-wide set.
fn intern(key: &str) -> Arc<str> {
    thread_local! {
        static RECENT: std::cell::RefCell<Vec<Arc<str>>> = const { std::cell::RefCell::new(Vec::new()) };
    }
    RECENT.with(|r| {
        let mut r = r.borrow_mut();
        if let Some(k) = r.iter().find(|k| ***k == *key) {
            return k.clone();
        }
        let k = intern_shared(key);
        if r.len() == 32 {
            r.remove(0);
        }
        r.push(k.clone());
        k
    })
}

fn intern_shared(key: &str) -> Arc<str> {
    static KEYS: Mutex<Option<HashSet<Arc<str>>>> = Mutex::new(None);
    let mut keys = KEYS.lock().unwrap_or_else(|e| e.into_inner());
    let keys = keys.get_or_insert_with(HashSet::new);
    if let Some(k) = keys.get(key) {
        return k.clone();
    }
    let k: Arc<str> = Arc::from(key);
    keys.insert(k.clone());
    k
}

impl From<Map<String, Value>> for Properties {
    fn from(m: Map<String, Value>) -> Self {
        // A Map iterates in key order (serde_json without `preserve_order`); sort anyway so
        // lookups stay right whatever the map's order.
        let mut v: Vec<(Arc<str>, Value)> = m.into_iter().map(|(k, v)| (intern(&k), v)).collect();
        v.sort_by(|a, b| a.0.cmp(&b.0));
        Properties(v.into_boxed_slice())
    }
}

impl From<Properties> for Map<String, Value> {
    fn from(p: Properties) -> Self {
        p.0.into_vec()
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect()
    }
}

impl<'a> IntoIterator for &'a Properties {
    type Item = (&'a str, &'a Value);
    type IntoIter = std::iter::Map<
        std::slice::Iter<'a, (Arc<str>, Value)>,
        fn(&'a (Arc<str>, Value)) -> (&'a str, &'a Value),
    >;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter().map(|(k, v)| (&**k, v))
    }
}

impl std::ops::Index<&str> for Properties {
    type Output = Value;
    /// The value of `key`, `Value::Null` when absent (like indexing a `serde_json::Value`).
    fn index(&self, key: &str) -> &Value {
        static NULL: Value = Value::Null;
        self.get(key).unwrap_or(&NULL)
    }
}

impl std::fmt::Debug for Properties {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl Serialize for Properties {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.iter())
    }
}

/// Positions of features by id, without a second copy of the ids: a hash table of feature
/// positions, compared through a function that gives a position's id.
#[derive(Debug, Default)]
pub(crate) struct IdTable(hashbrown::HashTable<u32>);

/// FxHash over 8-byte words: ids are short and trusted, and this runs once per feature.
fn hash_id(id: &str) -> u64 {
    const K: u64 = 0x517c_c1b7_2722_0a95;
    let mut h = id.len() as u64;
    let mut chunks = id.as_bytes().chunks_exact(8);
    for c in &mut chunks {
        let w = u64::from_le_bytes(c.try_into().expect("8 bytes"));
        h = (h.rotate_left(5) ^ w).wrapping_mul(K);
    }
    let mut tail = [0u8; 8];
    tail[..chunks.remainder().len()].copy_from_slice(chunks.remainder());
    h = (h.rotate_left(5) ^ u64::from_le_bytes(tail)).wrapping_mul(K);
    h ^ (h >> 29)
}

impl IdTable {
    pub(crate) fn with_capacity(n: usize) -> Self {
        IdTable(hashbrown::HashTable::with_capacity(n))
    }

    /// The position whose id is `id`.
    pub(crate) fn find<'a>(&self, id: &str, id_of: impl Fn(u32) -> &'a str) -> Option<u32> {
        self.0.find(hash_id(id), |&j| id_of(j) == id).copied()
    }

    /// Record position `i` under its id `id_of(i)`; a later position with the same id wins.
    pub(crate) fn insert_new<'a>(&mut self, i: u32, id_of: impl Fn(u32) -> &'a str) {
        let id = id_of(i);
        match self
            .0
            .entry(hash_id(id), |&j| id_of(j) == id, |&j| hash_id(id_of(j)))
        {
            hashbrown::hash_table::Entry::Occupied(mut e) => *e.get_mut() = i,
            hashbrown::hash_table::Entry::Vacant(e) => {
                e.insert(i);
            }
        }
    }
}

/// The GeoJSON name of a geometry's type.
pub fn geometry_name(g: &geo::Geometry<f64>) -> &'static str {
    use geo::Geometry as G;
    match g {
        G::Point(_) => "Point",
        G::MultiPoint(_) => "MultiPoint",
        G::Line(_) | G::LineString(_) => "LineString",
        G::MultiLineString(_) => "MultiLineString",
        G::Polygon(_) | G::Rect(_) | G::Triangle(_) => "Polygon",
        G::MultiPolygon(_) => "MultiPolygon",
        G::GeometryCollection(_) => "GeometryCollection",
    }
}

/// An `opening_hours` value (OpenStreetMap syntax) with China's public holidays (`PH`)
/// attached: the opening-hours crate's calendar and the days off of the State Council's
/// notices ([`crate::holidays`]). Parsed once, at load; evaluated by
/// [`crate::query::hours::open_at`], which also reads make-up workdays as weekdays.
pub fn parse_hours(s: &str) -> Result<OpeningHours, String> {
    let oh = s.parse::<OpeningHours>().map_err(|e| e.to_string())?;
    Ok(oh.with_context(Context::default().with_holidays(crate::holidays::public_holidays())))
}
