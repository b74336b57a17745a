// Issue 15.5: nothing fetched that the first view does not show. A fresh load of the parent
// view asks for the features of the layers it draws (the district outline, the lakes, nursing
// rooms, stations, parks) and of no other: no Suzhou districts, townships, demand points,
// school lines. A layer turned on in the layers panel is fetched then, and drawn; entering the
// route view fetches the school lines it draws.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { start, openApp, mapIdle } from './harness.mjs';
import { rendered } from './util.mjs';

/** The layer ids whose items were asked for, in `requests` (URLs), in order. */
const fetchedLayers = (requests) => requests
  .map((u) => new URL(u).pathname.match(/^\/ogcapi\/collections\/([^/]+)\/items$/))
  .filter(Boolean)
  .map((m) => decodeURIComponent(m[1]));

const ready = (page) => page.waitForFunction(() => document.body.dataset.ready === '1' || document.body.dataset.ready === 'error', null, { timeout: 60000 })
  .then(() => page.evaluate(() => document.body.dataset.ready));

test('first view: the parent view fetches only the layers it draws; a layer shown later is fetched then', { timeout: 180000 }, async () => {
  const h = await start();
  try {
    const { page } = h;
    const { layers } = await h.api('/api/layers');
    const kindOf = Object.fromEntries(layers.map((l) => [l.id, l]));
    // What the page asks for (the service worker, once there, asks the server again for some:
    // those are the worker's requests, not the page's).
    const requests = [];
    page.on('request', (req) => requests.push(req.url()));
    await openApp(h);
    await mapIdle(page);

    // What the parent view draws: the district outline, the lakes (the phone's first view
    // draws them in its picture: the live map must look the same) and its chips' kinds, once.
    const drawn = ['district', 'water', 'nursing_rooms', 'service_stations', 'pocket_parks'];
    const fetched = fetchedLayers(requests);
    assert.deepEqual([...fetched].sort(), [...drawn].sort(), `fetched on a fresh parent view: ${fetched}`);
    for (const id of fetched) {
      assert.equal(kindOf[id].style?.backdrop, undefined, `${id} is no backdrop`);
      const vis = await page.evaluate((id) => window.nestmap.nestMap.styleLayers[id]
        .map((sid) => window.nestmap.map.getLayoutProperty(sid, 'visibility')), id);
      assert.ok(vis.every((v) => v === 'visible'), `${id} is shown: ${vis}`);
    }
    assert.ok((await rendered(page, ['nursing_rooms:circle'])).length > 40, 'the rooms are drawn');
    assert.ok((await rendered(page, ['district:line'])).length > 0, 'the district outline is drawn');
    assert.ok((await rendered(page, ['water:fill'])).length > 0, 'the lakes are drawn');
    // What it does not draw is hidden, and was never asked for.
    for (const id of ['suzhou_districts', 'townships', 'demand', 'school_bus_routes']) {
      assert.equal(await page.evaluate((id) => window.nestmap.map.getLayoutProperty(`${id}:${id === 'demand' ? 'circle' : id === 'school_bus_routes' ? 'line' : 'fill'}`, 'visibility'), id), 'none', `${id} hidden`);
    }
    // Nor anything but the page, its modules, MapLibre, the catalog, those items and the
    // streets' vector tiles (the sample has a roads layer: drawn from tiles, never fetched
    // as GeoJSON items) with their labels' glyphs.
    const isTile = (p) => /^\/tiles\/roads\/\d+\/\d+\/\d+\.mvt$/.test(p);
    const other = requests.filter((u) => {
      const p = new URL(u).pathname;
      return !(p === '/' || p.startsWith('/js/') || p.startsWith('/css/') || p.startsWith('/vendor/maplibre-gl@')
        || p === '/api/layers' || p === '/sw.js' || /^\/ogcapi\/collections\/[^/]+\/items$/.test(p)
        || isTile(p) || p.startsWith('/fonts/'));
    });
    assert.ok(requests.some((u) => isTile(new URL(u).pathname)), 'the streets come as tiles');
    assert.deepEqual(other, [], 'nothing else was fetched');

    // The layers panel shows what is hidden, unchecked; checking the townships fetches and draws them.
    await page.click('#tab-shell');
    const box = page.locator('input[data-layer="townships"]');
    assert.equal(await box.isChecked(), false, 'the townships start unchecked');
    const before = requests.length;
    await box.check();
    assert.equal(await ready(page), '1');
    assert.deepEqual(fetchedLayers(requests.slice(before)), ['townships'], 'the townships, and only they, fetched when shown');
    await mapIdle(page);
    assert.ok((await rendered(page, ['townships:fill'])).length > 0, 'the townships are drawn');
    // Hidden and shown again: drawn, not fetched again.
    await box.uncheck();
    await box.check();
    assert.equal(await ready(page), '1');
    assert.deepEqual(fetchedLayers(requests.slice(before)), ['townships'], 'fetched once');

    // The route view draws the school lines: entering it fetches them.
    const beforeRoutes = requests.length;
    await page.click('#tab-routes');
    await page.waitForFunction(() => window.nestmap.state.get().data.school_bus_routes);
    assert.equal(await ready(page), '1');
    const routeFetch = fetchedLayers(requests.slice(beforeRoutes));
    assert.ok(routeFetch.includes('school_bus_routes') && routeFetch.includes('school_bus_stops'), `${routeFetch}`);
    assert.ok(!routeFetch.includes('suzhou_districts'), 'no backdrop for the route view');
    await mapIdle(page);
    assert.ok((await rendered(page, ['school_bus_routes:line'])).length > 0, 'the school lines are drawn');
    await h.screenshot('firstview');

    assert.deepEqual(h.offHost, [], 'no request left 127.0.0.1');
    assert.deepEqual(h.consoleErrors, [], 'no console errors');
  } finally {
    await h.close();
  }
});
