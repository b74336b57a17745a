// The MapLibre map. The style is built here, with a background colour and the server's
// glyphs; every data layer and every overlay is one GeoJSON source updated with setData,
// except the streets: a layer of kind `roads` is the server's vector tiles, drawn by roads.js.
// A data layer is drawn by its kind (style.js) with the catalog's style override laid over
// it, never by its id: the data decides the look, the renderer reads it.
// The map subscribes to the state and draws it; user clicks go back through callbacks.

import * as maplibregl from '/vendor/maplibre-gl@6.17.0/maplibre-gl.mjs';
import { featureCollection, pointFeature, circleFeature, boundsOf, positionsOf } from './geo.js';
import { t, mapLocale, getLang } from './i18n.js';
import { TILED_KIND } from './kinds.js';
import { roadsSource, roadStyleLayers, glyphsUrl, labelText, LOCAL_CJK_FONTS } from './roads.js';
import { BACKGROUND, CLICK_RANK, DRAW_ORDER, OPENING_PADDING_PX, isClickTarget, layerStyle, openingBounds, partsOf, slotOf } from './style.js';

export { maplibregl };

/** Map widths (CSS px) at or below which the attribution starts folded (MapLibre's own compact width). */
const SMALL_SCREEN_PX = 640;

/** MapLibre style layers (without id and source) drawing a resolved look, bottom to top. */
function styleLayersOf(look) {
  return partsOf(look).map((p) => {
    if (p.part === 'fill') return { type: 'fill', paint: { 'fill-color': p.colour, 'fill-opacity': p.opacity } };
    if (p.part === 'line') {
      return {
        type: 'line',
        ...(p.round ? { layout: { 'line-cap': 'round', 'line-join': 'round' } } : {}),
        paint: { 'line-color': p.colour, 'line-width': p.width, ...(p.dasharray ? { 'line-dasharray': p.dasharray } : {}) },
      };
    }
    return {
      type: 'circle',
      paint: {
        'circle-radius': p.radius,
        'circle-color': p.colour,
        'circle-opacity': p.opacity,
        ...(p.ring > 0 ? { 'circle-stroke-color': p.ringColour, 'circle-stroke-width': p.ring } : {}),
      },
    };
  });
}

/** Overlay sources and their style layers, inserted at the `@name` slots above. */
const OVERLAYS = {
  '@gaps': [
    // Walking isochrones (planner): the shorter band drawn last, on top, darker.
    ['isochrones', { type: 'fill', paint: { 'fill-color': ['interpolate', ['linear'], ['get', 'minutes'], 5, '#1b5e20', 15, '#81c784', 30, '#c8e6c9'], 'fill-opacity': 0.35 } }],
    ['isochrones', { type: 'line', paint: { 'line-color': '#1b5e20', 'line-width': 1 } }],
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
  // Under the dots: the walk to the chosen result and its halo, so the result's own dot (its
  // layer's colour) stays on top and readable.
  '@parent-under': [
    ['parent-walk', { type: 'line', layout: { 'line-cap': 'round' }, paint: { 'line-color': '#ad1457', 'line-width': 3, 'line-dasharray': [1.5, 1.5] } }],
    ['parent-active', { type: 'circle', paint: { 'circle-radius': 17, 'circle-color': 'rgba(255,235,59,0.6)', 'circle-stroke-color': '#f57f17', 'circle-stroke-width': 3 } }],
  ],
  '@parent': [
    ['parent-results', { type: 'circle', paint: { 'circle-radius': 10, 'circle-color': 'rgba(0,0,0,0)', 'circle-stroke-color': '#ad1457', 'circle-stroke-width': 2 } }],
    ['parent-me', { type: 'circle', paint: { 'circle-radius': 8, 'circle-color': '#1e88e5', 'circle-stroke-color': '#fff', 'circle-stroke-width': 3 } }],
  ],
};

/**
 * The style: a background colour and the server's glyphs (for street names); sources are
 * added once the layer list is known.
 */
function baseStyle() {
  return {
    version: 8,
    name: 'nestmap local',
    glyphs: glyphsUrl(),
    sources: {},
    layers: [{ id: 'background', type: 'background', paint: { 'background-color': BACKGROUND } }],
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
    this.overlayLayers = {}; // overlay source -> [style layer ids]
    this.overlayEmpty = {}; // overlay source -> whether it holds nothing (then hidden)
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
      locale: mapLocale(),
      // Chinese street names from the browser's own CJK font: the server builds Latin
      // glyphs only (scripts/glyphs.sh), and no font is ever fetched from elsewhere.
      localIdeographFontFamily: LOCAL_CJK_FONTS,
      // No kept drawing buffer (each frame would be copied once more) and at most two device
      // pixels per CSS pixel: a phone's 2.6-3x screen draws (and, in software, reads back)
      // up to 2.25 times fewer pixels per frame for lines and dots that look the same.
      pixelRatio: Math.min(2, window.devicePixelRatio || 1),
    });
    this.addControls();
    this.loaded = new Promise((resolve) => this.map.once('load', resolve));
    this.map.on('click', (e) => this.handleClick(e));
    // A street tile that cannot load (offline, and not kept by the service worker) leaves
    // its square without streets: expected, not an error. Anything else is logged as
    // MapLibre would without a listener.
    this.map.on('error', (e) => {
      if (e.sourceId && e.tile) return;
      console.error(e.error || e);
    });
    this.map.on('mousemove', (e) => {
      if (!this.clickable.length) return;
      const hit = this.map.queryRenderedFeatures(this.hitBox(e.point), { layers: this.clickable }).length > 0;
      this.map.getCanvas().style.cursor = hit ? 'pointer' : '';
    });
  }

  hitBox(p, r = 5) {
    return [[p.x - r, p.y - r], [p.x + r, p.y + r]];
  }

  /**
   * Add one source and its style layers per data layer (from /api/layers), in DRAW_ORDER:
   * each layer is drawn by its kind, never by its id, so a layer added to the catalog with a
   * known kind looks like the others of that kind.
   */
  async addLayers(layers) {
    await this.loaded;
    const inSlot = (slot) => layers.filter((l) => slotOf(l) === slot);
    const clickable = [];
    for (const slot of DRAW_ORDER) {
      if (slot.startsWith('@')) {
        for (const [src, spec] of OVERLAYS[slot]) {
          if (!this.map.getSource(src)) this.map.addSource(src, { type: 'geojson', data: featureCollection() });
          // Hidden while empty: a shown source, even empty, is loaded and drawn for nothing.
          this.map.addLayer({ id: `${src}:${spec.type}`, source: src, ...spec, layout: { ...spec.layout, visibility: 'none' } });
          (this.overlayLayers[src] ||= []).push(`${src}:${spec.type}`);
        }
        continue;
      }
      for (const l of inSlot(slot)) {
        if (l.kind === TILED_KIND) {
          // Streets: the vector tiles, styled by class; never a click target.
          this.map.addSource(l.id, roadsSource());
          this.styleLayers[l.id] = [];
          for (const spec of roadStyleLayers(l.id, getLang())) {
            this.map.addLayer({ ...spec, layout: { ...spec.layout, visibility: 'none' } });
            this.styleLayers[l.id].push(spec.id);
          }
          this.roadLabels = [...(this.roadLabels || []), `${l.id}:label`];
          continue;
        }
        const look = layerStyle(l);
        this.map.addSource(l.id, { type: 'geojson', data: featureCollection() });
        this.styleLayers[l.id] = [];
        for (const spec of styleLayersOf(look)) {
          const sid = `${l.id}:${spec.type}`;
          // Hidden until setVisible shows it (a layer is fetched only once shown).
          this.map.addLayer({ id: sid, source: l.id, ...spec, layout: { ...spec.layout, visibility: 'none' } });
          this.styleLayers[l.id].push(sid);
          if (isClickTarget(look, spec.type)) clickable.push(sid);
        }
      }
    }
    // Dots first, then lines, then areas (each in draw order, as before).
    const rank = (sid) => CLICK_RANK[sid.slice(sid.lastIndexOf(':') + 1)];
    this.clickable = clickable.sort((a, b) => rank(a) - rank(b));
    // Open on the district (style.js; facade.js drew its picture at this same camera).
    const b = openingBounds(layers);
    if (b) this.map.fitBounds([[b[0], b[1]], [b[2], b[3]]], { padding: OPENING_PADDING_PX, duration: 0 });
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
    const source = this.map.getSource(src);
    if (!source) return;
    const empty = !fc || !fc.features?.length;
    if (empty && this.overlayEmpty[src] !== false) return; // hidden and empty already
    source.setData(fc || featureCollection());
    this.overlayEmpty[src] = empty;
    for (const sid of this.overlayLayers[src] || []) this.map.setLayoutProperty(sid, 'visibility', empty ? 'none' : 'visible');
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

  /**
   * Show every position of `positions` ([lon, lat] each) inside the part of the map that the
   * sheet leaves visible, with a margin, at most at `maxZoom`; one position is centred there.
   */
  frame(positions, maxZoom = 16) {
    const b = boundsOf(positions);
    if (!b) return;
    const inset = this.insets();
    const bottom = inset.bottom || 0;
    const h = this.map.getContainer().clientHeight;
    const w = this.map.getContainer().clientWidth;
    // Margins that keep a marker's ring clear of the edges and of the zoom buttons.
    const m = Math.max(24, Math.min(56, Math.round(Math.min(w, h - bottom) * 0.12)));
    const padding = { top: m, left: m, right: m + 12, bottom: bottom + m };
    if (b[0][0] === b[1][0] && b[0][1] === b[1][1]) {
      this.map.easeTo({ center: b[0], zoom: maxZoom, duration: 600, offset: [0, -bottom / 2] });
      return;
    }
    this.map.fitBounds(b, { padding, maxZoom, duration: 600 });
  }

  flyTo(center, zoom = 14) {
    const inset = this.insets();
    // An offset, not `padding` (MapLibre keeps a camera's padding for every later move).
    this.map.flyTo({ center, zoom: Math.max(this.map.getZoom(), zoom), duration: 800, offset: [0, -(inset.bottom || 0) / 2] });
  }

  /** `frame` for GeoJSON geometries (a route's line and stops). */
  fitTo(geometries, maxZoom = 14) {
    this.frame(geometries.flatMap(positionsOf), maxZoom);
  }

  /** The zoom buttons, the attribution and the scale bar, in the current language. */
  addControls() {
    for (const c of this.controls || []) this.map.removeControl(c);
    this.controls = [
      [new maplibregl.NavigationControl({ showCompass: false }), 'top-right'],
      [new maplibregl.AttributionControl({ compact: true, customAttribution: t('attribution') }), 'bottom-right'],
      [new maplibregl.ScaleControl({ unit: 'metric' }), 'bottom-left'],
    ].map(([c, at]) => {
      this.map.addControl(c, at);
      return c;
    });
    // On a small screen the attribution starts folded to its ⓘ (MapLibre shows it open until
    // the first drag, over a fifth of a phone's map); the ⓘ opens it. MapLibre folds it the
    // same way on a drag, and unfolds it again after its next data update only if it was
    // never compact, so folding it once it is compact holds.
    const fold = () => {
      const el = this.map.getContainer().querySelector('.maplibregl-ctrl-attrib.maplibregl-compact');
      if (el && this.map.getCanvasContainer().offsetWidth <= SMALL_SCREEN_PX) el.classList.remove('maplibregl-compact-show');
      return Boolean(el);
    };
    if (!fold()) this.map.once('idle', fold);
  }

  /**
   * After a language change: MapLibre's UI strings (scale units, button titles) and the
   * controls that show them. MapLibre reads its `locale` option into `map._locale` (typed in
   * maplibre-gl.d.ts) and has no setter for it, so the table is updated in place.
   */
  setLanguage() {
    Object.assign(this.map._locale, mapLocale());
    for (const id of this.roadLabels || []) this.map.setLayoutProperty(id, 'text-field', labelText(getLang()));
    this.map.getCanvas().setAttribute('aria-label', t('map_label'));
    this.addControls();
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
