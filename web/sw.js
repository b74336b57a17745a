// The service worker (issue 15.6): it keeps the shell, MapLibre and the last answers, so a
// parent who loses signal in a basement still gets the page, the map and the last list.
//
// - The page, its styles and modules: precached at install; then network first (the server
//   says `no-cache`: an update is seen at once), the kept copy when the network fails or is
//   slower than NETWORK_WAIT_MS.
// - MapLibre at its versioned path (`/vendor/maplibre-gl@<version>/`, immutable): cache first.
// - `/api/*` and `/ogcapi/*` GETs: network first, each good answer kept under its URL; when the
//   network fails, the kept answer, and the page is told (a `nestmap-cached` message with the
//   URL and when the answer was made) so it can say it is showing an old answer (offline.js).
//   Nearest and within answers are kept for the last KEEP_SEARCHES URLs only.
// - The streets' vector tiles (`/tiles/`): network first (the server revalidates them by the
//   roads layer's version, so an edit is seen at once), the kept copy when the network fails,
//   so the streets she looked at are there offline; the last KEEP_TILES tiles are kept.
// - The labels' glyphs (`/fonts/`): cache first (built from a font package at set-up, they do
//   not change between versions of the page); each range is kept once it has been used.
// Other origins and non-GET requests are left to the network.
//
// Scope: served at /sw.js from the web directory, so it controls the whole site. A change of
// VENDOR (a MapLibre upgrade, as in index.html and map.js) or of PRECACHE needs a new VERSION.

const VERSION = 'v5';
const SHELL = `nestmap-shell-${VERSION}`;
const ANSWERS = `nestmap-answers-${VERSION}`;
const TILES = `nestmap-tiles-${VERSION}`;
const VENDOR = '/vendor/maplibre-gl@6.17.0/';
const NETWORK_WAIT_MS = 4000;
const KEEP_SEARCHES = 20;
const KEEP_TILES = 400;

/** Everything the page needs to start: every module under web/js (offline.test.mjs checks). */
const PRECACHE = [
  '/',
  '/css/app.css',
  '/js/boot.js', '/js/main.js', '/js/api.js', '/js/facade.js', '/js/geo.js', '/js/i18n.js', '/js/kinds.js',
  '/js/latest.js', '/js/layerdata.js', '/js/livemap.js', '/js/map.js', '/js/offline.js', '/js/page.js',
  '/js/roads.js', '/js/state.js', '/js/style.js', '/js/url.js',
  '/js/ui/dom.js', '/js/ui/icons.js', '/js/ui/layers.js', '/js/ui/parent.js', '/js/ui/planner.js',
  '/js/ui/popup.js', '/js/ui/routes.js', '/js/ui/sheet.js',
  `${VENDOR}maplibre-gl.mjs`, `${VENDOR}maplibre-gl.css`, `${VENDOR}maplibre-gl-worker.mjs`,
];

self.addEventListener('install', (event) => {
  event.waitUntil(caches.open(SHELL).then((c) => c.addAll(PRECACHE)).then(() => self.skipWaiting()));
});

self.addEventListener('activate', (event) => {
  // Drop the caches of older versions, and control the open pages at once.
  event.waitUntil(caches.keys()
    .then((keys) => Promise.all(keys.filter((k) => k.startsWith('nestmap-') && ![SHELL, ANSWERS, TILES].includes(k)).map((k) => caches.delete(k))))
    .then(() => self.clients.claim()));
});

self.addEventListener('fetch', (event) => {
  const req = event.request;
  const url = new URL(req.url);
  if (req.method !== 'GET' || url.origin !== self.location.origin) return;
  if (url.pathname.startsWith(VENDOR) || url.pathname.startsWith('/fonts/')) event.respondWith(cacheFirst(req));
  else if (url.pathname.startsWith('/tiles/')) event.respondWith(tile(req));
  else if (url.pathname.startsWith('/api/') || url.pathname.startsWith('/ogcapi/')) event.respondWith(answer(event));
  // Every page URL (`/?view=...&lang=...`) is the one page: kept as `/`.
  else if (req.mode === 'navigate') event.respondWith(networkFirst(req, '/'));
  else event.respondWith(networkFirst(req, url.pathname));
});

/** The kept copy (the worker's `?v=` ignored), else the network's, kept. */
async function cacheFirst(req) {
  const cache = await caches.open(SHELL);
  const hit = await cache.match(req, { ignoreSearch: true, ignoreVary: true });
  if (hit) return hit;
  const res = await fetch(req);
  if (res.ok) await cache.put(new URL(req.url).pathname, res.clone());
  return res;
}

/**
 * The network's answer, kept under `key`; the kept copy when the network fails, or when it
 * takes longer than NETWORK_WAIT_MS and a copy is kept (the network's answer still refreshes
 * it when it comes).
 */
async function networkFirst(req, key) {
  const cache = await caches.open(SHELL);
  const network = fetch(req).then(async (res) => {
    if (res.ok) await cache.put(key, res.clone());
    return res;
  });
  try {
    return await Promise.race([network, wait(NETWORK_WAIT_MS).then(() => cache.match(key, { ignoreVary: true })).then((hit) => hit || network)]);
  } catch (e) {
    const hit = await cache.match(key, { ignoreVary: true });
    if (hit) return hit;
    throw e;
  }
}

/** An API answer: the network's, kept; when the network fails, the kept one, and the page told. */
async function answer(event) {
  const req = event.request;
  const cache = await caches.open(ANSWERS);
  try {
    const res = await fetch(req);
    if (res.ok) {
      await cache.put(req, res.clone());
      await trimSearches(cache);
    }
    return res;
  } catch (e) {
    const hit = await cache.match(req, { ignoreVary: true });
    if (!hit) throw e;
    const client = event.clientId && (await self.clients.get(event.clientId));
    client?.postMessage({ type: 'nestmap-cached', url: req.url, made_at: hit.headers.get('date') });
    return hit;
  }
}

/** A street tile: the network's, kept (the last KEEP_TILES); the kept one when it fails. */
async function tile(req) {
  const cache = await caches.open(TILES);
  try {
    const res = await fetch(req);
    if (res.ok) {
      await cache.delete(req); // re-filed last: the oldest tiles go first
      await cache.put(req, res.clone());
      const keys = await cache.keys();
      await Promise.all(keys.slice(0, Math.max(0, keys.length - KEEP_TILES)).map((r) => cache.delete(r)));
    }
    return res;
  } catch (e) {
    const hit = await cache.match(req, { ignoreVary: true });
    if (hit) return hit;
    throw e;
  }
}

// The page's answers from before the worker was there: asked again and kept, then a reply.
self.addEventListener('message', (event) => {
  if (event.data?.type !== 'nestmap-keep') return;
  const urls = (event.data.urls || []).filter((u) => new URL(u).origin === self.location.origin);
  event.waitUntil(caches.open(ANSWERS)
    .then((cache) => Promise.all(urls.map((u) => fetch(u).then((res) => (res.ok ? cache.put(u, res) : null)).catch(() => null))))
    .then(() => event.ports[0]?.postMessage({ type: 'nestmap-kept', n: urls.length })));
});

/** Keep the answers of the last KEEP_SEARCHES nearest and within URLs (oldest go first). */
async function trimSearches(cache) {
  const searches = (await cache.keys()).filter((r) => /\/api\/(nearest|within)/.test(new URL(r.url).pathname));
  await Promise.all(searches.slice(0, Math.max(0, searches.length - KEEP_SEARCHES)).map((r) => cache.delete(r)));
}

const wait = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
