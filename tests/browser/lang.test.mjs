// The page's language (issue 15, point 4): on a first visit it follows the browser's
// (navigator.language), a choice made with the switch is remembered for the next visit, and
// `?lang=` in a link wins over both.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { start, openApp } from './harness.mjs';

const htmlLang = (page) => page.getAttribute('html', 'lang');
const title = (page) => page.textContent('#tab-parent');

test('language: follows the browser first, then the choice made, and ?lang= wins', { timeout: 180000 }, async () => {
  const h = await start({ contextOptions: { locale: 'en-US' } });
  try {
    const { page } = h;
    await openApp(h);
    assert.equal(await page.evaluate(() => navigator.language), 'en-US');
    assert.equal(await htmlLang(page), 'en', 'an English browser gets English');
    assert.equal(await title(page), 'Find a room');

    // Chosen: Chinese, and after a reload it stays Chinese on this English browser.
    await page.click('#lang-switch');
    assert.equal(await htmlLang(page), 'zh-CN');
    await page.reload();
    await page.waitForFunction(() => document.body.dataset.ready === '1');
    assert.equal(await htmlLang(page), 'zh-CN', 'the choice is remembered');
    assert.equal(await title(page), '找母婴室');

    // A link naming the language wins over the remembered choice.
    await openApp(h, '?lang=en');
    assert.equal(await htmlLang(page), 'en');
    assert.equal(await title(page), 'Find a room');
  } finally {
    await h.close();
  }
});

test('language: a Chinese browser gets Chinese on its first visit', { timeout: 180000 }, async () => {
  const h = await start({ contextOptions: { locale: 'zh-TW' } });
  try {
    const { page } = h;
    await openApp(h);
    assert.equal(await page.evaluate(() => navigator.language), 'zh-TW');
    assert.equal(await htmlLang(page), 'zh-CN');
    assert.equal(await title(page), '找母婴室');
  } finally {
    await h.close();
  }
});
