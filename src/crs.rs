//! Coordinate systems: PROJ transforms from any EPSG code to WGS84, and the two Chinese
//! web-map offsets, GCJ-02 (AMap, Tencent, WeChat) and BD-09 (Baidu).
//!
//! Everything inside nestmap is `[lon, lat]` in WGS84 degrees. Data enters in its source
//! CRS and leaves this module in WGS84. GCJ-02 is an obfuscation, not a projection: its
//! forward formula is published, its inverse is computed here by fixed-point iteration
//! (residual well under a millimetre after a few steps).
//!
//! PROJ transforms are costly to create (~80 ms) and not `Send`, so each thread keeps a
//! cache of the ones it has built.

use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;

/// A source coordinate reference system, as declared in the layer catalog or a query.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Crs {
    /// WGS84 longitude/latitude (EPSG:4326 with `[lon, lat]` axis order, as RFC 7946).
    Wgs84,
    /// GCJ-02 longitude/latitude (the "Mars" offset used by AMap, Tencent and WeChat).
    Gcj02,
    /// BD-09 longitude/latitude (Baidu's offset on top of GCJ-02).
    Bd09,
    /// Any other EPSG code, transformed to WGS84 with PROJ (easting/northing or lon/lat order).
    Epsg(u32),
}

/// Why a client's EPSG code is refused before PROJ is asked.
const NOT_IN_DATABASE: &str = "not a projected or geographic 2D system in PROJ's EPSG database";

/// Why a CRS name or a coordinate transform was refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CrsError {
    /// The name is neither `wgs84`, `gcj02`, `bd09` nor an EPSG code.
    #[error("unknown CRS {0:?}: use wgs84, gcj02, bd09 or an EPSG code such as EPSG:4549")]
    Unknown(String),
    /// PROJ does not know the EPSG code.
    #[error("PROJ cannot transform EPSG:{code} to WGS84: {reason}")]
    Proj {
        /// The EPSG code.
        code: u32,
        /// PROJ's own words.
        reason: String,
    },
    /// The transform gave no finite answer for the position.
    #[error("position ({x}, {y}) cannot be transformed from {crs} to WGS84")]
    Transform {
        /// The CRS.
        crs: Crs,
        /// First coordinate.
        x: f64,
        /// Second coordinate.
        y: f64,
    },
}

impl CrsError {
    /// The refusal in both languages (`Display` is the English).
    pub fn text(&self) -> crate::lang::Text {
        match self {
            CrsError::Unknown(name) => crate::text!(
                "unknown CRS {name:?}: use wgs84, gcj02, bd09 or an EPSG code such as EPSG:4549",
                "未知坐标系 {name:?}：请用 wgs84、gcj02、bd09 或 EPSG:4549 这样的 EPSG 代码"
            ),
            CrsError::Proj { code, reason } if reason == NOT_IN_DATABASE => crate::text!(
                "PROJ cannot transform EPSG:{code} to WGS84: {reason}",
                "PROJ 无法把 EPSG:{code} 转换为 WGS84：它不是 PROJ 的 EPSG 数据库中的投影或二维地理坐标系"
            ),
            // PROJ's own words stay as PROJ wrote them.
            CrsError::Proj { code, reason } => crate::text!(
                "PROJ cannot transform EPSG:{code} to WGS84: {reason}",
                "PROJ 无法把 EPSG:{code} 转换为 WGS84：{reason}"
            ),
            CrsError::Transform { crs, x, y } => crate::text!(
                "position ({x}, {y}) cannot be transformed from {crs} to WGS84",
                "位置 ({x}, {y}) 无法从 {crs} 转换为 WGS84"
            ),
        }
    }
}

impl fmt::Display for Crs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Crs::Wgs84 => f.write_str("wgs84"),
            Crs::Gcj02 => f.write_str("gcj02"),
            Crs::Bd09 => f.write_str("bd09"),
            Crs::Epsg(code) => write!(f, "EPSG:{code}"),
        }
    }
}

impl FromStr for Crs {
    type Err = CrsError;

    /// Accepts `wgs84`, `gcj02`, `bd09` (any case), `EPSG:n` and a bare `n`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim().to_ascii_lowercase();
        match t.as_str() {
            "wgs84" | "epsg:4326" | "4326" | "crs84" => return Ok(Crs::Wgs84),
            "gcj02" | "gcj-02" => return Ok(Crs::Gcj02),
            "bd09" | "bd-09" => return Ok(Crs::Bd09),
            _ => {}
        }
        let digits = t.strip_prefix("epsg:").unwrap_or(&t);
        match digits.parse::<u32>() {
            Ok(code) if code > 0 => Ok(Crs::Epsg(code)),
            _ => Err(CrsError::Unknown(s.to_string())),
        }
    }
}

impl Crs {
    /// Whether positions in this CRS are longitude/latitude degrees (so range checks apply
    /// before transforming).
    pub fn is_geographic_degrees(self) -> bool {
        !matches!(self, Crs::Epsg(_))
    }

    /// Transform one position `[x, y]` in this CRS to WGS84 `[lon, lat]`.
    pub fn to_wgs84(self, x: f64, y: f64) -> Result<(f64, f64), CrsError> {
        let out = match self {
            Crs::Wgs84 => (x, y),
            Crs::Gcj02 => gcj02_to_wgs84(x, y),
            Crs::Bd09 => {
                let (gx, gy) = bd09_to_gcj02(x, y);
                gcj02_to_wgs84(gx, gy)
            }
            Crs::Epsg(code) => proj_to_wgs84(code, x, y)?,
        };
        if out.0.is_finite() && out.1.is_finite() {
            Ok(out)
        } else {
            Err(CrsError::Transform { crs: self, x, y })
        }
    }

    /// Transform one WGS84 `[lon, lat]` position into this CRS (used to store edits in a
    /// layer file's own CRS).
    pub fn from_wgs84(self, lon: f64, lat: f64) -> Result<(f64, f64), CrsError> {
        let out = match self {
            Crs::Wgs84 => (lon, lat),
            Crs::Gcj02 => wgs84_to_gcj02(lon, lat),
            Crs::Bd09 => {
                let (g0, g1) = wgs84_to_gcj02(lon, lat);
                gcj02_to_bd09(g0, g1)
            }
            Crs::Epsg(code) => with_proj_inverse(code, |p| {
                p.convert((lon, lat)).map_err(|_| CrsError::Transform {
                    crs: self,
                    x: lon,
                    y: lat,
                })
            })?,
        };
        if out.0.is_finite() && out.1.is_finite() {
            Ok(out)
        } else {
            Err(CrsError::Transform {
                crs: self,
                x: lon,
                y: lat,
            })
        }
    }

    /// Check that PROJ can build the transform (a no-op for the built-in systems).
    pub fn check(self) -> Result<(), CrsError> {
        match self {
            Crs::Epsg(code) => with_proj(code, |_| Ok(())),
            _ => Ok(()),
        }
    }
}

thread_local! {
    /// This thread's transforms by (code, direction): `false` from the code to WGS84, `true`
    /// from WGS84 to the code. A code PROJ refuses is remembered with its reason.
    static PROJ_CACHE: RefCell<HashMap<(u32, bool), Result<proj::Proj, String>>> =
        RefCell::new(HashMap::new());
}

fn with_proj_dir<T>(
    code: u32,
    inverse: bool,
    f: impl FnOnce(&proj::Proj) -> Result<T, CrsError>,
) -> Result<T, CrsError> {
    PROJ_CACHE.with(|cache| {
        let mut cache = cache.borrow_mut();
        let entry = cache.entry((code, inverse)).or_insert_with(|| {
            let epsg = format!("EPSG:{code}");
            let (from, to) = if inverse {
                ("EPSG:4326", epsg.as_str())
            } else {
                (epsg.as_str(), "EPSG:4326")
            };
            proj::Proj::new_known_crs(from, to, None).map_err(|e| e.to_string())
        });
        match entry {
            Ok(p) => f(p),
            Err(reason) => Err(CrsError::Proj {
                code,
                reason: reason.clone(),
            }),
        }
    })
}

/// The transform from `code` to WGS84 on this thread.
fn with_proj<T>(
    code: u32,
    f: impl FnOnce(&proj::Proj) -> Result<T, CrsError>,
) -> Result<T, CrsError> {
    with_proj_dir(code, false, f)
}

/// The transform from WGS84 to `code` on this thread.
fn with_proj_inverse<T>(
    code: u32,
    f: impl FnOnce(&proj::Proj) -> Result<T, CrsError>,
) -> Result<T, CrsError> {
    with_proj_dir(code, true, f)
}

fn proj_to_wgs84(code: u32, x: f64, y: f64) -> Result<(f64, f64), CrsError> {
    with_proj(code, |p| {
        p.convert((x, y)).map_err(|_| CrsError::Transform {
            crs: Crs::Epsg(code),
            x,
            y,
        })
    })
}

/// Transform WGS84 `[lon, lat]` to a projected EPSG system with PROJ (used by tests and the
/// sample generator; axis order easting, northing).
pub fn wgs84_to_epsg(code: u32, lon: f64, lat: f64) -> Result<(f64, f64), CrsError> {
    Crs::Epsg(code).from_wgs84(lon, lat)
}

// Krasovsky 1940 ellipsoid, as used by the published GCJ-02 formula.
const GCJ_A: f64 = 6_378_245.0;
const GCJ_EE: f64 = 0.006_693_421_622_965_943;
const BD_X_PI: f64 = std::f64::consts::PI * 3000.0 / 180.0;

/// Whether GCJ-02 applies at this position (the published formula leaves positions outside
/// mainland China's rough bounding box unshifted).
pub fn in_china(lon: f64, lat: f64) -> bool {
    (72.004..=137.8347).contains(&lon) && (0.8293..=55.8271).contains(&lat)
}

fn transform_lat(x: f64, y: f64) -> f64 {
    use std::f64::consts::PI;
    let mut ret = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * x.abs().sqrt();
    ret += (20.0 * (6.0 * x * PI).sin() + 20.0 * (2.0 * x * PI).sin()) * 2.0 / 3.0;
    ret += (20.0 * (y * PI).sin() + 40.0 * (y / 3.0 * PI).sin()) * 2.0 / 3.0;
    ret += (160.0 * (y / 12.0 * PI).sin() + 320.0 * (y * PI / 30.0).sin()) * 2.0 / 3.0;
    ret
}

fn transform_lon(x: f64, y: f64) -> f64 {
    use std::f64::consts::PI;
    let mut ret = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * x.abs().sqrt();
    ret += (20.0 * (6.0 * x * PI).sin() + 20.0 * (2.0 * x * PI).sin()) * 2.0 / 3.0;
    ret += (20.0 * (x * PI).sin() + 40.0 * (x / 3.0 * PI).sin()) * 2.0 / 3.0;
    ret += (150.0 * (x / 12.0 * PI).sin() + 300.0 * (x / 30.0 * PI).sin()) * 2.0 / 3.0;
    ret
}

/// WGS84 `[lon, lat]` to GCJ-02 with the published forward formula.
pub fn wgs84_to_gcj02(lon: f64, lat: f64) -> (f64, f64) {
    use std::f64::consts::PI;
    if !in_china(lon, lat) {
        return (lon, lat);
    }
    let mut dlat = transform_lat(lon - 105.0, lat - 35.0);
    let mut dlon = transform_lon(lon - 105.0, lat - 35.0);
    let radlat = lat / 180.0 * PI;
    let mut magic = radlat.sin();
    magic = 1.0 - GCJ_EE * magic * magic;
    let sqrtmagic = magic.sqrt();
    dlat = (dlat * 180.0) / ((GCJ_A * (1.0 - GCJ_EE)) / (magic * sqrtmagic) * PI);
    dlon = (dlon * 180.0) / (GCJ_A / sqrtmagic * radlat.cos() * PI);
    (lon + dlon, lat + dlat)
}

/// GCJ-02 `[lon, lat]` to WGS84 by fixed-point iteration on the forward formula
/// (converges to well under a millimetre; the forward shift varies slowly).
pub fn gcj02_to_wgs84(lon: f64, lat: f64) -> (f64, f64) {
    if !in_china(lon, lat) {
        return (lon, lat);
    }
    let (mut wlon, mut wlat) = (lon, lat);
    for _ in 0..30 {
        let (glon, glat) = wgs84_to_gcj02(wlon, wlat);
        let (dlon, dlat) = (glon - lon, glat - lat);
        wlon -= dlon;
        wlat -= dlat;
        if dlon.abs() < 1e-12 && dlat.abs() < 1e-12 {
            break;
        }
    }
    (wlon, wlat)
}

/// BD-09 `[lon, lat]` to GCJ-02 (Baidu's published formula).
pub fn bd09_to_gcj02(lon: f64, lat: f64) -> (f64, f64) {
    let x = lon - 0.0065;
    let y = lat - 0.006;
    let z = (x * x + y * y).sqrt() - 0.00002 * (y * BD_X_PI).sin();
    let theta = y.atan2(x) - 0.000003 * (x * BD_X_PI).cos();
    (z * theta.cos(), z * theta.sin())
}

/// GCJ-02 `[lon, lat]` to BD-09 (Baidu's published formula).
pub fn gcj02_to_bd09(lon: f64, lat: f64) -> (f64, f64) {
    let z = (lon * lon + lat * lat).sqrt() + 0.00002 * (lat * BD_X_PI).sin();
    let theta = lat.atan2(lon) + 0.000003 * (lon * BD_X_PI).cos();
    (z * theta.cos() + 0.0065, z * theta.sin() + 0.006)
}

/// Transforms for positions a client sends in a `crs=EPSG:n` of its own choosing, made and
/// used on one thread of their own that keeps at most [`MAX_CACHED_TRANSFORMS`] of them
/// (least recently used dropped), so a client cycling through codes cannot grow the memory
/// (459 codes kept in per-thread caches were 190 MB: a used transform holds its PROJ
/// context's database pages). Callers wait for the answer without holding a runtime
/// worker, so a creation (~80 ms) stalls no one else.
///
/// A code is first looked up in the list of EPSG projected and geographic 2D systems of
/// PROJ's own database, read once on that thread: an unknown code is refused by the
/// lookup, cheaply, and never asks PROJ to build a transform.
///
/// [`MAX_CACHED_TRANSFORMS`]: crate::query::limits::MAX_CACHED_TRANSFORMS
pub mod client {
    use std::collections::HashSet;
    use std::sync::mpsc::{sync_channel, SyncSender, TrySendError};
    use std::sync::OnceLock;

    use super::{Crs, CrsError};
    use crate::query::limits::MAX_CACHED_TRANSFORMS;

    /// Requests waiting for the transform thread at most; more are refused as busy.
    pub const QUEUE: usize = 64;

    type Reply = tokio::sync::oneshot::Sender<Result<(f64, f64), CrsError>>;

    static WORKER: OnceLock<SyncSender<(u32, f64, f64, Reply)>> = OnceLock::new();

    /// The EPSG codes of PROJ's projected and geographic 2D systems.
    fn known_codes() -> HashSet<u32> {
        let mut out = HashSet::new();
        // SAFETY: a context of our own, destroyed below; each list is read up to its NULL
        // terminator and destroyed with PROJ's own function.
        unsafe {
            let ctx = proj_sys::proj_context_create();
            let auth = c"EPSG";
            for kind in [
                proj_sys::PJ_TYPE_PJ_TYPE_PROJECTED_CRS,
                proj_sys::PJ_TYPE_PJ_TYPE_GEOGRAPHIC_2D_CRS,
            ] {
                let list = proj_sys::proj_get_codes_from_database(ctx, auth.as_ptr(), kind, 1);
                if list.is_null() {
                    continue;
                }
                let mut i = 0;
                while !(*list.add(i)).is_null() {
                    if let Ok(code) = std::ffi::CStr::from_ptr(*list.add(i))
                        .to_string_lossy()
                        .parse::<u32>()
                    {
                        out.insert(code);
                    }
                    i += 1;
                }
                proj_sys::proj_string_list_destroy(list);
            }
            proj_sys::proj_context_destroy(ctx);
        }
        out
    }

    /// The transform thread: answers requests in order, keeping the last few transforms.
    fn serve(rx: std::sync::mpsc::Receiver<(u32, f64, f64, Reply)>) {
        let known = known_codes();
        let mut cache: Vec<(u32, Result<proj::Proj, String>)> = Vec::new();
        for (code, x, y, reply) in rx {
            let out = if !known.contains(&code) {
                Err(CrsError::Proj {
                    code,
                    reason: super::NOT_IN_DATABASE.into(),
                })
            } else {
                let i = match cache.iter().position(|e| e.0 == code) {
                    Some(i) => i,
                    None => {
                        let made =
                            proj::Proj::new_known_crs(&format!("EPSG:{code}"), "EPSG:4326", None)
                                .map_err(|e| e.to_string());
                        cache.push((code, made));
                        if cache.len() > MAX_CACHED_TRANSFORMS {
                            drop(cache.remove(0));
                        }
                        cache.len() - 1
                    }
                };
                // Most recently used last.
                let e = cache.remove(i);
                let r = match &e.1 {
                    Err(reason) => Err(CrsError::Proj {
                        code,
                        reason: reason.clone(),
                    }),
                    Ok(p) => p.convert((x, y)).map_err(|_| CrsError::Transform {
                        crs: Crs::Epsg(code),
                        x,
                        y,
                    }),
                };
                cache.push(e);
                r
            };
            let _ = reply.send(out);
        }
    }

    /// `(x, y)` in EPSG:`code` to WGS84 `(lon, lat)`, on the transform thread. `Busy` when
    /// its queue is full.
    pub async fn to_wgs84(code: u32, x: f64, y: f64) -> Result<(f64, f64), ClientError> {
        let tx = WORKER.get_or_init(|| {
            let (tx, rx) = sync_channel(QUEUE);
            let spawned = std::thread::Builder::new()
                .name("nestmap-crs".into())
                .spawn(move || serve(rx));
            if let Err(e) = spawned {
                tracing::error!("cannot start the transform thread: {e}");
            }
            tx
        });
        let (reply, answer) = tokio::sync::oneshot::channel();
        match tx.try_send((code, x, y, reply)) {
            Ok(()) => {}
            Err(TrySendError::Full(_)) => return Err(ClientError::Busy),
            Err(TrySendError::Disconnected(_)) => return Err(ClientError::Gone),
        }
        match answer.await {
            Ok(r) => r.map_err(ClientError::Crs),
            Err(_) => Err(ClientError::Gone),
        }
    }

    /// Why a client transform gave no position.
    #[derive(Debug, Clone, PartialEq)]
    pub enum ClientError {
        /// The system or the position was refused.
        Crs(CrsError),
        /// The transform thread's queue is full: retry shortly.
        Busy,
        /// The transform thread is not running.
        Gone,
    }
}
