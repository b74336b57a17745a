// Offline (issue 15.6): the service worker (web/sw.js) keeps the shell, MapLibre and the last
// answers; this module keeps the last parent search on the device (position, kind, filters and
// the results with their details: hours, amenities, indoor location, navigation links) and,
// when the page opens with no network, shows that list again with a note saying from when
// ("离线：显示 14:05 的结果"). Back online, a shown old list is asked for again.
//
// "No network" is the browser's `navigator.onLine`, or the service worker saying it answered
// from its copies (a `nestmap-cached` message: a phone on a Wi-Fi with no way out says it is
// online). State: `offline` {on: no network, listAt: when the shown list was made, or null}.

import { t, getLang } from './i18n.js';

const KEY = 'nestmap.lastSearch';

/** The last parent search kept on this device, or null (storage refused or empty). */
export function lastSearch() {
  try {
    const kept = JSON.parse(localStorage.getItem(KEY));
    return kept && Array.isArray(kept.results) && Array.isArray(kept.point) ? kept : null;
  } catch {
    return null;
  }
}

function keep(search) {
  try {
    localStorage.setItem(KEY, JSON.stringify(search));
  } catch {
    // Not kept (private mode, full storage): the next offline visit shows no list.
  }
}

/** "14:05" today, "12月1日 14:05" / "1 Dec 14:05" another day, in the page's language. */
export function madeAt(ms) {
  const d = new Date(ms);
  const locale = getLang() === 'zh' ? 'zh-CN' : 'en-GB';
  const time = { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' };
  const today = new Date().toDateString() === d.toDateString();
  return d.toLocaleString(locale, today ? time : { month: 'short', day: 'numeric', ...time });
}

/**
 * Keep each new parent list, restore the last one when offline, show the note (`note`, an
 * element of the panel), register the service worker. `parent.search()` asks the parent view
 * again (for an old list, once back online).
 */
export function initOffline({ state }, parent, note) {
  state.set({ offline: { on: navigator.onLine === false, listAt: null } });
  let restored = null; // the results array shown from the kept search
  let cachedAt = null; // when the service worker's copy of the last nearest answer was made

  // Keep every list the parent view shows that came from the server.
  state.on('parent', (p) => {
    if (!Array.isArray(p.results) || p.loading) return;
    const listAt = p.results === restored ? state.get().offline.listAt : cachedAt;
    cachedAt = null;
    if (listAt !== state.get().offline.listAt) state.set({ offline: { listAt } });
    if (p.results === restored || listAt !== null || !p.point) return;
    keep({ at: Date.now(), point: p.point, kind: p.kind, open: p.open, has: p.has, results: p.results });
  });

  /** Show the kept list when the parent view has none yet. */
  function restore() {
    const kept = lastSearch();
    if (!kept || state.get().parent.point) return;
    restored = kept.results;
    state.set({ offline: { listAt: kept.at } });
    state.set({ parent: { point: kept.point, kind: kept.kind, open: Boolean(kept.open), has: kept.has || [], results: kept.results, active: null, loading: false, error: null, message: null } });
    // Once the map has its sources (the catalog came): the list drawn on it (the parent view
    // draws on each change of its state), and the map taken to where it was asked from.
    const fly = () => {
      state.set({ parent: {} });
      parent.shown();
    };
    if (state.get().layers.length) fly();
    else state.on('layers', once(fly));
  }

  function offline() {
    state.set({ offline: { on: true } });
    restore();
  }
  if (navigator.onLine === false) offline();
  window.addEventListener('offline', offline);
  window.addEventListener('online', () => {
    state.set({ offline: { on: false } });
    if (state.get().offline.listAt !== null && state.get().parent.point) parent.search();
  });

  // The note: over the parent view's list, while the list shown is an old one.
  const render = () => {
    const { offline: o, view } = state.get();
    note.hidden = view !== 'parent' || o.listAt === null;
    note.textContent = o.listAt === null ? '' : t(o.on ? 'offline_results' : 'old_results', { time: madeAt(o.listAt) });
  };
  state.on('offline', render);
  state.on('view', render);
  state.on('lang', render);
  render();

  if ('serviceWorker' in navigator && window.isSecureContext) {
    navigator.serviceWorker.addEventListener('message', (e) => {
      if (e.data?.type !== 'nestmap-cached') return;
      const made = Date.parse(e.data.made_at) || Date.now();
      const path = new URL(e.data.url).pathname;
      if (path === '/api/nearest') {
        // The list about to be shown (or just shown) is the kept answer of that search.
        cachedAt = made;
        if (state.get().parent.results && !state.get().parent.loading) state.set({ offline: { listAt: made } });
      }
      offline();
    });
    navigator.serviceWorker.startMessages();
  }
}

/**
 * Register the service worker, after the page has shown what it shows (its install fetches the
 * shell and MapLibre again, from the HTTP cache mostly), and have it keep the answers this
 * page got before it was there; then `body.dataset.offlineReady` is '1'. Scope: the whole site.
 */
export async function registerWorker() {
  if (!('serviceWorker' in navigator) || !window.isSecureContext) return;
  try {
    await navigator.serviceWorker.register('/sw.js');
    const reg = await navigator.serviceWorker.ready;
    // What this page asked for before the worker was there (the catalog, the shown layers'
    // features) is kept too: the worker asks for it again and keeps the answers.
    const urls = performance.getEntriesByType('resource').map((e) => e.name)
      .filter((u) => /^\/(api\/layers$|ogcapi\/collections\/[^/]+\/items)/.test(new URL(u).pathname));
    const reply = new MessageChannel();
    const kept = new Promise((resolve) => (reply.port1.onmessage = resolve));
    reg.active.postMessage({ type: 'nestmap-keep', urls }, [reply.port2]);
    await kept;
    // For people and tests: the page would open again with no network.
    document.body.dataset.offlineReady = '1';
  } catch (e) {
    console.warn('service worker not registered', e);
  }
}

function once(fn) {
  let done = false;
  return (...args) => {
    if (done) return;
    done = true;
    fn(...args);
  };
}
