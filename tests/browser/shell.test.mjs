// The map shell (the layers view, opened first: every layer shown): every layer drawn, a toggle hides a layer, a click shows a feature's
// properties, Chinese by default (labels, units) with an English switch, nothing fetched from
// off the machine.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { start, openApp, mapIdle } from './harness.mjs';
import { distinctColours, rendered, toPage } from './util.mjs';

test('map shell: layers drawn, toggle, popup, language switch', { timeout: 180000 }, async () => {
  const h = await start();
  try {
    const { page } = h;
    // The layers view opened first shows every layer (the parent view fetches only its own:
    // firstview.test.mjs).
    await openApp(h, '?view=shell');

    // Chinese by default.
    assert.equal(await page.textContent('#tab-parent'), '找母婴室');
    assert.equal(await page.getAttribute('html', 'lang'), 'zh-CN');

    // Layers are drawn, not just added: the renderer returns their features.
    const layers = (await h.api('/api/layers')).layers;
    const styleIds = await page.evaluate(() => window.nestmap.map.getStyle().layers.map((l) => [l.id, l.source]));
    for (const l of layers) {
      assert.ok(styleIds.some(([, src]) => src === l.id), `layer ${l.id} has a style layer`);
    }
    for (const sid of ['district:line', 'nursing_rooms:circle', 'townships:fill', 'water:fill', 'demand:circle', 'school_bus_routes:line']) {
      const fs = await rendered(page, [sid]);
      assert.ok(fs.length > 0, `${sid} renders features`);
    }
    const rooms = await rendered(page, ['nursing_rooms:circle']);
    const roomIds = new Set(rooms.map((f) => f.properties._id));
    assert.ok(roomIds.size > 40, `most of the 58 nursing rooms are on screen, got ${roomIds.size}`);

    // The canvas shows a picture, not one flat colour.
    const shot = await page.locator('#map canvas').screenshot();
    const colours = await distinctColours(page, shot);
    assert.ok(colours > 20, `the map canvas has ${colours} colours`);

    // Toggle nursing rooms off in the layers panel.
    const box = page.locator('input[data-layer="nursing_rooms"]');
    await box.uncheck();
    await page.waitForFunction(() => window.nestmap.map.getLayoutProperty('nursing_rooms:circle', 'visibility') === 'none');
    await mapIdle(page);
    assert.equal((await rendered(page, ['nursing_rooms:circle'])).length, 0, 'hidden layer renders nothing');
    assert.ok((await rendered(page, ['district:line'])).length > 0, 'other layers still drawn');
    await box.check();
    await page.waitForFunction(() => window.nestmap.map.getLayoutProperty('nursing_rooms:circle', 'visibility') === 'visible');
    await mapIdle(page);
    assert.ok((await rendered(page, ['nursing_rooms:circle'])).length > 0, 'shown again');

    // Click a nursing room that is the topmost clickable feature at its pixel.
    const fc = await h.api('/ogcapi/collections/nursing_rooms/items?limit=10000');
    let target = null;
    for (const f of fc.features) {
      const p = await toPage(page, f.geometry.coordinates);
      if (!p.inside) continue;
      const top = await page.evaluate(([x, y]) => {
        const map = window.nestmap.map;
        const r = map.getCanvas().getBoundingClientRect();
        const q = [x - r.left, y - r.top];
        const layers = window.nestmap.nestMap.clickable;
        const fs = map.queryRenderedFeatures([[q[0] - 5, q[1] - 5], [q[0] + 5, q[1] + 5]], { layers });
        const order = new Map(layers.map((id, i) => [id, i]));
        fs.sort((a, b) => order.get(a.layer.id) - order.get(b.layer.id));
        return fs.filter((f) => f.layer.id === fs[0].layer.id).map((f) => f.properties._id);
      }, [p.x, p.y]);
      if (top.length === 1 && top[0] === f.id) {
        target = { f, p };
        break;
      }
    }
    assert.ok(target, 'a nursing room can be clicked alone');
    await page.mouse.click(target.p.x, target.p.y);
    const popup = page.locator('.maplibregl-popup .popup');
    await popup.waitFor();
    assert.equal(await popup.getAttribute('data-id'), target.f.id);
    assert.equal(await popup.locator('.popup-name').textContent(), target.f.properties.name);
    const popupText = await popup.textContent();
    assert.ok(popupText.includes(target.f.properties.address), 'popup lists the address');
    assert.ok(popupText.includes(target.f.properties.opening_hours), 'popup lists the opening hours');
    // Property names and units in Chinese: the popup's labels, the scale bar's unit.
    assert.equal(await popup.locator('tr[data-key="address"] th').textContent(), '地址');
    assert.match(await page.textContent('.maplibregl-ctrl-scale'), /\d\s(米|公里)$/);
    assert.equal(await page.getAttribute('.maplibregl-ctrl-zoom-in', 'title'), '放大');

    // English: labels, layer titles and the open popup change.
    await page.click('#lang-switch');
    await page.waitForFunction(() => document.querySelector('#tab-parent').textContent === 'Find a room');
    assert.equal(await page.getAttribute('html', 'lang'), 'en');
    const district = layers.find((l) => l.id === 'district');
    assert.equal(await page.locator('input[data-layer="district"] ~ .layer-title').textContent(), district.title_en);
    await page.waitForFunction((name) => document.querySelector('.maplibregl-popup .popup-name')?.textContent === name, target.f.properties.name_en);
    assert.match(await page.textContent('.maplibregl-ctrl-attrib'), /facilities are synthetic samples/);
    assert.equal(await page.locator('.maplibregl-popup tr[data-key="address"] th').textContent(), 'Address');
    assert.match(await page.textContent('.maplibregl-ctrl-scale'), /\d\s(m|km)$/);
    assert.equal(await page.getAttribute('.maplibregl-ctrl-zoom-in', 'title'), 'Zoom in');
    assert.equal(await page.locator('.maplibregl-popup').count(), 1, 'one popup');

    await mapIdle(page);
    await h.screenshot('shell');
    assert.deepEqual(h.offHost, [], 'no request left 127.0.0.1');
    assert.deepEqual(h.consoleErrors, [], 'no console errors');
  } finally {
    await h.close();
  }
});
