// Streets on the map (issue 16): at zoom 16 over a named main road, on a desktop and on a
// phone, the page asks the server for roads vector tiles and glyphs (and nothing from
// elsewhere, no CJK glyph range: Chinese comes from the browser's own font), MapLibre has
// drawn road features and their name labels, and a real screenshot shows the road's colour
// where this test projects the road's own vertices (Web Mercator written here from the
// GeoJSON, not the page's code). The labels follow the page's language. Zoomed out, the
// main roads stay and the minor ones go.
//
// On the phone the live map is started first (the parent view opens on the facade's still
// picture, which draws no streets: livemap.js).
//
// The roads layer: the one in data/geojson when the sample has one, else a copy of the
// sample with the test streets of tests/fixtures/roads added.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFile, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ROOT, start, openApp, mapIdle, liveMap } from './harness.mjs';
import { coloursAt, near, rgb, rendered } from './util.mjs';

/** The data directory to serve, and whether it is a temporary copy. */
async function dataDir() {
  const sample = path.join(ROOT, 'data', 'geojson');
  const catalog = await readFile(path.join(sample, 'layers.toml'), 'utf8');
  if (/^kind = "roads"$/m.test(catalog)) return { dir: sample, temp: false };
  const dir = await mkdtemp(path.join(os.tmpdir(), 'nestmap-streets-'));
  for (const f of await readdir(sample)) if (f.endsWith('.geojson')) await copyFile(path.join(sample, f), path.join(dir, f));
  const fixture = path.join(ROOT, 'tests', 'fixtures', 'roads');
  await copyFile(path.join(fixture, 'roads.geojson'), path.join(dir, 'roads.geojson'));
  const entry = (await readFile(path.join(fixture, 'layers.toml'), 'utf8')).replace(/^#.*\n/gm, '');
  await writeFile(path.join(dir, 'layers.toml'), `${catalog}\n${entry}`);
  return { dir, temp: true };
}

/** World pixels of [lon, lat] at `zoom` (MapLibre's 512-pixel world). */
function worldPx([lon, lat], zoom) {
  const size = 512 * 2 ** zoom;
  const phi = (lat * Math.PI) / 180;
  return [((lon + 180) / 360) * size, ((1 - Math.log(Math.tan(phi) + 1 / Math.cos(phi)) / Math.PI) / 2) * size];
}

/** The named main road to look at: the longest primary (else secondary, trunk) with both names. */
function mainRoad(features) {
  for (const highway of ['primary', 'secondary', 'trunk', 'tertiary']) {
    const lines = features.filter((f) => f.properties.highway === highway && f.properties.name && f.properties.name_en && f.geometry.type === 'LineString');
    if (lines.length) {
      const len = (f) => f.geometry.coordinates.reduce((s, p, i, a) => (i ? s + Math.hypot(p[0] - a[i - 1][0], p[1] - a[i - 1][1]) : 0), 0);
      return lines.sort((a, b) => len(b) - len(a))[0];
    }
  }
  throw new Error('no named main road in the roads layer');
}

const VIEWPORTS = [
  ['desktop', { viewport: { width: 1280, height: 800 } }],
  ['phone', { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true }],
];

test('streets: roads tiles drawn at zoom 16 with labels in the page language', { timeout: 300000 }, async () => {
  const { dir, temp } = await dataDir();
  try {
    for (const [name, opts] of VIEWPORTS) {
      // No service worker: this test reads the page's own requests (offline.test.mjs tests the worker).
      const h = await start({ data: dir, contextOptions: { ...opts, serviceWorkers: 'block' } });
      try {
        const { page } = h;
        await openApp(h);
        // A phone's parent view opens on the facade's picture (no streets in it): the live
        // map starts on her first use of the map; here, asked for directly.
        await page.evaluate(() => window.nestmap.view.start());
        await liveMap(page);
        const roadsLayer = (await h.api('/api/layers')).layers.find((l) => l.kind === 'roads');
        assert.ok(roadsLayer, 'the catalog has a roads layer');
        const fc = await h.api(`/ogcapi/collections/${roadsLayer.id}/items?limit=10000`);
        const road = mainRoad(fc.features);
        const coords = road.geometry.coordinates;
        const middle = coords[Math.floor(coords.length / 2)];

        // No GeoJSON of the streets was fetched: they come as tiles.
        // (h.api asks from here, not from the page: the page's requests are its own.)
        assert.ok(!h.requests.some((u) => u.includes(`/collections/${roadsLayer.id}/items`)), 'the page fetched the roads layer as GeoJSON');

        await page.evaluate((c) => window.nestmap.map.jumpTo({ center: c, zoom: 16, bearing: 0, pitch: 0, padding: { top: 0, bottom: 0, left: 0, right: 0 } }), middle);
        await mapIdle(page);
        const tiles = h.requests.filter((u) => new URL(u).pathname.startsWith(`/tiles/roads/16/`));
        assert.ok(tiles.length > 0, `roads tiles at z 16 were asked for: ${h.requests.filter((u) => u.includes('/tiles/')).join(' ')}`);
        const lines = await rendered(page, [`${roadsLayer.id}:line`]);
        assert.ok(lines.some((f) => f.properties.id === road.id), `${road.id} is drawn (${lines.length} road features drawn)`);
        const labels = await rendered(page, [`${roadsLayer.id}:label`]);
        assert.ok(labels.length > 0, 'street names are drawn');
        assert.ok(labels.every((f) => f.properties.name), 'labels are named roads');

        // Glyphs: the server's, and no CJK range (the browser's own font draws Chinese).
        const fonts = h.requests.filter((u) => new URL(u).pathname.startsWith('/fonts/'));
        assert.ok(fonts.some((u) => u.endsWith('/fonts/DejaVuSans/0-255.pbf')), `glyphs asked for: ${fonts.join(' ')}`);
        const ranges = fonts.map((u) => Number(decodeURIComponent(new URL(u).pathname).split('/').pop().split('-')[0]));
        assert.ok(ranges.every((r) => r < 0x3000 || r >= 0xff00), `a CJK glyph range was fetched: ${fonts.join(' ')}`);
        assert.deepEqual(h.offHost, [], 'nothing asked of another host');

        // The road's colour where its vertices are, projected here from the GeoJSON.
        const cam = await page.evaluate(() => {
          const m = window.nestmap.map;
          const r = m.getCanvas().getBoundingClientRect();
          const c = m.getCenter();
          return { center: [c.lng, c.lat], zoom: m.getZoom(), left: r.left, top: r.top, width: r.width, height: r.height };
        });
        const [cx, cy] = worldPx(cam.center, cam.zoom);
        const toPage = (p) => {
          const [x, y] = worldPx(p, cam.zoom);
          return { x: cam.left + cam.width / 2 + (x - cx), y: cam.top + cam.height / 2 + (y - cy) };
        };
        // Points every ~8 px along the road, where the map itself is on top (not the panel,
        // the sheet or a control).
        const along = [];
        for (let i = 1; i < coords.length; i++) {
          const a = toPage(coords[i - 1]);
          const b = toPage(coords[i]);
          const n = Math.max(1, Math.ceil(Math.hypot(b.x - a.x, b.y - a.y) / 8));
          for (let k = 0; k < n; k++) along.push({ x: a.x + ((b.x - a.x) * k) / n, y: a.y + ((b.y - a.y) * k) / n });
        }
        // Not where a label is drawn over the road, nor where another road crosses it (the
        // sample's streets are named along them and meet every block).
        const visible = await page.evaluate(([pts, src, name, left, top]) => pts.filter((p) => {
          const el = document.elementFromPoint(p.x, p.y);
          if (!el || el.tagName !== 'CANVAS') return false;
          const m = window.nestmap.map;
          const [x, y] = [p.x - left, p.y - top];
          const near = m.queryRenderedFeatures([[x - 6, y - 6], [x + 6, y + 6]], { layers: [`${src}:label`, `${src}:line`, `${src}:casing`, `${src}:path`].filter((id) => m.getLayer(id)) });
          return !near.some((f) => f.layer.id === `${src}:label` || f.properties.name !== name);
        }), [along.filter((p) => p.x > cam.left + 12 && p.y > cam.top + 12 && p.x < cam.left + cam.width - 12 && p.y < cam.top + cam.height - 12), roadsLayer.id, road.properties.name, cam.left, cam.top]);
        assert.ok(visible.length >= 20, `${visible.length} points of the road are on the visible map`);
        const paint = await page.evaluate((id) => window.nestmap.map.getPaintProperty(id, 'line-color'), `${roadsLayer.id}:line`);
        // ['match', ['get', 'highway'], [classes], colour, ..., fallback]
        let colour = paint[paint.length - 1];
        for (let i = 2; i < paint.length - 1; i += 2) if ([].concat(paint[i]).includes(road.properties.highway)) colour = paint[i + 1];
        const png = await page.screenshot({ path: await h.screenshot(`streets-${name}`) });
        const seen = await coloursAt(page, png, visible, opts.deviceScaleFactor || 1);
        const hits = seen.filter((c) => near(c, rgb(colour), 30)).length;
        assert.ok(hits >= 0.8 * seen.length, `${hits} of ${seen.length} points along ${road.id} have its colour ${colour}: ${JSON.stringify(seen.slice(0, 8))}`);
        // Off the road (60 px to the side of its middle, where no other road of its colour is)
        // the colour is not the road's: the check above is not the whole map in that colour.
        const bg = await coloursAt(page, png, [{ x: cam.left + 20, y: cam.top + 20 }], opts.deviceScaleFactor || 1);
        assert.ok(!near(bg[0], rgb(colour), 10), `the map's corner is ${bg[0]}, not the road's colour`);

        // In English the labels read the English names.
        await page.click('#lang-switch');
        await mapIdle(page);
        const field = await page.evaluate((id) => window.nestmap.map.getLayoutProperty(id, 'text-field'), `${roadsLayer.id}:label`);
        assert.deepEqual(field, ['coalesce', ['get', 'name_en'], ['get', 'name']]);
        assert.ok((await rendered(page, [`${roadsLayer.id}:label`])).length > 0, 'street names are drawn in English');
        await h.screenshot(`streets-${name}-en`);

        // Zoomed out to 11: the main roads are drawn, the residential streets are not yet.
        await page.evaluate((c) => window.nestmap.map.jumpTo({ center: c, zoom: 11 }), middle);
        await mapIdle(page);
        const classes = new Set((await rendered(page, [`${roadsLayer.id}:line`, `${roadsLayer.id}:path`])).map((f) => f.properties.highway));
        assert.ok(classes.has(road.properties.highway), `at z 11: ${[...classes]}`);
        assert.ok(!classes.has('residential') && !classes.has('footway'), `at z 11: ${[...classes]}`);
        await h.screenshot(`streets-${name}-z11`);
        assert.deepEqual(h.consoleErrors, [], 'no errors in the page');
      } finally {
        await h.close();
      }
    }
  } finally {
    if (temp) await rm(dir, { recursive: true, force: true });
  }
});
