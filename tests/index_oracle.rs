//! The R-tree index against a brute-force geodesic scan on seeded random data, at several
//! latitudes across China, for points, lines and polygons.

mod common;

use common::*;
use geo::{Geometry, Intersects, Rect};
use nestmap::index::LayerIndex;

const CENTRES: [[f64; 2]; 4] = [[109.5, 18.3], [120.62, 31.43], [116.4, 39.9], [126.6, 45.8]];

fn check(make: fn(&mut Rng, [f64; 2], f64) -> Geometry<f64>, n: usize, seed: u64) {
    for (ci, centre) in CENTRES.iter().enumerate() {
        let mut r = Rng::new(seed + ci as u64);
        let geoms: Vec<Geometry<f64>> = (0..n).map(|_| make(&mut r, *centre, 0.2)).collect();
        let index = LayerIndex::build(geoms.clone());
        for _ in 0..12 {
            let p = [
                centre[0] + r.range(-0.25, 0.25),
                centre[1] + r.range(-0.25, 0.25),
            ];
            let got: Vec<(usize, f64)> = index.nearest(p).take(10).collect();
            let oracle: Vec<(usize, f64)> = oracle_scan(p, &geoms).into_iter().take(10).collect();
            assert_same_ranking(&got, &oracle, &geoms, p, 0.05);
        }
        // The full iteration visits every feature exactly once, in non-decreasing order.
        let p = *centre;
        let all: Vec<(usize, f64)> = index.nearest(p).collect();
        assert_eq!(all.len(), n);
        assert!(all.windows(2).all(|w| w[0].1 <= w[1].1 + 1e-9));
        let mut ids: Vec<usize> = all.iter().map(|x| x.0).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), n);
    }
}

#[test]
fn nearest_points_equal_brute_force() {
    check(random_point, 3000, 1);
}

#[test]
fn nearest_lines_equal_brute_force() {
    check(random_line, 400, 100);
}

#[test]
fn nearest_polygons_equal_brute_force_and_inside_is_zero() {
    check(random_polygon, 400, 200);
    // A query at a polygon's own vertex-centre is inside it: distance 0.
    let mut r = Rng::new(9);
    let geoms: Vec<Geometry<f64>> = (0..50)
        .map(|_| random_polygon(&mut r, [120.6, 31.4], 0.1))
        .collect();
    let index = LayerIndex::build(geoms.clone());
    for (i, g) in geoms.iter().enumerate() {
        use geo::InteriorPoint;
        let ip = g.interior_point().unwrap();
        let first: Vec<(usize, f64)> = index
            .nearest([ip.x(), ip.y()])
            .take_while(|x| x.1 == 0.0)
            .collect();
        assert!(
            first.iter().any(|x| x.0 == i),
            "polygon {i} does not contain its interior point"
        );
    }
}

#[test]
fn mixed_layer_and_bbox_queries_equal_brute_force() {
    let mut r = Rng::new(77);
    let centre = [120.62, 31.43];
    let mut geoms = Vec::new();
    for i in 0..900 {
        geoms.push(match i % 3 {
            0 => random_point(&mut r, centre, 0.2),
            1 => random_line(&mut r, centre, 0.2),
            _ => random_polygon(&mut r, centre, 0.2),
        });
    }
    let index = LayerIndex::build(geoms.clone());
    for _ in 0..30 {
        let p = [
            centre[0] + r.range(-0.2, 0.2),
            centre[1] + r.range(-0.2, 0.2),
        ];
        let got: Vec<(usize, f64)> = index.nearest(p).take(15).collect();
        let oracle: Vec<(usize, f64)> = oracle_scan(p, &geoms).into_iter().take(15).collect();
        assert_same_ranking(&got, &oracle, &geoms, p, 0.05);

        let min = [p[0], p[1]];
        let max = [p[0] + r.range(0.0, 0.1), p[1] + r.range(0.0, 0.1)];
        let rect = Rect::new(
            geo::coord! {x: min[0], y: min[1]},
            geo::coord! {x: max[0], y: max[1]},
        );
        let want: Vec<usize> = (0..geoms.len())
            .filter(|&i| geoms[i].intersects(&rect))
            .collect();
        assert_eq!(index.intersecting(min, max), want);
    }
}

#[test]
fn a_box_inside_a_polygon_finds_it() {
    let mut r = Rng::new(5);
    let big = random_polygon(&mut r, [120.6, 31.4], 0.0);
    let index = LayerIndex::build(vec![big.clone()]);
    use geo::Centroid;
    let c = big.centroid().unwrap();
    assert_eq!(
        index.intersecting([c.x() - 1e-5, c.y() - 1e-5], [c.x() + 1e-5, c.y() + 1e-5]),
        vec![0]
    );
}

#[test]
fn nearest_across_china_equal_brute_force() {
    // Sparse points thousands of kilometres apart: the search's horizon must grow many times.
    let mut r = Rng::new(77);
    let centre = [104.0, 35.0];
    let geoms: Vec<Geometry<f64>> = (0..2000)
        .map(|_| random_point(&mut r, centre, 15.0))
        .collect();
    let index = LayerIndex::build(geoms.clone());
    for _ in 0..20 {
        let p = [
            centre[0] + r.range(-30.0, 30.0),
            centre[1] + r.range(-16.0, 18.0),
        ];
        let got: Vec<(usize, f64)> = index.nearest(p).take(10).collect();
        let oracle: Vec<(usize, f64)> = oracle_scan(p, &geoms).into_iter().take(10).collect();
        assert_same_ranking(&got, &oracle, &geoms, p, 0.05);
        let all: Vec<(usize, f64)> = index.nearest(p).collect();
        assert_eq!(all.len(), geoms.len());
        assert!(all.windows(2).all(|w| w[0].1 <= w[1].1 + 1e-9));
    }
}
