// The parent view: locate me -> the 5 nearest nursing rooms, equal to the API (ids, order,
// distances); the open-now and amenity chips re-query with the same answers as the API;
// tapping a result highlights it and shows the navigation link; an answer overtaken by a newer
// one is dropped.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { start, openApp, mapIdle } from './harness.mjs';
import { rendered } from './util.mjs';

const HERE = { longitude: 120.64, latitude: 31.42 };

async function shownResults(page) {
  await page.waitForFunction(() => document.querySelector('#view-parent')?.dataset.loading === '0');
  return page.evaluate(() => {
    if (document.querySelector('#no-results')) return [];
    return [...document.querySelectorAll('#results > li')].map((li) => ({ id: li.dataset.id, distance_m: Number(li.dataset.distance) }));
  });
}

const expected = (fc) => fc.features.map((f) => ({ id: f.id, distance_m: f.properties.distance_m }));

test('parent view: nearest nursing rooms from my position, filters, highlight', { timeout: 180000 }, async () => {
  // No service worker: this test holds an answer back with page.route, which does not see
  // the requests a service worker handles (offline.test.mjs tests the worker).
  const h = await start({ contextOptions: { geolocation: HERE, permissions: ['geolocation'], viewport: { width: 412, height: 860 }, isMobile: true, hasTouch: true, serviceWorkers: 'block' } });
  try {
    const { page } = h;
    await openApp(h);
    // The default view on a phone is the parent view, as a bottom sheet.
    assert.equal(await page.getAttribute('#tab-parent', 'aria-selected'), 'true');
    assert.equal(await page.evaluate(() => getComputedStyle(document.querySelector('#panel')).position), 'absolute');
    // It opens on the map's picture (facade.js); a tap on the map starts the live map.
    assert.equal(await page.evaluate(() => document.body.dataset.map), 'facade');
    await page.tap('#map', { position: { x: 60, y: 120 } });
    // The attribution starts folded to its ⓘ on a phone (issue 15: it covered a fifth of the
    // map), and the ⓘ opens it.
    await mapIdle(page);
    const attrib = () => page.evaluate(() => {
      const el = document.querySelector('.maplibregl-ctrl-attrib');
      const r = el.getBoundingClientRect();
      return { open: el.classList.contains('maplibregl-compact-show'), width: r.width, height: r.height };
    });
    const folded = await attrib();
    assert.equal(folded.open, false, 'folded at first');
    assert.ok(folded.width <= 32 && folded.height <= 32, `folded to the ⓘ: ${folded.width} x ${folded.height} px`);
    await page.click('.maplibregl-ctrl-attrib-button');
    const opened = await attrib();
    assert.equal(opened.open, true, 'the ⓘ opens it');
    assert.ok(opened.width > 100, `open, it shows the sources: ${opened.width} px wide`);
    await page.click('.maplibregl-ctrl-attrib-button');

    const q = `/api/nearest?layer=nursing_rooms&lon=${HERE.longitude}&lat=${HERE.latitude}&k=5`;
    await page.click('#locate-me');
    await page.waitForFunction(() => document.querySelectorAll('#results > li').length === 5);
    const all = await shownResults(page);
    const api = await h.api(q);
    assert.equal(api.features.length, 5);
    assert.deepEqual(all, expected(api), 'same rooms, same order, same distances as the API');
    // Each item shows its name, distance, walking minutes and the open badge.
    const first = page.locator('#results > li').first();
    const p0 = api.features[0].properties;
    assert.equal(await first.locator('.result-name').textContent(), p0.name);
    assert.match(await first.locator('.walk').textContent(), new RegExp(String(Math.round(p0.walk_min))));
    const badge = p0.open_now === true ? 'open' : p0.open_now === false ? 'closed' : 'unknown';
    assert.equal(await first.locator('.badge').getAttribute('data-open'), badge);
    assert.equal(await first.locator('.amenity').count(), p0.amenities.length);

    // Open now: the list equals the API with open=now, asked at the same moment.
    await page.click('[data-filter="open"]');
    const openShown = await shownResults(page);
    const openApi = await h.api(q + '&open=now');
    assert.deepEqual(openShown.map((r) => r.id), openApi.features.map((f) => f.id), 'open now = API open=now');
    assert.equal(await page.getAttribute('[data-filter="open"]', 'aria-pressed'), 'true');

    // Open now off, changing table on: has=changing_table.
    await page.click('[data-filter="open"]');
    await page.click('[data-filter="changing_table"]');
    await page.waitForFunction(() => document.querySelector('[data-filter="changing_table"]').getAttribute('aria-pressed') === 'true');
    const ctShown = await shownResults(page);
    const ctApi = await h.api(q + '&has=changing_table');
    assert.ok(ctApi.features.length > 0);
    assert.deepEqual(ctShown, expected(ctApi), 'changing table = API has=changing_table');
    assert.ok(ctApi.features.every((f) => f.properties.amenities.includes('changing_table')));

    // Tap the second result: highlighted on the map, with the AMap link.
    const pick = ctApi.features[1];
    await page.click(`#results > li[data-id="${pick.id}"]`);
    await page.waitForSelector(`#results > li.active[data-id="${pick.id}"] a.nav-link`);
    const href = await page.getAttribute(`#results > li.active a.nav-link`, 'href');
    assert.equal(href, pick.properties.nav.amap_url || pick.properties.nav.amap);
    await page.waitForFunction(() => !window.nestmap.map.isMoving());
    await mapIdle(page);
    const active = await rendered(page, ['parent-active:circle']);
    assert.equal(active.length, 1, 'the chosen room is highlighted');
    assert.equal(active[0].properties.id, pick.id);
    assert.equal((await rendered(page, ['parent-me:circle'])).length, 1, 'my position is drawn');

    // Switch to service stations: the amenity chips go, the list follows the API.
    await page.click('[data-kind="service_stations"]');
    await page.waitForFunction(() => document.querySelector('#results')?.dataset.kind === 'service_stations');
    const st = await shownResults(page);
    const stApi = await h.api(`/api/nearest?layer=service_stations&lon=${HERE.longitude}&lat=${HERE.latitude}&k=5`);
    assert.deepEqual(st, expected(stApi));
    assert.equal(await page.locator('[data-filter="changing_table"]').count(), 0);

    await page.click('[data-kind="nursing_rooms"]');
    await page.waitForFunction(() => document.querySelectorAll('#results > li').length > 0 && document.querySelector('#results').dataset.kind === 'nursing_rooms');
    await page.click('#results > li:first-child');
    await page.waitForSelector('#results > li.active a.nav-link');
    await page.waitForFunction(() => !window.nestmap.map.isMoving());
    await mapIdle(page);
    await h.screenshot('parent');

    // A slow answer overtaken by a newer one is dropped: the nursing rooms' answer (changing
    // table off) is held back while the stations are asked for and shown; when it lands at
    // last, the list still shows the stations.
    let release;
    const held = new Promise((r) => (release = r));
    const slow = (u) => u.pathname === '/api/nearest' && u.searchParams.get('layer') === 'nursing_rooms';
    await page.route(slow, async (route) => {
      await held;
      await route.continue();
    });
    await page.click('[data-filter="changing_table"]');
    await page.waitForFunction(() => document.querySelector('#view-parent').dataset.loading === '1');
    await page.click('[data-kind="service_stations"]');
    await page.waitForFunction(() => document.querySelector('#results')?.dataset.kind === 'service_stations');
    assert.deepEqual(await shownResults(page), expected(stApi), 'the newer answer is shown');
    const late = page.waitForResponse((r) => slow(new URL(r.url())));
    release();
    await late;
    await page.evaluate(() => new Promise((r) => setTimeout(r, 500)));
    assert.deepEqual(await shownResults(page), expected(stApi), 'the late answer did not replace it');
    await page.unroute(slow);

    assert.deepEqual(h.offHost, [], 'no request left 127.0.0.1');
    assert.deepEqual(h.consoleErrors, [], 'no console errors');
  } finally {
    await h.close();
  }
});
