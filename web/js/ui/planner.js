// The planner view: coverage of chosen layers under a catchment profile or radius, the gaps
// on the map, per-township shares, suggested sites and the "what if" of adding them.
// State: `planner`.

import { t, localName, formatShare, formatNumber } from '../i18n.js';
import { featureCollection } from '../geo.js';
import { FACILITY_KINDS, idsOfKind, NURSING_ROOMS } from '../kinds.js';
import { latestOnly } from '../latest.js';
import { el, fill } from './dom.js';
import { bindUrl } from '../url.js';
import { whenShown } from '../page.js';

const PROFILES = ['walk5', 'walk10', 'walk15', 'park', 'green', 'layer'];
const SHARES = [
  ['covered_population_share', 'share_population'],
  ['covered_children_share', 'share_children'],
  ['covered_area_share', 'share_area'],
];

export function initPlanner({ state, api, nestMap, onMapClick }, root) {
  state.set({
    planner: {
      layers: null, // ids chosen; null until the layer list is known, then the nursing rooms
      profile: 'walk15',
      radius: '', // metres as typed; overrides the profile when set
      loading: false,
      error: null,
      request: null, // the parameters of the shown result
      result: null, // GET /api/coverage answer
      added: [], // ranks of suggestions added
      whatIf: null, // POST /api/coverage answer with `add`
      whatIfLoading: false,
      iso: null, // GET /api/isochrones answer
      isoPicking: false, // the next map click is the isochrones' start
      isoLoading: false,
      isoError: null,
    },
  });
  const P = () => state.get().planner;
  const setP = (patch) => state.set({ planner: patch });
  // One for the coverage and its what-if: a new coverage drops a what-if still on its way.
  const latest = latestOnly();
  let pendingRun = null; // a link's coverage request, waiting for the layer list
  state.on('layers', (layers) => {
    if (P().layers === null) setP({ layers: idsOfKind(layers, NURSING_ROOMS) });
    if (pendingRun) {
      pendingRun = null;
      run();
    }
  });
  const chosen = () => P().layers || [];

  function params() {
    const p = P();
    const radius = Number(p.radius);
    return {
      layer: chosen().join(','),
      profile: p.profile,
      radius_m: p.radius !== '' && Number.isFinite(radius) ? radius : null,
    };
  }

  async function run() {
    const req = params();
    setP({ loading: true, error: null, added: [], whatIf: null });
    try {
      const result = await latest(api.coverage({ ...req, suggest: 3 }));
      setP({ loading: false, result, request: req });
    } catch (e) {
      setP({ loading: false, error: e.message, result: null });
    }
  }

  async function addSite(rank) {
    const p = P();
    if (!p.result || p.added.includes(rank)) return;
    const added = [...p.added, rank];
    setP({ added, whatIfLoading: true, error: null });
    const add = added.map((r) => p.result.suggestions.find((s) => s.rank === r)).map((s) => [s.lon, s.lat]);
    const { layer, profile, radius_m } = p.request;
    try {
      const whatIf = await latest(api.coveragePost({ layer, profile, radius_m, add }));
      setP({ whatIf, whatIfLoading: false });
    } catch (e) {
      setP({ whatIfLoading: false, error: e.message });
    }
  }

  // --- walking isochrones: from a clicked point or from the first chosen layer ----------
  const ISO_MINUTES = '5,10,15';
  async function runIso(params) {
    setP({ isoLoading: true, isoError: null, isoPicking: false });
    try {
      const iso = await api.isochrones({ ...params, minutes: ISO_MINUTES });
      setP({ iso, isoLoading: false });
    } catch (e) {
      setP({ iso: null, isoLoading: false, isoError: e.message });
    }
  }
  onMapClick((lngLat) => {
    if (state.get().view !== 'planner' || !P().isoPicking) return false;
    const [lon, lat] = lngLat; // [lon, lat], as every map click (map.js)
    runIso({ lon: lon.toFixed(6), lat: lat.toFixed(6) });
    return true;
  });
  const hasNetwork = () => Boolean(state.get().network);

  function renderIso() {
    const p = P();
    if (!hasNetwork()) return null;
    const bands = p.iso?.features || [];
    return el('section', { class: 'isochrones', id: 'isochrones', 'data-loading': p.isoLoading ? '1' : '0' },
      el('h3', {}, t('iso_heading')),
      el('p', { class: 'muted' }, t('iso_hint')),
      el('div', { class: 'iso-actions' },
        el('button', { type: 'button', class: 'button small', id: 'iso-pick', 'aria-pressed': p.isoPicking ? 'true' : 'false', onclick: () => setP({ isoPicking: !p.isoPicking }) },
          t(p.isoPicking ? 'iso_picking' : 'iso_pick')),
        el('button', { type: 'button', class: 'button small', id: 'iso-layer', disabled: chosen().length === 0 || p.isoLoading, onclick: () => runIso({ layer: chosen()[0] }) },
          t('iso_layer'))),
      p.isoError ? el('p', { class: 'error' }, t('error_prefix') + p.isoError) : null,
      p.iso?.note ? el('p', { class: 'note' }, p.iso.note) : null,
      bands.length
        ? el('table', { class: 'iso-bands', id: 'iso-bands' },
          el('thead', {}, el('tr', {}, el('th', {}, t('iso_minutes')), el('th', {}, t('table_population')), el('th', {}, t('table_children')), el('th', {}, t('iso_network')))),
          el('tbody', {}, bands.map((b) => el('tr', { 'data-minutes': b.properties.minutes },
            el('th', { scope: 'row' }, t('iso_band', { m: b.properties.minutes })),
            el('td', { class: 'num', 'data-key': 'population', 'data-value': b.properties.population }, formatNumber(b.properties.population)),
            el('td', { class: 'num', 'data-key': 'children', 'data-value': b.properties.children }, formatNumber(b.properties.children)),
            el('td', { class: 'num', 'data-key': 'network_m', 'data-value': b.properties.network_m }, t('km', { km: (b.properties.network_m / 1000).toFixed(1) }))))))
        : null);
  }

  function shareCell(row, key) {
    return el('td', { class: 'num', 'data-key': key, 'data-share': row[key] }, formatShare(row[key]));
  }

  function renderForm() {
    const p = P();
    const layers = state.get().layers.filter((l) => FACILITY_KINDS.includes(l.kind));
    return el('form', {
      class: 'planner-form',
      onsubmit: (e) => {
        e.preventDefault();
        run();
      },
    },
      el('fieldset', {}, el('legend', {}, t('planner_layers')),
        layers.map((l) => el('label', { class: 'check' },
          el('input', {
            type: 'checkbox', name: 'layer', value: l.id, checked: chosen().includes(l.id),
            onchange: (e) => setP({ layers: e.target.checked ? [...chosen(), l.id] : chosen().filter((x) => x !== l.id) }),
          }),
          localName(l, 'title_zh', 'title_en')))),
      el('label', { class: 'field' }, t('planner_profile'),
        el('select', { name: 'profile', id: 'planner-profile', onchange: (e) => setP({ profile: e.target.value }) },
          PROFILES.map((pr) => el('option', { value: pr, selected: p.profile === pr }, t('profile_' + pr))))),
      el('label', { class: 'field' }, t('planner_radius'),
        el('input', { type: 'number', name: 'radius_m', id: 'planner-radius', min: 1, max: 5000, step: 50, value: p.radius, inputmode: 'numeric', onchange: (e) => setP({ radius: e.target.value }) })),
      el('button', { type: 'submit', class: 'button primary', id: 'planner-run', disabled: p.loading || chosen().length === 0 }, t(p.loading ? 'planner_running' : 'planner_run')),
    );
  }

  function renderResult() {
    const p = P();
    const r = p.result;
    if (!r) return [];
    const totals = el('div', { class: 'totals', id: 'planner-totals' },
      el('h3', {}, t('totals_heading')),
      el('dl', {}, SHARES.map(([key, label]) => [
        el('dt', {}, label ? t(label) : key),
        el('dd', { 'data-key': key, 'data-share': r.totals[key] }, formatShare(r.totals[key])),
      ])),
      el('p', { class: 'muted' }, t('gaps_count', { n: r.gaps.features.length }), t('sep'),
        r.profile.radius_m ? t('profile_shown', { name: r.profile.name, radius: t('metres', { m: r.profile.radius_m }) }) : r.profile.name));
    let whatIf = null;
    if (p.added.length) {
      whatIf = el('div', { class: 'whatif', id: 'whatif', 'data-loading': p.whatIfLoading ? '1' : '0', 'data-added': p.added.join(',') },
        el('h3', {}, t('whatif_heading', { n: p.added.length })),
        p.whatIf
          ? el('dl', {}, SHARES.map(([key, label]) => [
            el('dt', {}, t(label)),
            el('dd', { 'data-key': key, 'data-share': p.whatIf.totals[key] },
              el('span', { class: 'before' }, formatShare(r.totals[key])), t('arrow'),
              el('strong', { class: 'after' }, formatShare(p.whatIf.totals[key]))),
          ]))
          : el('p', { class: 'muted' }, t('loading')));
    }
    const suggestions = el('div', { class: 'suggestions' },
      el('h3', {}, t('suggestions_heading')),
      el('ol', { id: 'suggestions' }, r.suggestions.map((s) => el('li', { 'data-rank': s.rank },
        el('span', { class: 'rank' }, String(s.rank)),
        el('span', {}, t('suggestion_gain', { pop: formatNumber(s.gain_population), children: formatNumber(s.gain_children) })),
        el('button', {
          type: 'button', class: 'button small add-site', 'data-rank': s.rank, disabled: p.added.includes(s.rank),
          onclick: () => addSite(s.rank),
        }, t(p.added.includes(s.rank) ? 'site_added' : 'add_site')),
      ))));
    const q = p.request;
    const downloads = el('div', { class: 'downloads' },
      el('a', { class: 'button small', id: 'download-csv', download: 'coverage.csv', href: api.coverageUrl({ ...q, format: 'csv' }) }, t('download_csv')),
      el('a', { class: 'button small', id: 'download-geojson', download: 'coverage-gaps.geojson', href: api.coverageUrl({ ...q, format: 'geojson' }) }, t('download_geojson')));
    const table = el('table', { class: 'townships', id: 'township-table' },
      el('thead', {}, el('tr', {},
        el('th', {}, t('table_township')), el('th', {}, t('table_population')), el('th', {}, t('table_children')), el('th', {}, t('table_area')))),
      el('tbody', {}, r.townships.map((z) => el('tr', { 'data-code': z.code },
        el('th', { scope: 'row' }, z.name),
        shareCell(z, 'covered_population_share'),
        shareCell(z, 'covered_children_share'),
        shareCell(z, 'covered_area_share')))));
    return [totals, whatIf, suggestions, downloads, table];
  }

  function renderNow() {
    const p = P();
    fill(root,
      el('h2', {}, t('planner_heading')),
      renderForm(),
      p.error ? el('p', { class: 'error' }, t('error_prefix') + p.error) : null,
      ...renderResult(),
      renderIso());
    root.dataset.loading = p.loading ? '1' : '0';
  }
  const render = whenShown(state, 'planner', renderNow);

  function draw() {
    const { planner: p, view } = state.get();
    const showing = view === 'planner' && p.result;
    // With sites added, the gaps that remain after them.
    nestMap.setOverlay('gaps', showing ? (p.whatIf?.gaps || p.result.gaps) : featureCollection());
    // Longest band first, so the shorter ones are drawn over it.
    const bands = view === 'planner' && p.iso ? [...p.iso.features].reverse() : [];
    nestMap.setOverlay('isochrones', featureCollection(bands));
    nestMap.setSuggestionMarkers(showing ? p.result.suggestions : [], p.added, (s) => addSite(s.rank));
  }

  state.on('planner', () => {
    render();
    draw();
  });
  state.on('view', draw);
  state.on('layers', render);
  state.on('lang', render);
  render();

  // The request of the shown coverage is in the address (`cov=` layers, `profile=`,
  // `radius=`): a link reopens the same analysis.
  bindUrl({
    write: (q) => {
      const r = P().request || pendingRun;
      if (!r) return;
      q.set('cov', r.layer);
      q.set('profile', r.profile);
      if (r.radius_m !== null) q.set('radius', String(r.radius_m));
    },
    read: (q) => {
      const cov = q.get('cov');
      if (!cov) {
        if (P().request) setP({ request: null, result: null, added: [], whatIf: null });
        return;
      }
      const profile = PROFILES.includes(q.get('profile')) ? q.get('profile') : 'walk15';
      const radius = q.get('radius') || '';
      const req = { layer: cov, profile, radius_m: radius === '' ? null : Number(radius) };
      const r = P().request;
      if (r && r.layer === cov && r.profile === profile && String(r.radius_m ?? '') === radius) return;
      setP({ layers: cov.split(',').filter(Boolean), profile, radius });
      if (state.get().layers.length) run();
      else pendingRun = req;
    },
  });
}
