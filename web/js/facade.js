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

/** Rings ([[x, y], ...] in px) of a GeoJSON geometry's polygons, lines or points, by part. */
function shapesOf(geometry, project) {
  const out = { polygons: [], lines: [], points: [] };
  const walk = (g) => {
    if (!g) return;
    const c = g.coordinates;
    if (g.type === 'Point') out.points.push(project(c));
    else if (g.type === 'MultiPoint') c.forEach((p) => out.points.push(project(p)));
    else if (g.type === 'LineString') out.lines.push(c.map(project));
    else if (g.type === 'MultiLineString') c.forEach((l) => out.lines.push(l.map(project)));
    else if (g.type === 'Polygon') out.polygons.push(c.map((r) => r.map(project)));
    else if (g.type === 'MultiPolygon') c.forEach((poly) => out.polygons.push(poly.map((r) => r.map(project))));
    else if (g.type === 'GeometryCollection') g.geometries.forEach(walk);
  };
  walk(geometry);
  return out;
}

/** SVG path data of lines (closed when `close`), to a tenth of a px, repeated points dropped. */
function pathData(lines, close) {
  let d = '';
  for (const line of lines) {
    let last = null;
    line.forEach(([x, y], i) => {
      const p = `${x.toFixed(1)} ${y.toFixed(1)}`;
      if (p === last) return;
      d += (i === 0 ? 'M' : 'L') + p;
      last = p;
    });
    if (close) d += 'Z';
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
    this.targets = []; // [{rank, order, layer, id, test([x, y]) -> bool}], from the last drawing
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
    const project = this.proj.project;

    const shown = inDrawOrder(layers).filter((l) => visible[l.id] === true && data[l.id]);
    const groups = [svgEl('rect', { width, height, fill: BACKGROUND })];
    const targets = [];
    shown.forEach((layer, order) => {
      const look = layerStyle(layer);
      const shapes = data[layer.id].features.map((f) => ({ id: f.id, ...shapesOf(f.geometry, project) }));
      for (const part of partsOf(look)) {
        const g = svgEl('g', { 'data-layer': layer.id, 'data-part': part.part });
        const clickable = isClickTarget(look, part.part);
        for (const s of shapes) {
          const target = (test) => clickable && targets.push({ rank: CLICK_RANK[part.part], order, layer: layer.id, id: s.id, test });
          if (part.part === 'fill' && s.polygons.length) {
            g.append(svgEl('path', { d: pathData(s.polygons.flat(), true), fill: part.colour, 'fill-opacity': part.opacity, 'fill-rule': 'evenodd' }));
            target((p) => s.polygons.some((rings) => insidePolygon(p, rings)));
          } else if (part.part === 'line' && (s.polygons.length || s.lines.length)) {
            g.append(svgEl('path', {
              d: pathData(s.polygons.flat(), true) + pathData(s.lines, false),
              fill: 'none',
              stroke: part.colour,
              'stroke-width': part.width,
              'stroke-linecap': part.round ? 'round' : 'butt',
              'stroke-linejoin': part.round ? 'round' : 'miter',
              'stroke-dasharray': part.dasharray ? part.dasharray.map((d) => d * part.width).join(' ') : null,
            }));
            const reach = part.width / 2 + HIT_PX;
            target((p) => s.lines.some((l) => l.some((a, i) => i > 0 && toSegment(p, l[i - 1], a) <= reach)));
          } else if (part.part === 'circle') {
            // MapLibre's ring lies outside the radius: a stroke centred half a ring further out.
            const r = part.radius + part.ring / 2;
            for (const [x, y] of s.points) {
              g.append(svgEl('circle', {
                cx: x.toFixed(1),
                cy: y.toFixed(1),
                r,
                fill: part.colour,
                'fill-opacity': part.opacity,
                stroke: part.ring > 0 ? part.ringColour : null,
                'stroke-width': part.ring > 0 ? part.ring : null,
              }));
            }
            const reach = part.radius + part.ring + HIT_PX;
            target((p) => s.points.some(([x, y]) => Math.hypot(p[0] - x, p[1] - y) <= reach));
          }
        }
        groups.push(g);
      }
    });
    this.svg.setAttribute('width', width);
    this.svg.setAttribute('height', height);
    this.svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
    this.svg.replaceChildren(...groups);
    // Dots before lines before areas; among equals, the one drawn on top.
    this.targets = targets.sort((a, b) => a.rank - b.rank || b.order - a.order);
    this.drawnLayers = shown;
    this.svg.setAttribute('aria-label', this.label());
  }

  /** What the live map's click would find at [x, y] (CSS px in the picture), or null. */
  hitAt(p) {
    const hit = this.targets.find((tg) => tg.test(p));
    return hit ? { layer: hit.layer, id: hit.id } : null;
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
