// Issue 15.4: the view, the layers and the filters live in the URL. A link reopens the same
// view (each view's state read back from the page, compared with the API); back and forward
// step through the choices; the parent's position goes into a link only when she shares it.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { start, openApp } from './harness.mjs';

const HERE = { longitude: 120.64, latitude: 31.42 };

const query = (page) => page.evaluate(() => Object.fromEntries(new URLSearchParams(location.search)));
const shownIds = (page) => page.$$eval('#results > li', (lis) => lis.map((li) => li.dataset.id));
const settledList = (page) => page.waitForFunction(() => document.querySelector('#view-parent').dataset.loading === '0' && document.querySelectorAll('#results > li').length > 0);

test('url: a link reopens the view; back and forward; the position only when shared', { timeout: 240000 }, async () => {
  const h = await start({ contextOptions: { geolocation: HERE, permissions: ['geolocation'], viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true } });
  try {
    const { page } = h;
    await openApp(h);
    assert.deepEqual(await query(page), {}, 'the first view has a bare address');

    // Locate, then filters: each choice is in the address, never the position.
    await page.click('#locate-me');
    await settledList(page);
    await page.click('[data-filter="changing_table"]');
    await page.waitForFunction(() => new URLSearchParams(location.search).get('has') === 'changing_table');
    await page.click('[data-filter="open"]');
    await page.waitForFunction(() => new URLSearchParams(location.search).get('open') === '1');
    await settledList(page).catch(() => {}); // open now may leave none
    let q = await query(page);
    assert.deepEqual(q, { has: 'changing_table', open: '1' });
    assert.ok(!page.url().includes(String(HERE.longitude)), `no position in ${page.url()}`);

    // Back: the open filter goes; forward: it comes back. The chips and the list follow.
    await page.goBack();
    await page.waitForFunction(() => document.querySelector('[data-filter="open"]').getAttribute('aria-pressed') === 'false');
    assert.deepEqual(await query(page), { has: 'changing_table' });
    await settledList(page);
    const ctApi = await h.api(`/api/nearest?layer=nursing_rooms&lon=${HERE.longitude}&lat=${HERE.latitude}&k=5&has=changing_table`);
    assert.deepEqual(await shownIds(page), ctApi.features.map((f) => f.id), 'after back: the list of has=changing_table');
    await page.goForward();
    await page.waitForFunction(() => document.querySelector('[data-filter="open"]').getAttribute('aria-pressed') === 'true');
    await page.goBack();
    await page.waitForFunction(() => document.querySelector('[data-filter="open"]').getAttribute('aria-pressed') === 'false');

    // Another view and a hidden layer, then back to the parent view.
    // (The parent view does not draw the demand points: showing them is a choice, and from
    // then on the address names the layers shown.)
    await page.click('#tab-shell');
    assert.equal(await page.isChecked('input[data-layer="demand"]'), false);
    await page.click('input[data-layer="demand"]');
    await page.waitForFunction(() => (new URLSearchParams(location.search).get('layers') || '').split(',').includes('demand'));
    q = await query(page);
    assert.equal(q.view, 'shell');
    const named = q.layers.split(',');
    const shownNow = await page.$$eval('input[data-layer]', (xs) => xs.filter((x) => x.checked).map((x) => x.dataset.layer).sort());
    assert.deepEqual(named, shownNow, 'the address names the layers shown');
    await page.goBack();
    await page.waitForFunction(() => !document.querySelector('input[data-layer="demand"]').checked);
    await page.goBack();
    await page.waitForFunction(() => document.querySelector('#tab-parent').getAttribute('aria-selected') === 'true');

    // Sharing: without the position by default; with it only when she asks.
    await page.click('#share-view');
    const plain = await page.inputValue('#share-link');
    assert.ok(!/[?&]at=/.test(plain), `a plain link carries no position: ${plain}`);
    await page.click('#share-position');
    const withPos = await page.inputValue('#share-link');
    const at = new URL(withPos).searchParams.get('at').split(',').map(Number);
    assert.ok(Math.abs(at[0] - HERE.longitude) < 1e-4 && Math.abs(at[1] - HERE.latitude) < 1e-4, `the shared position ${at}`);

    // The shared link, opened elsewhere (no geolocation): the same list, the same filter.
    const h2 = await start({ contextOptions: { viewport: { width: 1280, height: 800 } } });
    try {
      await openApp(h2, new URL(withPos).search);
      await settledList(h2.page);
      assert.deepEqual(await shownIds(h2.page), ctApi.features.map((f) => f.id), 'the link reopens the same list');
      assert.equal(await h2.page.getAttribute('[data-filter="changing_table"]', 'aria-pressed'), 'true');
      // Once opened, the page does not write her position back into its own address.
      await h2.page.click('[data-filter="step_free"]');
      await h2.page.waitForFunction(() => /step_free/.test(location.search));
      assert.ok(!/[?&]at=/.test(h2.page.url()), `the position is not kept in the address: ${h2.page.url()}`);

      // A link naming layers shows exactly those.
      await openApp(h2, '?view=shell&layers=district,demand,water');
      assert.deepEqual(await h2.page.$$eval('input[data-layer]', (xs) => xs.filter((x) => x.checked).map((x) => x.dataset.layer).sort()), ['demand', 'district', 'water']);
      assert.deepEqual(new URL(h2.page.url()).searchParams.get('layers'), 'demand,district,water');

      // The planner's analysis and a route's review reopen from their links.
      await openApp(h2, '?view=planner&cov=nursing_rooms&profile=walk10');
      await h2.page.waitForSelector('#planner-totals');
      const cov = await h2.api('/api/coverage?layer=nursing_rooms&profile=walk10&suggest=3');
      const shown = await h2.page.$eval('#planner-totals dd[data-key="covered_population_share"]', (d) => Number(d.dataset.share));
      assert.equal(shown, cov.totals.covered_population_share, 'the link reopens the same coverage');
      assert.equal(await h2.page.inputValue('#planner-profile'), 'walk10');
      await openApp(h2, '?view=routes&route=sb-2');
      await h2.page.waitForSelector('#route-review[data-route="sb-2"]');
      assert.equal(await h2.page.getAttribute('#tab-routes', 'aria-selected'), 'true');
      assert.deepEqual(h2.consoleErrors, []);
    } finally {
      await h2.close();
    }
    assert.deepEqual(h.consoleErrors, [], 'no console errors');
  } finally {
    await h.close();
  }
});
