// Small geometry helpers in metres on the ground. Positions are [lon, lat] WGS84.

const RAD = Math.PI / 180;

/** Metres per degree of latitude and of longitude at latitude `lat` (WGS84 ellipsoid series). */
export function metresPerDegree(lat) {
  const p = lat * RAD;
  return {
    lat: 111132.92 - 559.82 * Math.cos(2 * p) + 1.175 * Math.cos(4 * p) - 0.0023 * Math.cos(6 * p),
    lon: 111412.84 * Math.cos(p) - 93.5 * Math.cos(3 * p) + 0.118 * Math.cos(5 * p),
  };
}

/** A closed `n`-gon ring approximating the circle of `radius_m` metres around [lon, lat]. */
export function circleRing([lon, lat], radius_m, n = 64) {
  const m = metresPerDegree(lat);
  const ring = [];
  for (let i = 0; i < n; i++) {
    const a = (2 * Math.PI * i) / n;
    ring.push([lon + (radius_m * Math.sin(a)) / m.lon, lat + (radius_m * Math.cos(a)) / m.lat]);
  }
  ring.push(ring[0]);
  return ring;
}

/** A GeoJSON Polygon feature for the circle, with `properties`. */
export function circleFeature(centre, radius_m, properties = {}, n = 64) {
  return { type: 'Feature', properties, geometry: { type: 'Polygon', coordinates: [circleRing(centre, radius_m, n)] } };
}

export const featureCollection = (features = []) => ({ type: 'FeatureCollection', features });

export const pointFeature = (position, properties = {}) => ({
  type: 'Feature',
  properties,
  geometry: { type: 'Point', coordinates: position },
});

/** [[minlon, minlat], [maxlon, maxlat]] of a list of positions, or null. */
export function boundsOf(positions) {
  if (!positions.length) return null;
  let [a, b, c, d] = [Infinity, Infinity, -Infinity, -Infinity];
  for (const [x, y] of positions) {
    a = Math.min(a, x);
    b = Math.min(b, y);
    c = Math.max(c, x);
    d = Math.max(d, y);
  }
  return [[a, b], [c, d]];
}

/** Every position of a GeoJSON geometry. */
export function positionsOf(geometry) {
  if (!geometry) return [];
  const out = [];
  const walk = (c) => {
    if (typeof c[0] === 'number') out.push(c);
    else c.forEach(walk);
  };
  if (geometry.type === 'GeometryCollection') geometry.geometries.forEach((g) => out.push(...positionsOf(g)));
  else walk(geometry.coordinates);
  return out;
}
