// Issue 15.7: axe-core (npm @axe-core/playwright) finds no serious or critical violation in
// any view, at a phone viewport and a desktop one, with each view showing an answer (the
// parent's list with a chosen room, the planner's coverage, a route's review); and every
// control is reachable by keyboard with a name.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import AxeBuilder from '@axe-core/playwright';
import { start, openApp, mapIdle, liveMap } from './harness.mjs';

const HERE = { longitude: 120.64, latitude: 31.42 };
const VIEWPORTS = {
  phone: { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true },
  desktop: { viewport: { width: 1280, height: 800 } },
};

async function serious(page, label) {
  const { violations } = await new AxeBuilder({ page }).analyze();
  const bad = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  const said = bad.map((v) => `${v.id} (${v.impact}): ${v.help}\n    ${v.nodes.slice(0, 4).map((n) => n.target.join(' ')).join('\n    ')}`);
  assert.deepEqual(said, [], `${label}: axe found serious or critical violations`);
  return violations.length;
}

/** Tab through the page: every focusable control is reached and has an accessible name. */
async function tabWalk(page, label) {
  const seen = [];
  // Start at the top of the page: focus a throwaway control placed first, then drop it.
  await page.evaluate(() => {
    const b = document.createElement('button');
    document.body.prepend(b);
    b.focus();
    b.remove();
  });
  for (let i = 0; i < 120; i++) {
    await page.keyboard.press('Tab');
    const f = await page.evaluate(() => {
      const e = document.activeElement;
      if (!e || e === document.body) return null;
      const name = (e.getAttribute('aria-label') || e.getAttribute('title') || e.labels?.[0]?.textContent || e.textContent || e.value || '').trim();
      return { tag: e.tagName, id: e.id, cls: e.className?.baseVal ?? e.className, name };
    });
    if (!f) break;
    const key = `${f.tag}#${f.id}.${f.cls}:${f.name}`;
    if (seen.includes(key)) break; // wrapped around
    seen.push(key);
    assert.ok(f.name.length > 0, `${label}: a control reached by Tab has no name: ${key}`);
  }
  return seen;
}

for (const [name, opts] of Object.entries(VIEWPORTS)) {
  test(`a11y (${name}): axe finds nothing serious or critical in any view; controls reachable and named`, { timeout: 300000 }, async () => {
    const h = await start({ contextOptions: { geolocation: HERE, permissions: ['geolocation'], ...opts } });
    try {
      const { page } = h;
      await openApp(h);
      if (name === 'phone') {
        // The first view's map is the facade's picture: named for a screen reader, with a
        // named button that opens the live map.
        assert.equal(await page.evaluate(() => document.body.dataset.map), 'facade');
        assert.equal(await page.getAttribute('.facade-picture', 'role'), 'img');
        assert.match(await page.getAttribute('.facade-picture', 'aria-label'), /^地图（静态预览.*：.*母婴室（58 个）/);
        assert.equal(await page.textContent('.facade-open'), '打开地图');
      } else {
        await mapIdle(page);
      }
      await serious(page, `${name} parent, first view`);

      // The parent view with a list and a chosen room, by keyboard only.
      await page.focus('#locate-me');
      await page.keyboard.press('Enter');
      await page.waitForFunction(() => document.querySelectorAll('#results > li').length === 5);
      await page.focus("#results > li:nth-child(2) .result-main");
      await page.keyboard.press('Enter');
      await page.waitForSelector('#results > li.active a.nav-link');
      await liveMap(page); // (locate started it)
      await serious(page, `${name} parent with a chosen room`);
      const reached = await tabWalk(page, `${name} parent`);
      for (const want of ['#locate-me', '#pick-on-map', '#share-view', 'sheet-handle', 'nav-link', '#lang-switch', '#tab-parent']) {
        if (want === 'sheet-handle' && name === 'desktop') continue;
        assert.ok(reached.some((k) => k.includes(want.replace('#', '#')) || k.includes(want)), `${name}: Tab reaches ${want}: ${reached.join(' | ')}`);
      }

      // The layers view, the planner with an answer, a route's review.
      await page.click('#tab-shell');
      await serious(page, `${name} layers`);
      await page.click('#tab-planner');
      await page.click('#planner-run');
      await page.waitForSelector('#planner-totals');
      await serious(page, `${name} planner with coverage`);
      await page.click('#tab-routes');
      await page.waitForSelector('#route-list button[data-route]');
      await page.click('#route-list button[data-route="sb-1"]');
      await page.waitForSelector('#route-review[data-route="sb-1"]');
      await serious(page, `${name} route review`);

      // English too.
      await page.click('#lang-switch');
      await page.click('#tab-parent');
      await serious(page, `${name} parent in English`);
      assert.deepEqual(h.consoleErrors, [], 'no console errors');
    } finally {
      await h.close();
    }
  });
}
