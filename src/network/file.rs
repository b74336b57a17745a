//! The network file (`*.nnet`): one versioned little-endian binary, read whole and checked
//! before anything is used.
//!
//! ```text
//! magic        8 bytes  "NESTNET\n"
//! version      u32      FORMAT_VERSION
//! provenance   u32 length, then that many bytes of JSON ({source, synthetic, attribution})
//! counts       u64 × 4  vertices V, edges E, shape points S, names N
//! vertices     V × (f64 lon, f64 lat)
//! edges        E × (u32 a, u32 b, f64 length_m, u32 class, f64 duration_s, u32 name,
//!                   u32 shape_start, u32 shape_len)               (40 bytes each)
//!              class 0 walk, 1 steps, 2 ferry (duration_s only then, else 0)
//! shape        S × (f64 lon, f64 lat)
//! names        N × u32 end offsets, then the UTF-8 bytes of all names
//! checksum     32 bytes: SHA-256 of everything before it
//! ```
//!
//! The adjacency arrays and components are not stored: laying them out again costs a few
//! milliseconds per 100k edges, and a file that cannot disagree with itself needs no check
//! that it does. A file from another version is refused with what to do, never guessed
//! at. [`write`] writes a temporary file beside the target and renames it, so a reader
//! (or a crash) never sees half a network.

use std::io::Write;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::build::freeze;
use super::{Edge, EdgeClass, Network, Provenance};

/// The version this build writes and reads.
pub const FORMAT_VERSION: u32 = 1;

const MAGIC: &[u8; 8] = b"NESTNET\n";
const EDGE_BYTES: usize = 40;

/// Why a network file was refused.
#[derive(Debug, thiserror::Error)]
pub enum NetworkFileError {
    /// It could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// It is not a network file at all.
    #[error("{path}: not a nestmap network file (it does not start with NESTNET); build one with `nestmap import-osm`")]
    NotNetwork {
        /// The file.
        path: PathBuf,
    },
    /// It was written by another version of the format.
    #[error("{path}: network file format version {found}, this nestmap reads version {FORMAT_VERSION}; rebuild it with this nestmap's `nestmap import-osm` (or `nestmap generate` for the sample)")]
    Version {
        /// The file.
        path: PathBuf,
        /// The version it has.
        found: u32,
    },
    /// It is cut short or damaged.
    #[error("{path}: damaged network file ({reason}); rebuild it with `nestmap import-osm`")]
    Damaged {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
}

/// Encode a network.
pub fn encode(net: &Network) -> Vec<u8> {
    let prov = serde_json::to_vec(&net.provenance).unwrap_or_default();
    let names_len: usize = net.names.iter().map(String::len).sum();
    let mut out = Vec::with_capacity(
        64 + prov.len()
            + net.vertices.len() * 16
            + net.edges.len() * EDGE_BYTES
            + net.shape.len() * 16
            + net.names.len() * 4
            + names_len,
    );
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    out.extend_from_slice(&(prov.len() as u32).to_le_bytes());
    out.extend_from_slice(&prov);
    for n in [
        net.vertices.len(),
        net.edges.len(),
        net.shape.len(),
        net.names.len(),
    ] {
        out.extend_from_slice(&(n as u64).to_le_bytes());
    }
    for p in &net.vertices {
        out.extend_from_slice(&p[0].to_le_bytes());
        out.extend_from_slice(&p[1].to_le_bytes());
    }
    for e in &net.edges {
        let (class, duration) = match e.class {
            EdgeClass::Walk => (0u32, 0.0),
            EdgeClass::Steps => (1, 0.0),
            EdgeClass::Ferry { duration_s } => (2, duration_s),
        };
        out.extend_from_slice(&e.a.to_le_bytes());
        out.extend_from_slice(&e.b.to_le_bytes());
        out.extend_from_slice(&e.length_m.to_le_bytes());
        out.extend_from_slice(&class.to_le_bytes());
        out.extend_from_slice(&duration.to_le_bytes());
        out.extend_from_slice(&e.name.to_le_bytes());
        out.extend_from_slice(&e.shape_start.to_le_bytes());
        out.extend_from_slice(&e.shape_len.to_le_bytes());
    }
    for p in &net.shape {
        out.extend_from_slice(&p[0].to_le_bytes());
        out.extend_from_slice(&p[1].to_le_bytes());
    }
    let mut end = 0u32;
    for n in &net.names {
        end += n.len() as u32;
        out.extend_from_slice(&end.to_le_bytes());
    }
    for n in &net.names {
        out.extend_from_slice(n.as_bytes());
    }
    let sum = Sha256::digest(&out);
    out.extend_from_slice(&sum);
    out
}

/// Write `net` to `path`: a temporary file beside it, synced, then renamed over it.
pub fn write(net: &Network, path: &Path) -> Result<(), NetworkFileError> {
    let io = |source| NetworkFileError::Io {
        path: path.to_path_buf(),
        source,
    };
    let tmp = path.with_extension(format!("tmp-{}", std::process::id()));
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(&encode(net))?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.map_err(io)
}

/// Read and check a network file.
pub fn read(path: &Path) -> Result<Network, NetworkFileError> {
    let bytes = std::fs::read(path).map_err(|source| NetworkFileError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    decode(&bytes, path)
}

/// Decode and check the bytes of a network file (`path` only names it in errors).
pub fn decode(bytes: &[u8], path: &Path) -> Result<Network, NetworkFileError> {
    let damaged = |reason: String| NetworkFileError::Damaged {
        path: path.to_path_buf(),
        reason,
    };
    if bytes.len() < 12 || &bytes[..8] != MAGIC {
        return Err(NetworkFileError::NotNetwork {
            path: path.to_path_buf(),
        });
    }
    let found = u32::from_le_bytes(bytes[8..12].try_into().unwrap_or_default());
    if found != FORMAT_VERSION {
        return Err(NetworkFileError::Version {
            path: path.to_path_buf(),
            found,
        });
    }
    if bytes.len() < 12 + 32 {
        return Err(damaged("cut short".into()));
    }
    let (body, sum) = bytes.split_at(bytes.len() - 32);
    if Sha256::digest(body)[..] != *sum {
        return Err(damaged(
            "its checksum does not match: cut short or changed".into(),
        ));
    }
    let mut r = Reader {
        bytes: body,
        at: 12,
    };
    let short = || damaged("cut short".into());
    let prov_len = r.u32().ok_or_else(short)? as usize;
    let prov: Provenance = serde_json::from_slice(r.take(prov_len).ok_or_else(short)?)
        .map_err(|e| damaged(format!("provenance: {e}")))?;
    let mut counts = [0usize; 4];
    for c in &mut counts {
        *c = usize::try_from(r.u64().ok_or_else(short)?).map_err(|_| short())?;
    }
    let [nv, ne, ns, nn] = counts;
    let need = nv
        .checked_mul(16)
        .and_then(|v| ne.checked_mul(EDGE_BYTES).and_then(|e| e.checked_add(v)))
        .and_then(|x| ns.checked_mul(16).and_then(|s| s.checked_add(x)))
        .and_then(|x| nn.checked_mul(4).and_then(|n| n.checked_add(x)));
    if need.is_none_or(|need| need > r.remaining()) {
        return Err(short());
    }
    let vertices: Vec<[f64; 2]> = (0..nv)
        .map(|_| r.pair())
        .collect::<Option<_>>()
        .ok_or_else(short)?;
    let mut edges = Vec::with_capacity(ne);
    for i in 0..ne {
        let (a, b, length_m) = (r.u32(), r.u32(), r.f64());
        let (class, duration_s, name) = (r.u32(), r.f64(), r.u32());
        let (shape_start, shape_len) = (r.u32(), r.u32());
        let (
            Some(a),
            Some(b),
            Some(length_m),
            Some(class),
            Some(duration_s),
            Some(name),
            Some(shape_start),
            Some(shape_len),
        ) = (
            a,
            b,
            length_m,
            class,
            duration_s,
            name,
            shape_start,
            shape_len,
        )
        else {
            return Err(short());
        };
        let class = match class {
            0 => EdgeClass::Walk,
            1 => EdgeClass::Steps,
            2 if duration_s.is_finite() && duration_s > 0.0 => EdgeClass::Ferry { duration_s },
            _ => {
                return Err(damaged(format!(
                    "edge {i}: unknown class {class} or bad duration"
                )))
            }
        };
        let in_range = (a as usize) < nv
            && (b as usize) < nv
            && length_m.is_finite()
            && length_m >= 0.0
            && (name == u32::MAX || (name as usize) < nn)
            && shape_len >= 2
            && (shape_start as usize).saturating_add(shape_len as usize) <= ns;
        if !in_range {
            return Err(damaged(format!("edge {i} points outside the file")));
        }
        edges.push(Edge {
            a,
            b,
            length_m,
            class,
            name,
            shape_start,
            shape_len,
        });
    }
    let shape: Vec<[f64; 2]> = (0..ns)
        .map(|_| r.pair())
        .collect::<Option<_>>()
        .ok_or_else(short)?;
    let ends: Vec<u32> = (0..nn)
        .map(|_| r.u32())
        .collect::<Option<_>>()
        .ok_or_else(short)?;
    let blob = r.take(r.remaining()).ok_or_else(short)?;
    let mut names = Vec::with_capacity(nn);
    let mut start = 0usize;
    for (i, &end) in ends.iter().enumerate() {
        let end = end as usize;
        let s = blob
            .get(start..end)
            .and_then(|b| std::str::from_utf8(b).ok())
            .ok_or_else(|| damaged(format!("name {i}")))?;
        names.push(s.to_string());
        start = end;
    }
    if start != blob.len() {
        return Err(damaged("bytes after the names".into()));
    }
    for (i, p) in vertices.iter().chain(&shape).enumerate() {
        if !(p[0].is_finite() && p[1].is_finite() && p[0].abs() <= 180.0 && p[1].abs() <= 90.0) {
            return Err(damaged(format!(
                "position {i} is not a longitude and latitude"
            )));
        }
    }
    Ok(freeze(prov, vertices, edges, shape, names))
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let s = self.bytes.get(self.at..self.at.checked_add(n)?)?;
        self.at += n;
        Some(s)
    }
    fn remaining(&self) -> usize {
        self.bytes.len() - self.at
    }
    fn u32(&mut self) -> Option<u32> {
        Some(u32::from_le_bytes(self.take(4)?.try_into().ok()?))
    }
    fn u64(&mut self) -> Option<u64> {
        Some(u64::from_le_bytes(self.take(8)?.try_into().ok()?))
    }
    fn f64(&mut self) -> Option<f64> {
        Some(f64::from_le_bytes(self.take(8)?.try_into().ok()?))
    }
    fn pair(&mut self) -> Option<[f64; 2]> {
        Some([self.f64()?, self.f64()?])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::network::build::{build, Way, WayClass};

    fn sample() -> Network {
        let ways = vec![
            Way {
                nodes: vec![
                    (1, [120.6, 31.4]),
                    (2, [120.601, 31.4]),
                    (3, [120.602, 31.401]),
                ],
                name: Some("示例路 1".into()),
                class: WayClass::Walk,
            },
            Way {
                nodes: vec![(2, [120.601, 31.4]), (4, [120.601, 31.41])],
                name: None,
                class: WayClass::Ferry { duration_s: None },
            },
            Way {
                nodes: vec![(4, [120.601, 31.41]), (5, [120.6, 31.41])],
                name: Some("Steps".into()),
                class: WayClass::Steps,
            },
        ];
        let prov = Provenance {
            source: "test".into(),
            synthetic: true,
            attribution: "none".into(),
        };
        build(&ways, prov).0
    }

    #[test]
    fn a_network_survives_the_round_trip() {
        let net = sample();
        let back = decode(&encode(&net), Path::new("x.nnet")).unwrap();
        assert_eq!(back, net);
    }

    #[test]
    fn every_cut_and_every_flipped_byte_is_refused() {
        let bytes = encode(&sample());
        for n in 0..bytes.len() {
            assert!(decode(&bytes[..n], Path::new("x")).is_err(), "cut at {n}");
        }
        for i in (0..bytes.len()).step_by(7) {
            let mut b = bytes.clone();
            b[i] ^= 0x40;
            assert!(decode(&b, Path::new("x")).is_err(), "flipped {i}");
        }
    }

    #[test]
    fn another_version_says_what_to_do() {
        let mut bytes = encode(&sample());
        bytes[8] = 9;
        let msg = decode(&bytes, Path::new("roads.nnet"))
            .unwrap_err()
            .to_string();
        assert!(
            msg.contains("roads.nnet") && msg.contains("version 9") && msg.contains("import-osm"),
            "{msg}"
        );
    }
}
