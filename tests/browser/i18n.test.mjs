// The string tables (no browser needed): both languages have every key, with the same
// `{placeholders}`, and every key the page's code asks for exists.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { ROOT } from './harness.mjs';
import { LANGS, keysOf, t, setLang } from '../../web/js/i18n.js';

const placeholders = (s) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

test('i18n: both languages have the same keys and placeholders', () => {
  assert.deepEqual(LANGS, ['zh', 'en']);
  assert.deepEqual([...keysOf('en')].sort(), [...keysOf('zh')].sort());
  globalThis.document = { documentElement: {} };
  const text = (l, k) => {
    setLang(l);
    return t(k);
  };
  for (const k of keysOf('zh')) assert.deepEqual(placeholders(text('en', k)), placeholders(text('zh', k)), k);
});

test('i18n: every literal key the page asks for exists', async () => {
  const files = [path.join(ROOT, 'web/index.html')];
  for (const dir of ['web/js', 'web/js/ui']) {
    for (const f of await readdir(path.join(ROOT, dir))) if (f.endsWith('.js')) files.push(path.join(ROOT, dir, f));
  }
  const known = new Set(keysOf('zh'));
  const asked = new Set();
  for (const f of files) {
    const src = await readFile(f, 'utf8');
    for (const m of src.matchAll(/\bt\('(\w+)'\s*[,)]/g)) asked.add(m[1]);
    for (const m of src.matchAll(/data-i18n(?:-title|-aria)?="(\w+)"/g)) asked.add(m[1]);
  }
  assert.ok(asked.size > 60, `found ${asked.size} keys in the code`);
  for (const k of asked) assert.ok(known.has(k), `"${k}" is asked for but not in i18n.js`);
});

test('i18n: the Chinese index.html carries for its first paint is i18n.js\'s', async () => {
  const html = await readFile(path.join(ROOT, 'web/index.html'), 'utf8');
  globalThis.document = { documentElement: {} };
  setLang('zh');
  const carried = [...html.matchAll(/data-i18n="(\w+)"[^>]*>([^<]+)</g)];
  assert.ok(carried.length >= 7, `${carried.length} texts in index.html`);
  for (const [, key, text] of carried) {
    assert.equal(text, t(key), `index.html's text of ${key}`);
  }
});
