// The route view: the school lines, the review of the chosen one (line, stops with their
// walking circles, served and unserved villages, findings), and a draft loaded from a file,
// reviewed against the chosen line. State: `routes`.

import { t, localName, formatNumber, formatList } from '../i18n.js';
import { featureCollection, pointFeature, circleFeature } from '../geo.js';
import { latestOnly } from '../latest.js';
import { el, fill } from './dom.js';
import { bindUrl } from '../url.js';
import { whenShown } from '../page.js';

/** Metres as kilometres with one decimal, with the unit ("12.3 km", "12.3 公里"). */
const km = (m) => t('distance_km', { d: (m / 1000).toFixed(1) });
const signed = (x, digits = 0) => (x > 0 ? '+' : '') + formatNumber(x, digits);

export function initRoutes({ state, api, nestMap }, root) {
  state.set({
    routes: {
      list: null, // /api/routes .routes
      listError: null,
      selected: null, // route id
      review: null, // review of the selected line
      loading: false,
      error: null,
      draftName: null,
      draft: null, // the draft FeatureCollection as loaded
      draftReview: null, // POST /api/routes/review?compare=selected
      draftLoading: false,
      draftError: null,
    },
  });
  const R = () => state.get().routes;
  const setR = (patch) => state.set({ routes: patch });
  // One for the review and the draft's: choosing another line drops a draft review on its way.
  const latest = latestOnly();

  async function loadList() {
    try {
      const { routes } = await api.routes();
      setR({ list: routes, listError: null });
    } catch (e) {
      setR({ list: null, listError: e.message });
    }
  }

  async function select(id) {
    setR({ selected: id, review: null, loading: true, error: null, draft: null, draftName: null, draftReview: null, draftError: null });
    try {
      const review = await latest(api.routeReview(id));
      setR({ review, loading: false });
      nestMap.fitTo([review.line, ...review.stops.map((s) => ({ type: 'Point', coordinates: s.position }))], 14);
    } catch (e) {
      setR({ loading: false, error: e.message });
    }
  }

  async function loadDraft(file) {
    const r = R();
    if (!r.selected) {
      setR({ draftError: t('select_route_first') });
      return;
    }
    let fc;
    try {
      fc = JSON.parse(await file.text());
      if (fc?.type !== 'FeatureCollection' || !Array.isArray(fc.features)) throw new Error(t('draft_not_collection'));
    } catch (e) {
      setR({ draftError: t('draft_bad_file', { reason: e.message }), draftReview: null });
      return;
    }
    setR({ draft: fc, draftName: file.name, draftLoading: true, draftError: null, draftReview: null });
    try {
      const draftReview = await latest(api.reviewDraft(fc, r.selected));
      setR({ draftReview, draftLoading: false });
    } catch (e) {
      setR({ draftLoading: false, draftError: e.message });
    }
  }

  // --- panel ---
  function summary(rv, id) {
    const rows = [
      ['length_m', 'review_length', km(rv.length_m)],
      ['stop_count', 'review_stops', String(rv.stop_count)],
      ['spacing_m', 'review_spacing', rv.spacing_m
        ? t('spacing', { min: Math.round(rv.spacing_m.min), mean: Math.round(rv.spacing_m.mean), max: Math.round(rv.spacing_m.max) })
        : t('none_value')],
      ['run_time_min', 'review_run_time', t('minutes', { m: Math.round(rv.run_time_min) })],
      ['last_stop_to_school_m', 'review_last_stop', rv.last_stop_to_school_m == null ? t('none_value') : t('metres', { m: Math.round(rv.last_stop_to_school_m) })],
      ['served_children', 'review_served', formatNumber(rv.served_children)],
      ['unserved_children', 'review_unserved', formatNumber(rv.unserved_children)],
    ];
    if (rv.shared?.length) rows.push(['shared', 'review_shared', formatList(rv.shared.map((s) => t('shared_line', { route: s.route, length: km(s.length_m) })))]);
    return el('dl', { class: 'review-summary', id }, rows.map(([key, label, text]) => [
      el('dt', {}, t(label)), el('dd', { 'data-key': key }, text)]));
  }

  function findingsList(findings, id) {
    if (!findings.length) return el('p', { class: 'muted', id }, t('findings_none'));
    const focus = (f) => state.set({ routeFocus: { location: f.location, at: Date.now() } });
    // A finding with a place is a button that shows it on the map (inside its list entry).
    return el('ul', { class: 'findings', id }, findings.map((f) => {
      const body = [
        el('span', { class: `severity ${f.severity}` }, t('severity_' + f.severity)),
        el('span', { class: 'finding-message' }, f.message),
      ];
      return el('li', { class: `finding ${f.severity}`, 'data-code': f.code, 'data-severity': f.severity },
        f.location ? el('button', { type: 'button', class: 'finding-button', onclick: () => focus(f) }, body) : body);
    }));
  }

  function diffPanel(d) {
    const names = (xs) => (xs.length ? t('named_count', { n: xs.length, names: formatList(xs) }) : '0');
    const rows = [
      ['children_gained', 'diff_children_gained', signed(d.children_gained)],
      ['children_lost', 'diff_children_lost', formatNumber(d.children_lost)],
      ['villages_gained', 'diff_villages_gained', names(d.villages_gained)],
      ['villages_lost', 'diff_villages_lost', names(d.villages_lost)],
      ['length_change_m', 'diff_length', t('metres', { m: signed(d.length_change_m) })],
      ['run_time_change_min', 'diff_run_time', t('minutes', { m: signed(d.run_time_change_min, 1) })],
    ];
    return el('div', { class: 'diff', id: 'route-diff', 'data-against': d.against },
      el('h4', {}, t('diff_heading', { against: d.against })),
      el('dl', {}, rows.map(([key, label, text]) => [el('dt', {}, t(label)), el('dd', { 'data-key': key, 'data-value': JSON.stringify(d[key]) }, text)])));
  }

  function renderNow() {
    const r = R();
    const parts = [el('h2', {}, t('routes_heading'))];
    if (r.listError) parts.push(el('p', { class: 'error', id: 'routes-error' }, t('error_prefix') + r.listError));
    else if (!r.list) parts.push(el('p', { class: 'muted' }, t('loading')));
    else if (!r.list.length) parts.push(el('p', { class: 'muted' }, t('routes_none')));
    else {
      parts.push(el('ul', { class: 'route-list', id: 'route-list' }, r.list.map((rt) => el('li', {},
        el('button', {
          type: 'button', class: 'route-item' + (rt.id === r.selected ? ' on' : ''), 'data-route': rt.id,
          'aria-pressed': rt.id === r.selected ? 'true' : 'false', onclick: () => select(rt.id),
        },
          el('strong', {}, localName(rt)),
          el('span', { class: 'muted' }, t('route_meta', { school: rt.school, km: (rt.length_m / 1000).toFixed(1), stops: rt.stop_count })),
          rt.departures?.length ? el('span', { class: 'muted' }, rt.departures.join(t('sep'))) : null)))));
    }
    if (r.error) parts.push(el('p', { class: 'error' }, t('error_prefix') + r.error));
    if (r.loading) parts.push(el('p', { class: 'muted' }, t('loading')));
    const rv = r.review;
    if (rv) {
      parts.push(el('section', { class: 'review', id: 'route-review', 'data-route': rv.route.id },
        el('h3', {}, t('review_heading', { name: rv.route.name })),
        el('p', { class: 'legend' },
          el('span', { class: 'dot served' }), t('served_legend'), ' ',
          el('span', { class: 'dot unserved' }), t('unserved_legend')),
        summary(rv, 'route-summary'),
        el('h4', {}, t('findings_heading')),
        findingsList(rv.findings, 'route-findings'),
        rv.unserved.length
          ? [el('h4', {}, t('unserved_heading')),
            el('ol', { class: 'unserved', id: 'route-unserved' }, rv.unserved.slice(0, 8).map((v) => el('li', { 'data-id': v.id },
              t('unserved_village', { name: v.name, township: v.township, children: formatNumber(v.children), distance: km(v.distance_m) }))))]
          : null));
      parts.push(el('label', { class: 'button file' }, t('draft_load'),
        el('input', {
          type: 'file', id: 'draft-file', accept: '.geojson,.json,application/geo+json,application/json',
          onchange: (e) => {
            const f = e.target.files?.[0];
            if (f) loadDraft(f);
            e.target.value = '';
          },
        })));
    }
    if (r.draftError) parts.push(el('p', { class: 'error', id: 'draft-error' }, r.draftError));
    if (r.draftLoading) parts.push(el('p', { class: 'muted' }, t('loading')));
    const dr = r.draftReview;
    if (dr) {
      parts.push(el('section', { class: 'review draft', id: 'draft-review' },
        el('h3', {}, t('draft_heading', { name: dr.route?.name || r.draftName })),
        dr.diff ? diffPanel(dr.diff) : null,
        summary(dr, 'draft-summary'),
        el('h4', {}, t('findings_heading')),
        findingsList(dr.findings, 'draft-findings')));
    }
    fill(root, ...parts);
  }
  const render = whenShown(state, 'routes', renderNow);

  function draw() {
    const { routes: r, view } = state.get();
    const rv = view === 'routes' ? r.review : null;
    const dr = view === 'routes' ? r.draftReview : null;
    const walk = rv?.params?.walk_m ?? 500;
    nestMap.setOverlay('route-line', featureCollection(rv ? [{ type: 'Feature', properties: {}, geometry: rv.line }] : []));
    nestMap.setOverlay('route-stops', featureCollection(rv ? rv.stops.map((s) => pointFeature(s.position, { id: s.id, seq: s.seq, name: s.name })) : []));
    nestMap.setOverlay('route-circles', featureCollection(rv ? rv.stops.map((s) => circleFeature(s.position, walk, { id: s.id })) : []));
    const villagesOf = dr || rv;
    const village = (served) => (v) => pointFeature(v.position, { id: v.id, name: v.name, children: v.children, served });
    nestMap.setOverlay('route-villages', featureCollection(villagesOf
      ? [...villagesOf.served.map(village(true)), ...villagesOf.unserved.map(village(false))]
      : []));
    const findings = (dr || rv)?.findings || [];
    nestMap.setOverlay('route-findings', featureCollection(findings.filter((f) => f.location).map((f) => pointFeature(f.location, { code: f.code, severity: f.severity }))));
    nestMap.setOverlay('draft-line', featureCollection(dr ? [{ type: 'Feature', properties: {}, geometry: dr.line }] : []));
    nestMap.setOverlay('draft-stops', featureCollection(dr ? dr.stops.map((s) => pointFeature(s.position, { id: s.id, seq: s.seq })) : []));
    nestMap.setSchoolMarker(rv?.route?.school_location || null, rv?.route?.school);
  }

  state.on('routes', () => {
    render();
    draw();
  });
  state.on('routeFocus', (f) => f && nestMap.flyTo(f.location, 15));
  state.on('view', (view) => {
    draw();
    if (view === 'routes' && !R().list) loadList();
  });
  // The findings are the server's words: ask again in the new language (the draft too).
  async function relang() {
    const r = R();
    if (!r.selected || !r.review) return;
    try {
      const review = await latest(api.routeReview(r.selected));
      const draftReview = r.draft && r.draftReview ? await api.reviewDraft(r.draft, r.selected) : null;
      setR({ review, ...(draftReview ? { draftReview } : {}) });
    } catch (e) {
      setR({ error: e.message });
    }
  }
  state.on('lang', () => {
    render();
    relang();
  });
  render();
  if (state.get().view === 'routes') loadList();

  // The chosen line is in the address (`route=`): a link reopens its review.
  bindUrl({
    write: (q) => {
      if (R().selected) q.set('route', R().selected);
    },
    read: (q) => {
      const id = q.get('route');
      if (id && id !== R().selected) select(id);
      else if (!id && R().selected) setR({ selected: null, review: null, draft: null, draftName: null, draftReview: null });
    },
  });
}
