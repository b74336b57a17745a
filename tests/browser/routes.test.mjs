// The route view: line sb-1 selected -> its findings equal the API's, served and unserved
// villages and its stops are drawn, a finding flies the map to its place; a draft file (sb-1
// with one stop moved) is reviewed against sb-1 and the diff equals the API's.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { start, openApp, mapIdle } from './harness.mjs';
import { rendered } from './util.mjs';

const settled = async (page) => {
  await page.waitForFunction(() => !window.nestmap.map.isMoving());
  await mapIdle(page);
};

test('route view: review of sb-1, findings, villages, draft diff', { timeout: 180000 }, async () => {
  const h = await start();
  const dir = await mkdtemp(path.join(os.tmpdir(), 'nestmap-draft-'));
  try {
    const { page } = h;
    await openApp(h);
    await page.click('#tab-routes');
    const list = await h.api('/api/routes');
    await page.waitForSelector('#route-list button[data-route]');
    assert.deepEqual(await page.$$eval('#route-list button[data-route]', (bs) => bs.map((b) => b.dataset.route)), list.routes.map((r) => r.id));

    await page.click('#route-list button[data-route="sb-1"]');
    await page.waitForSelector('#route-review[data-route="sb-1"]');
    const rv = await h.api('/api/routes/sb-1/review');

    // Findings: the API's, in its order.
    const codes = await page.$$eval('#route-findings li', (lis) => lis.map((li) => [li.dataset.code, li.dataset.severity]));
    assert.deepEqual(codes, rv.findings.map((f) => [f.code, f.severity]));
    assert.ok(codes.length > 0);
    assert.equal(await page.textContent('#route-summary dd[data-key="stop_count"]'), String(rv.stop_count));

    // Drawn: the line, every stop, its walking circles, served (green) and unserved (red) villages.
    await settled(page);
    assert.ok((await rendered(page, ['route-line:line'])).length > 0, 'line drawn');
    const stops = new Set((await rendered(page, ['route-stops:circle'])).map((f) => f.properties.id));
    assert.deepEqual([...stops].sort(), rv.stops.map((s) => s.id).sort(), 'every stop drawn');
    assert.ok((await rendered(page, ['route-circles:fill'])).length > 0, 'walking circles drawn');
    const villages = await rendered(page, ['route-villages:circle']);
    const served = new Set(villages.filter((f) => f.properties.served === true).map((f) => f.properties.id));
    const unserved = new Set(villages.filter((f) => f.properties.served === false).map((f) => f.properties.id));
    assert.ok(rv.served.length > 0);
    for (const v of rv.served) assert.ok(served.has(v.id), `served village ${v.name} drawn as served`);
    assert.ok(unserved.size > 0, 'unserved villages drawn');
    for (const id of unserved) assert.ok(rv.unserved.some((v) => v.id === id), `${id} is unserved in the API`);
    const colours = await page.evaluate(() => window.nestmap.map.getPaintProperty('route-villages:circle', 'circle-color'));
    assert.deepEqual(colours, ['case', ['get', 'served'], '#2e7d32', '#d32f2f']);

    // A finding with a location flies the map there.
    const i = rv.findings.findIndex((f) => f.location);
    assert.ok(i >= 0);
    await page.click(`#route-findings li:nth-child(${i + 1})`);
    // The flight may be over before a first look (software rendering draws few frames): wait
    // for the map to be still at the finding, not for it to move.
    await page.waitForFunction(([lon, lat]) => {
      const c = window.nestmap.map.getCenter();
      return !window.nestmap.map.isMoving() && Math.abs(c.lng - lon) < 1e-5 && Math.abs(c.lat - lat) < 1e-5;
    }, rv.findings[i].location);
    await settled(page);
    const c = await page.evaluate(() => window.nestmap.map.getCenter().toArray());
    const [lon, lat] = rv.findings[i].location;
    assert.ok(Math.abs(c[0] - lon) < 1e-5 && Math.abs(c[1] - lat) < 1e-5, `centre ${c} at finding ${lon},${lat}`);

    // In the page's language (Chinese here), as the server words them for lang=zh.
    const zh = await h.api('/api/routes/sb-1/review?lang=zh');
    const messages = await page.$$eval('#route-findings li .finding-message', (ss) => ss.map((s) => s.textContent));
    assert.deepEqual(messages, zh.findings.map((f) => f.message));
    assert.ok(messages.every((m) => /[\u4e00-\u9fff]/.test(m)), `findings in Chinese: ${messages}`);

    // A draft: sb-1 with stop 6 moved onto the most-children unserved village.
    const moved = rv.stops.find((s) => s.seq === 6) || rv.stops[Math.floor(rv.stops.length / 2)];
    const draft = {
      type: 'FeatureCollection',
      features: [
        { type: 'Feature', properties: { name: 'sb-1 draft' }, geometry: rv.line },
        ...rv.stops.map((s) => ({
          type: 'Feature',
          properties: { seq: s.seq, name: s.name },
          geometry: { type: 'Point', coordinates: s.id === moved.id ? rv.unserved[0].position : s.position },
        })),
      ],
    };
    const file = path.join(dir, 'sb-1-draft.geojson');
    await writeFile(file, JSON.stringify(draft));
    await page.setInputFiles('#draft-file', file);
    await page.waitForSelector('#route-diff[data-against="sb-1"]');
    const expected = await h.api('/api/routes/review?compare=sb-1', draft);
    assert.ok(expected.diff.children_gained > 0, 'the moved stop gains children');
    const shown = await page.$$eval('#route-diff dd[data-key]', (dds) => Object.fromEntries(dds.map((dd) => [dd.dataset.key, JSON.parse(dd.dataset.value)])));
    const { against, ...values } = expected.diff;
    assert.deepEqual(shown, values);
    assert.match(await page.textContent('#route-diff dd[data-key="children_gained"]'), new RegExp(`\\+${expected.diff.children_gained.toLocaleString('zh-CN')}`));
    const draftCodes = await page.$$eval('#draft-findings li', (lis) => lis.map((li) => li.dataset.code));
    assert.deepEqual(draftCodes, expected.findings.map((f) => f.code));

    await page.evaluate(() => window.nestmap.nestMap.fitTo([window.nestmap.state.get().routes.review.line], 13));
    await settled(page);
    assert.ok((await rendered(page, ['draft-line:line'])).length > 0, 'draft line drawn');
    await page.locator('#route-diff').scrollIntoViewIfNeeded();
    await h.screenshot('routes');

    // Switching the page to English asks again: the line's and the draft's findings in English.
    const en = await h.api('/api/routes/sb-1/review?lang=en');
    await page.click('#lang-switch');
    await page.waitForFunction((want) => [...document.querySelectorAll('#route-findings li .finding-message')].map((s) => s.textContent).join('|') === want,
      en.findings.map((f) => f.message).join('|'));
    const draftMessages = await page.$$eval('#draft-findings li .finding-message', (ss) => ss.map((s) => s.textContent));
    // (English sentences, with the villages' own Chinese names in them.)
    assert.ok(draftMessages.length > 0 && draftMessages.every((m) => /\b(is|of the line|apart)\b/.test(m) && !/[，。：]/.test(m)), `draft findings in English: ${draftMessages}`);
    assert.deepEqual(h.offHost, [], 'no request left 127.0.0.1');
    assert.deepEqual(h.consoleErrors, [], 'no console errors');
  } finally {
    await h.close();
    await rm(dir, { recursive: true, force: true });
  }
});
