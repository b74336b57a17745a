// Issue 15.6 offline: a service worker keeps the shell, MapLibre and the last answers. Locate
// me, wait for the list and for the worker to control the page, lose the network, reload:
// the page comes from the worker (nothing reaches the server), the list shows the same rooms
// in the same order with a note saying from when, a room tapped shows its indoor location,
// and the map is drawn. Back online, a reload shows no note. The browser talks to the server
// through a counting proxy here, so "nothing reached the server" is counted, not assumed.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { ROOT, start, mapIdle, liveMap } from './harness.mjs';
import { rendered } from './util.mjs';

const HERE = { longitude: 120.64, latitude: 31.42 };

/**
 * A proxy on 127.0.0.1 in front of `base`, counting the requests that reach it; while `dark`
 * it drops each one unanswered (a dead link, also for what the emulation does not cover).
 */
async function countingProxy(base) {
  const target = new URL(base);
  const seen = [];
  const proxy = { seen, dark: false };
  const server = http.createServer((req, res) => {
    seen.push(req.url);
    if (proxy.dark) {
      res.destroy();
      return;
    }
    const up = http.request({ host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers }, (r) => {
      res.writeHead(r.statusCode, r.headers);
      r.pipe(res);
    });
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return Object.assign(proxy, { url: `http://127.0.0.1:${server.address().port}`, close: () => new Promise((r) => server.close(r)) });
}

const shownIds = (page) => page.$$eval('#results > li', (lis) => lis.map((li) => li.dataset.id));
const ready = (page) => page.waitForFunction(() => document.body.dataset.ready === '1', null, { timeout: 60000 });

test('sw.js precaches every module of the page', async () => {
  const sw = await readFile(path.join(ROOT, 'web/sw.js'), 'utf8');
  for (const dir of ['js', 'js/ui']) {
    for (const f of await readdir(path.join(ROOT, 'web', dir))) {
      if (f.endsWith('.js')) assert.ok(sw.includes(`'/${dir}/${f}'`), `sw.js PRECACHE lists /${dir}/${f}`);
    }
  }
});

test('offline: the last list, its rooms\' details and the map come back with no network, with a note', { timeout: 240000 }, async () => {
  const h = await start({ contextOptions: { geolocation: HERE, permissions: ['geolocation'], viewport: { width: 412, height: 860 }, isMobile: true, hasTouch: true } });
  const proxy = await countingProxy(h.base);
  try {
    const { page, context } = h;
    await page.goto(`${proxy.url}/`);
    await ready(page);
    await page.click('#locate-me');
    await page.waitForFunction(() => document.querySelectorAll('#results > li').length === 5 && document.querySelector('#view-parent').dataset.loading === '0');
    const before = await shownIds(page);
    const api = await h.api(`/api/nearest?layer=nursing_rooms&lon=${HERE.longitude}&lat=${HERE.latitude}&k=5`);
    assert.deepEqual(before, api.features.map((f) => f.id), 'the list is the API\'s');
    assert.equal(await page.isHidden('#offline-note'), true, 'no note online');
    // The worker controls the page and has kept what the page asked for before it came.
    await page.waitForFunction(() => navigator.serviceWorker.controller !== null && document.body.dataset.offlineReady === '1', null, { timeout: 60000 });

    // No network: the reload is the worker's, and nothing reaches the server.
    await context.setOffline(true);
    proxy.dark = true;
    const asked = proxy.seen.length;
    const nav = await page.reload();
    assert.equal(nav.fromServiceWorker(), true, 'the page came from the service worker');
    await ready(page);
    await page.waitForFunction(() => document.querySelectorAll('#results > li').length === 5);
    assert.deepEqual(await shownIds(page), before, 'the same rooms, in the same order');
    assert.equal(await page.isVisible('#offline-note'), true, 'the note is shown');
    assert.match(await page.textContent('#offline-note'), /^离线：显示 \d\d:\d\d 的结果$/);
    // The kept list is an answer: framed on the live map, which starts from the worker's
    // copy of MapLibre (the page reopened on the phone's facade).
    await liveMap(page);
    await page.waitForFunction(() => !window.nestmap.map.isMoving());
    await mapIdle(page);
    assert.ok((await rendered(page, ['parent-results:circle'])).length > 0, 'the kept results are drawn');
    await h.screenshot('offline-list');
    // A room tapped: its indoor location (the kept answer's), highlighted on the map.
    const room = api.features.find((f) => f.properties.indoor_location);
    assert.ok(room, 'a room with an indoor location');
    await page.click(`#results > li[data-id="${room.id}"]`);
    const li = page.locator(`#results > li.active[data-id="${room.id}"]`);
    await li.waitFor();
    assert.ok((await li.locator('.indoor').textContent()).includes(room.properties.indoor_location), 'the indoor location is shown');
    await page.waitForFunction(() => !window.nestmap.map.isMoving());
    await mapIdle(page);
    assert.equal((await rendered(page, ['parent-active:circle'])).length, 1, 'the room is highlighted');
    assert.ok((await rendered(page, ['nursing_rooms:circle'])).length > 0, 'the rooms layer is drawn, from the kept answers');
    await h.screenshot('offline');
    // Nothing the page asked for reached the server. The browser's own check of /sw.js for an
    // update after a navigation is not covered by Playwright's offline emulation; it reached the
    // dark proxy and failed, as it does on a phone with no signal.
    assert.deepEqual(proxy.seen.slice(asked).filter((u) => u !== '/sw.js'), [], 'nothing the page asked for reached the server while offline');

    // Back online: a reload asks the server, and shows no note.
    await context.setOffline(false);
    proxy.dark = false;
    await page.reload();
    await ready(page);
    assert.ok(proxy.seen.length > asked, 'online, the server is asked');
    assert.equal(await page.isHidden('#offline-note'), true, 'no note once back online');

    assert.deepEqual(h.offHost, [], 'no request left 127.0.0.1');
    assert.deepEqual(h.consoleErrors.filter((e) => !/ERR_INTERNET_DISCONNECTED|Failed to load resource/.test(e)), [], 'no console errors');
  } finally {
    await proxy.close();
    await h.close();
  }
});
