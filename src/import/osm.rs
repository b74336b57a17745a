//! `nestmap import-osm`: an OpenStreetMap PBF extract -> the walking network
//! (`network.nnet`, [`crate::network`]) and the `roads` layer (`roads.geojson`), both declared
//! in the data directory's `layers.toml`.
//!
//! # Steps
//!
//! 1. **Pass 1, ways and relations.** Every block is decoded on rayon's threads; each way's
//!    tags go through [`classify`] (the rules are one table, [`RULES`]), and a walkable way
//!    keeps its node ids, name, `name:en`, class and `highway`. Multipolygon relations tagged
//!    `highway=pedestrian` keep their member way ids. The pass also notes which blocks hold
//!    nodes and which hold ways.
//! 2. **Pass 1b, only when a pedestrian-area relation names ways not kept yet** (their
//!    outlines are usually untagged ways): the blocks holding ways, again, for those ways.
//! 3. **Pass 2, nodes.** The node ids the kept ways use, sorted once; only the blocks that
//!    held nodes are decoded again, and each dense node is looked up by a galloping search
//!    from the last hit (nodes in a block come sorted by id), its position written into one
//!    array beside the sorted ids.
//! 4. Each way becomes its runs of nodes that exist in the file and lie inside the area
//!    ([`super::area`]); [`crate::network::build`] splits them at shared nodes, measures
//!    them on the ellipsoid and labels the components (all are kept).
//! 5. Nothing is written before all of that succeeded: then `network.nnet`, `roads.geojson`
//!    and `layers.toml` are each written under a temporary name in the directory, synced, and
//!    renamed over their targets.
//!
//! # Why two passes, not one with an id -> position map
//!
//! A way lists node ids, and the nodes come before the ways in a PBF, so one pass would have
//! to keep the position of every node of the file until the ways say which are needed: 16
//! bytes and a hash entry for each of them (tens of millions in a province extract, of which
//! a walking network uses a fifth). Two passes keep only the nodes the kept ways use (a
//! sorted id array and a position array: no hash map, no allocation per node) and pay with
//! a second decode of the node blocks only, since pass 1 noted which blocks they are. This
//! is also how `osmium tags-filter` (the benchmark's baseline) finds the nodes of the ways
//! it keeps.
//!
//! # What is not read
//!
//! Ferry routes mapped only as route relations (not as `route=ferry` ways), turn
//! restrictions (a pedestrian has none), and tags on nodes (barriers, crossings): a
//! `barrier=gate` does not cut a footway.

use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use osmpbf::{BlobDecode, BlobReader, BlobType, PrimitiveBlock, RelMemberType};
use rayon::prelude::*;

use super::area::{Area, AreaChoice};
use super::declare::{declare, Declared, Entry};
use super::ImportError;
use crate::geodesy::distance_m;
use crate::network::build::WayClass;
use crate::network::{self, BuildReport, Provenance, FERRY_KMH, FORMAT_VERSION};

/// The network file's name in the data directory.
pub const NETWORK_FILE: &str = "network.nnet";
/// The roads layer's file name in the data directory.
pub const ROADS_FILE: &str = "roads.geojson";
/// The licence every OSM-derived file carries.
pub const ATTRIBUTION: &str = "© OpenStreetMap contributors, ODbL";

/// What a tag does to a way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    /// `highway=*`: a class walked at the walker's pace.
    Walk,
    /// `highway=*`: steps, walked at [`crate::network::STEPS_FACTOR`] times the cost.
    Steps,
    /// `highway=*`: walked only with an explicit `foot=yes|designated|permissive`.
    OnlyWithFoot,
    /// `foot=*` / `access=*`: lets a pedestrian in. A `foot=*` value wins over `access=*`.
    Allows,
    /// `foot=*` / `access=*`: keeps a pedestrian out.
    Forbids,
    /// `route=ferry`: an edge costing its `duration` (or [`FERRY_KMH`]).
    Ferry,
    /// `duration=*`: a ferry's crossing time, `mm`, `hh:mm` or `hh:mm:ss`.
    Duration,
    /// `area=yes` on a closed walkable way, or a `type=multipolygon` relation with
    /// `highway=pedestrian`: a pedestrian area, walkable along its outline.
    Outline,
}

/// One tag rule and where it comes from.
#[derive(Debug, Clone, Copy)]
pub struct Rule {
    /// The key.
    pub key: &'static str,
    /// The value (`*`: any).
    pub value: &'static str,
    /// What it does.
    pub effect: Effect,
    /// Its source.
    pub source: &'static str,
}

const KEY_HIGHWAY: &str = "OSM wiki, Key:highway";
const ACCESS_CN: &str =
    "OSM wiki, OSM tags for routing/Access restrictions (China: pedestrians on every road class but motorways)";
const INDOOR: &str = "OSM wiki, Tag:highway=corridor / Tag:highway=elevator (indoor; malls are where nursing rooms are)";
const MOTORWAY: &str = "Road Traffic Safety Law of the PRC, art. 67 (pedestrians may not enter 高速公路); OSM wiki, Access restrictions (China: motorway foot=no)";
const KEY_ACCESS: &str = "OSM wiki, Key:access (foot=* is more specific than access=* and wins)";

const fn rule(
    key: &'static str,
    value: &'static str,
    effect: Effect,
    source: &'static str,
) -> Rule {
    Rule {
        key,
        value,
        effect,
        source,
    }
}

/// The tag rules, in one table (README, "Walking network", lists the same rows). A way is
/// walkable when [`classify`] says so: `route=ferry` makes a ferry; otherwise its `highway`
/// value must be listed; then `foot=*` decides when listed, else `access=*` when listed,
/// else the highway class's default. Values not listed change nothing.
pub const RULES: &[Rule] = &[
    rule("highway", "footway", Effect::Walk, KEY_HIGHWAY),
    rule("highway", "path", Effect::Walk, KEY_HIGHWAY),
    rule("highway", "pedestrian", Effect::Walk, KEY_HIGHWAY),
    rule("highway", "steps", Effect::Steps, "OSM wiki, Tag:highway=steps"),
    rule("highway", "living_street", Effect::Walk, ACCESS_CN),
    rule("highway", "residential", Effect::Walk, ACCESS_CN),
    rule("highway", "service", Effect::Walk, ACCESS_CN),
    rule("highway", "unclassified", Effect::Walk, ACCESS_CN),
    rule("highway", "track", Effect::Walk, ACCESS_CN),
    rule("highway", "cycleway", Effect::Walk, ACCESS_CN),
    rule("highway", "tertiary", Effect::Walk, ACCESS_CN),
    rule("highway", "tertiary_link", Effect::Walk, ACCESS_CN),
    rule("highway", "secondary", Effect::Walk, ACCESS_CN),
    rule("highway", "secondary_link", Effect::Walk, ACCESS_CN),
    rule("highway", "primary", Effect::Walk, ACCESS_CN),
    rule("highway", "primary_link", Effect::Walk, ACCESS_CN),
    rule("highway", "trunk", Effect::Walk, ACCESS_CN),
    rule("highway", "trunk_link", Effect::Walk, ACCESS_CN),
    rule("highway", "corridor", Effect::Walk, INDOOR),
    rule("highway", "elevator", Effect::Walk, INDOOR),
    rule("highway", "motorway", Effect::OnlyWithFoot, MOTORWAY),
    rule("highway", "motorway_link", Effect::OnlyWithFoot, MOTORWAY),
    rule("foot", "yes", Effect::Allows, KEY_ACCESS),
    rule("foot", "designated", Effect::Allows, KEY_ACCESS),
    rule("foot", "permissive", Effect::Allows, KEY_ACCESS),
    rule("foot", "no", Effect::Forbids, KEY_ACCESS),
    rule("foot", "private", Effect::Forbids, KEY_ACCESS),
    rule(
        "foot",
        "use_sidepath",
        Effect::Forbids,
        "OSM wiki, Key:access (use_sidepath: walk on the sidewalk mapped beside it)",
    ),
    rule("access", "no", Effect::Forbids, KEY_ACCESS),
    rule("access", "private", Effect::Forbids, KEY_ACCESS),
    rule("access", "yes", Effect::Allows, KEY_ACCESS),
    rule("access", "permissive", Effect::Allows, KEY_ACCESS),
    rule("access", "destination", Effect::Allows, KEY_ACCESS),
    rule("access", "customers", Effect::Allows, KEY_ACCESS),
    rule(
        "route",
        "ferry",
        Effect::Ferry,
        "OSM wiki, Tag:route=ferry (a ferry way; foot=no / access=no keep it out too)",
    ),
    rule(
        "duration",
        "*",
        Effect::Duration,
        "OSM wiki, Key:duration (mm, hh:mm, hh:mm:ss); none or unreadable: FERRY_KMH",
    ),
    rule(
        "area",
        "yes",
        Effect::Outline,
        "OSM wiki, Tag:highway=pedestrian (area=yes: walkable along and across; we walk its outline)",
    ),
    rule(
        "type",
        "multipolygon",
        Effect::Outline,
        "OSM wiki, Relation:multipolygon (with highway=pedestrian: every member way is outline)",
    ),
];

/// The rule for `key=value`, if the table has one.
pub fn rule_for(key: &str, value: &str) -> Option<&'static Rule> {
    RULES
        .iter()
        .find(|r| r.key == key && (r.value == value || r.value == "*"))
}

fn effect(key: &str, value: Option<&str>) -> Option<Effect> {
    value.and_then(|v| rule_for(key, v)).map(|r| r.effect)
}

/// The tags of a way (or relation) the rules read.
#[derive(Debug, Default, Clone, Copy)]
pub struct Tags<'a> {
    /// `highway=*`.
    pub highway: Option<&'a str>,
    /// `foot=*`.
    pub foot: Option<&'a str>,
    /// `access=*`.
    pub access: Option<&'a str>,
    /// `route=*`.
    pub route: Option<&'a str>,
    /// `duration=*`.
    pub duration: Option<&'a str>,
    /// `area=*`.
    pub area: Option<&'a str>,
    /// `type=*` (relations).
    pub kind: Option<&'a str>,
    /// `name=*`.
    pub name: Option<&'a str>,
    /// `name:en=*`.
    pub name_en: Option<&'a str>,
}

/// How a walkable way is walked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Walkable {
    /// At the walker's pace.
    Walk,
    /// Steps.
    Steps,
    /// A ferry.
    Ferry,
}

/// Whether a way with these tags is walkable, and how (see [`RULES`]).
pub fn classify(t: &Tags) -> Option<Walkable> {
    let foot = effect("foot", t.foot);
    let allowed = match foot {
        Some(Effect::Allows) => true,
        Some(Effect::Forbids) => false,
        _ => effect("access", t.access) != Some(Effect::Forbids),
    };
    if effect("route", t.route) == Some(Effect::Ferry) {
        return allowed.then_some(Walkable::Ferry);
    }
    match effect("highway", t.highway)? {
        Effect::Walk => allowed.then_some(Walkable::Walk),
        Effect::Steps => allowed.then_some(Walkable::Steps),
        Effect::OnlyWithFoot => (foot == Some(Effect::Allows)).then_some(Walkable::Walk),
        _ => None,
    }
}

/// A ferry's `duration` in seconds: `mm`, `hh:mm` or `hh:mm:ss` (OSM wiki, Key:duration);
/// None when it is none of those.
pub fn parse_duration_s(v: &str) -> Option<f64> {
    let parts: Vec<&str> = v.trim().split(':').collect();
    let num = |s: &str| -> Option<u32> {
        (!s.is_empty() && s.len() <= 4 && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse().ok())
            .flatten()
    };
    let secs = match parts.as_slice() {
        [m] => num(m)? * 60,
        [h, m] if num(m)? < 60 => num(h)? * 3600 + num(m)? * 60,
        [h, m, s] if num(m)? < 60 && num(s)? < 60 => num(h)? * 3600 + num(m)? * 60 + num(s)?,
        _ => return None,
    };
    (secs > 0).then_some(secs as f64)
}

/// What `import-osm` was asked to do.
#[derive(Debug, Clone)]
pub struct ImportOptions {
    /// The `.osm.pbf` file.
    pub file: PathBuf,
    /// Where to keep things.
    pub area: AreaChoice,
    /// The data directory to write into.
    pub out: PathBuf,
}

/// What an import did, printed at its end.
#[derive(Debug, Clone)]
pub struct Summary {
    /// The input.
    pub file: PathBuf,
    /// Its size in bytes.
    pub bytes: u64,
    /// Its blocks (the header included).
    pub blocks: usize,
    /// Ways in the file.
    pub ways_read: u64,
    /// Walkable ways (by the rules), before the area and missing nodes.
    pub ways_walkable: usize,
    /// Of those: steps, ferries, ferries without a readable duration, pedestrian areas
    /// (closed ways and relation members).
    pub steps: usize,
    /// Ferries.
    pub ferries: usize,
    /// Ferries costed at [`FERRY_KMH`] (no `duration`, or one that cannot be read).
    pub ferries_at_speed: usize,
    /// Pedestrian areas walked along their outline.
    pub areas: usize,
    /// Pieces of ways kept (inside the area, nodes present), as handed to the build.
    pub pieces: usize,
    /// Nodes in the file.
    pub nodes_read: u64,
    /// Distinct nodes the walkable ways use.
    pub nodes_used: usize,
    /// Of those, how many the file lacks (ways are cut there).
    pub nodes_missing: usize,
    /// The build's report (vertices, edges, km, components).
    pub build: BuildReport,
    /// Seconds: whole import, pass 1 (+1b), pass 2, build and write.
    pub seconds: [f64; 4],
    /// Files written.
    pub wrote: Vec<PathBuf>,
    /// Notes: what was replaced.
    pub notes: Vec<String>,
}

impl std::fmt::Display for Summary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let b = &self.build;
        let total: u64 = b.components.iter().map(|&c| c as u64).sum();
        let largest = b.components.first().copied().unwrap_or(0);
        let share = if total > 0 {
            100.0 * largest as f64 / total as f64
        } else {
            0.0
        };
        let top: Vec<String> = b.components.iter().take(5).map(u32::to_string).collect();
        writeln!(
            f,
            "file        {} ({} bytes, {} blocks)",
            self.file.display(),
            self.bytes,
            self.blocks
        )?;
        writeln!(
            f,
            "ways        {} read, {} walkable ({} steps, {} ferries of which {} at {FERRY_KMH} km/h, {} pedestrian areas), {} pieces kept, {} used",
            self.ways_read,
            self.ways_walkable,
            self.steps,
            self.ferries,
            self.ferries_at_speed,
            self.areas,
            self.pieces,
            b.ways_used
        )?;
        writeln!(
            f,
            "nodes       {} read, {} used by walkable ways, {} missing from the file",
            self.nodes_read, self.nodes_used, self.nodes_missing
        )?;
        writeln!(
            f,
            "network     {} vertices, {} edges, {:.3} km",
            b.vertices, b.edges, b.km
        )?;
        writeln!(
            f,
            "components  {} (all kept), largest {largest} vertices = {share:.1} %, largest sizes {}",
            b.components.len(),
            top.join(", ")
        )?;
        let [t, p1, p2, w] = self.seconds;
        writeln!(
            f,
            "time        {t:.2} s (ways {p1:.2} s, nodes {p2:.2} s, build and write {w:.2} s)"
        )?;
        for n in &self.notes {
            writeln!(f, "note        {n}")?;
        }
        let wrote: Vec<String> = self.wrote.iter().map(|p| p.display().to_string()).collect();
        write!(f, "wrote       {}", wrote.join(", "))
    }
}

/// Run an import: read, check, build, then write (see the module doc).
pub fn import(opts: &ImportOptions) -> Result<Summary, ImportError> {
    let started = Instant::now();
    let path = &opts.file;
    let meta = std::fs::metadata(path).map_err(ImportError::io(path))?;
    if !meta.is_file() {
        return Err(ImportError::NotPbf {
            path: path.clone(),
            reason: "it is a directory".into(),
        });
    }
    let len = meta.len();
    // The area first: a wrong --clip is refused before a large file is read.
    let area = Area::resolve(&opts.area, &opts.out)?;

    // Pass 1: ways and relations.
    let (batches, blocks) = run_pass(path, len, "ways", None, pass1_block)?;
    let mut kinds = vec![BlockKind::default(); blocks];
    let mut ways: Vec<RawWay> = Vec::new();
    let mut refs: Vec<i64> = Vec::new();
    let mut relations: Vec<AreaRelation> = Vec::new();
    let mut ways_read = 0;
    for (i, mut b) in batches {
        kinds[i] = b.kind;
        ways_read += b.ways_read;
        let offset = refs.len() as u32;
        for w in &mut b.ways {
            w.refs.0 += offset;
        }
        refs.append(&mut b.refs);
        ways.append(&mut b.ways);
        relations.append(&mut b.relations);
    }
    // Pass 1b: the outline ways of pedestrian-area relations that pass 1 did not keep.
    if !relations.is_empty() {
        let mut kept_ids: Vec<i64> = ways.iter().map(|w| w.id).collect();
        kept_ids.sort_unstable();
        let mut members: Vec<(i64, u32)> = relations
            .iter()
            .enumerate()
            .flat_map(|(r, rel)| rel.members.iter().map(move |&m| (m, r as u32)))
            .filter(|(m, _)| kept_ids.binary_search(m).is_err())
            .collect();
        members.sort_unstable();
        members.dedup_by_key(|(m, _)| *m);
        if !members.is_empty() {
            let want: Vec<bool> = kinds.iter().map(|k| k.ways).collect();
            let (found, _) = run_pass(path, len, "area outlines", Some(&want), |block| {
                outline_ways(block, &members, &relations)
            })?;
            for (_, (mut ws, mut rs)) in found {
                let offset = refs.len() as u32;
                for w in &mut ws {
                    w.refs.0 += offset;
                }
                refs.append(&mut rs);
                ways.append(&mut ws);
            }
        }
    }
    if ways.is_empty() {
        return Err(ImportError::NoWalkable {
            path: path.clone(),
            ways: ways_read,
        });
    }
    let pass1_s = started.elapsed().as_secs_f64();

    // Pass 2: the nodes the kept ways use.
    let mut needed = refs.clone();
    needed.par_sort_unstable();
    needed.dedup();
    let want: Vec<bool> = kinds.iter().map(|k| k.nodes).collect();
    let (found, _) = run_pass(path, len, "nodes", Some(&want), |block| {
        node_positions(block, &needed)
    })?;
    let mut positions = vec![[f64::NAN; 2]; needed.len()];
    let mut nodes_read = 0;
    for (_, (hits, read)) in found {
        nodes_read += read;
        for (i, p) in hits {
            positions[i as usize] = p;
        }
    }
    let nodes_missing = positions.iter().filter(|p| p[0].is_nan()).count();
    let pass2_s = started.elapsed().as_secs_f64() - pass1_s;

    // Pieces: runs of nodes present and inside the area.
    let inside: Vec<bool> = positions
        .par_iter()
        .map(|p| !p[0].is_nan() && area.contains(*p))
        .collect();
    let per_way: Vec<Vec<Piece>> = ways
        .par_iter()
        .enumerate()
        .map(|(i, w)| pieces(i, w, &refs, &needed, &positions, &inside))
        .collect();
    let pieces: Vec<Piece> = per_way.into_iter().flatten().collect();
    if pieces.is_empty() {
        let file_bbox = bbox(positions.iter().filter(|p| !p[0].is_nan()).copied());
        return match (area.bbox(), file_bbox) {
            (Some(area_bbox), Some(file_bbox)) => Err(ImportError::Outside {
                path: path.clone(),
                area: match &opts.area {
                    AreaChoice::Clip(id) => format!("--clip {id}"),
                    _ => "--bbox".into(),
                },
                area_bbox,
                file_bbox,
            }),
            _ => Err(ImportError::Damaged {
                path: path.clone(),
                block: 0,
                at: 0,
                reason: format!(
                    "its {} walkable ways use {} nodes and the file has none of them",
                    ways.len(),
                    needed.len()
                ),
            }),
        };
    }

    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let provenance = Provenance {
        source: name.clone(),
        synthetic: false,
        attribution: ATTRIBUTION.into(),
    };
    let net_ways: Vec<network::Way> = pieces
        .iter()
        .map(|p| network::Way {
            nodes: p.nodes.clone(),
            name: ways[p.way].name.clone(),
            class: p.class,
        })
        .collect();
    let (net, build) = network::build(&net_ways, provenance);
    drop(net_ways);
    let wrote = write_outputs(&opts.out, &name, &net, &pieces, &ways)?;

    let count = |f: fn(&RawWay) -> bool| ways.iter().filter(|w| f(w)).count();
    let total_s = started.elapsed().as_secs_f64();
    Ok(Summary {
        file: path.clone(),
        bytes: len,
        blocks,
        ways_read,
        ways_walkable: ways.len(),
        steps: count(|w| w.class == WayClass::Steps),
        ferries: count(|w| matches!(w.class, WayClass::Ferry { .. })),
        ferries_at_speed: count(|w| w.class == WayClass::Ferry { duration_s: None }),
        areas: count(|w| w.area),
        pieces: pieces.len(),
        nodes_read,
        nodes_used: needed.len(),
        nodes_missing,
        build,
        seconds: [total_s, pass1_s, pass2_s, total_s - pass1_s - pass2_s],
        wrote: wrote.0,
        notes: wrote.1,
    })
}

/// A walkable way as pass 1 keeps it.
#[derive(Debug, Clone)]
struct RawWay {
    id: i64,
    /// `refs[start .. start + len]` of the pass's node id array.
    refs: (u32, u32),
    class: WayClass,
    highway: String,
    name: Option<String>,
    name_en: Option<String>,
    /// A pedestrian area's outline.
    area: bool,
}

/// A multipolygon pedestrian area.
#[derive(Debug, Clone)]
struct AreaRelation {
    members: Vec<i64>,
    name: Option<String>,
    name_en: Option<String>,
}

/// What a block holds, for pass 1b and pass 2 to skip the others.
#[derive(Debug, Clone, Copy, Default)]
struct BlockKind {
    nodes: bool,
    ways: bool,
}

#[derive(Default)]
struct Pass1 {
    kind: BlockKind,
    ways_read: u64,
    ways: Vec<RawWay>,
    refs: Vec<i64>,
    relations: Vec<AreaRelation>,
}

/// The string table indexes of the keys the rules read, in one block.
struct Keys {
    highway: Option<u32>,
    foot: Option<u32>,
    access: Option<u32>,
    route: Option<u32>,
    duration: Option<u32>,
    area: Option<u32>,
    kind: Option<u32>,
    name: Option<u32>,
    name_en: Option<u32>,
}

impl Keys {
    fn of(block: &PrimitiveBlock) -> Keys {
        let table = block.raw_stringtable();
        let find = |k: &str| {
            table
                .iter()
                .position(|s| s.as_slice() == k.as_bytes())
                .map(|i| i as u32)
        };
        Keys {
            highway: find("highway"),
            foot: find("foot"),
            access: find("access"),
            route: find("route"),
            duration: find("duration"),
            area: find("area"),
            kind: find("type"),
            name: find("name"),
            name_en: find("name:en"),
        }
    }

    /// The tags of an element, from its raw (key, value) index pairs.
    fn read<'a>(&self, table: &'a [Vec<u8>], raw: impl Iterator<Item = (u32, u32)>) -> Tags<'a> {
        let mut t = Tags::default();
        let s = |v: u32| {
            table
                .get(v as usize)
                .and_then(|b| std::str::from_utf8(b).ok())
        };
        for (k, v) in raw {
            let k = Some(k);
            if k == self.highway {
                t.highway = s(v);
            } else if k == self.foot {
                t.foot = s(v);
            } else if k == self.access {
                t.access = s(v);
            } else if k == self.route {
                t.route = s(v);
            } else if k == self.duration {
                t.duration = s(v);
            } else if k == self.area {
                t.area = s(v);
            } else if k == self.kind {
                t.kind = s(v);
            } else if k == self.name {
                t.name = s(v);
            } else if k == self.name_en {
                t.name_en = s(v);
            }
        }
        t
    }
}

fn pass1_block(block: &PrimitiveBlock) -> Pass1 {
    let keys = Keys::of(block);
    let table = block.raw_stringtable();
    let mut out = Pass1::default();
    for group in block.groups() {
        if group.dense_nodes().next().is_some() || group.nodes().next().is_some() {
            out.kind.nodes = true;
        }
        for way in group.ways() {
            out.kind.ways = true;
            out.ways_read += 1;
            if keys.highway.is_none() && keys.route.is_none() {
                continue;
            }
            let t = keys.read(table, way.raw_tags());
            let Some(walk) = classify(&t) else { continue };
            let start = out.refs.len() as u32;
            out.refs.extend(way.refs());
            let n = out.refs.len() as u32 - start;
            let closed = n >= 3 && out.refs[start as usize] == out.refs[out.refs.len() - 1];
            let class = match walk {
                Walkable::Walk => WayClass::Walk,
                Walkable::Steps => WayClass::Steps,
                Walkable::Ferry => WayClass::Ferry {
                    duration_s: t.duration.and_then(parse_duration_s),
                },
            };
            out.ways.push(RawWay {
                id: way.id(),
                refs: (start, n),
                class,
                highway: t.highway.unwrap_or("ferry").to_string(),
                name: t.name.map(str::to_string),
                name_en: t.name_en.map(str::to_string),
                area: closed
                    && effect("area", t.area) == Some(Effect::Outline)
                    && t.highway == Some("pedestrian"),
            });
        }
        for rel in group.relations() {
            if keys.highway.is_none() {
                continue;
            }
            let t = keys.read(table, rel.raw_tags());
            let is_area = effect("type", t.kind) == Some(Effect::Outline)
                && t.highway == Some("pedestrian")
                && classify(&t).is_some();
            if is_area {
                out.relations.push(AreaRelation {
                    members: rel
                        .members()
                        .filter(|m| m.member_type == RelMemberType::Way)
                        .map(|m| m.member_id)
                        .collect(),
                    name: t.name.map(str::to_string),
                    name_en: t.name_en.map(str::to_string),
                });
            }
        }
    }
    out
}

/// Pass 1b: the ways among `members` (sorted way id, relation index), as outlines.
fn outline_ways(
    block: &PrimitiveBlock,
    members: &[(i64, u32)],
    relations: &[AreaRelation],
) -> (Vec<RawWay>, Vec<i64>) {
    let (mut ways, mut refs) = (Vec::new(), Vec::new());
    for group in block.groups() {
        for way in group.ways() {
            let Ok(at) = members.binary_search_by_key(&way.id(), |(m, _)| *m) else {
                continue;
            };
            let rel = &relations[members[at].1 as usize];
            let start = refs.len() as u32;
            refs.extend(way.refs());
            ways.push(RawWay {
                id: way.id(),
                refs: (start, refs.len() as u32 - start),
                class: WayClass::Walk,
                highway: "pedestrian".into(),
                name: rel.name.clone(),
                name_en: rel.name_en.clone(),
                area: true,
            });
        }
    }
    (ways, refs)
}

/// Pass 2: positions of the block's nodes that are in `needed` (sorted), and how many nodes
/// the block has.
fn node_positions(block: &PrimitiveBlock, needed: &[i64]) -> (Vec<(u32, [f64; 2])>, u64) {
    let mut hits = Vec::new();
    let mut read = 0u64;
    let mut at = 0usize;
    let mut look = |id: i64, lon: f64, lat: f64, at: &mut usize| {
        *at = gallop(needed, *at, id);
        if needed.get(*at) == Some(&id) {
            hits.push((*at as u32, [lon, lat]));
        }
    };
    for group in block.groups() {
        // Degrees from whole 1e-7 degrees (OSM's precision) by one division: the nearest
        // double to the decimal the file means, which prints as that decimal.
        for n in group.dense_nodes() {
            read += 1;
            let (lon, lat) = (
                n.decimicro_lon() as f64 / 1e7,
                n.decimicro_lat() as f64 / 1e7,
            );
            look(n.id(), lon, lat, &mut at);
        }
        for n in group.nodes() {
            read += 1;
            let (lon, lat) = (
                n.decimicro_lon() as f64 / 1e7,
                n.decimicro_lat() as f64 / 1e7,
            );
            look(n.id(), lon, lat, &mut at);
        }
    }
    (hits, read)
}

/// The first index `i` with `sorted[i] >= x`, searching forward from `from` in growing steps
/// (or from the start when `x` lies before `from`).
fn gallop(sorted: &[i64], from: usize, x: i64) -> usize {
    if from >= sorted.len() || sorted[from] >= x {
        if from == 0 || sorted.get(from - 1).is_some_and(|&p| p < x) {
            return from.min(sorted.len());
        }
        return sorted.partition_point(|&v| v < x);
    }
    let mut step = 1;
    let mut lo = from;
    while lo + step < sorted.len() && sorted[lo + step] < x {
        lo += step;
        step *= 2;
    }
    let hi = (lo + step + 1).min(sorted.len());
    lo + sorted[lo..hi].partition_point(|&v| v < x)
}

/// A run of a way's nodes, handed to the build and written to the roads layer.
struct Piece {
    way: usize,
    /// 0 when the way is whole; else 1, 2, ... along it.
    part: u32,
    nodes: Vec<(i64, [f64; 2])>,
    class: WayClass,
}

fn pieces(
    way: usize,
    w: &RawWay,
    refs: &[i64],
    needed: &[i64],
    positions: &[[f64; 2]],
    inside: &[bool],
) -> Vec<Piece> {
    let ids = &refs[w.refs.0 as usize..(w.refs.0 + w.refs.1) as usize];
    let index = |id: &i64| needed.binary_search(id).unwrap_or(usize::MAX);
    let at: Vec<usize> = ids.iter().map(index).collect();
    let mut runs: Vec<Vec<(i64, [f64; 2])>> = Vec::new();
    let mut run = Vec::new();
    for (&id, &i) in ids.iter().zip(&at) {
        if i != usize::MAX && inside[i] {
            run.push((id, positions[i]));
        } else if !run.is_empty() {
            runs.push(std::mem::take(&mut run));
        }
    }
    runs.push(run);
    runs.retain(|r| r.len() >= 2);
    let whole = runs.len() == 1 && runs[0].len() == ids.len();
    let whole_len = || -> Option<f64> {
        let pts: Option<Vec<[f64; 2]>> = at
            .iter()
            .map(|&i| (i != usize::MAX).then(|| positions[i]))
            .collect();
        pts.map(|p| p.windows(2).map(|s| distance_m(s[0], s[1])).sum())
    };
    let n = runs.len();
    runs.into_iter()
        .enumerate()
        .map(|(k, nodes)| {
            // A ferry cut by the area keeps the share of its duration its piece covers.
            let class = match w.class {
                WayClass::Ferry {
                    duration_s: Some(d),
                } if !whole => WayClass::Ferry {
                    duration_s: whole_len().filter(|&l| l > 0.0).map(|l| {
                        d * nodes
                            .windows(2)
                            .map(|s| distance_m(s[0].1, s[1].1))
                            .sum::<f64>()
                            / l
                    }),
                },
                c => c,
            };
            Piece {
                way,
                part: if whole && n == 1 { 0 } else { k as u32 + 1 },
                nodes,
                class,
            }
        })
        .collect()
}

fn bbox(points: impl Iterator<Item = [f64; 2]>) -> Option<[f64; 4]> {
    points.fold(None, |b, p| {
        Some(match b {
            None => [p[0], p[1], p[0], p[1]],
            Some(b) => [
                b[0].min(p[0]),
                b[1].min(p[1]),
                b[2].max(p[0]),
                b[3].max(p[1]),
            ],
        })
    })
}

/// A reader that counts the bytes read through it.
struct Counting<R> {
    inner: R,
    read: Arc<AtomicU64>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read.fetch_add(n as u64, Relaxed);
        Ok(n)
    }
}

/// The progress line of a pass on stderr: at most once a second, from its first second on
/// (a small file prints none).
struct Progress {
    label: &'static str,
    len: u64,
    start: Instant,
    last: Mutex<Option<Instant>>,
    printed: std::sync::atomic::AtomicBool,
}

impl Progress {
    fn tick(&self, done: u64, blocks: usize) {
        let now = Instant::now();
        let mut last = self.last.lock().unwrap_or_else(|e| e.into_inner());
        let due = match *last {
            None => now - self.start >= Duration::from_secs(1),
            Some(t) => now - t >= Duration::from_secs(1),
        };
        if due {
            *last = Some(now);
            self.printed.store(true, Relaxed);
            // One line rewritten in place on a terminal; a line each in a log.
            let (start, end) = if std::io::IsTerminal::is_terminal(&std::io::stderr()) {
                ("\r", "")
            } else {
                ("", "\n")
            };
            eprint!(
                "{start}import-osm: reading {}: {:.1} of {:.1} MB, {blocks} blocks{end}",
                self.label,
                done as f64 / 1e6,
                self.len as f64 / 1e6
            );
        }
    }

    fn finish(&self, blocks: usize) {
        if self.printed.load(Relaxed) {
            let start = if std::io::IsTerminal::is_terminal(&std::io::stderr()) {
                "\r"
            } else {
                ""
            };
            eprintln!(
                "{start}import-osm: reading {}: {:.1} of {:.1} MB, {blocks} blocks, {:.1} s",
                self.label,
                self.len as f64 / 1e6,
                self.len as f64 / 1e6,
                self.start.elapsed().as_secs_f64()
            );
        }
    }
}

/// Read `path` block by block, decoding the data blocks `want` selects (all when None) in
/// parallel with `f`. Returns `(block index, f's result)` in block order and the number of
/// blocks. Checks what makes a file a PBF: an OSMHeader first, with features this reader
/// has, every block whole, and the last one ending where the file ends.
fn run_pass<T, F>(
    path: &Path,
    len: u64,
    label: &'static str,
    want: Option<&[bool]>,
    f: F,
) -> Result<(Vec<(usize, T)>, usize), ImportError>
where
    T: Send,
    F: Fn(&PrimitiveBlock) -> T + Sync + Send,
{
    let file = File::open(path).map_err(ImportError::io(path))?;
    let read = Arc::new(AtomicU64::new(0));
    let reader = BlobReader::new(Counting {
        inner: BufReader::with_capacity(1 << 20, file),
        read: read.clone(),
    });
    let progress = Progress {
        label,
        len,
        start: Instant::now(),
        last: Mutex::new(None),
        printed: Default::default(),
    };
    // Filled in order by the serial part of the bridge (the reader).
    let mut end = 0u64;
    let mut blocks = 0usize;
    let frames = reader.enumerate().map(|(i, blob)| {
        let start = end;
        let now = read.load(Relaxed);
        if blob.is_ok() {
            end = now;
            blocks = i + 1;
        }
        progress.tick(now, i + 1);
        (i, start, now, blob)
    });
    let results: Result<Vec<Option<(usize, T)>>, ImportError> = frames
        .par_bridge()
        .map(|(i, start, now, blob)| {
            let fail = |reason: String| {
                if now >= len {
                    ImportError::Truncated {
                        path: path.to_path_buf(),
                        block: i,
                        at: start,
                        len,
                    }
                } else if i == 0 {
                    ImportError::NotPbf {
                        path: path.to_path_buf(),
                        reason,
                    }
                } else {
                    ImportError::Damaged {
                        path: path.to_path_buf(),
                        block: i,
                        at: start,
                        reason,
                    }
                }
            };
            let blob = blob.map_err(|e| fail(e.to_string()))?;
            let kind = blob.get_type();
            if i == 0 && kind != BlobType::OsmHeader {
                return Err(ImportError::NotPbf {
                    path: path.to_path_buf(),
                    reason: format!("its first block is {kind:?}, not an OSMHeader"),
                });
            }
            if kind == BlobType::OsmData && want.is_some_and(|w| !w.get(i).copied().unwrap_or(true))
            {
                return Ok(None);
            }
            match blob.decode().map_err(|e| fail(e.to_string()))? {
                BlobDecode::OsmHeader(h) => {
                    let unknown: Vec<&str> = h
                        .required_features()
                        .iter()
                        .map(String::as_str)
                        .filter(|f| !matches!(*f, "OsmSchema-V0.6" | "DenseNodes"))
                        .collect();
                    if unknown.is_empty() {
                        Ok(None)
                    } else {
                        Err(ImportError::Unsupported {
                            path: path.to_path_buf(),
                            features: unknown.join(", "),
                        })
                    }
                }
                BlobDecode::OsmData(block) => Ok(Some((i, f(&block)))),
                BlobDecode::Unknown(_) => Ok(None),
            }
        })
        .collect();
    progress.finish(blocks);
    let mut results: Vec<(usize, T)> = results?.into_iter().flatten().collect();
    if len == 0 {
        return Err(ImportError::NotPbf {
            path: path.to_path_buf(),
            reason: "it is empty".into(),
        });
    }
    if end != len {
        return Err(ImportError::Truncated {
            path: path.to_path_buf(),
            block: blocks,
            at: end,
            len,
        });
    }
    results.sort_unstable_by_key(|(i, _)| *i);
    Ok((results, blocks))
}

/// The catalog entries import-osm declares.
fn entries(source: &str) -> [Entry; 2] {
    let comment = format!("# Written by `nestmap import-osm` from {source} ({ATTRIBUTION}).\n");
    [
        Entry {
            id: "roads",
            kind: "roads",
            file: ROADS_FILE,
            text: format!(
                "{comment}[[layer]]\nid = \"roads\"\ntitle_zh = \"道路与步道\"\ntitle_en = \"Streets and paths\"\nkind = \"roads\"\nfile = \"{ROADS_FILE}\"\ncrs = \"wgs84\"\n"
            ),
        },
        Entry {
            id: "network",
            kind: "network",
            file: NETWORK_FILE,
            text: format!(
                "{comment}[[layer]]\nid = \"network\"\ntitle_zh = \"步行路网\"\ntitle_en = \"Walking network\"\nkind = \"network\"\nfile = \"{NETWORK_FILE}\"\n"
            ),
        },
    ]
}

const NEW_CATALOG: &str = "# The layer catalog (README, Data): each layer's id, titles, kind and file.\n# Started by `nestmap import-osm`; add the other layers below or above.\n";

/// Write the three files: each under a temporary name first; renamed once all are written.
fn write_outputs(
    dir: &Path,
    source: &str,
    net: &network::Network,
    pieces: &[Piece],
    ways: &[RawWay],
) -> Result<(Vec<PathBuf>, Vec<String>), ImportError> {
    let net_path = dir.join(NETWORK_FILE);
    let roads_path = dir.join(ROADS_FILE);
    let cat_path = dir.join(crate::catalog::CATALOG_FILE);
    let mut notes = Vec::new();
    // An existing network file is replaced, whatever its version, when it is one; any other
    // file of that name is someone else's and refused.
    if let Ok(mut f) = File::open(&net_path) {
        let mut head = [0u8; 12];
        let ok = f.read_exact(&mut head).is_ok() && &head[..8] == b"NESTNET\n";
        if !ok {
            return Err(ImportError::Out {
                path: net_path,
                reason: "exists and is not a nestmap network file; move it away or choose another --out (nothing was written)".into(),
            });
        }
        let version = u32::from_le_bytes([head[8], head[9], head[10], head[11]]);
        notes.push(if version == FORMAT_VERSION {
            format!("replaced {}", net_path.display())
        } else {
            format!(
                "replaced {}, a network file of format version {version} (this nestmap writes version {FORMAT_VERSION})",
                net_path.display()
            )
        });
    }
    let old_catalog = match std::fs::read_to_string(&cat_path) {
        Ok(t) => Some(t),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(ImportError::io(&cat_path)(e)),
    };
    let (catalog, declared) = declare(
        old_catalog.as_deref(),
        &cat_path,
        &entries(source),
        NEW_CATALOG,
    )?;
    for d in declared {
        notes.push(match d {
            Declared::Added(id) => format!("layer \"{id}\" added to {}", cat_path.display()),
            Declared::Replaced(id, old) if old == id => {
                format!("layer \"{id}\" replaced in {}", cat_path.display())
            }
            Declared::Replaced(id, old) => format!(
                "layer \"{old}\" replaced by \"{id}\" in {}",
                cat_path.display()
            ),
        });
    }

    let created_dir = !dir.exists();
    std::fs::create_dir_all(dir).map_err(ImportError::io(dir))?;
    let tmp = |p: &Path| {
        let name = p
            .file_name()
            .map(|n| n.to_string_lossy())
            .unwrap_or_default();
        p.with_file_name(format!(".{name}.tmp-{}", std::process::id()))
    };
    let temps = [tmp(&net_path), tmp(&roads_path), tmp(&cat_path)];
    let result = (|| -> Result<(), ImportError> {
        write_synced(&temps[0], |w| w.write_all(&network::file::encode(net)))?;
        write_synced(&temps[1], |w| write_roads(w, source, pieces, ways))?;
        write_synced(&temps[2], |w| w.write_all(catalog.as_bytes()))?;
        for (t, p) in temps.iter().zip([&net_path, &roads_path, &cat_path]) {
            std::fs::rename(t, p).map_err(ImportError::io(p))?;
        }
        Ok(())
    })();
    if let Err(e) = result {
        for t in &temps {
            let _ = std::fs::remove_file(t);
        }
        if created_dir {
            let _ = std::fs::remove_dir(dir);
        }
        return Err(e);
    }
    Ok((vec![net_path, roads_path, cat_path], notes))
}

fn write_synced(
    path: &Path,
    body: impl FnOnce(&mut BufWriter<&File>) -> std::io::Result<()>,
) -> Result<(), ImportError> {
    let f = File::create(path).map_err(ImportError::io(path))?;
    let mut w = BufWriter::with_capacity(1 << 20, &f);
    body(&mut w)
        .and_then(|()| w.flush())
        .map_err(ImportError::io(path))?;
    drop(w);
    f.sync_all().map_err(ImportError::io(path))
}

/// The roads layer: one LineString feature per piece, one feature a line.
fn write_roads(
    w: &mut impl Write,
    source: &str,
    pieces: &[Piece],
    ways: &[RawWay],
) -> std::io::Result<()> {
    let js = |s: &str| serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into());
    let source = js(source);
    w.write_all(b"{\"type\":\"FeatureCollection\",\"features\":[\n")?;
    for (k, p) in pieces.iter().enumerate() {
        let way = &ways[p.way];
        if k > 0 {
            w.write_all(b",\n")?;
        }
        if p.part == 0 {
            write!(w, "{{\"type\":\"Feature\",\"id\":\"w{}\"", way.id)?;
        } else {
            write!(
                w,
                "{{\"type\":\"Feature\",\"id\":\"w{}.{}\"",
                way.id, p.part
            )?;
        }
        w.write_all(b",\"geometry\":{\"type\":\"LineString\",\"coordinates\":[")?;
        for (i, (_, c)) in p.nodes.iter().enumerate() {
            if i > 0 {
                w.write_all(b",")?;
            }
            write!(w, "[{},{}]", c[0], c[1])?;
        }
        write!(w, "]}},\"properties\":{{\"highway\":{}", js(&way.highway))?;
        if let Some(n) = &way.name {
            write!(w, ",\"name\":{}", js(n))?;
        }
        if let Some(n) = &way.name_en {
            write!(w, ",\"name_en\":{}", js(n))?;
        }
        write!(w, ",\"source\":{source}}}}}")?;
    }
    w.write_all(b"\n]}\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tags<'a>(pairs: &[(&'a str, &'a str)]) -> Tags<'a> {
        let mut t = Tags::default();
        for &(k, v) in pairs {
            match k {
                "highway" => t.highway = Some(v),
                "foot" => t.foot = Some(v),
                "access" => t.access = Some(v),
                "route" => t.route = Some(v),
                "area" => t.area = Some(v),
                _ => {}
            }
        }
        t
    }

    #[test]
    fn the_rules_as_a_table_of_cases() {
        use Walkable::*;
        type Case<'a> = (&'a [(&'a str, &'a str)], Option<Walkable>);
        let cases: &[Case] = &[
            (&[("highway", "footway")], Some(Walk)),
            (&[("highway", "steps")], Some(Steps)),
            (&[("highway", "cycleway")], Some(Walk)),
            (&[("highway", "cycleway"), ("foot", "no")], None),
            (&[("highway", "motorway")], None),
            (&[("highway", "motorway_link")], None),
            (&[("highway", "motorway"), ("foot", "yes")], Some(Walk)),
            (&[("highway", "motorway"), ("access", "permissive")], None),
            (&[("highway", "service"), ("access", "private")], None),
            (&[("highway", "service"), ("access", "no")], None),
            (
                &[("highway", "service"), ("access", "no"), ("foot", "yes")],
                Some(Walk),
            ),
            (
                &[
                    ("highway", "service"),
                    ("access", "private"),
                    ("foot", "designated"),
                ],
                Some(Walk),
            ),
            (
                &[("highway", "service"), ("access", "customers")],
                Some(Walk),
            ),
            (
                &[("highway", "service"), ("access", "destination")],
                Some(Walk),
            ),
            (
                &[("highway", "footway"), ("foot", "no"), ("access", "yes")],
                None,
            ),
            (&[("highway", "steps"), ("foot", "private")], None),
            (&[("highway", "corridor")], Some(Walk)),
            (&[("highway", "elevator")], Some(Walk)),
            (&[("highway", "construction")], None),
            (&[("highway", "construction"), ("foot", "yes")], None),
            (&[("route", "ferry")], Some(Ferry)),
            (&[("route", "ferry"), ("foot", "no")], None),
            (&[("building", "yes")], None),
        ];
        for (pairs, want) in cases {
            assert_eq!(classify(&tags(pairs)), *want, "{pairs:?}");
        }
    }

    #[test]
    fn durations_in_the_three_osm_forms() {
        assert_eq!(parse_duration_s("15"), Some(900.0));
        assert_eq!(parse_duration_s("00:20"), Some(1200.0));
        assert_eq!(parse_duration_s("1:02:03"), Some(3723.0));
        for bad in [
            "", "0", "1:60", "1:02:60", "a", "15 min", "1.5", "PT20M", "::",
        ] {
            assert_eq!(parse_duration_s(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn gallop_finds_the_lower_bound_from_anywhere() {
        let v: Vec<i64> = (0..500).map(|i| i * 3).collect();
        for from in [0, 1, 7, 100, 499, 500] {
            for x in -2..1503 {
                assert_eq!(
                    gallop(&v, from, x),
                    v.partition_point(|&y| y < x),
                    "{from} {x}"
                );
            }
        }
    }

    #[test]
    fn every_rule_is_in_the_readme() {
        let readme = include_str!("../../README.md");
        for r in RULES {
            let cell = format!("`{}={}`", r.key, r.value);
            assert!(readme.contains(&cell), "README lacks the rule {cell}");
        }
    }
}
