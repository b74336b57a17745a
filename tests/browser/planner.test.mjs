// The planner view: walk15 coverage of nursing rooms equals the API (per-township shares,
// totals), the gaps are drawn, three suggested sites are marked, and "add this site" shows
// the shares of the API's POST /api/coverage with that site added.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { start, openApp, mapIdle } from './harness.mjs';
import { rendered } from './util.mjs';

const SHARES = ['covered_population_share', 'covered_children_share', 'covered_area_share'];

test('planner view: coverage, gaps, table, suggestions and what-if', { timeout: 240000 }, async () => {
  const h = await start();
  try {
    const { page } = h;
    await openApp(h);
    await page.click('#tab-planner');
    await page.check('input[name="layer"][value="nursing_rooms"]');
    await page.selectOption('#planner-profile', 'walk15');
    await page.click('#planner-run');
    await page.waitForSelector('#township-table tbody tr', { timeout: 60000 });

    const api = await h.api('/api/coverage?layer=nursing_rooms&profile=walk15&suggest=3');

    // Per-township table: same codes in the same order, same covered shares.
    const rows = await page.$$eval('#township-table tbody tr', (trs) => trs.map((tr) => ({
      code: tr.dataset.code,
      shares: Object.fromEntries([...tr.querySelectorAll('td[data-key]')].map((td) => [td.dataset.key, Number(td.dataset.share)])),
      text: tr.querySelector('td[data-key="covered_population_share"]').textContent,
    })));
    assert.deepEqual(rows.map((r) => r.code), api.townships.map((z) => z.code));
    for (const [i, z] of api.townships.entries()) {
      for (const k of SHARES) assert.equal(rows[i].shares[k], z[k], `${z.code} ${k}`);
      assert.equal(rows[i].text, `${(z.covered_population_share * 100).toFixed(1)}%`);
    }
    // Totals.
    for (const k of SHARES) {
      assert.equal(Number(await page.getAttribute(`#planner-totals dd[data-key="${k}"]`, 'data-share')), api.totals[k], `total ${k}`);
    }

    // Gaps are drawn.
    await mapIdle(page);
    const gaps = await rendered(page, ['gaps:fill']);
    assert.ok(api.gaps.features.length > 0);
    assert.ok(gaps.length > 0, 'gap polygons render');

    // Three numbered suggestion markers, at the API's positions.
    const markers = page.locator('.suggestion-marker');
    assert.equal(await markers.count(), 3);
    const at = await page.evaluate(() => window.nestmap.nestMap.suggestionMarkers.map((m) => {
      const p = m.getLngLat();
      return [m.getElement().dataset.rank, p.lng, p.lat];
    }));
    assert.deepEqual(at, api.suggestions.map((s) => [String(s.rank), s.lon, s.lat]));

    // Add suggestion 1: the what-if shares are those of POST /api/coverage with that site.
    const s1 = api.suggestions.find((s) => s.rank === 1);
    await page.click('.add-site[data-rank="1"]');
    await page.waitForSelector('#whatif[data-loading="0"] dd[data-key="covered_population_share"]', { timeout: 60000 });
    const post = await h.api('/api/coverage', { layer: 'nursing_rooms', profile: 'walk15', add: [[s1.lon, s1.lat]] });
    const shown = Number(await page.getAttribute('#whatif dd[data-key="covered_population_share"]', 'data-share'));
    assert.equal(shown, post.totals.covered_population_share);
    assert.equal(await page.textContent('#whatif dd[data-key="covered_population_share"] .after'),
      `${(post.totals.covered_population_share * 100).toFixed(1)}%`);
    assert.ok(post.totals.covered_population_share > api.totals.covered_population_share, 'adding a site helps');
    assert.equal(await page.getAttribute('.add-site[data-rank="1"]', 'disabled'), '');
    assert.equal(await page.locator('.suggestion-marker.added').count(), 1);

    // Downloads: CSV and gaps GeoJSON of the same request.
    const csvHref = await page.getAttribute('#download-csv', 'href');
    const csv = await page.evaluate((u) => fetch(u).then((r) => r.text()), csvHref);
    const csvApi = await (await fetch(`${h.base}/api/coverage?layer=nursing_rooms&profile=walk15&format=csv`)).text();
    assert.equal(csv, csvApi);
    const gjHref = await page.getAttribute('#download-geojson', 'href');
    const gj = await page.evaluate((u) => fetch(u).then((r) => r.json()), gjHref);
    assert.deepEqual(gj, api.gaps);

    await mapIdle(page);
    await h.screenshot('planner');
    assert.deepEqual(h.offHost, [], 'no request left 127.0.0.1');
    assert.deepEqual(h.consoleErrors, [], 'no console errors');
  } finally {
    await h.close();
  }
});
