// The look of the map, for whatever draws it (map.js's MapLibre style, facade.js's static
// picture, the layers panel's swatches): each layer kind's colours and widths, the draw order,
// the background, and the view the map opens on. The data decides the look; the renderers
// read it here, so the picture drawn before MapLibre starts and the map that replaces it agree.

/** The map's background, under every layer. */
export const BACKGROUND = '#f3f1eb';

/**
 * The look of each layer kind (the `kind` of /api/layers), in the keys of a layer's `style`
 * override in layers.toml (README, Data): `colour` (lines, outlines, points; a point's ring
 * when `fill_colour` is set), `fill_colour`, `fill_opacity`, `line_width`, `line_dasharray`,
 * `circle_radius`, `backdrop`. `draw` says which geometry the kind holds. A kind not listed
 * here, and `generic`, is drawn from its geometry type (GEOMETRY_STYLES).
 */
export const KIND_STYLES = {
  district: { draw: 'polygon', colour: '#5a3d8a', line_width: 2.5 },
  townships: { draw: 'polygon', colour: '#c9b99a', line_width: 1, line_dasharray: [3, 2], fill_colour: '#fbf7ee', fill_opacity: 0.9 },
  water: { draw: 'polygon', fill_colour: '#7fb2e5', fill_opacity: 0.85 },
  child_friendly_communities: { draw: 'polygon', colour: '#fb8c00', line_width: 1.5, fill_colour: '#fb8c00', fill_opacity: 0.35 },
  pocket_parks: { draw: 'polygon', colour: '#2e7d32', line_width: 1.5, fill_colour: '#43a047', fill_opacity: 0.55 },
  school_bus_routes: { draw: 'line', colour: '#f9a825', line_width: 3 },
  demand: { draw: 'point', colour: '#8d6e63', circle_radius: 2.5, fill_opacity: 0.7, line_width: 0 },
  school_bus_stops: { draw: 'point', colour: '#ef6c00', fill_colour: '#fff', circle_radius: 3.5, line_width: 2 },
  service_stations: { draw: 'point', colour: '#7b1fa2', circle_radius: 5, line_width: 1.5 },
  nursing_rooms: { draw: 'point', colour: '#d81b60', circle_radius: 6, line_width: 1.5 },
  // The streets: the live map draws them from vector tiles by class (roads.js); this is the
  // layers panel's swatch and their draw slot (the facade has no streets: never fetched).
  roads: { draw: 'line', colour: '#f6c56b', line_width: 2 },
};

/** The look of a layer whose kind has none of its own, by geometry type: grey. */
const GEOMETRY_STYLES = {
  polygon: { draw: 'polygon', fill_colour: '#888', fill_opacity: 0.3, line_width: 1 },
  line: { draw: 'line', colour: '#555', line_width: 2 },
  point: { draw: 'point', colour: '#555', circle_radius: 5, line_width: 1.5 },
};

/**
 * Draw order, bottom to top: `_backdrop` for the layers whose style says `backdrop`, a slot
 * per kind, `*` for the kinds drawn by geometry type, and `@name` slots where the overlays go.
 * Layers of one slot keep their catalog order.
 */
export const DRAW_ORDER = [
  '_backdrop', 'townships', 'water', 'roads', 'district', 'child_friendly_communities', 'pocket_parks', '@gaps',
  'school_bus_routes', '@route-under', '@parent-under', 'demand', 'school_bus_stops', '*', 'service_stations',
  'nursing_rooms', '@route-over', '@parent',
];

/**
 * A layer's look (an entry of /api/layers): its kind's style (or its geometry type's) with
 * the catalog's `style` override laid over it.
 */
export function layerStyle(layer) {
  const byGeometry = /Polygon/.test(layer.geometry_type) ? 'polygon' : /Line/.test(layer.geometry_type) ? 'line' : 'point';
  return { ...(KIND_STYLES[layer.kind] || GEOMETRY_STYLES[byGeometry]), ...(layer.style || {}) };
}

/** The colour that stands for a layer (the layers panel's swatch). */
export function layerColour(layer) {
  const s = layerStyle(layer);
  return s.colour || s.fill_colour || '#555';
}

/**
 * A layer's slot in DRAW_ORDER: `_backdrop` when its style says so, its kind when the kind has
 * a look of its own, else `*`.
 */
export function slotOf(layer) {
  return layerStyle(layer).backdrop ? '_backdrop' : KIND_STYLES[layer.kind] ? layer.kind : '*';
}

/** The layers of the catalog in draw order, bottom to top (the overlays' slots aside). */
export function inDrawOrder(layers) {
  return DRAW_ORDER.flatMap((slot) => layers.filter((l) => slotOf(l) === slot));
}

/** The margin, in CSS px, around the bounds the map opens on. */
export const OPENING_PADDING_PX = 20;

/**
 * The bounds the map opens on, `[minlon, minlat, maxlon, maxlat]` (a catalog bbox), or null:
 * the district (the first layer of its kind that is not context), else every layer that is
 * not context together.
 */
export function openingBounds(layers) {
  const frame = layers.find((l) => l.kind === 'district' && !layerStyle(l).backdrop && l.bbox);
  const boxes = (frame ? [frame] : layers.filter((l) => l.bbox && !layerStyle(l).backdrop)).map((l) => l.bbox);
  if (!boxes.length) return null;
  return boxes.reduce((a, c) => [Math.min(a[0], c[0]), Math.min(a[1], c[1]), Math.max(a[2], c[2]), Math.max(a[3], c[3])]);
}

/**
 * Whether a part of a layer's drawing (`circle`, `line` or `fill`, as MapLibre names them)
 * answers a click: dots, areas and lines, but not the outlines of areas, nor backdrops.
 */
export function isClickTarget(look, part) {
  return !look.backdrop && (part !== 'line' || look.draw === 'line');
}

/** Which click target wins where several are under the finger: dots, then lines, then areas. */
export const CLICK_RANK = { circle: 0, line: 1, fill: 2 };

/**
 * The parts a resolved look (layerStyle) is drawn with, bottom to top, each with its paint:
 * `fill` {colour, opacity}, `line` {colour, width, dasharray (in line widths) or null, round
 * (round caps and joins)}, `circle` {radius, colour, opacity, ring (its width, outside the
 * radius; 0 for none), ringColour}. A polygon kind is its fill (when it has a fill colour)
 * under its outline (when it has a colour and a width); a point is a dot of `colour` in a
 * white ring, or a dot of `fill_colour` in a `colour` ring.
 */
export function partsOf(s) {
  const width = s.line_width ?? 1;
  const line = { part: 'line', colour: s.colour, width, dasharray: s.line_dasharray || null, round: s.draw === 'line' };
  if (s.draw === 'line') return [line];
  if (s.draw === 'polygon') {
    return [
      s.fill_colour ? { part: 'fill', colour: s.fill_colour, opacity: s.fill_opacity ?? 0.35 } : null,
      s.colour && width > 0 ? line : null,
    ].filter(Boolean);
  }
  return [{
    part: 'circle',
    radius: s.circle_radius ?? 5,
    colour: s.fill_colour || s.colour,
    opacity: s.fill_opacity ?? 1,
    ring: s.line_width ?? 1.5,
    ringColour: s.fill_colour ? s.colour : '#fff',
  }];
}
