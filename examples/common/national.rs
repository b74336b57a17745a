//! A deterministic synthetic national data set: facilities across China's populated areas,
//! drawn around ~50 big cities (weight ~ urban population, gaussian spread ~ city size) plus a
//! thin regional scatter around the same centres, never uniform over deserts or sea.
//! Shared by `examples/national_data.rs` and the benches (`#[path]`), so both see the same
//! points for the same seed.

#![allow(dead_code)]

/// `(name, lon, lat, weight)`: weight ~ urban population in millions.
pub const CITIES: &[(&str, f64, f64, f64)] = &[
    ("shanghai", 121.47, 31.23, 24.9),
    ("beijing", 116.40, 39.90, 21.9),
    ("shenzhen", 114.06, 22.54, 17.6),
    ("guangzhou", 113.26, 23.13, 18.7),
    ("chengdu", 104.07, 30.57, 16.3),
    ("chongqing", 106.55, 29.56, 15.9),
    ("tianjin", 117.20, 39.13, 11.3),
    ("wuhan", 114.31, 30.59, 12.3),
    ("xian", 108.94, 34.34, 10.0),
    ("hangzhou", 120.16, 30.27, 12.2),
    ("suzhou", 120.62, 31.30, 10.3),
    ("nanjing", 118.80, 32.06, 9.3),
    ("zhengzhou", 113.63, 34.75, 10.0),
    ("changsha", 112.94, 28.23, 8.4),
    ("dongguan", 113.75, 23.02, 10.5),
    ("shenyang", 123.43, 41.80, 7.6),
    ("qingdao", 120.38, 36.07, 7.0),
    ("hefei", 117.23, 31.82, 7.0),
    ("foshan", 113.12, 23.02, 9.5),
    ("jinan", 117.12, 36.65, 6.0),
    ("harbin", 126.53, 45.80, 5.8),
    ("kunming", 102.83, 24.88, 5.9),
    ("dalian", 121.61, 38.91, 5.0),
    ("xiamen", 118.09, 24.48, 5.2),
    ("fuzhou", 119.30, 26.08, 5.0),
    ("ningbo", 121.55, 29.87, 6.0),
    ("wuxi", 120.31, 31.49, 5.5),
    ("changchun", 125.32, 43.82, 5.0),
    ("shijiazhuang", 114.51, 38.04, 5.5),
    ("taiyuan", 112.55, 37.87, 4.5),
    ("nanning", 108.37, 22.82, 4.5),
    ("nanchang", 115.86, 28.68, 4.5),
    ("guiyang", 106.63, 26.65, 4.5),
    ("urumqi", 87.62, 43.83, 4.0),
    ("lanzhou", 103.83, 36.06, 3.3),
    ("hohhot", 111.75, 40.84, 2.5),
    ("yinchuan", 106.23, 38.49, 2.2),
    ("xining", 101.78, 36.62, 1.8),
    ("lhasa", 91.14, 29.65, 0.7),
    ("haikou", 110.20, 20.04, 2.5),
    ("wenzhou", 120.70, 28.00, 5.0),
    ("quanzhou", 118.68, 24.87, 4.5),
    ("xuzhou", 117.28, 34.21, 4.0),
    ("changzhou", 119.97, 31.81, 4.2),
    ("tangshan", 118.18, 39.63, 3.5),
    ("luoyang", 112.45, 34.62, 3.0),
    ("yantai", 121.45, 37.46, 3.5),
    ("zhuhai", 113.58, 22.27, 2.4),
    ("nantong", 120.89, 31.98, 3.5),
    ("shantou", 116.68, 23.35, 3.8),
    ("baotou", 109.84, 40.66, 2.0),
    ("daqing", 125.10, 46.59, 1.8),
];

/// splitmix64: tiny, fast, deterministic.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in `[0, 1)`.
    pub fn f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
    /// Standard normal (Box-Muller).
    pub fn normal(&mut self) -> f64 {
        let u = self.f64().max(1e-300);
        let v = self.f64();
        (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
    }
}

/// One synthetic facility position and the city it was drawn around.
#[derive(Debug, Clone, Copy)]
pub struct Site {
    pub lon: f64,
    pub lat: f64,
    pub city: usize,
}

/// Draw a site: 90 % urban (sigma ~ 0.06-0.25 degrees by city size), 10 % regional
/// (sigma 1.2 degrees around the same centres, i.e. surrounding prefectures).
pub fn site(rng: &mut Rng) -> Site {
    let total: f64 = CITIES.iter().map(|c| c.3).sum();
    let mut pick = rng.f64() * total;
    let mut city = CITIES.len() - 1;
    for (i, c) in CITIES.iter().enumerate() {
        if pick < c.3 {
            city = i;
            break;
        }
        pick -= c.3;
    }
    let (_, lon0, lat0, w) = CITIES[city];
    let sigma = if rng.f64() < 0.9 {
        0.04 + 0.045 * w.sqrt()
    } else {
        1.2
    };
    let coslat = lat0.to_radians().cos();
    let lat = (lat0 + sigma * rng.normal()).clamp(18.0, 53.0);
    let lon = (lon0 + sigma * rng.normal() / coslat).clamp(74.0, 134.0);
    Site { lon, lat, city }
}

/// `n` point positions `[lon, lat]` for the index benches.
pub fn points(n: usize, seed: u64) -> Vec<[f64; 2]> {
    let mut rng = Rng::new(seed);
    (0..n)
        .map(|_| {
            let s = site(&mut rng);
            [s.lon, s.lat]
        })
        .collect()
}

/// Query positions drawn like the facilities (people live where facilities are).
pub fn queries(n: usize, seed: u64) -> Vec<[f64; 2]> {
    points(n, seed ^ 0x5155_4552_5953)
}

/// A small convex polygon (a building or park footprint, 20-150 m across) around a site:
/// a closed counter-clockwise ring of 5-8 vertices `[lon, lat]`.
pub fn footprint(rng: &mut Rng, lon: f64, lat: f64) -> Vec<[f64; 2]> {
    let n = 5 + (rng.next_u64() % 4) as usize;
    let r_m = 10.0 + 65.0 * rng.f64();
    let rot = rng.f64() * std::f64::consts::TAU;
    let m_lat = 111_000.0;
    let m_lon = 111_000.0 * lat.to_radians().cos();
    let mut ring: Vec<[f64; 2]> = (0..n)
        .map(|i| {
            let a = rot + std::f64::consts::TAU * i as f64 / n as f64;
            [lon + r_m * a.cos() / m_lon, lat + r_m * a.sin() / m_lat]
        })
        .collect();
    ring.push(ring[0]);
    ring
}
