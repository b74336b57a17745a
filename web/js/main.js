// Wiring: build the state, the map and the panels; load the layers; set `body.dataset.ready`
// once every layer is drawn, for people and for tests (`window.nestmap = {map, state}`).

import { createState } from './state.js';
import { api } from './api.js';
import { t, setLang, applyI18n } from './i18n.js';
import { NestMap } from './map.js';
import { renderPopup } from './ui/popup.js';
import { initLayersPanel } from './ui/layers.js';
import { initParent } from './ui/parent.js';
import { initPlanner } from './ui/planner.js';
import { initRoutes } from './ui/routes.js';
import { initSheet } from './ui/sheet.js';
import { bindUrl, applyUrl, syncUrl } from './url.js';

const VIEWS = ['parent', 'shell', 'planner', 'routes'];

const state = createState({
  lang: 'zh',
  view: 'parent',
  layers: [], // /api/layers
  data: {}, // layer id -> FeatureCollection, every feature (api.items pages through)
  visible: {}, // layer id -> false when hidden
  popup: null, // {layer, id, lngLat}
  error: null, // message shown in the status bar
});

// On a phone the panel is a bottom sheet over the map (peek, half, full); the map's bottom
// controls ride on it.
const panel = document.getElementById('panel');
const sheet = initSheet(panel, {
  onChange: () => document.documentElement.style.setProperty('--sheet-h', `${sheet.covered()}px`),
});
new ResizeObserver(() => document.documentElement.style.setProperty('--sheet-h', `${sheet.covered()}px`)).observe(panel);

const nestMap = new NestMap('map', state, {
  renderPopup: (sel) => renderPopup(state, sel),
  // Keep framed things above the sheet (its height once it settles, not mid-animation).
  insets: () => ({ bottom: sheet.covered() }),
  onClick: ({ lngLat, hit }) => {
    // A view may take the click (the parent view when picking its position).
    for (const handler of clickHandlers) if (handler(lngLat, hit)) return;
    state.set({ popup: hit ? { ...hit, lngLat } : null });
  },
});
const clickHandlers = [];

window.nestmap = { map: nestMap.map, state, nestMap };

// --- language, tabs, status -------------------------------------------------------------
const langButton = document.getElementById('lang-switch');
langButton.addEventListener('click', () => {
  const lang = state.get().lang === 'zh' ? 'en' : 'zh';
  remember(lang); // a choice, kept for the next visit
  // A `?lang=` the page was opened with would override the choice on a reload: drop it.
  const u = new URL(location.href);
  if (u.searchParams.has('lang')) {
    u.searchParams.delete('lang');
    history.replaceState(history.state, '', u.pathname + u.search + u.hash);
  }
  state.set({ lang });
});
state.on('lang', (lang) => {
  setLang(lang);
  applyI18n(document); // the <title> too: it carries data-i18n
  sheet.relabel();
  nestMap.setLanguage();
  // Re-render an open popup in the new language.
  if (state.get().popup) nestMap.showPopup(state.get().popup);
});

for (const tab of document.querySelectorAll('[role=tab]')) {
  tab.addEventListener('click', () => state.set({ view: tab.dataset.view }));
}
function showView(view) {
  for (const tab of document.querySelectorAll('[role=tab]')) {
    const on = tab.dataset.view === view;
    tab.setAttribute('aria-selected', on ? 'true' : 'false');
    tab.tabIndex = on ? 0 : -1;
  }
  for (const sec of document.querySelectorAll('[role=tabpanel]')) sec.hidden = sec.dataset.view !== view;
  document.body.dataset.view = view;
}
state.on('view', showView);

const statusEl = document.getElementById('status');
state.on('error', (msg) => {
  statusEl.hidden = !msg;
  statusEl.textContent = msg ? t('error_prefix') + msg : '';
});

state.on('popup', (sel) => nestMap.showPopup(sel));
state.on('visible', (visible) => nestMap.setVisible(visible));
state.on('data', (data) => {
  for (const [id, fc] of Object.entries(data)) nestMap.setLayerData(id, fc);
});

// --- panels -------------------------------------------------------------------------------
const ctx = { state, api, nestMap, sheet, onMapClick: (fn) => clickHandlers.push(fn) };
initLayersPanel(ctx, document.getElementById('layers-panel'));
initParent(ctx, document.querySelector('[data-view=parent][role=tabpanel]'));
initPlanner(ctx, document.querySelector('[data-view=planner][role=tabpanel]'));
initRoutes(ctx, document.querySelector('[data-view=routes][role=tabpanel]'));

// --- start ----------------------------------------------------------------------------------
const params = new URLSearchParams(location.search);
const LANG_KEY = 'nestmap.lang';
const LANGS = ['zh', 'en'];

/** The language chosen last on this device, if storage works (private modes may refuse it). */
function remembered() {
  try {
    return localStorage.getItem(LANG_KEY);
  } catch {
    return null;
  }
}

function remember(lang) {
  try {
    localStorage.setItem(LANG_KEY, lang);
  } catch {
    // Not remembered: the next visit follows the browser again.
  }
}

/**
 * The page's language: `?lang=` when the link names one, else the one chosen last on this
 * device, else the browser's (Chinese for any zh-*, English for anything else).
 */
function firstLang() {
  for (const l of [params.get('lang'), remembered()]) if (LANGS.includes(l)) return l;
  const browser = (navigator.languages && navigator.languages[0]) || navigator.language || 'zh';
  return browser.toLowerCase().startsWith('zh') ? 'zh' : 'en';
}

const lang0 = firstLang();
setLang(lang0);
state.set({ lang: lang0 });
applyI18n(document); // the <title> too: it carries data-i18n

// The view is in the address (`view=`, the parent view when absent), with each panel's own
// part (url.js); every change of them is a history entry, and back and forward apply them.
bindUrl({
  write: (q) => {
    if (state.get().view !== 'parent') q.set('view', state.get().view);
  },
  read: (q) => {
    const view = VIEWS.includes(q.get('view')) ? q.get('view') : 'parent';
    showView(view);
    state.set({ view });
  },
});
applyUrl();
state.on('change', syncUrl);

async function start() {
  try {
    const { layers } = await api.layers();
    await nestMap.addLayers(layers);
    state.set({ layers });
    const entries = await Promise.all(layers.map(async (l) => [l.id, await api.items(l.id)]));
    state.set({ data: Object.fromEntries(entries) });
    await nestMap.idle();
    document.body.dataset.ready = '1';
  } catch (e) {
    console.error(e);
    state.set({ error: e.message });
    document.body.dataset.ready = 'error';
  }
}
start();
