// Layers are drawn and used by their kind, never by their id, and come whole however large.
// A copy of the sample where every layer id is renamed (`x_` + id) is drawn exactly like the
// sample (same style layers, paint and order, the catalog's style overrides included); the
// renamed nursing rooms are pink dots, are what the parent view finds and what the planner
// starts with; a generated generic layer of more than one page (10,050 points against the
// server's 10,000 a page) reaches the map whole, and `api.items` pages through a layer with
// any page size.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFile, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ROOT, start, openApp, mapIdle } from './harness.mjs';
import { rendered } from './util.mjs';

const MANY = 10050;
const HERE = { longitude: 120.64, latitude: 31.42 };

/** The map's data style layers: [id, type, paint, layout], bottom to top, for `source` ids. */
async function dataStyle(page, sources) {
  return page.evaluate((sources) => window.nestmap.map.getStyle().layers
    .filter((l) => sources.includes(l.source))
    .map((l) => [l.id, l.type, l.paint || {}, l.layout || {}]), sources);
}

/** A copy of the sample with every layer renamed, plus a generic layer of MANY points. */
async function renamedSample() {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'nestmap-kinds-'));
  const sample = path.join(ROOT, 'data', 'geojson');
  for (const f of await readdir(sample)) if (f.endsWith('.geojson') || f.endsWith('.nnet')) await copyFile(path.join(sample, f), path.join(dir, f));
  let catalog = (await readFile(path.join(sample, 'layers.toml'), 'utf8')).replace(/^id = "(\w+)"$/gm, 'id = "x_$1"');
  // Seeded points over the district (MINSTD: the same file every run).
  let seed = 320507;
  const rand = () => (seed = (seed * 48271) % 2147483647) / 2147483647;
  const features = Array.from({ length: MANY }, (_, i) => ({
    type: 'Feature',
    id: `p-${i + 1}`,
    properties: { name: `point ${i + 1}` },
    geometry: { type: 'Point', coordinates: [120.45 + 0.3 * rand(), 31.33 + 0.2 * rand()] },
  }));
  await writeFile(path.join(dir, 'many_points.geojson'), JSON.stringify({ type: 'FeatureCollection', features }));
  catalog += '\n[[layer]]\nid = "x_many_points"\ntitle_zh = "很多点"\ntitle_en = "Many points"\nkind = "generic"\n'
    + 'file = "many_points.geojson"\ncrs = "wgs84"\nstyle = { colour = "#3949ab", circle_radius = 1.5, line_width = 0 }\n';
  await writeFile(path.join(dir, 'layers.toml'), catalog);
  return dir;
}

test('layers by kind: a renamed sample looks and works the same; large layers come whole', { timeout: 300000 }, async () => {
  // The sample's look, to compare with.
  let expected;
  let sampleIds;
  {
    const h = await start();
    try {
      await openApp(h, '?view=shell'); // every layer shown (the parent view draws a few)
      sampleIds = (await h.api('/api/layers')).layers.map((l) => l.id);
      expected = await dataStyle(h.page, sampleIds);
    } finally {
      await h.close();
    }
  }
  assert.ok(expected.length >= 15, `the sample draws ${expected.length} style layers`);

  const dir = await renamedSample();
  // No service worker: this test counts the page's requests, and a worker asks again for some.
  const h = await start({ data: dir, contextOptions: { geolocation: HERE, permissions: ['geolocation'], serviceWorkers: 'block' } });
  try {
    const { page } = h;
    await openApp(h, '?view=shell');
    const layers = (await h.api('/api/layers')).layers;
    const ids = layers.map((l) => l.id);
    assert.ok(ids.every((id) => !sampleIds.includes(id)), `no sample id is left: ${ids}`);
    const roomsLayer = layers.find((l) => l.kind === 'nursing_rooms');
    assert.equal(roomsLayer.id, 'x_nursing_rooms');
    assert.deepEqual(roomsLayer.style, {}, 'the nursing rooms carry no override: their look is their kind\'s');

    // Drawn exactly like the sample: the same style layers (renamed), paint, layout and order.
    const got = await dataStyle(page, ids.filter((id) => id !== 'x_many_points'));
    assert.deepEqual(got, expected.map(([id, ...rest]) => [`x_${id}`, ...rest]));
    const rooms = got.find(([id]) => id === 'x_nursing_rooms:circle');
    assert.equal(rooms[2]['circle-color'], '#d81b60', 'nursing rooms are pink');
    assert.equal(rooms[2]['circle-radius'], 6);
    // The backdrop (the Suzhou districts' override) is drawn first and never clicked.
    assert.equal(got[0][0], 'x_suzhou_districts:fill');
    const clickable = await page.evaluate(() => window.nestmap.nestMap.clickable);
    assert.ok(clickable.includes('x_nursing_rooms:circle') && clickable.includes('x_school_bus_routes:line'));
    assert.ok(!clickable.some((sid) => sid.startsWith('x_suzhou_districts') || sid === 'x_district:line'), `${clickable}`);
    // The generic layer takes its override over the generic point look.
    const many = (await dataStyle(page, ['x_many_points']))[0];
    assert.deepEqual([many[0], many[2]['circle-color'], many[2]['circle-radius'], many[2]['circle-stroke-width']],
      ['x_many_points:circle', '#3949ab', 1.5, undefined]);
    // The layers panel's swatch is the colour the map draws with.
    await page.click('#tab-shell');
    const swatch = await page.$eval('input[data-layer="x_many_points"] ~ .swatch', (s) => getComputedStyle(s).backgroundColor);
    assert.equal(swatch, 'rgb(57, 73, 171)');

    await mapIdle(page);
    assert.ok(new Set((await rendered(page, ['x_nursing_rooms:circle'])).map((f) => f.properties._id)).size > 40, 'renamed rooms render');
    assert.ok((await rendered(page, ['x_district:line'])).length > 0, 'the district outline renders');

    // The large layer came whole, over two pages.
    const data = await page.evaluate(() => {
      const fc = window.nestmap.state.get().data.x_many_points;
      return { n: fc.features.length, unique: new Set(fc.features.map((f) => f.id)).size };
    });
    assert.deepEqual(data, { n: MANY, unique: MANY }, 'every point is on the map, once');
    const pages = h.requests.filter((u) => u.includes('/ogcapi/collections/x_many_points/items'));
    assert.equal(pages.length, 2, `two pages: ${pages.join(' ')}`);
    assert.match(pages[1], /offset=10000/);
    assert.ok((await rendered(page, ['x_many_points:circle'])).length > 1000, 'the points render');

    // api.items with a small page: every feature once, in the server's order.
    const whole = await h.api('/ogcapi/collections/x_nursing_rooms/items?limit=10000');
    const before = h.requests.length;
    const paged = await page.evaluate(async () => {
      const { api } = await import('/js/api.js');
      const fc = await api.items('x_nursing_rooms', { pageSize: 7 });
      return fc.features.map((f) => f.id);
    });
    assert.deepEqual(paged, whole.features.map((f) => f.id));
    assert.equal(whole.features.length, 58);
    assert.equal(h.requests.slice(before).filter((u) => u.includes('/x_nursing_rooms/items')).length, Math.ceil(58 / 7));

    // The parent view finds the renamed rooms: its chips are kinds, its layers those of the kind.
    await page.click('#tab-parent');
    assert.deepEqual(await page.$$eval('button[data-kind]', (bs) => bs.map((b) => b.dataset.kind)),
      ['nursing_rooms', 'service_stations', 'pocket_parks']);
    await page.click('#locate-me');
    await page.waitForFunction(() => document.querySelectorAll('#results > li').length === 5);
    const shown = await page.$$eval('#results > li', (lis) => lis.map((li) => li.dataset.id));
    const nearest = await h.api(`/api/nearest?layer=x_nursing_rooms&lon=${HERE.longitude}&lat=${HERE.latitude}&k=5`);
    assert.deepEqual(shown, nearest.features.map((f) => f.id));

    // The planner starts from the layers of the nursing-room kind and offers the generic one.
    await page.click('#tab-planner');
    assert.equal(await page.isChecked('input[name="layer"][value="x_nursing_rooms"]'), true);
    assert.equal(await page.locator('input[name="layer"][value="x_many_points"]').count(), 1);
    assert.equal(await page.locator('input[name="layer"][value="x_district"]').count(), 0);

    await page.click('#tab-shell');
    await page.evaluate(() => {
      const b = window.nestmap.state.get().layers.find((l) => l.id === 'x_district').bbox;
      window.nestmap.map.fitBounds([[b[0], b[1]], [b[2], b[3]]], { padding: 20, duration: 0 });
    });
    await page.waitForFunction(() => !window.nestmap.map.isMoving());
    await mapIdle(page);
    await h.screenshot('kinds');
    assert.deepEqual(h.offHost, [], 'no request left 127.0.0.1');
    assert.deepEqual(h.consoleErrors, [], 'no console errors');
  } finally {
    await h.close();
    await rm(dir, { recursive: true, force: true });
  }
});
