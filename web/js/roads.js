// The streets (issue 16): a catalog layer of kind `roads` is not fetched as GeoJSON but drawn
// from the server's vector tiles (/tiles/roads/{z}/{x}/{y}.mvt, README "Streets"), by its OSM
// `highway` class: a pale casing under every street, the street over it (wider and warmer
// for the main roads), paths and steps dashed, and the names along the lines from zoom 15 in
// the page's language. Latin letters and digits come from the server's glyphs
// (/fonts/DejaVuSans/…, built at set-up); Chinese from the browser's own CJK font
// (MapLibre's localIdeographFontFamily, set in map.js), so no CJK glyph is fetched.

/** The MVT layer the server puts the roads in (src/tiles.rs, LAYER_NAME). */
const SOURCE_LAYER = 'roads';

/** The glyphs' font stack: one folder of /fonts/ (scripts/glyphs.sh). */
export const FONT_STACK = ['DejaVuSans'];

/** CSS font families for CJK labels, first found wins (the page's own fonts). */
export const LOCAL_CJK_FONTS = "'Noto Sans CJK SC', 'Source Han Sans SC', 'WenQuanYi Micro Hei', 'PingFang SC', 'Microsoft YaHei', sans-serif";

/** The style's `glyphs` URL (MapLibre wants it absolute). */
export const glyphsUrl = () => `${location.origin}/fonts/{fontstack}/{range}.pbf`;

/**
 * The vector source: tiles from zoom 5 (nothing is drawn below: the server's tiles there are
 * empty) to 16, overzoomed past it (a z 16 tile is simplified to a quarter of a pixel, so a
 * z 18 view of it is still within a pixel), which keeps a phone's requests few.
 */
export const roadsSource = () => ({
  type: 'vector',
  tiles: [`${location.origin}/tiles/roads/{z}/{x}/{y}.mvt`],
  minzoom: 5,
  maxzoom: 16,
});

/** The classes drawn as dashed paths (the rest are streets). */
const PATHS = ['footway', 'path', 'pedestrian', 'steps', 'cycleway', 'bridleway', 'corridor', 'elevator', 'track'];

/** By class: [fill colour, width at z 10, at z 14, at z 18] (after OpenStreetMap Carto's palette). */
const STREETS = {
  motorway: ['#e38b6d', 2.2, 6, 18],
  trunk: ['#f0a35e', 2, 6, 16],
  primary: ['#f6c56b', 1.6, 5, 14],
  secondary: ['#f3df8a', 1.2, 4.5, 12],
  tertiary: ['#ffffff', 1, 4, 11],
  residential: ['#ffffff', 0.5, 2.5, 9],
  unclassified: ['#ffffff', 0.5, 2.5, 9],
  living_street: ['#ffffff', 0.5, 2.5, 9],
  service: ['#ffffff', 0.3, 1.5, 6],
};
const OTHER = ['#ffffff', 0.3, 1.5, 6];

const highway = ['get', 'highway'];

/** Column `i` of STREETS by the feature's class (a `_link` as its road). */
function byClass(i) {
  const arms = Object.entries(STREETS).flatMap(([k, v]) => [[k, `${k}_link`], v[i]]);
  return ['match', highway, ...arms, OTHER[i]];
}

/** Line width by class, interpolated by zoom; `extra` px added (the casing). */
function width(extra = 0) {
  return ['interpolate', ['exponential', 1.6], ['zoom'],
    10, ['+', byClass(1), extra * 0.5],
    14, ['+', byClass(2), extra],
    18, ['+', byClass(3), extra * 2]];
}

const isPath = ['in', highway, ['literal', PATHS]];

/** The label's text in `lang`: the English name where the road has one, else the Chinese. */
export function labelText(lang) {
  return lang === 'en' ? ['coalesce', ['get', 'name_en'], ['get', 'name']] : ['coalesce', ['get', 'name'], ['get', 'name_en']];
}

/**
 * The style layers of the roads source `source` ({id, ...spec}), bottom to top, in `lang`.
 * Ids: `${source}:casing`, `:line`, `:path`, `:label`.
 */
export function roadStyleLayers(source, lang) {
  const common = { source, 'source-layer': SOURCE_LAYER };
  return [
    { id: `${source}:casing`, type: 'line', ...common, filter: ['!', isPath], minzoom: 10,
      layout: { 'line-cap': 'round', 'line-join': 'round' },
      paint: { 'line-color': '#cdbfa8', 'line-width': width(1.5) } },
    { id: `${source}:line`, type: 'line', ...common, filter: ['!', isPath],
      layout: { 'line-cap': 'round', 'line-join': 'round' },
      paint: { 'line-color': byClass(0), 'line-width': width() } },
    { id: `${source}:path`, type: 'line', ...common, filter: isPath,
      paint: { 'line-color': '#a1887f', 'line-width': ['interpolate', ['linear'], ['zoom'], 14, 1, 18, 2.5], 'line-dasharray': [2, 1.5] } },
    { id: `${source}:label`, type: 'symbol', ...common, minzoom: 15, filter: ['has', 'name'],
      layout: {
        'symbol-placement': 'line',
        'text-field': labelText(lang),
        'text-font': FONT_STACK,
        'text-size': ['interpolate', ['linear'], ['zoom'], 15, 11, 18, 14],
        'text-max-angle': 35,
        'symbol-spacing': 300,
      },
      paint: { 'text-color': '#4e4336', 'text-halo-color': '#ffffff', 'text-halo-width': 1.5 } },
  ];
}
