// The parent view: locate me (or tap the map), the 5 nearest of a kind (every layer of that
// kind at once) with filters, and, for the chosen one, its walking line on the map and links
// that open the parent's own map app (AMap, Baidu or Tencent; the last one used comes first).
// After each answer the map frames the position and the results in the part the sheet leaves
// visible. Locating, picking and searching from a position are uses of the map: each starts
// the live map (livemap.js; on a phone it is not loaded before), and the list does not wait
// for it. State: `parent`.

import { t, localName, formatDistance } from '../i18n.js';
import { featureCollection, pointFeature } from '../geo.js';
import { idsOfKind, NURSING_ROOMS, PARENT_KINDS } from '../kinds.js';
import { latestOnly } from '../latest.js';
import { el, fill, keepFocus, svgIcon } from './dom.js';
import { AMENITY_ICONS, CROSSHAIR, PIN } from './icons.js';
import { bindUrl, shareUrl } from '../url.js';

const AMENITY_FILTERS = ['changing_table', 'step_free', 'nursing_chair'];

/** The map apps a walking link opens, by their key in a hit's `nav` (server-built links). */
const NAV_APPS = ['amap', 'baidu', 'tencent'];
const NAV_KEY = 'nestmap.nav';

/** The map app chosen last on this device (storage may be refused: then AMap). */
function navApp() {
  try {
    const a = localStorage.getItem(NAV_KEY);
    return NAV_APPS.includes(a) ? a : 'amap';
  } catch {
    return 'amap';
  }
}

function rememberNavApp(app) {
  try {
    localStorage.setItem(NAV_KEY, app);
  } catch {
    // not remembered; AMap comes first next time
  }
}

/** Where a result is on the map: the server's WGS84 target, or the point itself. */
export const resultPosition = (f) => f.properties.nav?.wgs84 || (f.geometry?.type === 'Point' ? f.geometry.coordinates : null);

export function initParent({ state, api, nestMap, onMapClick, sheet }, root) {
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
    // Before the layer list comes there is nothing to search yet (a link's position waits).
    if (!p.point || !state.get().layers.length) return;
    nestMap.start(); // the answer is framed on the live map: it loads while the server answers
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
          path: true,
        }))
        : await latest(Promise.resolve(featureCollection()));
      // `walk`: distances along the walking network; `straight`: no network (or too far from it).
      setP({ results: fc.features, mode: fc.query?.mode || 'straight', loading: false, active: null });
      frameAll();
    } catch (e) {
      setP({ results: null, loading: false, error: e.message });
    }
  }

  function setPoint(point) {
    setP({ point, pickMode: false, message: null });
    // The list comes up to half the screen; the map frames the answer when it lands.
    sheet?.set('half');
    nestMap.flyTo(point, 14);
    search();
  }

  /** Frame the position and every result above the sheet (or just the position). */
  function frameAll() {
    const p = P();
    if (!p.point || state.get().view !== 'parent') return;
    const at = (p.results || []).map(resultPosition).filter(Boolean);
    if (at.length) nestMap.frame([p.point, ...at], 16);
  }

  /** Frame both ends of the walk: the position and the chosen result. */
  function frameActive() {
    const p = P();
    const f = p.results?.find((x) => x.id === p.active);
    const at = f && resultPosition(f);
    if (at) nestMap.frame(p.point ? [p.point, at] : [at], 17);
  }

  function locate() {
    nestMap.start(); // her position is shown on the live map: it loads while she is located
    if (!navigator.geolocation) {
      setP({ pickMode: true, message: { key: 'geo_unavailable' } });
      return;
    }
    setP({ message: { key: 'locating' } });
    navigator.geolocation.getCurrentPosition(
      (pos) => {
        setPoint([pos.coords.longitude, pos.coords.latitude]);
      },
      (err) => setP({ pickMode: true, message: { key: 'geo_denied', vars: { reason: err.message || err.code } } }),
      { enableHighAccuracy: true, timeout: 10000, maximumAge: 60000 },
    );
  }

  /** Picking on the map, on or off; on, the live map starts (her next tap is on it). */
  function pick() {
    const on = !P().pickMode;
    if (on) nestMap.start();
    setP({ pickMode: on, message: on ? { key: 'tap_map_hint' } : null });
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
    const indoor = localName(p, 'indoor_location', 'indoor_location_en');
    const choose = () => setP({ active: f.id });
    // The item is a list entry; the button in it chooses the result (a tap anywhere on the
    // item does too), and the map apps' links sit beside the button, not inside it.
    return el('li', {
      class: 'result' + (active ? ' active' : ''),
      'data-id': f.id,
      'data-distance': p.distance_m,
      onclick: choose,
    },
      el('button', { type: 'button', class: 'result-main', 'aria-expanded': active ? 'true' : 'false', onclick: (e) => { e.stopPropagation(); choose(); } },
        el('span', { class: 'result-head' },
          el('span', { class: 'rank' }, String(i + 1)),
          el('strong', { class: 'result-name' }, localName(p)),
          el('span', { class: `badge ${open}`, 'data-open': open }, t(open === 'open' ? 'open_now' : open === 'closed' ? 'closed_now' : 'open_unknown'))),
        el('span', { class: 'result-meta' },
          el('span', { class: 'distance' }, formatDistance(p.distance_m)),
          t('sep'),
          el('span', { class: 'walk' }, t('walk_min', { m: Math.round(p.walk_min) })),
          // Along the network, the straight line in small type beside it.
          p.straight_m != null ? el('small', { class: 'straight' }, t('sep') + t('straight_m', { d: formatDistance(p.straight_m) })) : null,
          // The server's line in the page's language ("营业中 · 21:30 关门"); raw hours if none.
          p.hours_line || p.opening_hours
            ? el('span', { class: 'hours', title: p.opening_hours || null }, t('sep') + (p.hours_line || p.opening_hours))
            : null)),
      amenities.length
        ? el('div', { class: 'amenities' }, amenities.map((a) =>
          el('span', { class: 'amenity', 'data-amenity': a, title: t('amenity_' + a) },
            AMENITY_ICONS[a] ? svgIcon(AMENITY_ICONS[a], t('amenity_' + a)) : t('amenity_' + a))))
        : null,
      indoor ? el('div', { class: 'indoor' }, t('indoor_hint', { where: indoor })) : null,
      active ? navLinks(p.nav) : null,
      active && p.nav && P().mode !== 'walk' ? el('p', { class: 'note walk-note' }, t('walk_straight')) : null,
    );
  }

  /** The walking links of a hit, the app used last first and filled. */
  function navLinks(nav) {
    if (!nav) return null;
    const first = navApp();
    const apps = [first, ...NAV_APPS.filter((a) => a !== first)].filter((a) => nav[a]);
    if (!apps.length) return null;
    return el('div', { class: 'nav-links', role: 'group', 'aria-label': t('navigate') },
      apps.map((a, i) => el('a', {
        class: 'nav-link button' + (i === 0 ? ' primary' : ''),
        'data-app': a,
        href: nav[a],
        target: '_blank',
        rel: 'noopener noreferrer',
        onclick: (e) => {
          e.stopPropagation();
          rememberNavApp(a);
          render(); // the chosen app comes first from now on
        },
      }, i === 0 ? svgIcon(PIN) : null, t(i === 0 ? 'navigate_with' : 'nav_app_' + a, { app: t('nav_app_' + a) }))));
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
      el('button', { type: 'button', class: 'button' + (p.pickMode ? ' on' : ''), id: 'pick-on-map', 'aria-pressed': p.pickMode ? 'true' : 'false', onclick: pick }, t('pick_on_map')));
    const msg = p.message ? el('p', { class: 'hint', id: 'locate-status' }, t(p.message.key, p.message.vars)) : null;
    const where = p.point ? el('p', { class: 'muted' }, t('your_position', { lon: p.point[0].toFixed(5), lat: p.point[1].toFixed(5) })) : null;
    let body;
    if (p.error) body = el('p', { class: 'error' }, t('error_prefix') + p.error);
    else if (!p.point) body = el('p', { class: 'muted' }, t('start_hint'));
    else if (p.results && p.results.length === 0) body = el('p', { class: 'muted', id: 'no-results' }, t('no_results'));
    else if (p.results) body = el('ol', { class: 'results', id: 'results', 'data-kind': p.kind, 'data-loading': p.loading ? '1' : '0' }, p.results.map((f, i) => resultItem(f, i, f.id === p.active)));
    else body = el('p', { class: 'muted' }, t('loading'));
    const sharing = el('div', { class: 'share' },
      el('button', { type: 'button', class: 'button small', id: 'share-view', onclick: () => share(false) }, t('share_view')),
      p.point ? el('button', { type: 'button', class: 'button small', id: 'share-position', onclick: () => share(true) }, t('share_position')) : null,
      p.shared ? el('label', { class: 'field share-link' },
        t(p.shared.withPosition ? 'share_link_with_position' : 'share_link'),
        el('input', { type: 'url', readonly: true, id: 'share-link', value: p.shared.link, onfocus: (e) => e.target.select() })) : null,
      p.shared?.copied ? el('p', { class: 'note', role: 'status' }, t('link_copied')) : null);
    keepFocus(root, () => fill(root, el('h2', {}, t('parent_heading')), actions, msg, where, kinds, filters, body, sharing));
    root.dataset.loading = p.loading ? '1' : '0';
  }

  function draw() {
    const { parent: p, view } = state.get();
    const showing = view === 'parent';
    nestMap.setOverlay('parent-me', featureCollection(showing && p.point ? [pointFeature(p.point)] : []));
    const results = showing && p.results ? p.results : [];
    nestMap.setOverlay('parent-results', featureCollection(results.filter(resultPosition).map((f) => pointFeature(resultPosition(f), { id: f.id }))));
    const active = results.find((f) => f.id === p.active);
    const at = active && resultPosition(active);
    nestMap.setOverlay('parent-active', featureCollection(at ? [pointFeature(at, { id: active.id })] : []));
    // The walk: the server's path (along the network where one is loaded), else a straight line.
    const walk = active?.properties.path || { type: 'LineString', coordinates: [p.point, at] };
    nestMap.setOverlay('parent-walk', featureCollection(at && p.point
      ? [{ type: 'Feature', properties: { id: active.id }, geometry: walk }]
      : []));
  }

  let lastActive = null;
  state.on('parent', (p) => {
    render();
    draw();
    if (p.active && p.active !== lastActive) {
      frameActive();
      root.querySelector('.result.active')?.scrollIntoView({ block: 'nearest' });
    }
    lastActive = p.active;
  });
  state.on('view', draw);
  state.on('layers', () => {
    render();
    if (P().point && !P().results) search(); // a link's position, before the layers came
  });
  state.on('lang', () => {
    render();
    if (P().results) search(); // the hours lines come in the page's language
  });
  render();

  // The kind and the filters are in the address (`kind=`, `open=1`, `has=`); the position
  // only in a link she asks for (`at=lon,lat`, read here, never written by the page).
  bindUrl({
    write: (q) => {
      const p = P();
      if (p.kind !== NURSING_ROOMS) q.set('kind', p.kind);
      if (p.open) q.set('open', '1');
      if (p.kind === NURSING_ROOMS && p.has.length) q.set('has', [...p.has].sort().join(','));
    },
    read: (q) => {
      const kind = PARENT_KINDS.includes(q.get('kind')) ? q.get('kind') : NURSING_ROOMS;
      const open = q.get('open') === '1';
      const has = (q.get('has') || '').split(',').filter((a) => AMENITY_FILTERS.includes(a));
      const p = P();
      const at = (q.get('at') || '').split(',').map(Number);
      const shared = at.length === 2 && at.every(Number.isFinite) && Math.abs(at[0]) <= 180 && Math.abs(at[1]) <= 90 ? at : null;
      const same = p.kind === kind && p.open === open && p.has.join() === has.join();
      if (same && !shared) return;
      setP({ kind, open, has, ...(same ? {} : { results: null, active: null }) });
      if (shared) setPoint(shared);
      else if (p.point) search();
    },
  });

  /** A link to this view; with her position only when `withPosition`. */
  function share(withPosition) {
    const p = P();
    const link = shareUrl(withPosition && p.point ? { at: p.point.map((x) => x.toFixed(5)).join(',') } : {});
    setP({ shared: { link, withPosition } });
    navigator.clipboard?.writeText(link).then(() => setP({ shared: { link, withPosition, copied: true } }), () => {});
  }

  // Hooks (offline.js): ask again, for a list kept from before the network went; show a kept
  // list as an answer is shown (the sheet at half, the map framing it).
  return {
    search,
    shown() {
      sheet?.set('half');
      frameAll();
    },
  };
}
