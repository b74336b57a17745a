// The map facade (issue 15.5): a static picture in the map's place until the live map starts.
// On a phone's parent view MapLibre is not loaded with the page (livemap.js says when it
// starts); this module draws, meanwhile, an inline SVG of the layers the view shows (the
// district outline, the lakes, the parks, the stations and the nursing-room dots) in the map's
// own colours and widths (style.js) and in Web Mercator at exactly the camera MapLibre opens
// with (fitBounds of style.js's `openingBounds` with OPENING_PADDING_PX, for this container's
// size), so that when the live map takes its place nothing moves. This is Lighthouse's
// "Lazy load third-party resources with facades" (the third-party-facades audit): a light
// stand-in for a heavy embed, the embed loaded on the first use.
//
// It also tells where a tap falls (the position and the dot, line or area under it, picked
// the way the live map's click picks: style.js's isClickTarget and CLICK_RANK) and when she
// first uses the map area (a touch or a press, the wheel, the keyboard focus on its button).
//
// Positions are [lon, lat] WGS84; Web Mercator coordinates are MapLibre's: x and y in 0..1
// from the west edge and the north edge of the world, the world 512 * 2^zoom CSS px wide.

import { t, localName, formatList } from './i18n.js';
import { BACKGROUND, CLICK_RANK, OPENING_PADDING_PX, inDrawOrder, isClickTarget, layerStyle, openingBounds, partsOf } from './style.js';

const SVG_NS = 'http://www.w3.org/2000/svg';

/** MapLibre's tile size: the width of the world at zoom 0, in CSS px. */
const WORLD_PX = 512;
/** MapLibre's default maximum zoom (fitBounds never goes past it). */
const MAX_ZOOM = 22;
/** How far around a tap (CSS px) a feature is still under it: map.js's hit box, ±5 px. */
const HIT_PX = 5;

/** Web Mercator [x, y] (0..1) of [lon, lat], as MapLibre's mercatorXfromLng / mercatorYfromLat. */
export function mercator([lon, lat]) {
  return [(180 + lon) / 360, (180 - (180 / Math.PI) * Math.log(Math.tan(Math.PI / 4 + (lat * Math.PI) / 360))) / 360];
}

/** [lon, lat] of Web Mercator [x, y]. */
export function unmercator([x, y]) {
  return [x * 360 - 180, (360 / Math.PI) * Math.atan(Math.exp(((180 - y * 360) * Math.PI) / 180)) - 90];
}

/**
 * The camera MapLibre takes for `fitBounds(bounds, {padding})` in a `width` x `height` px
 * map with no bearing: the largest zoom (up to MAX_ZOOM) at which the bounds fit inside the
 * padding, centred on the middle of the bounds in Web Mercator. Null when they cannot fit
 * (MapLibre then keeps the camera it had). `bounds`: [minlon, minlat, maxlon, maxlat].
 */
export function cameraForBounds(bounds, width, height, padding = OPENING_PADDING_PX) {
  const [x0, y1] = mercator([bounds[0], bounds[1]]);
  const [x1, y0] = mercator([bounds[2], bounds[3]]);
  const fitX = (width - 2 * padding) / ((x1 - x0) * WORLD_PX);
  const fitY = (height - 2 * padding) / ((y1 - y0) * WORLD_PX);
  if (!(fitX >= 0 && fitY >= 0)) return null;
  const zoom = Math.min(Math.log2(Math.min(fitX, fitY)), MAX_ZOOM);
  return { centre: [(x0 + x1) / 2, (y0 + y1) / 2], zoom };
}

/** Projection to the container's CSS px for a camera: {project([lon, lat]), unproject([x, y])}. */
export function projection({ centre, zoom }, width, height) {
  const world = WORLD_PX * 2 ** zoom;
  return {
    project(p) {
      const [x, y] = mercator(p);
      return [(x - centre[0]) * world + width / 2, (y - centre[1]) * world + height / 2];
    },
    unproject([px, py]) {
      return unmercator([centre[0] + (px - width / 2) / world, centre[1] + (py - height / 2) / world]);
    },
  };
}

/** The camera MapLibre opens with before any bounds are known (map.js's Map options). */
export const START_CAMERA = { centre: mercator([120.6, 31.45]), zoom: 10 };

/**
 * Call `each(coordinates, kind)` for every ring (`ring`), line (`line`) and point (`point`) of
 * a GeoJSON geometry, in [lon, lat].
 */
function walk(g, each) {
  if (!g) return;
  const c = g.coordinates;
  if (g.type === 'Point') each(c, 'point');
  else if (g.type === 'MultiPoint') for (const p of c) each(p, 'point');
  else if (g.type === 'LineString') each(c, 'line');
  else if (g.type === 'MultiLineString') for (const l of c) each(l, 'line');
  else if (g.type === 'Polygon') for (const r of c) each(r, 'ring');
  else if (g.type === 'MultiPolygon') for (const poly of c) for (const r of poly) each(r, 'ring');
  else if (g.type === 'GeometryCollection') for (const x of g.geometries) walk(x, each);
}

/**
 * SVG path data of the rings (closed) or the lines of features, projected by `to` ([lon, lat]
 * -> [x, y] px), to a tenth of a px with repeated points dropped: one string per layer part,
 * built without keeping the projected points.
 */
function pathData(features, to, kinds) {
  let d = '';
  for (const f of features) {
    walk(f.geometry, (coords, kind) => {
      if (!kinds.includes(kind)) return;
      let last = '';
      for (let i = 0; i < coords.length; i++) {
        const [x, y] = to(coords[i]);
        const p = `${x.toFixed(1)} ${y.toFixed(1)}`;
        if (p === last) continue;
        d += (i === 0 ? 'M' : 'L') + p;
        last = p;
      }
      if (kind === 'ring') d += 'Z';
    });
  }
  return d;
}

function svgEl(tag, attrs) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) if (v !== null && v !== undefined) node.setAttribute(k, String(v));
  return node;
}

/** Whether [x, y] is inside a polygon's rings (even-odd: holes are outside). */
function insidePolygon([x, y], rings) {
  let inside = false;
  for (const ring of rings) {
    for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
      const [xi, yi] = ring[i];
      const [xj, yj] = ring[j];
      if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
    }
  }
  return inside;
}

/** Distance from [x, y] to the segment [a, b], in px. */
function toSegment([x, y], [ax, ay], [bx, by]) {
  const dx = bx - ax;
  const dy = by - ay;
  const k = dx || dy ? Math.max(0, Math.min(1, ((x - ax) * dx + (y - ay) * dy) / (dx * dx + dy * dy))) : 0;
  return Math.hypot(x - ax - k * dx, y - ay - k * dy);
}

/**
 * How far `p` is from `part` of a geometry, in px, when it is within reach of it (the dot and
 * its ring, half the line's width, plus HIT_PX; inside an area: 0), else Infinity.
 */
function distanceTo(p, geometry, part, to) {
  let best = Infinity;
  const rings = [];
  walk(geometry, (c, kind) => {
    if (part.part === 'circle' && kind === 'point') {
      const [x, y] = to(c);
      const d = Math.hypot(p[0] - x, p[1] - y);
      if (d <= part.radius + part.ring + HIT_PX) best = Math.min(best, d);
    } else if (part.part === 'line' && kind === 'line') {
      const line = c.map(to);
      for (let i = 1; i < line.length; i++) {
        const d = toSegment(p, line[i - 1], line[i]);
        if (d <= part.width / 2 + HIT_PX) best = Math.min(best, d);
      }
    } else if (part.part === 'fill' && kind === 'ring') {
      rings.push(c.map(to));
    }
  });
  return rings.length && insidePolygon(p, rings) ? 0 : best;
}

export class Facade {
  /**
   * @param container the map's element (#map); the picture is laid over it, at its size
   * @param opts.onUse () => void, on her first use of the map area (a press, the wheel, the
   *   keyboard focus), each time
   * @param opts.onClick ({lngLat: [lon, lat], hit: {layer, id} | null}) => void, as the live
   *   map's click
   */
  constructor(container, { onUse, onClick }) {
    this.container = container;
    this.scene = { layers: [], data: {}, visible: {} };
    this.proj = null;
    this.status = null; // {key, vars} of the note over the picture, or null

    this.root = document.createElement('div');
    this.root.className = 'facade';
    this.svg = svgEl('svg', { class: 'facade-picture', role: 'img' });
    this.open = document.createElement('button');
    this.open.type = 'button';
    this.open.className = 'facade-open';
    this.note = document.createElement('p');
    this.note.className = 'map-status';
    this.note.setAttribute('role', 'status');
    this.note.hidden = true;
    this.root.append(this.svg, this.open, this.note);
    container.append(this.root);

    // A press, the wheel or the keyboard focus on the map area is a use: the live map starts.
    const use = () => onUse();
    this.root.addEventListener('pointerdown', use);
    this.root.addEventListener('wheel', use, { passive: true });
    this.root.addEventListener('focusin', use);
    this.open.addEventListener('click', use);
    // A click on the picture is a click on the map: its position, and what is under it.
    this.svg.addEventListener('click', (e) => {
      if (!this.proj) return;
      const r = this.svg.getBoundingClientRect();
      const at = [e.clientX - r.left, e.clientY - r.top];
      onClick({ lngLat: this.proj.unproject(at), hit: this.hitAt(at) });
    });
    // The size, as MapLibre reads it (its container's whole CSS px, 400 x 300 when it has
    // none), read when the layout is fresh: drawing the picture forces no layout of its own.
    this.size = null;
    this.resizing = new ResizeObserver(() => {
      this.size = [Math.floor(container.clientWidth) || 400, Math.floor(container.clientHeight) || 300];
      this.draw();
    });
    this.resizing.observe(container);
    this.relabel();
  }

  /**
   * Draw `scene` ({layers: the catalog, data: layer id -> FeatureCollection, visible: layer
   * id -> shown}), or the last one again (after a resize). Shown layers with features are
   * drawn, in the map's draw order, at the camera the live map would open with at this size.
   */
  draw(scene = this.scene) {
    this.scene = scene;
    if (!this.size) return; // drawn when its size is known (the observer's first call)
    const { layers, data, visible } = scene;
    const [width, height] = this.size;
    const bounds = layers.length ? openingBounds(layers) : null;
    const camera = (bounds && cameraForBounds(bounds, width, height)) || START_CAMERA;
    this.proj = projection(camera, width, height);
    const to = this.proj.project;

    const shown = inDrawOrder(layers).filter((l) => visible[l.id] === true && data[l.id]);
    const parts = [svgEl('rect', { width, height, fill: BACKGROUND })];
    for (const layer of shown) {
      const features = data[layer.id].features;
      for (const part of partsOf(layerStyle(layer))) {
        const g = svgEl('g', { 'data-layer': layer.id, 'data-part': part.part });
        if (part.part === 'fill') {
          g.append(svgEl('path', { d: pathData(features, to, ['ring']), fill: part.colour, 'fill-opacity': part.opacity, 'fill-rule': 'evenodd' }));
        } else if (part.part === 'line') {
          g.append(svgEl('path', {
            d: pathData(features, to, ['ring', 'line']),
            fill: 'none',
            stroke: part.colour,
            'stroke-width': part.width,
            'stroke-linecap': part.round ? 'round' : 'butt',
            'stroke-linejoin': part.round ? 'round' : 'miter',
            'stroke-dasharray': part.dasharray ? part.dasharray.map((d) => d * part.width).join(' ') : null,
          }));
        } else {
          // One circle per dot, drawn in order as MapLibre does (a later dot covers the ring of
          // an earlier one); its ring lies outside the radius: a stroke centred half a ring out.
          const r = part.radius + part.ring / 2;
          for (const f of features) {
            walk(f.geometry, (c, kind) => {
              if (kind !== 'point') return;
              const [x, y] = to(c);
              g.append(svgEl('circle', {
                cx: x.toFixed(1),
                cy: y.toFixed(1),
                r,
                fill: part.colour,
                'fill-opacity': part.opacity,
                stroke: part.ring > 0 ? part.ringColour : null,
                'stroke-width': part.ring > 0 ? part.ring : null,
              }));
            });
          }
        }
        parts.push(g);
      }
    }
    this.svg.setAttribute('width', width);
    this.svg.setAttribute('height', height);
    this.svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
    this.svg.replaceChildren(...parts);
    this.drawnLayers = shown;
    this.svg.setAttribute('aria-label', this.label());
  }

  /**
   * What the live map's click would find at `p` ([x, y] CSS px in the picture), or null: the
   * click targets of the drawn layers (style.js isClickTarget) within HIT_PX, dots before
   * lines before areas (the top layer first among equals); of one layer's dots or lines the
   * nearest, of its areas the one drawn on top.
   */
  hitAt(p) {
    const to = this.proj.project;
    const targets = [];
    (this.drawnLayers || []).forEach((layer, order) => {
      const look = layerStyle(layer);
      for (const part of partsOf(look)) if (isClickTarget(look, part.part)) targets.push({ layer, part, order });
    });
    targets.sort((a, b) => CLICK_RANK[a.part.part] - CLICK_RANK[b.part.part] || b.order - a.order);
    for (const { layer, part } of targets) {
      let best = null;
      let bestDistance = Infinity;
      for (const f of this.scene.data[layer.id].features) {
        const d = distanceTo(p, f.geometry, part, to);
        // `<=`: of areas under the finger (distance 0), the last drawn, the one on top.
        if (d <= bestDistance && d !== Infinity) {
          best = f;
          bestDistance = d;
        }
      }
      if (best) return { layer: layer.id, id: best.id };
    }
    return null;
  }

  /** The picture's name for a screen reader: a map, and the layers it shows. */
  label() {
    const layers = (this.drawnLayers || []).map((l) => {
      const title = localName(l, 'title_zh', 'title_en');
      const n = this.scene.data[l.id]?.features.length ?? 0;
      return layerStyle(l).draw === 'point' ? t('facade_layer_count', { title, n }) : title;
    });
    return t('facade_label', { layers: formatList(layers) });
  }

  /**
   * The note over the picture: `{key, vars, error}` (an i18n key), or null for none. With
   * `error` (the live map cannot start) the button that opens it goes.
   */
  setStatus(status) {
    this.status = status;
    this.note.hidden = !status;
    this.note.textContent = status ? t(status.key, status.vars) : '';
    this.note.classList.toggle('error', Boolean(status?.error));
    this.open.hidden = Boolean(status?.error);
  }

  /** After a language change: the picture's name, the button and the note. */
  relabel() {
    this.svg.setAttribute('aria-label', this.label());
    this.open.textContent = t('map_open');
    this.setStatus(this.status);
  }

  /** Whether the keyboard focus is on the facade (its button). */
  hasFocus() {
    return this.root.contains(document.activeElement);
  }

  remove() {
    this.resizing.disconnect();
    this.root.remove();
  }
}
