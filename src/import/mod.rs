//! Importers: data a user downloads, turned into what a data directory holds.
//!
//! - [`osm`]: an OpenStreetMap PBF extract -> the walking network (`network.nnet`) and the
//!   `roads` layer, declared in `layers.toml`; its tag rules are one table, [`osm::RULES`].
//! - [`area`]: where an import keeps things (`--clip LAYER_ID` or `--bbox`).
//! - [`declare`]: adding or replacing entries of a `layers.toml`, leaving every other byte.
//!
//! Nothing here writes until everything has been read and checked; then every file is
//! written beside its target under a temporary name and renamed over it, so a failed import
//! leaves the data directory as it was.

pub mod area;
pub mod declare;
pub mod osm;

use std::path::PathBuf;

/// Why an import was refused. Each message names the file (or flag) and what to do.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The input is not an OSM PBF file at all.
    #[error("{path}: not an OpenStreetMap PBF file ({reason}); give an .osm.pbf extract (an .osm XML file converts with `osmium cat FILE.osm -o FILE.osm.pbf`)")]
    NotPbf {
        /// The file.
        path: PathBuf,
        /// What was found instead.
        reason: String,
    },
    /// The PBF ends in the middle of a block.
    #[error("{path}: cut short: the file ends inside block {block} (which starts at byte {at} of {len}); download the extract again")]
    Truncated {
        /// The file.
        path: PathBuf,
        /// Index of the block, from 0.
        block: usize,
        /// Byte offset of the block.
        at: u64,
        /// The file's length in bytes.
        len: u64,
    },
    /// A block of the PBF cannot be decoded.
    #[error("{path}: block {block} (at byte {at}) cannot be read: {reason}; the file is damaged: download the extract again")]
    Damaged {
        /// The file.
        path: PathBuf,
        /// Index of the block, from 0.
        block: usize,
        /// Byte offset of the block.
        at: u64,
        /// What the decoder said.
        reason: String,
    },
    /// The PBF needs a feature this reader does not have.
    #[error("{path}: the file needs the PBF feature(s) {features}, which nestmap cannot read; give a plain extract (e.g. `osmium cat FILE -o plain.osm.pbf`)")]
    Unsupported {
        /// The file.
        path: PathBuf,
        /// The required features not understood.
        features: String,
    },
    /// No way of the file is walkable.
    #[error("{path}: no walkable way among its {ways} ways (README, \"Walking network\", lists the tag rules); give an extract of a place with streets or paths")]
    NoWalkable {
        /// The file.
        path: PathBuf,
        /// How many ways it has.
        ways: u64,
    },
    /// Walkable ways exist, but none inside the clip or box.
    #[error("{path}: none of its walkable ways lies inside {area} {area_bbox:?}: the file's walkable ways span {file_bbox:?} (minlon, minlat, maxlon, maxlat); clip with an area the extract covers, or use an extract of that area")]
    Outside {
        /// The file.
        path: PathBuf,
        /// What the area is (`--clip district`, `--bbox`).
        area: String,
        /// The area's bounding box.
        area_bbox: [f64; 4],
        /// The bounding box of the file's walkable ways.
        file_bbox: [f64; 4],
    },
    /// The `--clip` layer cannot be used.
    #[error("--clip {layer}: {reason}")]
    Clip {
        /// The layer id given.
        layer: String,
        /// Why not, and what to do.
        reason: String,
    },
    /// The data directory's catalog or files stand in the way.
    #[error("{path}: {reason}")]
    Out {
        /// The file.
        path: PathBuf,
        /// Why, and what to do.
        reason: String,
    },
}

impl ImportError {
    pub(crate) fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> ImportError {
        let path = path.into();
        move |source| ImportError::Io { path, source }
    }
}
