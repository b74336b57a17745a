// Issue 15.5, the map facade: on a phone the parent view's first view loads no MapLibre and
// shows a static picture of the map in its place (web/js/facade.js); her first use of the map
// starts MapLibre (web/js/livemap.js) and what the use asked for is done once it is there; on a
// wide screen, and in the other views, MapLibre starts at once.
//
// Where the picture must show the district outline, the lakes and the nursing rooms is computed
// here, by a Web Mercator projection and a fitBounds written from their definitions (the map
// opens on the district's bbox with 20 px around it, MapLibre's 512 px world at zoom 0), not by
// calling the page's code, and read back from real screenshots; the live map that replaces the
// picture must show the same colours at the same points, at the same camera.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { start, openApp, mapIdle, liveMap } from './harness.mjs';
import { coloursAt, rgb, near } from './util.mjs';

const HERE = { longitude: 120.64, latitude: 31.42 };
// No service worker in these tests: its install keeps MapLibre for offline use (off the
// page's thread, offline.test.mjs), which would blur "the page asked for MapLibre", and
// page.route does not see what a worker answers.
const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2, serviceWorkers: 'block' };
const DESKTOP = { viewport: { width: 1280, height: 800 }, deviceScaleFactor: 1 };

const ROOM = rgb('#d81b60');
const OUTLINE = rgb('#5a3d8a');
const BACKGROUND = rgb('#f3f1eb');
// The lakes: #7fb2e5 at 0.85 over the background.
const LAKE = rgb('#7fb2e5').map((c, i) => Math.round(0.85 * c + 0.15 * BACKGROUND[i]));

/** MapLibre's modules: none may be asked for before the first use on a phone. */
const isMapLibre = (u) => /\/vendor\/maplibre-gl@[^/]+\/maplibre-gl(-worker)?\.mjs$/.test(new URL(u).pathname) || new URL(u).pathname === '/js/map.js';

// --- an independent Web Mercator and fitBounds -----------------------------------------------

/** Web Mercator in 0..1 (x east from 180°W, y south from the north edge), from sin(lat). */
const merc = ([lon, lat]) => {
  const s = Math.sin((lat * Math.PI) / 180);
  return [lon / 360 + 0.5, 0.5 - Math.log((1 + s) / (1 - s)) / (4 * Math.PI)];
};
const unmerc = ([x, y]) => [(x - 0.5) * 360, (Math.atan(Math.sinh(Math.PI * (1 - 2 * y))) * 180) / Math.PI];

/**
 * The camera of fitBounds(bbox, {padding}) in a w x h map, and the page coordinates of a
 * position on it: the zoom at which the bbox's Mercator box fills w - 2 padding or h - 2
 * padding (whichever is tighter) of a 512 * 2^zoom px world, centred on the box's middle.
 */
function fitted(bbox, rect, padding = 20) {
  const w = Math.floor(rect.width);
  const h = Math.floor(rect.height);
  const [x0, y0] = merc([bbox[0], bbox[3]]);
  const [x1, y1] = merc([bbox[2], bbox[1]]);
  const world = Math.min((w - 2 * padding) / (x1 - x0), (h - 2 * padding) / (y1 - y0));
  const c = [(x0 + x1) / 2, (y0 + y1) / 2];
  return {
    zoom: Math.log2(world / 512),
    centre: unmerc(c),
    at: (p) => {
      const [x, y] = merc(p);
      return { x: rect.left + (x - c[0]) * world + w / 2, y: rect.top + (y - c[1]) * world + h / 2 };
    },
    lngLat: ({ x, y }) => unmerc([c[0] + (x - rect.left - w / 2) / world, c[1] + (y - rect.top - h / 2) / world]),
  };
}

/** Whether [lon, lat] is inside a (Multi)Polygon (even-odd over every ring). */
function inside(p, geometry) {
  const polys = geometry.type === 'Polygon' ? [geometry.coordinates] : geometry.coordinates;
  let odd = false;
  for (const ring of polys.flat()) {
    for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
      const [xi, yi] = ring[i];
      const [xj, yj] = ring[j];
      if (yi > p[1] !== yj > p[1] && p[0] < ((xj - xi) * (p[1] - yi)) / (yj - yi) + xi) odd = !odd;
    }
  }
  return odd;
}

const dist = (a, b) => Math.hypot(a.x - b.x, a.y - b.y);
function toSegment(p, a, b) {
  const dx = b.x - a.x;
  const dy = b.y - a.y;
  const k = dx || dy ? Math.max(0, Math.min(1, ((p.x - a.x) * dx + (p.y - a.y) * dy) / (dx * dx + dy * dy))) : 0;
  return Math.hypot(p.x - a.x - k * dx, p.y - a.y - k * dy);
}

/**
 * Where the first view must show what: a few nursing rooms (no other room within 9 px, so no
 * neighbour's ring covers the centre), some points of the district outline and some inside
 * the lakes (away from the district, its outline and every dot), all inside the map above the
 * sheet and away from the corners where the live map puts its buttons.
 */
async function expectedPoints(h, page) {
  const { layers } = await h.api('/api/layers');
  const bbox = layers.find((l) => l.id === 'district').bbox;
  const rect = await page.evaluate(() => document.getElementById('map').getBoundingClientRect().toJSON());
  const sheetTop = await page.evaluate(() => document.getElementById('panel').getBoundingClientRect().top);
  const cam = fitted(bbox, rect);
  const usable = (p) => p.x > rect.left + 12 && p.x < rect.right - 12 && p.y > rect.top + 12 && p.y < sheetTop - 40
    && !(p.x > rect.right - 70 && p.y < rect.top + 100) && !(p.x < rect.left + 120 && p.y > sheetTop - 60);
  const rooms = (await h.api('/ogcapi/collections/nursing_rooms/items?limit=1000')).features;
  const stations = (await h.api('/ogcapi/collections/service_stations/items?limit=1000')).features;
  const district = (await h.api('/ogcapi/collections/district/items?limit=10')).features[0].geometry;
  const lakes = (await h.api('/ogcapi/collections/water/items?limit=10')).features;
  const roomAt = rooms.map((f) => ({ id: f.id, ...cam.at(f.geometry.coordinates) }));
  const dots = [...roomAt, ...stations.map((f) => cam.at(f.geometry.coordinates))];
  const alone = roomAt.filter((r) => usable(r) && roomAt.every((o) => o === r || dist(o, r) >= 9));
  const rings = district.coordinates.flat().map((ring) => ring.map((p) => cam.at(p)));
  const outline = rings.flatMap((ring) => ring.filter((p, i) => i % 40 === 0))
    .filter((p) => usable(p) && dots.every((d) => dist(d, p) > 14));
  const nearOutline = (p, px) => rings.some((ring) => ring.some((a, i) => i > 0 && toSegment(p, ring[i - 1], a) < px));
  const lake = [];
  for (let x = rect.left + 10; x < rect.right; x += 20) {
    for (let y = rect.top + 10; y < sheetTop; y += 20) {
      const p = { x, y };
      if (!usable(p)) continue;
      const ll = cam.lngLat(p);
      if (!lakes.some((f) => inside(ll, f.geometry)) || inside(ll, district)) continue;
      // Well inside a lake: its neighbours 6 px away are lake too, no outline or dot near.
      const around = [[6, 0], [-6, 0], [0, 6], [0, -6]].map(([dx, dy]) => cam.lngLat({ x: x + dx, y: y + dy }));
      if (!around.every((q) => lakes.some((f) => inside(q, f.geometry)))) continue;
      if (nearOutline(p, 8) || dots.some((d) => dist(d, p) < 14)) continue;
      lake.push(p);
    }
  }
  // Plain ground: outside the lakes and the district, away from everything.
  const ground = [];
  for (let x = rect.left + 15; x < rect.right; x += 30) {
    for (let y = rect.top + 15; y < sheetTop; y += 30) {
      const p = { x, y };
      const ll = cam.lngLat(p);
      if (!usable(p) || lakes.some((f) => inside(ll, f.geometry)) || inside(ll, district) || nearOutline(p, 8)) continue;
      const around = [[8, 0], [-8, 0], [0, 8], [0, -8]].map(([dx, dy]) => cam.lngLat({ x: x + dx, y: y + dy }));
      if (around.some((q) => lakes.some((f) => inside(q, f.geometry)))) continue;
      ground.push(p);
    }
  }
  return { cam, rect, rooms: alone, outline, lake, ground };
}

/** The colours of a screenshot match what must be where: rooms, outline, lakes, ground. */
async function checkPicture(page, E, label) {
  const png = await page.screenshot();
  const scale = PHONE.deviceScaleFactor;
  assert.ok(E.rooms.length >= 6, `${label}: ${E.rooms.length} rooms to check`);
  const roomCols = await coloursAt(page, png, E.rooms, scale);
  E.rooms.forEach((r, i) => assert.ok(near(roomCols[i], ROOM, 30), `${label}: room ${r.id} at (${r.x.toFixed(1)}, ${r.y.toFixed(1)}) is pink, got ${roomCols[i]}`));
  // The outline is 2.5 px wide: some pixel of the 5 x 5 around each of its points is purple.
  assert.ok(E.outline.length >= 8, `${label}: ${E.outline.length} outline points to check`);
  let onOutline = 0;
  for (const p of E.outline) {
    const box = [];
    for (let dx = -2; dx <= 2; dx++) for (let dy = -2; dy <= 2; dy++) box.push({ x: p.x + dx, y: p.y + dy });
    if ((await coloursAt(page, png, box, scale)).some((c) => near(c, OUTLINE, 50))) onOutline++;
  }
  assert.ok(onOutline >= 0.9 * E.outline.length, `${label}: the district outline passes ${onOutline} of ${E.outline.length} of its points`);
  assert.ok(E.lake.length >= 10, `${label}: ${E.lake.length} lake points to check`);
  const lakeCols = await coloursAt(page, png, E.lake, scale);
  const wet = lakeCols.filter((c) => near(c, LAKE, 20)).length;
  assert.ok(wet >= 0.95 * E.lake.length, `${label}: ${wet} of ${E.lake.length} lake points are lake blue ${LAKE}: ${JSON.stringify(lakeCols.slice(0, 5))}`);
  assert.ok(E.ground.length >= 10, `${label}: ${E.ground.length} ground points to check`);
  const groundCols = await coloursAt(page, png, E.ground, scale);
  const plain = groundCols.filter((c) => near(c, BACKGROUND, 8)).length;
  assert.ok(plain >= 0.95 * E.ground.length, `${label}: ${plain} of ${E.ground.length} ground points are the background`);
}

/** Hold MapLibre's module back until `release()` (page.route sees no service worker's requests). */
async function holdMapLibre(page) {
  let release;
  const held = new Promise((r) => (release = r));
  await page.route((u) => /\/maplibre-gl\.mjs$/.test(u.pathname), async (route) => {
    await held;
    await route.continue();
  });
  return release;
}

test('facade (phone): the first view loads no MapLibre and draws the district, the lakes and the rooms where the map will', { timeout: 240000 }, async () => {
  const h = await start({ contextOptions: PHONE });
  try {
    const { page } = h;
    await openApp(h);
    assert.equal(await page.evaluate(() => document.body.dataset.map), 'facade');
    // No MapLibre: not asked for, not preloaded, nothing of it in the page (no WebGL canvas,
    // no map container, no style, no tiles), and nothing fetched but the view's layers.
    assert.deepEqual(h.requests.filter(isMapLibre), [], 'no MapLibre module asked for');
    assert.deepEqual(await page.$$eval('link[rel=modulepreload]', (ls) => ls.map((l) => l.href).filter((u) => /maplibre|\/map\.js$/.test(u))), []);
    assert.deepEqual(await page.evaluate(() => ({
      canvas: document.querySelectorAll('canvas').length,
      maplibre: document.querySelectorAll('.maplibregl-map, .maplibregl-canvas').length,
      map: window.nestmap.map,
    })), { canvas: 0, maplibre: 0, map: null });
    const fetched = h.requests.map((u) => new URL(u).pathname).filter((p) => p.startsWith('/ogcapi/') || p.startsWith('/api/'));
    assert.deepEqual([...fetched].sort(), ['/api/layers', ...['district', 'nursing_rooms', 'pocket_parks', 'service_stations', 'water'].map((id) => `/ogcapi/collections/${id}/items`)].sort());
    // Named for a screen reader.
    assert.equal(await page.getAttribute('.facade-picture', 'role'), 'img');
    const name = await page.getAttribute('.facade-picture', 'aria-label');
    for (const part of ['相城区', '湖泊', '母婴室（58 个）']) assert.ok(name.includes(part), `the picture's name says ${part}: ${name}`);

    // What the picture shows, where an independent projection says.
    const E = await expectedPoints(h, page);
    await h.screenshot('facade-phone');
    await checkPicture(page, E, 'facade');

    // A tap on plain ground is a use: the live map starts and takes the picture's place at
    // the same camera, with the same colours at the same points.
    await page.tap('#map', { position: { x: E.ground[0].x - E.rect.left, y: E.ground[0].y - E.rect.top } });
    await mapIdle(page);
    assert.ok(h.requests.some(isMapLibre), 'MapLibre asked for after the tap');
    assert.equal(await page.locator('.facade').count(), 0, 'the picture is gone');
    const cam = await page.evaluate(() => ({ zoom: window.nestmap.map.getZoom(), ...window.nestmap.map.getCenter() }));
    assert.ok(Math.abs(cam.zoom - E.cam.zoom) < 1e-6, `the live map opens at zoom ${E.cam.zoom}, got ${cam.zoom}`);
    assert.ok(Math.abs(cam.lng - E.cam.centre[0]) < 1e-7 && Math.abs(cam.lat - E.cam.centre[1]) < 1e-7, `centred on ${E.cam.centre}, got ${cam.lng}, ${cam.lat}`);
    await h.screenshot('facade-phone-live');
    await checkPicture(page, E, 'live map after the hand-over');
    assert.equal(await page.evaluate(() => window.nestmap.state.get().popup), null, 'a tap on plain ground opens nothing');
    assert.deepEqual(h.offHost, [], 'no request left 127.0.0.1');
    assert.deepEqual(h.consoleErrors, [], 'no console errors');
  } finally {
    await h.close();
  }
});

test('facade (phone): 定位我 starts the live map with a note while it loads; the list does not wait; the framing follows', { timeout: 240000 }, async () => {
  const h = await start({ contextOptions: { geolocation: HERE, permissions: ['geolocation'], ...PHONE } });
  try {
    const { page } = h;
    await openApp(h);
    const release = await holdMapLibre(page);
    await page.click('#locate-me');
    // While MapLibre is on its way: a note over the picture, and the list already there.
    await page.waitForFunction(() => document.body.dataset.map === 'loading');
    assert.equal(await page.textContent('.map-status'), '正在加载地图…');
    assert.ok(await page.isVisible('.map-status'));
    await page.waitForFunction(() => document.querySelectorAll('#results > li').length === 5);
    const api = await h.api(`/api/nearest?layer=nursing_rooms&lon=${HERE.longitude}&lat=${HERE.latitude}&k=5`);
    assert.deepEqual(await page.$$eval('#results > li', (lis) => lis.map((li) => li.dataset.id)), api.features.map((f) => f.id), 'the list is the API\'s, before the map');
    // The note follows the language.
    await page.click('#lang-switch');
    assert.equal(await page.textContent('.map-status'), 'Loading the map…');
    assert.match(await page.getAttribute('.facade-picture', 'aria-label'), /^Map \(a still preview.*Nursing rooms \(58\)/);
    await page.click('#lang-switch');
    await h.screenshot('facade-phone-loading');
    release();
    // Once there: the position and the five rooms framed above the sheet (framing.test.mjs
    // checks the colours of such a framing).
    await liveMap(page);
    await page.waitForFunction(() => !window.nestmap.map.isMoving());
    await mapIdle(page);
    const L = await page.evaluate(() => {
      const { map, state } = window.nestmap;
      const c = map.getCanvas().getBoundingClientRect();
      const top = document.getElementById('panel').getBoundingClientRect().top;
      const at = (p) => map.project(p);
      const p = state.get().parent;
      return { w: c.width, h: top - c.top, pts: [p.point, ...p.results.map((f) => f.properties.nav?.wgs84 || f.geometry.coordinates)].map(at) };
    });
    for (const q of L.pts) assert.ok(q.x > 6 && q.x < L.w - 6 && q.y > 6 && q.y < L.h - 6, `framed above the sheet: ${JSON.stringify(q)} in ${L.w} x ${L.h}`);
    assert.equal(await page.isVisible('.map-status'), false, 'the note goes with the picture');
    assert.deepEqual(h.consoleErrors, [], 'no console errors');
  } finally {
    await h.close();
  }
});

test('facade (phone): a tap on the picture while the map loads picks a position, or opens a room\'s popup, once it is there', { timeout: 240000 }, async () => {
  const h = await start({ contextOptions: PHONE });
  try {
    const { page } = h;
    await openApp(h);
    const E = await expectedPoints(h, page);
    let release = await holdMapLibre(page);
    // 在地图上选点 starts the map; the tap lands on the picture, still there: the position
    // is where the independent projection says that pixel is.
    await page.click('#pick-on-map');
    await page.waitForFunction(() => document.body.dataset.map === 'loading');
    const spot = E.ground[Math.floor(E.ground.length / 2)];
    await page.tap('.facade-picture', { position: { x: spot.x - E.rect.left, y: spot.y - E.rect.top } });
    await page.waitForFunction(() => window.nestmap.state.get().parent.point !== null);
    const point = await page.evaluate(() => window.nestmap.state.get().parent.point);
    const want = E.cam.lngLat(spot);
    assert.ok(Math.abs(point[0] - want[0]) < 1e-4 && Math.abs(point[1] - want[1]) < 1e-4, `picked ${point}, the pixel is at ${want}`);
    await page.waitForFunction(() => document.querySelector('#view-parent').dataset.loading === '0' && document.querySelectorAll('#results > li').length > 0);
    release();
    await liveMap(page);
    await page.waitForFunction(() => !window.nestmap.map.isMoving());
    await mapIdle(page);
    const me = await page.evaluate(() => window.nestmap.map.queryRenderedFeatures({ layers: ['parent-me:circle'] }).length);
    assert.equal(me, 1, 'the picked position is drawn on the live map');
    await page.unrouteAll();
  } finally {
    await h.close();
  }

  // A room's dot tapped on the picture: its popup, on the live map.
  const h2 = await start({ contextOptions: PHONE });
  try {
    const { page } = h2;
    await openApp(h2);
    const E = await expectedPoints(h2, page);
    const release = await holdMapLibre(page);
    const room = E.rooms[0];
    await page.tap('.facade-picture', { position: { x: room.x - E.rect.left, y: room.y - E.rect.top } });
    await page.waitForFunction(() => document.body.dataset.map === 'loading');
    assert.deepEqual(await page.evaluate(() => {
      const p = window.nestmap.state.get().popup;
      return p && { layer: p.layer, id: p.id };
    }), { layer: 'nursing_rooms', id: room.id }, 'the tap chose the room under it');
    release();
    await liveMap(page);
    const popup = page.locator('.maplibregl-popup .popup');
    await popup.waitFor();
    assert.equal(await popup.getAttribute('data-id'), room.id);
    await h2.screenshot('facade-phone-popup');
    assert.deepEqual(h2.consoleErrors, [], 'no console errors');
  } finally {
    await h2.close();
  }
});

test('facade: a wide screen, and the other views on a phone, start the live map at once', { timeout: 240000 }, async () => {
  for (const [label, opts, query] of [['desktop', DESKTOP, ''], ['phone planner', PHONE, '?view=planner'], ['phone shared position', PHONE, `?at=${HERE.longitude},${HERE.latitude}`]]) {
    const h = await start({ contextOptions: opts });
    try {
      const { page } = h;
      // Whether a picture was ever put in the map's place.
      await page.addInitScript(() => {
        new MutationObserver(() => {
          if (document.querySelector('.facade')) window.facadeSeen = true;
        }).observe(document, { childList: true, subtree: true });
      });
      await openApp(h, query);
      await liveMap(page);
      assert.ok(h.requests.some(isMapLibre), `${label}: MapLibre asked for`);
      assert.equal(await page.evaluate(() => window.facadeSeen ?? false), false, `${label}: no picture`);
      if (label === 'desktop') {
        // Preloaded beside main.js, and opened on the district as the facade would draw it.
        assert.ok((await page.$$eval('link[rel=modulepreload]', (ls) => ls.map((l) => l.href))).some((u) => u.endsWith('/maplibre-gl.mjs')));
        const { layers } = await h.api('/api/layers');
        const rect = await page.evaluate(() => document.getElementById('map').getBoundingClientRect().toJSON());
        const want = fitted(layers.find((l) => l.id === 'district').bbox, rect);
        const zoom = await page.evaluate(() => window.nestmap.map.getZoom());
        assert.ok(Math.abs(zoom - want.zoom) < 1e-6, `zoom ${zoom}, fitBounds gives ${want.zoom}`);
        await mapIdle(page);
        await h.screenshot('facade-desktop-live');
      }
      if (label === 'phone shared position') {
        await page.waitForFunction(() => document.querySelectorAll('#results > li').length === 5);
      }
      assert.deepEqual(h.consoleErrors, [], `${label}: no console errors`);
    } finally {
      await h.close();
    }
  }
});

test('facade (phone): with MapLibre unavailable the list, hours, map links and sharing still work', { timeout: 240000 }, async () => {
  const h = await start({ contextOptions: { geolocation: HERE, permissions: ['geolocation'], ...PHONE } });
  try {
    const { page } = h;
    await page.route((u) => /\/maplibre-gl\.mjs$/.test(u.pathname), (route) => route.abort());
    await openApp(h);
    await page.click('#locate-me');
    await page.waitForFunction(() => document.body.dataset.map === 'error');
    assert.match(await page.textContent('.map-status'), /^地图无法加载/);
    assert.ok(await page.isVisible('.facade-picture'), 'the picture stays');
    assert.equal(await page.isVisible('.facade-open'), false, 'no button to open a map that cannot start');
    await page.waitForFunction(() => document.querySelectorAll('#results > li').length === 5);
    const api = await h.api(`/api/nearest?layer=nursing_rooms&lon=${HERE.longitude}&lat=${HERE.latitude}&k=5`);
    assert.deepEqual(await page.$$eval('#results > li', (lis) => lis.map((li) => li.dataset.id)), api.features.map((f) => f.id));
    assert.equal(await page.locator('#results > li .hours').count(), api.features.filter((f) => f.properties.hours_line || f.properties.opening_hours).length, 'the hours lines');
    const pick = api.features[1];
    await page.click(`#results > li[data-id="${pick.id}"]`);
    await page.waitForSelector(`#results > li.active[data-id="${pick.id}"] a.nav-link`);
    assert.equal(await page.getAttribute('#results > li.active a.nav-link', 'href'), pick.properties.nav.amap_url || pick.properties.nav.amap);
    await page.click('#share-position');
    assert.match(await page.inputValue('#share-link'), /[?&]at=120\.64000,31\.42000/);
    await page.click('[data-filter="open"]');
    await page.waitForFunction(() => document.querySelector('#view-parent').dataset.loading === '0');
    await h.screenshot('facade-phone-no-maplibre');
    assert.ok(h.consoleErrors.every((e) => /maplibre|map could not start|Failed to load|Failed to fetch|ERR_FAILED/i.test(e)), `only the map's failure: ${h.consoleErrors}`);
  } finally {
    await h.close();
  }
});
