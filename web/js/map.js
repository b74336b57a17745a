// The MapLibre map. The style is built here, with a background colour and no network
// sources; every data layer and every overlay is one GeoJSON source updated with setData.
// The map subscribes to the state and draws it; user clicks go back through callbacks.

import * as maplibregl from '/vendor/maplibre-gl/maplibre-gl.mjs';
import { featureCollection, pointFeature, circleFeature, boundsOf, positionsOf } from './geo.js';
import { t } from './i18n.js';

export { maplibregl };

/** Colours of the data layers (also used by the layers panel for its swatches). */
export const LAYER_COLOURS = {
  district: '#5a3d8a',
  suzhou_districts: '#9aa0a6',
  water: '#7fb2e5',
  townships: '#c9b99a',
  demand: '#8d6e63',
  nursing_rooms: '#d81b60',
  child_friendly_communities: '#fb8c00',
  pocket_parks: '#43a047',
  service_stations: '#7b1fa2',
  school_bus_routes: '#f9a825',
  school_bus_stops: '#ef6c00',
  family_education_points: '#00897b',
};

const c = LAYER_COLOURS;

/**
 * Style layers of each data layer, bottom to top. Each style layer's id is `<layer>:<type>`
 * and its source is `<layer>`. Layers not listed here (a generic layer added later) get a
 * style from their geometry type.
 */
const DATA_STYLES = [
  ['suzhou_districts', [
    { type: 'fill', paint: { 'fill-color': '#e4e2dc', 'fill-opacity': 0.6 } },
    { type: 'line', paint: { 'line-color': c.suzhou_districts, 'line-width': 0.8 } },
  ]],
  ['townships', [
    { type: 'fill', paint: { 'fill-color': '#fbf7ee', 'fill-opacity': 0.9 } },
    { type: 'line', paint: { 'line-color': c.townships, 'line-width': 1, 'line-dasharray': [3, 2] } },
  ]],
  ['water', [{ type: 'fill', paint: { 'fill-color': c.water, 'fill-opacity': 0.85 } }]],
  ['district', [{ type: 'line', paint: { 'line-color': c.district, 'line-width': 2.5 } }]],
  ['child_friendly_communities', [
    { type: 'fill', paint: { 'fill-color': c.child_friendly_communities, 'fill-opacity': 0.35 } },
    { type: 'line', paint: { 'line-color': c.child_friendly_communities, 'line-width': 1.5 } },
  ]],
  ['pocket_parks', [
    { type: 'fill', paint: { 'fill-color': c.pocket_parks, 'fill-opacity': 0.55 } },
    { type: 'line', paint: { 'line-color': '#2e7d32', 'line-width': 1.5 } },
  ]],
  ['@gaps'],
  ['school_bus_routes', [{ type: 'line', layout: { 'line-cap': 'round', 'line-join': 'round' }, paint: { 'line-color': c.school_bus_routes, 'line-width': 3 } }]],
  ['@route-under'],
  ['demand', [{ type: 'circle', paint: { 'circle-radius': 2.5, 'circle-color': c.demand, 'circle-opacity': 0.7 } }]],
  ['school_bus_stops', [{ type: 'circle', paint: { 'circle-radius': 3.5, 'circle-color': '#fff', 'circle-stroke-color': c.school_bus_stops, 'circle-stroke-width': 2 } }]],
  ['family_education_points', [{ type: 'circle', paint: { 'circle-radius': 5, 'circle-color': c.family_education_points, 'circle-stroke-color': '#fff', 'circle-stroke-width': 1.5 } }]],
  ['service_stations', [{ type: 'circle', paint: { 'circle-radius': 5, 'circle-color': c.service_stations, 'circle-stroke-color': '#fff', 'circle-stroke-width': 1.5 } }]],
  ['nursing_rooms', [{ type: 'circle', paint: { 'circle-radius': 6, 'circle-color': c.nursing_rooms, 'circle-stroke-color': '#fff', 'circle-stroke-width': 1.5 } }]],
  ['@route-over'],
  ['@parent'],
];

/** Overlay sources and their style layers, inserted at the `@name` slots above. */
const OVERLAYS = {
  '@gaps': [
    ['gaps', { type: 'fill', paint: { 'fill-color': '#e53935', 'fill-opacity': 0.28 } }],
    ['gaps', { type: 'line', paint: { 'line-color': '#b71c1c', 'line-width': 1 } }],
  ],
  '@route-under': [
    ['route-circles', { type: 'fill', paint: { 'fill-color': '#fff3b0', 'fill-opacity': 0.55 } }],
    ['route-circles', { type: 'line', paint: { 'line-color': '#c49000', 'line-width': 1.2, 'line-dasharray': [2, 2] } }],
    ['draft-line', { type: 'line', layout: { 'line-cap': 'round' }, paint: { 'line-color': '#6a1b9a', 'line-width': 4, 'line-dasharray': [2, 1.5] } }],
    ['route-line', { type: 'line', layout: { 'line-cap': 'round', 'line-join': 'round' }, paint: { 'line-color': '#1565c0', 'line-width': 6 } }],
  ],
  '@route-over': [
    ['route-villages', { type: 'circle', paint: {
      // At least as large as a stop, so a village served at its stop still shows as a ring.
      'circle-radius': ['interpolate', ['linear'], ['get', 'children'], 0, 10, 2500, 16],
      'circle-color': ['case', ['get', 'served'], '#2e7d32', '#d32f2f'],
      'circle-opacity': 0.85, 'circle-stroke-color': '#fff', 'circle-stroke-width': 1 } }],
    ['draft-stops', { type: 'circle', paint: { 'circle-radius': 5, 'circle-color': '#6a1b9a', 'circle-stroke-color': '#fff', 'circle-stroke-width': 2 } }],
    ['route-stops', { type: 'circle', paint: { 'circle-radius': 6, 'circle-color': '#fff', 'circle-stroke-color': '#1565c0', 'circle-stroke-width': 3 } }],
    ['route-findings', { type: 'circle', paint: { 'circle-radius': 9, 'circle-color': 'rgba(0,0,0,0)',
      'circle-stroke-width': 3, 'circle-stroke-color': ['match', ['get', 'severity'], 'error', '#c62828', 'warning', '#f9a825', '#546e7a'] } }],
  ],
  '@parent': [
    ['parent-results', { type: 'circle', paint: { 'circle-radius': 10, 'circle-color': 'rgba(0,0,0,0)', 'circle-stroke-color': '#ad1457', 'circle-stroke-width': 2 } }],
    ['parent-active', { type: 'circle', paint: { 'circle-radius': 16, 'circle-color': 'rgba(255,235,59,0.45)', 'circle-stroke-color': '#f57f17', 'circle-stroke-width': 3 } }],
    ['parent-me', { type: 'circle', paint: { 'circle-radius': 8, 'circle-color': '#1e88e5', 'circle-stroke-color': '#fff', 'circle-stroke-width': 3 } }],
  ],
};

function fallbackStyles(geometryType) {
  if (/Polygon/.test(geometryType)) return [{ type: 'fill', paint: { 'fill-color': '#888', 'fill-opacity': 0.3 } }];
  if (/Line/.test(geometryType)) return [{ type: 'line', paint: { 'line-color': '#555', 'line-width': 2 } }];
  return [{ type: 'circle', paint: { 'circle-radius': 4, 'circle-color': '#555' } }];
}

/** The style: a background colour only; sources are added once the layer list is known. */
function baseStyle() {
  return {
    version: 8,
    name: 'nestmap local',
    sources: {},
    layers: [{ id: 'background', type: 'background', paint: { 'background-color': '#f3f1eb' } }],
  };
}

export class NestMap {
  /**
   * @param container element or id
   * @param state the state object (see state.js)
   * @param opts.onClick ({lngLat: [lon, lat], hit: {layer, id} | null}) => void
   * @param opts.renderPopup (selection) => HTMLElement
   */
  constructor(container, state, { onClick, renderPopup, insets = () => ({}) }) {
    this.state = state;
    this.insets = insets; // () => {bottom: px} covered by a bottom sheet
    this.onClick = onClick;
    this.renderPopup = renderPopup;
    this.styleLayers = {}; // data layer id -> [style layer ids]
    this.clickable = [];
    this.suggestionMarkers = [];
    this.schoolMarker = null;
    this.popup = null;
    this.map = new maplibregl.Map({
      container,
      style: baseStyle(),
      center: [120.6, 31.45],
      zoom: 10,
      attributionControl: false,
      fadeDuration: 0,
      // Keep the last frame so a screenshot or print of the page shows the map.
      canvasContextAttributes: { preserveDrawingBuffer: true },
    });
    this.map.addControl(new maplibregl.NavigationControl({ showCompass: false }), 'top-right');
    this.attribution = new maplibregl.AttributionControl({ compact: true, customAttribution: t('attribution') });
    this.map.addControl(this.attribution, 'bottom-right');
    this.map.addControl(new maplibregl.ScaleControl({ unit: 'metric' }), 'bottom-left');
    this.loaded = new Promise((resolve) => this.map.once('load', resolve));
    this.map.on('click', (e) => this.handleClick(e));
    this.map.on('mousemove', (e) => {
      if (!this.clickable.length) return;
      const hit = this.map.queryRenderedFeatures(this.hitBox(e.point), { layers: this.clickable }).length > 0;
      this.map.getCanvas().style.cursor = hit ? 'pointer' : '';
    });
  }

  hitBox(p, r = 5) {
    return [[p.x - r, p.y - r], [p.x + r, p.y + r]];
  }

  /** Add one source and its style layers per data layer (from /api/layers), in DATA_STYLES order. */
  async addLayers(layers) {
    await this.loaded;
    const known = new Map(DATA_STYLES.map(([id, styles]) => [id, styles]));
    const byId = new Map(layers.map((l) => [l.id, l]));
    const order = [...DATA_STYLES.map(([id]) => id)];
    // Unknown (generic) layers go just under the parent overlay.
    for (const l of layers) if (!known.has(l.id)) order.splice(order.indexOf('@route-over'), 0, l.id);
    for (const id of order) {
      if (id.startsWith('@')) {
        for (const [src, spec] of OVERLAYS[id]) {
          if (!this.map.getSource(src)) this.map.addSource(src, { type: 'geojson', data: featureCollection() });
          this.map.addLayer({ id: `${src}:${spec.type}`, source: src, ...spec });
        }
        continue;
      }
      const meta = byId.get(id);
      if (!meta) continue;
      const styles = known.get(id) || fallbackStyles(meta.geometry_type);
      this.map.addSource(id, { type: 'geojson', data: featureCollection() });
      this.styleLayers[id] = [];
      for (const spec of styles) {
        const sid = `${id}:${spec.type}`;
        this.map.addLayer({ id: sid, source: id, ...spec });
        this.styleLayers[id].push(sid);
      }
    }
    // Click targets: everything but the whole-district outlines, topmost first.
    const rank = (id) => (/(circle)$/.test(id) ? 0 : /line$/.test(id) ? 1 : 2);
    this.clickable = Object.entries(this.styleLayers)
      .filter(([id]) => id !== 'suzhou_districts')
      .flatMap(([, ids]) => ids)
      .filter((sid) => !sid.endsWith(':line') || sid.startsWith('school_bus_routes'))
      .sort((a, b) => rank(a) - rank(b));
    const bbox = byId.get('district')?.bbox;
    if (bbox) this.map.fitBounds([[bbox[0], bbox[1]], [bbox[2], bbox[3]]], { padding: 20, duration: 0 });
  }

  /** Features get their id copied into `properties._id` (MapLibre drops string ids). */
  setLayerData(id, fc) {
    const src = this.map.getSource(id);
    if (!src) return;
    src.setData({
      type: 'FeatureCollection',
      features: fc.features.map((f) => ({ ...f, properties: { ...f.properties, _id: f.id, _layer: id } })),
    });
  }

  setOverlay(src, fc) {
    this.map.getSource(src)?.setData(fc || featureCollection());
  }

  setVisible(visible) {
    for (const [id, sids] of Object.entries(this.styleLayers)) {
      const v = visible[id] === false ? 'none' : 'visible';
      for (const sid of sids) if (this.map.getLayer(sid)) this.map.setLayoutProperty(sid, 'visibility', v);
    }
  }

  handleClick(e) {
    const feats = this.clickable.length
      ? this.map.queryRenderedFeatures(this.hitBox(e.point), { layers: this.clickable })
      : [];
    const order = new Map(this.clickable.map((id, i) => [id, i]));
    feats.sort((a, b) => order.get(a.layer.id) - order.get(b.layer.id));
    const f = feats[0];
    this.onClick({
      lngLat: [e.lngLat.lng, e.lngLat.lat],
      hit: f ? { layer: f.properties._layer, id: f.properties._id } : null,
    });
  }

  /** Show the popup of `sel` ({layer, id, lngLat}) or close it when null. */
  showPopup(sel) {
    if (sel && this.popup && this.popupSel === sel) {
      // Same feature (a language change): refresh the content in place.
      this.popup.setDOMContent(this.renderPopup(sel));
      return;
    }
    this.popupSel = sel;
    if (this.popup) {
      const old = this.popup;
      this.popup = null;
      old.remove();
    }
    if (!sel) return;
    this.popup = new maplibregl.Popup({ maxWidth: '320px', closeButton: true, focusAfterOpen: false })
      .setLngLat(sel.lngLat)
      .setDOMContent(this.renderPopup(sel))
      .addTo(this.map);
    const mine = this.popup;
    mine.on('close', () => {
      if (this.popup === mine) this.state.set({ popup: null });
    });
  }

  setSuggestionMarkers(suggestions, added, onPick) {
    for (const m of this.suggestionMarkers) m.remove();
    this.suggestionMarkers = (suggestions || []).map((s) => {
      const el = document.createElement('button');
      el.type = 'button';
      el.className = 'suggestion-marker' + (added.includes(s.rank) ? ' added' : '');
      el.dataset.rank = s.rank;
      el.textContent = String(s.rank);
      el.title = t('suggestion_gain', { pop: s.gain_population, children: s.gain_children });
      el.addEventListener('click', (ev) => {
        ev.stopPropagation();
        onPick?.(s);
      });
      return new maplibregl.Marker({ element: el }).setLngLat([s.lon, s.lat]).addTo(this.map);
    });
  }

  setSchoolMarker(position, label) {
    this.schoolMarker?.remove();
    this.schoolMarker = null;
    if (!position) return;
    const el = document.createElement('div');
    el.className = 'school-marker';
    // A school building, inline SVG (no emoji font needed).
    el.innerHTML = '<svg viewBox="0 0 24 24" width="26" height="26" aria-hidden="true"><path fill="#1565c0" stroke="#fff" stroke-width="1.2" d="M12 2 2 8h2v12h6v-5h4v5h6V8h2z"/><path fill="#fff" d="M11 9h2v3h-2z"/></svg>';
    el.title = label || '';
    this.schoolMarker = new maplibregl.Marker({ element: el }).setLngLat(position).addTo(this.map);
  }

  flyTo(center, zoom = 14) {
    const inset = this.insets();
    // An offset, not `padding` (MapLibre keeps a camera's padding for every later move).
    this.map.flyTo({ center, zoom: Math.max(this.map.getZoom(), zoom), duration: 800, offset: [0, -(inset.bottom || 0) / 2] });
  }

  fitTo(geometries, maxZoom = 14) {
    const b = boundsOf(geometries.flatMap(positionsOf));
    const inset = this.insets();
    const padding = { top: 40, left: 40, right: 40, bottom: 40 + (inset.bottom || 0) };
    if (b) this.map.fitBounds(b, { padding, maxZoom, duration: 600 });
  }

  setAttribution(text) {
    this.map.removeControl(this.attribution);
    this.attribution = new maplibregl.AttributionControl({ compact: true, customAttribution: text });
    this.map.addControl(this.attribution, 'bottom-right');
  }

  /** Resolves at the next `idle` event (after anything pending has rendered). */
  idle() {
    return new Promise((resolve) => {
      this.map.once('idle', resolve);
      this.map.triggerRepaint();
    });
  }
}

export { featureCollection, pointFeature, circleFeature };
