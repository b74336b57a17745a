// Issue 15.1 and 15.2, as a parent sees them, at a phone viewport and a desktop one: after
// locate, pick or choose, the position and every result lie inside the part of the map the
// sheet leaves visible (from `map.project`), and a real screenshot (no copy of the canvas laid
// over it) shows each marker's own colour at those points; the chosen result is highlighted
// with its walking line; the bottom sheet has its three positions (tap, drag, keyboard), with
// the map usable in peek.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { start, openApp, mapIdle, liveMap } from './harness.mjs';
import { rendered, coloursAt, drawnAt, rgb, near, toPage } from './util.mjs';

const HERE = { longitude: 120.64, latitude: 31.42 }; // 元和街道
const POSITION = rgb('#1e88e5');
const ROOM = rgb('#d81b60');
const STATION = rgb('#7b1fa2');

const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 };
const DESKTOP = { viewport: { width: 1280, height: 800 }, deviceScaleFactor: 1 };

/** Where the map shows the position and the results, and the visible rectangle above the sheet. */
function layout(page) {
  return page.evaluate(() => {
    const { map, state } = window.nestmap;
    const p = state.get().parent;
    const canvas = map.getCanvas().getBoundingClientRect();
    const panel = document.getElementById('panel');
    const sheet = getComputedStyle(panel).position === 'absolute' ? panel.getBoundingClientRect() : null;
    const visible = { left: canvas.left, top: canvas.top, right: canvas.right, bottom: sheet ? Math.min(canvas.bottom, sheet.top) : canvas.bottom };
    const at = (lngLat) => {
      const q = map.project(lngLat);
      return { x: canvas.left + q.x, y: canvas.top + q.y };
    };
    const pos = (f) => f.properties.nav?.wgs84 || f.geometry.coordinates;
    return {
      zoom: map.getZoom(),
      visible,
      me: at(p.point),
      results: (p.results || []).map((f) => ({ id: f.id, layer: f.properties.layer, ...at(pos(f)) })),
      active: p.active,
    };
  });
}

const inside = (pt, r, margin = 6) => pt.x >= r.left + margin && pt.x <= r.right - margin && pt.y >= r.top + margin && pt.y <= r.bottom - margin;

async function settle(page) {
  await liveMap(page);
  await page.waitForFunction(() => document.querySelector('#view-parent').dataset.loading === '0' && !window.nestmap.map.isMoving());
  await mapIdle(page);
}

/** The checks of one framing: inside, read at a useful zoom, and the colours on screen. */
async function checkFraming(h, scale, label, { only = null } = {}) {
  const { page } = h;
  await settle(page);
  const L = await layout(page);
  const shown = only ? L.results.filter((r) => only.includes(r.id)) : L.results;
  assert.ok(shown.length > 0, `${label}: results to check`);
  assert.ok(inside(L.me, L.visible), `${label}: the position ${JSON.stringify(L.me)} is inside ${JSON.stringify(L.visible)}`);
  for (const r of shown) assert.ok(inside(r, L.visible), `${label}: result ${r.id} at ${JSON.stringify(r)} is inside ${JSON.stringify(L.visible)}`);
  // Framed, not lost in a wide view: the markers span a good part of the visible map.
  const xs = [L.me.x, ...shown.map((r) => r.x)];
  const ys = [L.me.y, ...shown.map((r) => r.y)];
  const spanX = (Math.max(...xs) - Math.min(...xs)) / (L.visible.right - L.visible.left);
  const spanY = (Math.max(...ys) - Math.min(...ys)) / (L.visible.bottom - L.visible.top);
  assert.ok(Math.max(spanX, spanY) > 0.35, `${label}: the markers span ${spanX.toFixed(2)} x ${spanY.toFixed(2)} of the visible map`);
  // The screenshot, as the screen composites it, shows each marker's own colour.
  const png = await page.screenshot();
  const pts = [L.me, ...shown];
  const cols = await coloursAt(page, png, pts, scale);
  assert.ok(near(cols[0], POSITION), `${label}: the position is drawn in blue, got ${cols[0]}`);
  shown.forEach((r, i) => {
    const want = r.layer === 'service_stations' ? STATION : ROOM;
    const underMe = Math.hypot(r.x - L.me.x, r.y - L.me.y) < 14;
    assert.ok(underMe || near(cols[i + 1], want), `${label}: result ${r.id} is drawn in its layer's colour ${want}, got ${cols[i + 1]}`);
  });
  return L;
}

for (const [name, opts] of [['phone', PHONE], ['desktop', DESKTOP]]) {
  test(`framing (${name}): locate, choose and pick keep the position and the results in view`, { timeout: 240000 }, async () => {
    const h = await start({ contextOptions: { geolocation: HERE, permissions: ['geolocation'], ...opts } });
    try {
      const { page } = h;
      await openApp(h);
      // A phone opens on the map's picture, MapLibre not asked for (facade.test.mjs); a wide
      // screen on the live map at once. On the phone, locate starts it, and the framing
      // asked for while it loads is done once it is there.
      assert.equal(await page.evaluate(() => document.body.dataset.map), name === 'phone' ? 'facade' : 'live');
      if (name === 'desktop') await mapIdle(page);
      else assert.ok(!h.requests.some((u) => u.includes('/maplibre-gl.mjs')), 'no MapLibre before the first use');

      // Locate: the five rooms and the position, framed above the sheet.
      await page.click('#locate-me');
      await page.waitForFunction(() => document.querySelectorAll('#results > li').length === 5);
      const L = await checkFraming(h, opts.deviceScaleFactor, `${name} locate`);
      assert.equal(L.results.length, 5);
      await h.screenshot(`framing-${name}-locate`);

      // Choose the farthest: it and the position framed, highlighted, with the walking line.
      const far = L.results[L.results.length - 1].id;
      await page.click(`#results > li[data-id="${far}"]`);
      await page.waitForSelector(`#results > li.active[data-id="${far}"] a.nav-link`);
      await checkFraming(h, opts.deviceScaleFactor, `${name} choose`, { only: [far] });
      const active = await rendered(page, ['parent-active:circle']);
      assert.equal(active.length, 1, 'the chosen room is highlighted');
      assert.equal(active[0].properties.id, far);
      const walk = await rendered(page, ['parent-walk:line']);
      assert.ok(walk.length >= 1, 'the walking line is drawn');
      const chosen = await layout(page);
      assert.ok(chosen.zoom >= 12, `a zoom where the streets read: ${chosen.zoom.toFixed(1)}`);
      // The walk follows the streets: a pixel near the middle vertex of the path drawn is
      // the line's colour (a dashed line: any pixel within 4 px).
      const coords = await page.evaluate(() => window.nestmap.map.getSource('parent-walk').serialize().data.features[0].geometry.coordinates);
      const midAt = await toPage(page, coords[Math.floor(coords.length / 2)]);
      assert.ok(midAt.inside, 'the middle of the walk is in view');
      const png = await page.screenshot();
      const [passes] = await drawnAt(page, png, [midAt], rgb('#ad1457'), opts.deviceScaleFactor, 4, 50);
      assert.ok(passes, `the walking line passes the middle of its path at ${JSON.stringify(midAt)}`);
      await h.screenshot(`framing-${name}-choose`);

      // Pick a point on the map: the new answer is framed the same way.
      await page.click('#pick-on-map');
      const box = (await layout(page)).visible;
      await page.mouse.click((box.left + box.right) / 2 - 40, box.top + (box.bottom - box.top) * 0.4);
      await page.waitForFunction(() => window.nestmap.state.get().parent.results && !window.nestmap.state.get().parent.loading);
      await checkFraming(h, opts.deviceScaleFactor, `${name} pick`);

      assert.deepEqual(h.offHost, [], 'no request left 127.0.0.1');
      assert.deepEqual(h.consoleErrors, [], 'no console errors');
    } finally {
      await h.close();
    }
  });
}

test('bottom sheet (phone): peek, half and full by tap, drag and keyboard; the map works in peek', { timeout: 180000 }, async () => {
  const h = await start({ contextOptions: { geolocation: HERE, permissions: ['geolocation'], ...PHONE } });
  try {
    const { page } = h;
    await openApp(h);
    const sheet = () => page.evaluate(() => {
      const panel = document.getElementById('panel');
      const main = panel.parentElement.getBoundingClientRect();
      return { position: panel.dataset.sheet, height: panel.getBoundingClientRect().height, main: main.height, label: document.querySelector('.sheet-handle').getAttribute('aria-label') };
    });
    const settled = async (position) => {
      await page.waitForFunction((p) => document.getElementById('panel').dataset.sheet === p, position);
      await page.waitForTimeout(350); // the height's transition
      return sheet();
    };
    // Peek at first: the heading and the buttons, most of the map free.
    let s = await settled('peek');
    assert.ok(s.height >= 100 && s.height <= 0.31 * s.main, `peek ${s.height} of ${s.main}`);
    assert.ok(await page.isVisible('#locate-me'), 'the locate button shows in peek');
    const box = await page.evaluate(() => document.getElementById('locate-me').getBoundingClientRect().bottom);
    const panelTop = await page.evaluate(() => document.getElementById('panel').getBoundingClientRect().top);
    assert.ok(box > panelTop, 'the locate button is on the sheet');
    // The map is usable in peek: pick a point above the sheet.
    await page.click('#pick-on-map');
    const main = await page.evaluate(() => document.querySelector('main').getBoundingClientRect().toJSON());
    await page.mouse.click(main.left + main.width / 2, main.top + 150);
    await page.waitForFunction(() => window.nestmap.state.get().parent.point !== null);
    // An answer brings the sheet to half, so the list shows.
    s = await settled('half');
    assert.ok(Math.abs(s.height - 0.5 * s.main) < 3, `half ${s.height} of ${s.main}`);
    await page.waitForFunction(() => document.querySelectorAll('#results > li').length > 0);
    assert.ok(await page.isVisible('#results > li:first-child'), 'the first result shows at half');
    // Tap: half → full → peek.
    await page.tap('.sheet-handle');
    s = await settled('full');
    assert.ok(s.height > 0.85 * s.main, `full ${s.height} of ${s.main}`);
    await page.tap('.sheet-handle');
    s = await settled('peek');
    // Drag the handle up about half the screen: it settles at the nearest position, half.
    const handle = await page.evaluate(() => document.querySelector('.sheet-handle').getBoundingClientRect().toJSON());
    const x = handle.left + handle.width / 2;
    const y0 = handle.top + handle.height / 2;
    await page.mouse.move(x, y0);
    await page.mouse.down();
    for (let i = 1; i <= 20; i++) {
      await page.mouse.move(x, y0 - (0.5 * s.main - s.height) * (i / 20));
      await page.waitForTimeout(30); // slowly: not a flick
    }
    await page.mouse.up();
    s = await settled('half');
    // Keyboard on the handle: up to full, down to half.
    await page.focus('.sheet-handle');
    await page.keyboard.press('ArrowUp');
    s = await settled('full');
    assert.match(s.label, /全屏/, 'the handle names its position');
    await page.keyboard.press('ArrowDown');
    s = await settled('half');
    // The bottom controls ride on the sheet (the live map's: picking started it).
    await liveMap(page);
    const scale = await page.evaluate(() => document.querySelector('.maplibregl-ctrl-scale').getBoundingClientRect().bottom);
    const top = await page.evaluate(() => document.getElementById('panel').getBoundingClientRect().top);
    assert.ok(scale <= top + 1, `the scale bar (${scale}) sits above the sheet (${top})`);
    await h.screenshot('sheet-phone-half');
    assert.deepEqual(h.consoleErrors, [], 'no console errors');
  } finally {
    await h.close();
  }
});
