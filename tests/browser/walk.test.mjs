// Walking along the network (issue 16), as the parent and the planner see it on the sample's
// (synthetic) street network:
// - parent, on a phone: each result shows its walking minutes along the network with the
//   straight distance in small type, equal to the API's mode=walk answer; the chosen result's
//   walking path is the API's path, drawn: the walk line's colour is on screen at the path's
//   own projected vertices (not only in the style), on top of the streets;
// - planner, on a desktop: a clicked point's isochrones and a layer's joint catchment, their
//   bands' population, children and network length equal to the API's, and drawn.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { start, openApp, mapIdle, liveMap } from './harness.mjs';
import { drawnAt, rendered, rgb, toPage } from './util.mjs';

// A position in the town centre, where the sample's streets are dense.
const HERE = { longitude: 120.64, latitude: 31.42 };
const WALK = rgb('#ad1457'); // the parent-walk line (web/js/map.js)

test('parent: walking minutes along the network and the path drawn to the chosen room', { timeout: 180000 }, async () => {
  const h = await start({ contextOptions: { geolocation: HERE, permissions: ['geolocation'], viewport: { width: 412, height: 860 }, isMobile: true, hasTouch: true, deviceScaleFactor: 1 } });
  try {
    const { page } = h;
    await openApp(h);
    const layers = await h.api('/api/layers');
    assert.ok(layers.network, 'the sample has a walking network');
    assert.equal(layers.network.synthetic, true, 'labelled synthetic');

    await page.click('#locate-me');
    await page.waitForFunction(() => document.querySelectorAll('#results > li').length === 5 && document.querySelector('#view-parent').dataset.loading === '0');
    const api = await h.api(`/api/nearest?layer=nursing_rooms&lon=${HERE.longitude}&lat=${HERE.latitude}&k=5&path=true`);
    assert.equal(api.query.mode, 'walk', 'walking is the default with a network');
    const shown = await page.$$eval('#results > li', (lis) => lis.map((li) => ({
      id: li.dataset.id,
      distance_m: Number(li.dataset.distance),
      walk: li.querySelector('.walk')?.textContent,
      straight: li.querySelector('.straight')?.textContent,
    })));
    assert.deepEqual(shown.map((r) => [r.id, r.distance_m]), api.features.map((f) => [f.id, f.properties.distance_m]), 'the walking order and distances of the API');
    for (const [i, f] of api.features.entries()) {
      const p = f.properties;
      assert.ok(p.distance_m + 0.5 >= p.straight_m, `${f.id}: a walk is never shorter than the straight line`);
      assert.match(shown[i].walk, new RegExp(`\\b${Math.round(p.walk_min)}\\b`), `${f.id}: walking minutes`);
      assert.ok(shown[i].straight, `${f.id}: the straight distance in small type`);
    }

    // Choose the result whose path bends most (most vertices): its path is the API's, drawn.
    const pick = [...api.features].sort((a, b) => b.properties.path.coordinates.length - a.properties.path.coordinates.length)[0];
    const coords = pick.properties.path.coordinates;
    assert.ok(coords.length > 2, `the path turns at junctions: ${coords.length} vertices`);
    await page.click(`#results > li[data-id="${pick.id}"]`);
    await page.waitForSelector(`#results > li.active[data-id="${pick.id}"]`);
    // 定位我 started the live map (the phone opens on the facade's picture): wait for it.
    await liveMap(page);
    await page.waitForFunction(() => !window.nestmap.map.isMoving());
    await mapIdle(page);
    const walk = await rendered(page, ['parent-walk:line']);
    assert.ok(walk.length > 0 && walk.every((f) => f.properties.id === pick.id), 'the walk line is drawn for the chosen room');
    const drawn = await page.evaluate(() => window.nestmap.map.getSource('parent-walk').serialize().data.features[0].geometry.coordinates);
    assert.deepEqual(drawn, coords, 'the line drawn is the API path');

    // On screen: the walk's colour at the path's inner vertices (ends are under the dots).
    const png = await page.screenshot();
    await h.screenshot('walk-parent');
    const inner = [];
    for (const c of coords.slice(1, -1)) {
      const q = await toPage(page, c);
      if (q.inside) inner.push(q);
    }
    assert.ok(inner.length > 0, 'some of the path is in view');
    const hits = await drawnAt(page, png, inner, WALK, 1);
    const share = hits.filter(Boolean).length / hits.length;
    assert.ok(share >= 0.6, `the walk line is on screen at ${(share * 100).toFixed(0)}% of its ${inner.length} inner vertices`);

    assert.deepEqual(h.offHost, [], 'no request left 127.0.0.1');
    assert.deepEqual(h.consoleErrors, [], 'no console errors');
  } finally {
    await h.close();
  }
});

/** The isochrone bands shown in the planner's table: minutes -> {population, children, network_m}. */
async function bandsShown(page) {
  await page.waitForSelector('#isochrones[data-loading="0"] #iso-bands tbody tr', { timeout: 60000 });
  return page.$$eval('#iso-bands tbody tr', (trs) => trs.map((tr) => ({
    minutes: Number(tr.dataset.minutes),
    ...Object.fromEntries([...tr.querySelectorAll('td[data-key]')].map((td) => [td.dataset.key, Number(td.dataset.value)])),
  })));
}

const bandsOf = (fc) => fc.features.map((f) => ({ minutes: f.properties.minutes, population: f.properties.population, children: f.properties.children, network_m: f.properties.network_m }));

test('planner: isochrones from a clicked point and for a layer, equal to the API and drawn', { timeout: 240000 }, async () => {
  const h = await start({ contextOptions: { viewport: { width: 1280, height: 860 } } });
  try {
    const { page } = h;
    await openApp(h);
    await page.click('#tab-planner');
    await page.waitForSelector('#isochrones');
    await mapIdle(page);

    // A clicked point: the page asks for its isochrones; the table is the API's answer to it.
    await page.click('#iso-pick');
    assert.equal(await page.getAttribute('#iso-pick', 'aria-pressed'), 'true');
    const at = await toPage(page, [HERE.longitude, HERE.latitude]);
    assert.ok(at.inside, 'the point is in view');
    const asked = page.waitForRequest((r) => new URL(r.url()).pathname === '/api/isochrones');
    await page.mouse.click(at.x, at.y);
    const q = new URL((await asked).url());
    assert.equal(q.searchParams.get('minutes'), '5,10,15');
    const shown = await bandsShown(page);
    const api = await h.api(q.pathname + q.search);
    assert.equal(api.features.length, 3);
    assert.deepEqual(shown, bandsOf(api), 'the bands of the API');
    // Wider bands hold at least as much.
    for (let i = 1; i < shown.length; i++) {
      assert.ok(shown[i].minutes > shown[i - 1].minutes && shown[i].network_m >= shown[i - 1].network_m && shown[i].population >= shown[i - 1].population);
    }
    await mapIdle(page);
    const fills = await rendered(page, ['isochrones:fill']);
    assert.deepEqual([...new Set(fills.map((f) => f.properties.minutes))].sort((a, b) => a - b), [5, 10, 15], 'every band is drawn');
    await h.screenshot('walk-planner-point');

    // A layer's joint catchment: one search from every nursing room.
    await page.check('input[name="layer"][value="nursing_rooms"]');
    await page.click('#iso-layer');
    await page.waitForFunction(() => document.querySelector('#isochrones')?.dataset.loading === '0' && document.querySelector('#iso-bands'));
    const layerShown = await bandsShown(page);
    const layerApi = await h.api('/api/isochrones?layer=nursing_rooms&minutes=5,10,15');
    assert.deepEqual(layerShown, bandsOf(layerApi), 'the layer bands of the API');
    assert.ok(layerShown[2].population > shown[2].population, 'every room together reaches more people than one point');
    await mapIdle(page);
    assert.ok((await rendered(page, ['isochrones:fill'])).length > 0, 'the layer bands are drawn');
    await h.screenshot('walk-planner-layer');

    assert.deepEqual(h.offHost, [], 'no request left 127.0.0.1');
    assert.deepEqual(h.consoleErrors, [], 'no console errors');
  } finally {
    await h.close();
  }
});
