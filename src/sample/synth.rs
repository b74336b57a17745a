//! The synthetic layers, matching the district's published figures: 58 nursing rooms, 6
//! child-friendly communities (2 municipal demonstration ones), 1 child-friendly pocket park
//! plus ordinary ones, ~25 rider stations, 3 school commuter lines with stops around
//! Yangcheng Lake, and one demand point per real village or community. Facilities cluster
//! where people live, on land inside the district.

use geo::{
    BooleanOps, BoundingRect, Contains, Coord, GeodesicArea, Intersects, Line, LineString,
    MultiPolygon, Point, Polygon,
};
use serde_json::{json, Value};

use super::real::{RealData, Unit};
use super::{r7, LayerFile, Rng};
use crate::crs::{wgs84_to_epsg, wgs84_to_gcj02};

/// A village or community as synthesized: position, township code, population, children,
/// whether it is a residential community, and its name.
type Person = ([f64; 2], String, u64, u64, bool, String);

const SOURCE: &str = "nestmap sample generator (seed 320507): position and attributes invented";
const POSITION_SOURCE: &str = "name and code: NBS 2023 统计用区划代码 (real); position, population and children: invented by the nestmap sample generator";

/// Approximate township centres (`[lon, lat]`), by NBS code: a sketch for sample data only.
const CENTRES: &[(&str, [f64; 2])] = &[
    ("320507001", [120.640, 31.378]), // 元和街道
    ("320507002", [120.690, 31.462]), // 太平街道
    ("320507003", [120.575, 31.395]), // 黄桥街道
    ("320507004", [120.600, 31.515]), // 北桥街道
    ("320507005", [120.672, 31.405]), // 北河泾街道
    ("320507006", [120.505, 31.482]), // 漕湖街道
    ("320507007", [120.642, 31.428]), // 澄阳街道
    ("320507100", [120.440, 31.455]), // 望亭镇
    ("320507102", [120.535, 31.440]), // 黄埭镇
    ("320507105", [120.640, 31.478]), // 渭塘镇
    ("320507109", [120.745, 31.462]), // 阳澄湖镇
    ("320507401", [120.775, 31.392]), // 阳澄湖生态休闲旅游度假区
    ("320507402", [120.612, 31.412]), // 苏州高铁新城
];

/// Yangcheng Lake townships, where the outlying villages and the school lines are.
const LAKE_TOWNSHIPS: [&str; 2] = ["320507109", "320507401"];

const KM_LON: f64 = 1.0 / 95.0; // degrees of longitude per km at 31.45 N (about)
const KM_LAT: f64 = 1.0 / 111.0;

struct Township {
    unit: Unit,
    centre: [f64; 2],
    area: MultiPolygon<f64>,
}

fn pt(p: [f64; 2]) -> Point<f64> {
    Point::new(p[0], p[1])
}

fn point_feature(id: String, p: [f64; 2], props: Value) -> Value {
    json!({"type": "Feature", "id": id, "geometry": {"type": "Point", "coordinates": [r7(p[0]), r7(p[1])]}, "properties": props})
}

/// Move a position onto land inside the district, spiralling out in 200 m steps.
fn nudge_inside(real: &RealData, p: [f64; 2]) -> [f64; 2] {
    for step in 0..200 {
        let r = step as f64 * 0.2;
        for k in 0..16 {
            let a = std::f64::consts::TAU * k as f64 / 16.0;
            let q = [p[0] + r * a.cos() * KM_LON, p[1] + r * a.sin() * KM_LAT];
            if real.on_land(q) {
                return q;
            }
        }
    }
    p
}

/// Voronoi cells of the centres (metric at 31.45 N), clipped to the district.
fn townships(real: &RealData) -> Vec<Township> {
    let scale = 31.45f64.to_radians().cos();
    let centres: Vec<(Unit, [f64; 2])> = real
        .townships
        .iter()
        .map(|u| {
            let c = CENTRES
                .iter()
                .find(|(code, _)| *code == u.code)
                .map(|(_, c)| *c)
                .unwrap_or([120.63, 31.44]);
            (u.clone(), nudge_inside(real, c))
        })
        .collect();
    let bbox = real
        .district
        .bounding_rect()
        .map(|r| {
            [
                r.min().x - 0.1,
                r.min().y - 0.1,
                r.max().x + 0.1,
                r.max().y + 0.1,
            ]
        })
        .unwrap_or_default();
    centres
        .iter()
        .enumerate()
        .map(|(i, (unit, c))| {
            let mut cell = vec![
                [bbox[0], bbox[1]],
                [bbox[2], bbox[1]],
                [bbox[2], bbox[3]],
                [bbox[0], bbox[3]],
            ];
            for (j, (_, o)) in centres.iter().enumerate() {
                if i != j {
                    cell = clip_half_plane(&cell, *c, *o, scale);
                }
            }
            let mut ring: Vec<Coord<f64>> =
                cell.iter().map(|p| Coord { x: p[0], y: p[1] }).collect();
            ring.push(ring[0]);
            let area = real
                .district
                .intersection(&MultiPolygon(vec![Polygon::new(LineString(ring), vec![])]));
            Township {
                unit: unit.clone(),
                centre: *c,
                area,
            }
        })
        .collect()
}

/// Keep the part of convex polygon `poly` nearer to `c` than to `o` (Sutherland-Hodgman).
fn clip_half_plane(poly: &[[f64; 2]], c: [f64; 2], o: [f64; 2], scale: f64) -> Vec<[f64; 2]> {
    let side = |p: [f64; 2]| {
        let d = |a: [f64; 2], b: [f64; 2]| ((a[0] - b[0]) * scale).powi(2) + (a[1] - b[1]).powi(2);
        d(p, o) - d(p, c)
    };
    let mut out = Vec::new();
    for i in 0..poly.len() {
        let (a, b) = (poly[i], poly[(i + 1) % poly.len()]);
        let (sa, sb) = (side(a), side(b));
        if sa >= 0.0 {
            out.push(a);
        }
        if (sa >= 0.0) != (sb >= 0.0) {
            let t = sa / (sa - sb);
            out.push([a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t]);
        }
    }
    out
}

/// A point near `centre` (normal, `sigma_km`) on land inside `area`.
fn near(
    real: &RealData,
    rng: &mut Rng,
    area: &MultiPolygon<f64>,
    centre: [f64; 2],
    sigma_km: f64,
) -> [f64; 2] {
    for _ in 0..500 {
        let p = [
            centre[0] + rng.normal() * sigma_km * KM_LON,
            centre[1] + rng.normal() * sigma_km * KM_LAT,
        ];
        if area.contains(&pt(p)) && real.on_land(p) {
            return p;
        }
    }
    nudge_inside(real, centre)
}

/// A small irregular polygon of about `radius_m` around `c`, as `[lon, lat]` rings.
fn blob(rng: &mut Rng, c: [f64; 2], radius_m: f64, n: usize) -> Vec<[f64; 2]> {
    let mut ring: Vec<[f64; 2]> = (0..n)
        .map(|i| {
            let a = std::f64::consts::TAU * i as f64 / n as f64;
            let r = radius_m / 1000.0 * rng.range(0.7, 1.0);
            [
                r7(c[0] + r * a.cos() * KM_LON),
                r7(c[1] + r * a.sin() * KM_LAT),
            ]
        })
        .collect();
    ring.push(ring[0]);
    ring
}

fn subset(rng: &mut Rng, items: &[(&'static str, f64)]) -> Vec<&'static str> {
    items
        .iter()
        .filter(|(_, p)| rng.chance(*p))
        .map(|(s, _)| *s)
        .collect()
}

/// Every synthetic layer.
pub fn layers(real: &RealData, rng: &mut Rng) -> Result<Vec<LayerFile>, String> {
    let towns = townships(real);
    let (demand, people) = demand(real, rng, &towns);
    let weights: Vec<f64> = towns
        .iter()
        .map(|t| {
            people
                .iter()
                .filter(|p| p.1 == t.unit.code)
                .map(|p| p.2 as f64)
                .sum::<f64>()
                .max(1.0)
        })
        .collect();
    let township_features: Vec<Value> = towns
        .iter()
        .map(|t| {
            let geom = serde_json::to_value(geojson::Geometry::from(&geo::Geometry::MultiPolygon(t.area.clone()))).unwrap_or(Value::Null);
            json!({"type": "Feature", "id": t.unit.code, "geometry": round_geometry(geom), "properties": {
                "name": t.unit.name, "code": t.unit.code, "unit_type": t.unit.unit_type, "approximate": true, "synthetic": true,
                "source": "name and code: NBS 2023 (real); outline: an approximate Voronoi sketch around approximate centres by the nestmap sample generator, NOT an official boundary"}})
        })
        .collect();
    let lines = school_lines(real, rng, &towns, &people)?;
    Ok(vec![
        LayerFile {
            id: "townships",
            title_zh: "街道与镇（示意）",
            title_en: "Townships (approximate)",
            kind: "townships",
            crs: "wgs84",
            radius_m: 1000,
            features: township_features,
            synthetic: true,
            style: "",
        },
        LayerFile {
            id: "demand",
            title_zh: "村与社区（人口示例）",
            title_en: "Villages and communities (sample population)",
            kind: "demand",
            crs: "wgs84",
            radius_m: 1000,
            features: demand,
            synthetic: true,
            style: "",
        },
        LayerFile {
            id: "nursing_rooms",
            title_zh: "母婴室",
            title_en: "Nursing rooms",
            kind: "nursing_rooms",
            crs: "wgs84",
            radius_m: 1000,
            features: nursing_rooms(real, rng, &towns, &weights),
            synthetic: true,
            style: "",
        },
        LayerFile {
            id: "child_friendly_communities",
            title_zh: "儿童友好社区",
            title_en: "Child-friendly communities",
            kind: "child_friendly_communities",
            crs: "wgs84",
            radius_m: 500,
            features: communities(real, rng, &towns, &people),
            synthetic: true,
            style: "",
        },
        LayerFile {
            id: "pocket_parks",
            title_zh: "口袋公园",
            title_en: "Pocket parks",
            kind: "pocket_parks",
            crs: "EPSG:4549",
            radius_m: 300,
            features: parks(real, rng, &towns, &people)?,
            synthetic: true,
            style: "",
        },
        LayerFile {
            id: "service_stations",
            title_zh: "巾帼暖“新”驿站",
            title_en: "Warm stations for riders",
            kind: "service_stations",
            crs: "gcj02",
            radius_m: 1000,
            features: stations(real, rng, &towns, &weights),
            synthetic: true,
            style: "",
        },
        LayerFile {
            id: "school_bus_routes",
            title_zh: "通学专线",
            title_en: "School commuter lines",
            kind: "school_bus_routes",
            crs: "wgs84",
            radius_m: 500,
            features: lines.0,
            synthetic: true,
            style: "",
        },
        LayerFile {
            id: "school_bus_stops",
            title_zh: "通学专线站点",
            title_en: "School line stops",
            kind: "school_bus_stops",
            crs: "wgs84",
            radius_m: 500,
            features: lines.1,
            synthetic: true,
            style: "",
        },
        LayerFile {
            id: "family_education_points",
            title_zh: "家庭教育指导服务站点",
            title_en: "Family education service points",
            kind: "generic",
            crs: "wgs84",
            radius_m: 1000,
            features: family_points(real, rng, &towns),
            synthetic: true,
            // A generic layer: the map knows no look for it, the catalog gives its colour.
            style: r##"{ colour = "#00897b" }"##,
        },
    ])
}

fn round_geometry(v: Value) -> Value {
    match v {
        Value::Number(n) => n.as_f64().map(|x| json!(r7(x))).unwrap_or(Value::Number(n)),
        Value::Array(a) => Value::Array(a.into_iter().map(round_geometry).collect()),
        Value::Object(o) => {
            Value::Object(o.into_iter().map(|(k, v)| (k, round_geometry(v))).collect())
        }
        other => other,
    }
}

/// One point per real village or community: (features, [(position, township code, population, children, is community)]).
#[allow(clippy::type_complexity)]
fn demand(real: &RealData, rng: &mut Rng, towns: &[Township]) -> (Vec<Value>, Vec<Person>) {
    let yangcheng = real
        .lakes
        .iter()
        .find(|l| l.1.starts_with("Yangcheng"))
        .map(|l| l.2.exterior().0.clone())
        .unwrap_or_default();
    let mut features = Vec::new();
    let mut people = Vec::new();
    for v in &real.villages {
        let Some(t) = towns.iter().find(|t| t.unit.code == v.parent) else {
            continue;
        };
        let community = v.unit_type.contains("社区");
        let p = if !community
            && LAKE_TOWNSHIPS.contains(&t.unit.code.as_str())
            && !yangcheng.is_empty()
        {
            // Outlying villages along the Yangcheng Lake shore, inside their township.
            let mut found = None;
            for _ in 0..400 {
                let s = yangcheng[rng.below(yangcheng.len())];
                let q = [
                    s.x + rng.normal() * 1.0 * KM_LON,
                    s.y + rng.normal() * 1.0 * KM_LAT,
                ];
                if t.area.contains(&pt(q)) && real.on_land(q) {
                    found = Some(q);
                    break;
                }
            }
            found.unwrap_or_else(|| near(real, rng, &t.area, t.centre, 3.0))
        } else {
            near(
                real,
                rng,
                &t.area,
                t.centre,
                if community { 1.3 } else { 3.2 },
            )
        };
        let population = if community {
            3000 + rng.below(12_000) as u64
        } else {
            1500 + rng.below(3500) as u64
        };
        let children = population * (12 + rng.below(7) as u64) / 100;
        features.push(point_feature(v.code.clone(), p, json!({"name": v.name, "code": v.code, "township": t.unit.name, "township_code": t.unit.code,
            "unit_type": v.unit_type, "population": population, "children": children, "synthetic": true, "position_synthetic": true, "source": POSITION_SOURCE})));
        people.push((
            p,
            t.unit.code.clone(),
            population,
            children,
            community,
            t.unit.name.clone(),
        ));
    }
    (features, people)
}

const HOURS: &[(&str, f64)] = &[
    ("Mo-Su 10:00-22:00", 4.0),
    ("Mo-Fr 08:00-17:30; Sa,Su 09:00-17:00", 2.0),
    ("Mo-Fr 08:30-12:00,13:30-17:30; PH off", 2.0),
    ("24/7", 1.5),
    ("Mo-Su 07:00-21:00; PH 09:00-17:00", 1.5),
    ("Mo-Fr 08:00-20:00; Sa,Su 10:00-18:00; PH off", 1.5),
    ("Mo-Su 09:00-21:30", 1.5),
    ("Mo-Sa 08:00-18:00; Su off", 1.0),
];

fn pick_hours(rng: &mut Rng) -> &'static str {
    let w: Vec<f64> = HOURS.iter().map(|h| h.1).collect();
    HOURS[rng.weighted(&w)].0
}

fn nursing_rooms(
    real: &RealData,
    rng: &mut Rng,
    towns: &[Township],
    weights: &[f64],
) -> Vec<Value> {
    const VENUES: &[(&str, f64)] = &[
        ("mall", 4.0),
        ("hospital", 3.0),
        ("transport_hub", 1.5),
        ("government", 2.0),
        ("park", 1.0),
        ("office", 1.0),
        ("other", 0.5),
    ];
    // Where inside, in Chinese (`indoor_location`) and English (`indoor_location_en`), as
    // `name` and `name_en`.
    const FLOORS: &[(&str, &str)] = &[
        ("一楼东门旁", "1F, near the east entrance"),
        ("二楼卫生间旁", "2F, next to the restrooms"),
        ("负一楼电梯厅旁", "B1, by the lifts"),
        ("一楼服务台旁", "1F, service desk side"),
        ("三楼儿童区", "3F, children's area"),
    ];
    (1..=58)
        .map(|i| {
            let t = &towns[rng.weighted(weights)];
            let p = near(real, rng, &t.area, t.centre, 1.6);
            let vw: Vec<f64> = VENUES.iter().map(|v| v.1).collect();
            let venue = VENUES[rng.weighted(&vw)].0;
            let mut amenities = subset(rng, &[("changing_table", 0.85), ("nursing_chair", 0.8), ("lockable_door", 0.6), ("sink", 0.7), ("hot_water", 0.55), ("fridge", 0.2), ("power_outlet", 0.6), ("step_free", 0.65)]);
            amenities.sort_unstable();
            let address = format!("示例地址：{}示例路 {} 号", t.unit.name, 1 + rng.below(300));
            let area_m2 = 6 + rng.below(25);
            let (floor_zh, floor_en) = FLOORS[rng.below(FLOORS.len())];
            let mut props = json!({"name": format!("示例母婴室 {i:02}"), "name_en": format!("Sample nursing room {i:02}"),
                "address": address, "venue_type": venue, "amenities": amenities,
                "area_m2": area_m2, "indoor_location": floor_zh, "indoor_location_en": floor_en,
                "verified_on": format!("2026-{:02}-{:02}", 1 + rng.below(10), 1 + rng.below(28)), "township": t.unit.name, "synthetic": true, "source": SOURCE});
            if !rng.chance(0.08) {
                props["opening_hours"] = json!(if venue == "hospital" && rng.chance(0.5) { "24/7" } else { pick_hours(rng) });
            }
            point_feature(format!("nr-{i:02}"), p, props)
        })
        .collect()
}

fn polygon_feature(id: String, ring: Vec<[f64; 2]>, props: Value) -> Value {
    json!({"type": "Feature", "id": id, "geometry": {"type": "Polygon", "coordinates": [ring]}, "properties": props})
}

/// Distinct townships' communities, most populous first.
fn community_sites(people: &[Person], n: usize) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..people.len()).filter(|&i| people[i].4).collect();
    idx.sort_by(|&a, &b| people[b].2.cmp(&people[a].2).then(a.cmp(&b)));
    let mut out: Vec<usize> = Vec::new();
    for i in idx {
        if out.len() < n && !out.iter().any(|&j| people[j].1 == people[i].1) {
            out.push(i);
        }
    }
    out
}

fn communities(
    real: &RealData,
    rng: &mut Rng,
    towns: &[Township],
    people: &[Person],
) -> Vec<Value> {
    const FACILITIES: &[&str] = &[
        "children's activity room / 儿童活动室",
        "reading corner / 亲子阅读角",
        "playground / 儿童游乐场",
        "after-school care / 四点半课堂",
        "parent school / 家长学校",
    ];
    community_sites(people, 6)
        .into_iter()
        .enumerate()
        .map(|(k, i)| {
            let (p, code, ..) = &people[i];
            let t = towns.iter().find(|t| &t.unit.code == code).map(|t| t.unit.name.clone()).unwrap_or_default();
            let mut ring = blob(rng, *p, 320.0, 9);
            if !ring.iter().all(|q| real.on_land(*q)) {
                ring = blob(rng, *p, 150.0, 7);
            }
            // Still over the district's edge or a shore: shrink it towards its centre (no
            // further random draws, so the rest of the sample stays as it was).
            for f in [0.8, 0.6, 0.4, 0.25] {
                if ring.iter().all(|q| real.on_land(*q)) {
                    break;
                }
                ring = ring
                    .iter()
                    .map(|q| [r7(p[0] + (q[0] - p[0]) * f), r7(p[1] + (q[1] - p[1]) * f)])
                    .collect();
            }
            let mut facilities: Vec<&str> = FACILITIES.iter().copied().filter(|_| rng.chance(0.7)).collect();
            if facilities.is_empty() {
                facilities.push(FACILITIES[0]);
            }
            polygon_feature(format!("cfc-{}", k + 1), ring, json!({"name": format!("示例儿童友好社区 {}", k + 1), "name_en": format!("Sample child-friendly community {}", k + 1),
                "township": t, "level": if k < 2 { "municipal_demonstration" } else { "district" }, "facilities": facilities, "synthetic": true, "source": SOURCE}))
        })
        .collect()
}

fn parks(
    real: &RealData,
    rng: &mut Rng,
    towns: &[Township],
    people: &[Person],
) -> Result<Vec<Value>, String> {
    let sites = community_sites(people, 10);
    let mut out = Vec::new();
    for (k, &i) in sites.iter().skip(6).take(4).enumerate() {
        let (p, code, ..) = &people[i];
        let t = towns.iter().find(|t| &t.unit.code == code);
        let centre = [p[0] + 0.4 * KM_LON, p[1] - 0.3 * KM_LAT];
        let centre = if real.on_land(centre) { centre } else { *p };
        let ring = blob(rng, centre, 55.0, 8);
        let wgs = Polygon::new(
            LineString(ring.iter().map(|q| Coord { x: q[0], y: q[1] }).collect()),
            vec![],
        );
        let area = wgs.geodesic_area_unsigned().round();
        let projected: Vec<[f64; 2]> = ring
            .iter()
            .map(|q| {
                wgs84_to_epsg(4549, q[0], q[1])
                    .map(|(e, n)| [(e * 100.0).round() / 100.0, (n * 100.0).round() / 100.0])
                    .map_err(|e| e.to_string())
            })
            .collect::<Result<_, _>>()?;
        let child = k == 0;
        let mut props = json!({"name": format!("示例口袋公园 {}", k + 1), "name_en": format!("Sample pocket park {}", k + 1), "area_m2": area, "child_friendly": child,
            "facilities": if child { json!(["play equipment / 儿童游乐设施", "shade / 遮阴座椅", "nursing bench / 哺乳长椅"]) } else { json!(["seating / 座椅", "greenery / 绿化"]) },
            "township": t.map(|t| t.unit.name.clone()), "synthetic": true, "source": SOURCE});
        if rng.chance(0.5) || child {
            props["opening_hours"] = json!("Mo-Su 06:00-21:00");
        }
        out.push(polygon_feature(format!("pp-{}", k + 1), projected, props));
    }
    Ok(out)
}

fn stations(real: &RealData, rng: &mut Rng, towns: &[Township], weights: &[f64]) -> Vec<Value> {
    (1..=25)
        .map(|i| {
            let t = &towns[rng.weighted(weights)];
            let p = near(real, rng, &t.area, t.centre, 1.8);
            let (g0, g1) = wgs84_to_gcj02(p[0], p[1]);
            let mut services = subset(rng, &[("water", 0.95), ("charging", 0.8), ("microwave", 0.6), ("toilet", 0.7), ("rest", 0.9), ("first_aid", 0.5)]);
            services.sort_unstable();
            let hours = if rng.chance(0.4) { "24/7" } else { ["Mo-Su 07:00-22:00", "Mo-Su 08:00-20:00", "Mo-Su 06:30-23:00"][rng.below(3)] };
            point_feature(format!("ss-{i:02}"), [g0, g1], json!({"name": format!("示例暖新驿站 {i:02}"), "name_en": format!("Sample rider station {i:02}"),
                "services": services, "opening_hours": hours, "host": format!("示例{}党群服务中心", t.unit.name), "township": t.unit.name, "synthetic": true, "source": SOURCE}))
        })
        .collect()
}

fn family_points(real: &RealData, rng: &mut Rng, towns: &[Township]) -> Vec<Value> {
    (1..=8)
        .map(|i| {
            let t = &towns[(i * 3) % towns.len()];
            let p = near(real, rng, &t.area, t.centre, 0.8);
            point_feature(format!("fe-{i}"), p, json!({"name": format!("示例家庭教育指导站 {i}"), "name_en": format!("Sample family education point {i}"), "township": t.unit.name, "synthetic": true, "source": SOURCE}))
        })
        .collect()
}

fn crosses_water(real: &RealData, a: [f64; 2], b: [f64; 2]) -> bool {
    let seg = Line::new(Coord { x: a[0], y: a[1] }, Coord { x: b[0], y: b[1] });
    real.lakes.iter().any(|l| l.2.intersects(&seg)) || !real.on_land(b)
}

/// Three lines from outlying Yangcheng Lake villages to a school: (routes, stops).
fn school_lines(
    real: &RealData,
    rng: &mut Rng,
    towns: &[Township],
    people: &[Person],
) -> Result<(Vec<Value>, Vec<Value>), String> {
    let villages: Vec<usize> = (0..people.len())
        .filter(|&i| !people[i].4 && LAKE_TOWNSHIPS.contains(&people[i].1.as_str()))
        .collect();
    let schools = [
        ("320507109", "示例学校 A"),
        ("320507401", "示例学校 B"),
        ("320507109", "示例学校 C"),
    ];
    let (mut routes, mut stops) = (Vec::new(), Vec::new());
    for (n, (code, school)) in schools.iter().enumerate() {
        let t = towns
            .iter()
            .find(|t| &t.unit.code == code)
            .ok_or("school township missing")?;
        let school_at = near(real, rng, &t.area, t.centre, 0.4);
        // Villages by distance from the school; take a chain of 4-6 that can be joined on land.
        let mut order = villages.clone();
        order.sort_by(|&a, &b| {
            dist_km(people[b].0, school_at).total_cmp(&dist_km(people[a].0, school_at))
        });
        let mut best: Option<Vec<[f64; 2]>> = None;
        for attempt in 0..400 {
            let start = order[(attempt + n * 7) % order.len().clamp(1, 40)];
            let mut chain = vec![people[start].0];
            let mut used = vec![start];
            while chain.len() < 6 {
                let last = *chain.last().unwrap_or(&school_at);
                let next = order
                    .iter()
                    .copied()
                    .filter(|i| !used.contains(i))
                    .filter(|&i| {
                        let d = dist_km(people[i].0, last);
                        d > 0.6
                            && d < 5.0
                            && dist_km(people[i].0, school_at) < dist_km(last, school_at)
                            && !crosses_water(real, last, people[i].0)
                    })
                    .min_by(|&a, &b| {
                        dist_km(people[a].0, last)
                            .total_cmp(&dist_km(people[b].0, last))
                            .then(a.cmp(&b))
                    });
                match next {
                    Some(i) => {
                        used.push(i);
                        chain.push(people[i].0);
                    }
                    None => break,
                }
            }
            let last = *chain.last().unwrap_or(&school_at);
            if chain.len() >= 3 && !crosses_water(real, last, school_at) {
                chain.push(school_at);
                let len: f64 = chain.windows(2).map(|w| dist_km(w[0], w[1])).sum();
                if (5.0..=20.0).contains(&len) {
                    best = Some(chain);
                    break;
                }
            }
        }
        let chain = best.ok_or_else(|| format!("could not lay school line {} on land", n + 1))?;
        let line = densify(real, rng, &chain);
        let id = format!("sb-{}", n + 1);
        routes.push(json!({"type": "Feature", "id": id, "geometry": {"type": "LineString", "coordinates": line},
            "properties": {"route_id": id, "name": format!("示例通学专线 {} 号线", n + 1), "name_en": format!("Sample school line {}", n + 1), "school": school,
                "school_location": [r7(school_at[0]), r7(school_at[1])], "operator": "示例公交公司", "departures": ["06:50", "07:10"], "synthetic": true, "source": SOURCE}}));
        // Stops at the villages joined, and the last one at the school gate (the line's end).
        let mut seq = 0;
        for (k, p) in chain.iter().enumerate() {
            let at = if k + 1 == chain.len() {
                line[line.len() - 1]
            } else {
                [r7(p[0]), r7(p[1])]
            };
            seq += 1;
            stops.push(point_feature(format!("{id}-{seq:02}"), at, json!({"route_id": id, "seq": seq, "name": format!("示例站 {}-{seq:02}", n + 1), "synthetic": true, "source": SOURCE})));
        }
    }
    Ok((routes, stops))
}

fn dist_km(a: [f64; 2], b: [f64; 2]) -> f64 {
    (((a[0] - b[0]) / KM_LON).powi(2) + ((a[1] - b[1]) / KM_LAT).powi(2)).sqrt()
}

/// Waypoints joined by roads with a little wiggle (kept on land), rounded.
fn densify(real: &RealData, rng: &mut Rng, chain: &[[f64; 2]]) -> Vec<[f64; 2]> {
    let mut out = vec![[r7(chain[0][0]), r7(chain[0][1])]];
    for w in chain.windows(2) {
        let steps = (dist_km(w[0], w[1]) / 0.6).ceil().max(1.0) as usize;
        for s in 1..=steps {
            let t = s as f64 / steps as f64;
            let mut q = [
                w[0][0] + (w[1][0] - w[0][0]) * t,
                w[0][1] + (w[1][1] - w[0][1]) * t,
            ];
            if s < steps {
                let j = [
                    q[0] + rng.normal() * 0.08 * KM_LON,
                    q[1] + rng.normal() * 0.08 * KM_LAT,
                ];
                let prev = *out.last().unwrap_or(&q);
                if real.on_land(j) && !crosses_water(real, prev, j) {
                    q = j;
                }
            }
            out.push([r7(q[0]), r7(q[1])]);
        }
    }
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn half_plane_clipping_keeps_the_nearer_side() {
        let sq = vec![[0.0, 0.0], [2.0, 0.0], [2.0, 2.0], [0.0, 2.0]];
        let half = clip_half_plane(&sq, [0.5, 1.0], [1.5, 1.0], 1.0);
        assert!(half.iter().all(|p| p[0] <= 1.0 + 1e-12));
        assert_eq!(half.len(), 4);
    }
}
