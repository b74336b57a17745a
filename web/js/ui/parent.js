// The parent view: locate me (or tap the map), the 5 nearest of a kind (every layer of that
// kind at once) with filters, and a navigation link for the chosen one. State: `parent`.

import { t, localName, formatDistance } from '../i18n.js';
import { featureCollection, pointFeature } from '../geo.js';
import { idsOfKind, NURSING_ROOMS, PARENT_KINDS } from '../kinds.js';
import { latestOnly } from '../latest.js';
import { el, fill, svgIcon } from './dom.js';
import { AMENITY_ICONS, CROSSHAIR, PIN } from './icons.js';

const AMENITY_FILTERS = ['changing_table', 'step_free', 'nursing_chair'];

export function initParent({ state, api, nestMap, onMapClick }, root) {
  state.set({
    parent: {
      kind: NURSING_ROOMS, // a layer kind: every layer of it is searched
      point: null, // [lon, lat]
      pickMode: false,
      open: false,
      has: [], // amenity names
      results: null, // features from /api/nearest
      active: null, // id of the chosen result
      loading: false,
      error: null,
      message: null, // i18n key + vars of the locate status
    },
  });
  const P = () => state.get().parent;
  const setP = (patch) => state.set({ parent: patch });
  const latest = latestOnly();

  async function search() {
    const p = P();
    if (!p.point) return;
    const layers = idsOfKind(state.get().layers, p.kind);
    setP({ loading: true, error: null });
    try {
      const fc = layers.length
        ? await latest(api.nearest({
          layer: layers,
          lon: p.point[0],
          lat: p.point[1],
          k: 5,
          open: p.open ? 'now' : null,
          has: p.kind === NURSING_ROOMS ? p.has : [],
        }))
        : await latest(Promise.resolve(featureCollection()));
      setP({ results: fc.features, loading: false, active: null });
    } catch (e) {
      setP({ results: null, loading: false, error: e.message });
    }
  }

  function setPoint(point) {
    setP({ point, pickMode: false, message: null });
    search();
  }

  function locate() {
    if (!navigator.geolocation) {
      setP({ pickMode: true, message: { key: 'geo_unavailable' } });
      return;
    }
    setP({ message: { key: 'locating' } });
    navigator.geolocation.getCurrentPosition(
      (pos) => {
        const point = [pos.coords.longitude, pos.coords.latitude];
        setPoint(point);
        nestMap.flyTo(point, 13);
      },
      (err) => setP({ pickMode: true, message: { key: 'geo_denied', vars: { reason: err.message || err.code } } }),
      { enableHighAccuracy: true, timeout: 10000, maximumAge: 60000 },
    );
  }

  onMapClick((lngLat) => {
    if (state.get().view !== 'parent' || !P().pickMode) return false;
    setPoint(lngLat);
    return true;
  });

  // --- panel ---
  function chip(label, on, onclick, attrs = {}) {
    return el('button', { type: 'button', class: 'chip' + (on ? ' on' : ''), 'aria-pressed': on ? 'true' : 'false', onclick, ...attrs }, label);
  }

  function resultItem(f, i, active) {
    const p = f.properties;
    const open = p.open_now === true ? 'open' : p.open_now === false ? 'closed' : 'unknown';
    const amenities = Array.isArray(p.amenities) ? p.amenities : [];
    const nav = p.nav?.amap_url || p.nav?.amap;
    return el('li', {
      class: 'result' + (active ? ' active' : ''),
      'data-id': f.id,
      'data-distance': p.distance_m,
      tabindex: 0,
      role: 'button',
      'aria-expanded': active ? 'true' : 'false',
      onclick: () => setP({ active: f.id }),
      onkeydown: (e) => {
        if (e.key === 'Enter' || e.key === ' ') {
          e.preventDefault();
          setP({ active: f.id });
        }
      },
    },
      el('div', { class: 'result-head' },
        el('span', { class: 'rank' }, String(i + 1)),
        el('strong', { class: 'result-name' }, localName(p)),
        el('span', { class: `badge ${open}`, 'data-open': open }, t(open === 'open' ? 'open_now' : open === 'closed' ? 'closed_now' : 'open_unknown'))),
      el('div', { class: 'result-meta' },
        el('span', { class: 'distance' }, formatDistance(p.distance_m)),
        t('sep'),
        el('span', { class: 'walk' }, t('walk_min', { m: Math.round(p.walk_min) })),
        p.opening_hours ? el('span', { class: 'hours' }, t('sep') + p.opening_hours) : null),
      amenities.length
        ? el('div', { class: 'amenities' }, amenities.map((a) =>
          el('span', { class: 'amenity', 'data-amenity': a, title: t('amenity_' + a) },
            AMENITY_ICONS[a] ? svgIcon(AMENITY_ICONS[a], t('amenity_' + a)) : t('amenity_' + a))))
        : null,
      p.indoor_location ? el('div', { class: 'indoor' }, t('indoor_hint', { where: p.indoor_location })) : null,
      active && nav
        ? el('a', { class: 'nav-link button', href: nav, target: '_blank', rel: 'noopener noreferrer', onclick: (e) => e.stopPropagation() },
          svgIcon(PIN), t('navigate'))
        : null,
    );
  }

  function render() {
    const p = P();
    // A chip per kind the catalog has a layer of.
    const present = PARENT_KINDS.filter((k) => idsOfKind(state.get().layers, k).length > 0);
    const kinds = el('div', { class: 'segmented', role: 'group' },
      present.map((k) => chip(t('kind_' + k), p.kind === k, () => {
        setP({ kind: k, results: null, active: null });
        search();
      }, { 'data-kind': k })));
    const filters = el('div', { class: 'chips', role: 'group' },
      chip(t('filter_open_now'), p.open, () => {
        setP({ open: !P().open });
        search();
      }, { 'data-filter': 'open' }),
      p.kind === NURSING_ROOMS
        ? AMENITY_FILTERS.map((a) => chip(t('filter_' + a), p.has.includes(a), () => {
          const has = P().has.includes(a) ? P().has.filter((x) => x !== a) : [...P().has, a];
          setP({ has });
          search();
        }, { 'data-filter': a }))
        : null);
    const actions = el('div', { class: 'actions' },
      el('button', { type: 'button', class: 'button primary', id: 'locate-me', onclick: locate }, svgIcon(CROSSHAIR), t('locate_me')),
      el('button', { type: 'button', class: 'button' + (p.pickMode ? ' on' : ''), id: 'pick-on-map', 'aria-pressed': p.pickMode ? 'true' : 'false', onclick: () => setP({ pickMode: !P().pickMode, message: P().pickMode ? null : { key: 'tap_map_hint' } }) }, t('pick_on_map')));
    const msg = p.message ? el('p', { class: 'hint', id: 'locate-status' }, t(p.message.key, p.message.vars)) : null;
    const where = p.point ? el('p', { class: 'muted' }, t('your_position', { lon: p.point[0].toFixed(5), lat: p.point[1].toFixed(5) })) : null;
    let body;
    if (p.error) body = el('p', { class: 'error' }, t('error_prefix') + p.error);
    else if (!p.point) body = el('p', { class: 'muted' }, t('start_hint'));
    else if (p.results && p.results.length === 0) body = el('p', { class: 'muted', id: 'no-results' }, t('no_results'));
    else if (p.results) body = el('ol', { class: 'results', id: 'results', 'data-kind': p.kind, 'data-loading': p.loading ? '1' : '0' }, p.results.map((f, i) => resultItem(f, i, f.id === p.active)));
    else body = el('p', { class: 'muted' }, t('loading'));
    fill(root, el('h2', {}, t('parent_heading')), actions, msg, where, kinds, filters, body);
    root.dataset.loading = p.loading ? '1' : '0';
  }

  function draw() {
    const { parent: p, view } = state.get();
    const showing = view === 'parent';
    nestMap.setOverlay('parent-me', featureCollection(showing && p.point ? [pointFeature(p.point)] : []));
    const results = showing && p.results ? p.results : [];
    const pos = (f) => f.properties.nav?.wgs84 || (f.geometry.type === 'Point' ? f.geometry.coordinates : null);
    nestMap.setOverlay('parent-results', featureCollection(results.filter(pos).map((f) => pointFeature(pos(f), { id: f.id }))));
    const active = results.find((f) => f.id === p.active);
    nestMap.setOverlay('parent-active', featureCollection(active && pos(active) ? [pointFeature(pos(active), { id: active.id })] : []));
  }

  let lastActive = null;
  state.on('parent', (p) => {
    render();
    draw();
    if (p.active && p.active !== lastActive) {
      const f = p.results?.find((x) => x.id === p.active);
      const at = f && (f.properties.nav?.wgs84 || f.geometry.coordinates);
      // Frame both ends of the walk: where I am and the chosen place.
      if (at && typeof at[0] === 'number') {
        nestMap.fitTo([{ type: 'Point', coordinates: at }, ...(p.point ? [{ type: 'Point', coordinates: p.point }] : [])], 16);
      }
    }
    lastActive = p.active;
  });
  state.on('view', draw);
  state.on('layers', render);
  state.on('lang', render);
  render();
  // Hook (offline.js): ask again, for a list kept from before the network went.
  return { search };
}
