// Wiring (loaded by boot.js once the page's fixed text is painted): build the state, the map
// and the panels; load the catalog, then the layers the view shows (layerdata.js, which sets
// `body.dataset.ready` once they are drawn, for people and for tests). The map is a MapView
// (livemap.js): the facade's picture on a phone's parent view until she uses the map, else
// the live map (MapLibre) at once; `body.dataset.map` says which. No MapLibre is imported
// here. `window.nestmap = {state, view, map, nestMap}` (the last two once the map is live).

import { createState } from './state.js';
import { api } from './api.js';
import { t, setLang, applyI18n } from './i18n.js';
import { MapView } from './livemap.js';
import { renderPopup } from './ui/popup.js';
import { initLayersPanel } from './ui/layers.js';
import { initParent } from './ui/parent.js';
import { initPlanner } from './ui/planner.js';
import { initRoutes } from './ui/routes.js';
import { initSheet } from './ui/sheet.js';
import { bindUrl, applyUrl, syncUrl } from './url.js';
import { initLayerData } from './layerdata.js';
import { initOffline, registerWorker } from './offline.js';
import { VIEWS, firstLang, remember, showView } from './page.js';

const state = createState({
  lang: 'zh',
  view: 'parent',
  layers: [], // /api/layers
  network: null, // /api/layers' walking network, when the data has one
  data: {}, // layer id -> FeatureCollection of the layers fetched so far, whole (layerdata.js)
  visible: {}, // layer id -> shown or not (layerdata.js: the view's layers at first)
  layersChosen: null, // ids shown by her choice or a link's `layers=` (ui/layers.js), else null
  popup: null, // {layer, id, lngLat}
  error: null, // message shown in the status bar
});

// On a phone the panel is a bottom sheet over the map (peek, half, full); the map's bottom
// controls ride on it.
const panel = document.getElementById('panel');
const sheet = initSheet(panel);

// The views call it `nestMap`: it has NestMap's methods, kept for the live map until it starts.
const nestMap = new MapView('map', state, {
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

window.nestmap = {
  state,
  view: nestMap,
  get map() {
    return nestMap.map; // MapLibre's map, once live
  },
  get nestMap() {
    return nestMap.live; // the NestMap (map.js), once live
  },
};

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
state.on('view', (view) => {
  showView(view);
  // The other views draw on the live map (their overlays, markers and frames).
  if (view !== 'parent') nestMap.start();
});

const statusEl = document.getElementById('status');
state.on('error', (msg) => {
  statusEl.hidden = !msg;
  statusEl.textContent = msg ? t('error_prefix') + msg : '';
});

state.on('popup', (sel) => nestMap.showPopup(sel));
state.on('visible', (visible) => nestMap.setVisible(visible));
// Each layer's features go to the map once, when they come (`data` grows one layer at a time).
const drawn = new Map(); // layer id -> the FeatureCollection on the map
state.on('data', (data) => {
  for (const [id, fc] of Object.entries(data)) {
    if (drawn.get(id) === fc) continue;
    drawn.set(id, fc);
    nestMap.setLayerData(id, fc);
  }
});

// --- panels -------------------------------------------------------------------------------
const ctx = { state, api, nestMap, sheet, onMapClick: (fn) => clickHandlers.push(fn) };
const layerData = initLayerData(ctx);
initLayersPanel(ctx, document.getElementById('layers-panel'));
const parent = initParent(ctx, document.querySelector('[data-view=parent][role=tabpanel]'));
initPlanner(ctx, document.querySelector('[data-view=planner][role=tabpanel]'));
initRoutes(ctx, document.querySelector('[data-view=routes][role=tabpanel]'));
// The last parent list kept on the device, shown again offline (offline.js, web/sw.js).
initOffline(ctx, parent, document.getElementById('offline-note'));

// --- start ----------------------------------------------------------------------------------
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
    const { layers, network } = await api.layers();
    await nestMap.addLayers(layers);
    // `network`: the walking network answers walk along (null: straight lines only).
    state.set({ network: network || null, layers });
    // Only the layers the view shows are fetched; `ready` is set once they are drawn.
    await layerData.start();
    // The service worker starts once the page has drawn what it shows.
    registerWorker();
  } catch (e) {
    console.error(e);
    state.set({ error: e.message });
    document.body.dataset.ready = 'error';
  }
}
start();
