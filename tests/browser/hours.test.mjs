// Issue 15.3, as the parent reads it: each result's hours line in the page's language, at a
// weekday, the lunch break, a weekend, a public holiday, a make-up workday (调休) and 23:30,
// the server's clock pinned by `nestmap serve --clock`. The expected lines come from an
// oracle written here from the meaning of the sample's eight opening_hours rules and the
// State Council's 2026 holiday notice, not from the server's code.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { start, openApp } from './harness.mjs';

const HERE = { longitude: 120.64, latitude: 31.42 };

// 国务院办公厅关于2026年部分节假日安排的通知 (2025-11-04): days off, and weekend days worked.
const DAYS_OFF = [['01-01', '01-03'], ['02-15', '02-23'], ['04-04', '04-06'], ['05-01', '05-05'], ['06-19', '06-21'], ['09-25', '09-27'], ['10-01', '10-07']];
const WORKED = ['01-04', '02-14', '02-28', '05-09', '09-20', '10-10'];

const pad = (n) => String(n).padStart(2, '0');
const md = (d) => `${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
/** Monday 0 … Sunday 6 of a UTC-held local date. */
const weekday = (d) => (d.getUTCDay() + 6) % 7;
const isOff = (d) => d.getUTCFullYear() === 2026 && DAYS_OFF.some(([a, b]) => md(d) >= a && md(d) <= b);
/** The day as the rules see it: a worked Saturday is read as a Friday, a worked Sunday as a Monday. */
function dayOf(d) {
  const worked = d.getUTCFullYear() === 2026 && WORKED.includes(md(d));
  return { wd: worked ? (weekday(d) === 5 ? 4 : 0) : weekday(d), ph: isOff(d) };
}

const h = (s) => Number(s.slice(0, 2)) * 60 + Number(s.slice(3));
const span = (a, b) => [h(a), h(b)];
/** Open intervals (minutes of the day) of each rule the sample uses, from its meaning. */
const RULES = {
  '24/7': () => [[0, 1440]],
  'Mo-Su 10:00-22:00': () => [span('10:00', '22:00')],
  'Mo-Su 09:00-21:30': () => [span('09:00', '21:30')],
  'Mo-Fr 08:30-12:00,13:30-17:30; PH off': ({ wd, ph }) => (ph || wd > 4 ? [] : [span('08:30', '12:00'), span('13:30', '17:30')]),
  'Mo-Su 07:00-21:00; PH 09:00-17:00': ({ ph }) => (ph ? [span('09:00', '17:00')] : [span('07:00', '21:00')]),
  'Mo-Fr 08:00-20:00; Sa,Su 10:00-18:00; PH off': ({ wd, ph }) => (ph ? [] : wd < 5 ? [span('08:00', '20:00')] : [span('10:00', '18:00')]),
  'Mo-Sa 08:00-18:00; Su off': ({ wd }) => (wd < 6 ? [span('08:00', '18:00')] : []),
  'Mo-Fr 08:00-17:30; Sa,Su 09:00-17:00': ({ wd }) => (wd < 5 ? [span('08:00', '17:30')] : [span('09:00', '17:00')]),
};

const ZH_DAYS = ['周一', '周二', '周三', '周四', '周五', '周六', '周日'];
const EN_DAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];
const EN_MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** The line a person should read for `rule` at local time `at` ('2026-11-25T10:00'). */
function expectedLine(rule, at, lang) {
  const f = RULES[rule];
  if (!f) throw new Error(`no oracle for ${rule}`);
  const t0 = new Date(at + ':00Z');
  const openAt = (t) => {
    const day = new Date(Date.UTC(t.getUTCFullYear(), t.getUTCMonth(), t.getUTCDate()));
    const m = t.getUTCHours() * 60 + t.getUTCMinutes();
    return f(dayOf(day)).some(([a, b]) => m >= a && m < b);
  };
  const now = openAt(t0);
  // The next change, minute by minute over eight days (every rule changes on a minute).
  let change = null;
  for (let i = 1; i <= 8 * 1440; i++) {
    const t = new Date(t0.getTime() + i * 60000);
    if (openAt(t) !== now) {
      change = t;
      break;
    }
  }
  const words = lang === 'zh' ? { open: '营业中', closed: '已关闭' } : { open: 'Open', closed: 'Closed' };
  if (!change) return now ? (lang === 'zh' ? '营业中 · 24 小时' : 'Open · 24 hours') : words.closed;
  const days = Math.round((Date.UTC(change.getUTCFullYear(), change.getUTCMonth(), change.getUTCDate()) - Date.UTC(t0.getUTCFullYear(), t0.getUTCMonth(), t0.getUTCDate())) / 86400000);
  const hm = `${pad(change.getUTCHours())}:${pad(change.getUTCMinutes())}`;
  let when;
  if (days === 0) when = hm;
  else if (days === 1) when = lang === 'zh' ? `明天 ${hm}` : `tomorrow ${hm}`;
  else if (days <= 6) when = `${(lang === 'zh' ? ZH_DAYS : EN_DAYS)[weekday(change)]} ${hm}`;
  else when = lang === 'zh' ? `${change.getUTCMonth() + 1}月${change.getUTCDate()}日 ${hm}` : `${change.getUTCDate()} ${EN_MONTHS[change.getUTCMonth()]} ${hm}`;
  if (lang === 'zh') return now ? `${words.open} · ${when} 关门` : `${words.closed} · ${when} 开门`;
  return now ? `${words.open} · closes ${when}` : `${words.closed} · opens ${when}`;
}

const MOMENTS = [
  ['a weekday', '2026-11-25T10:00'],
  ['the lunch break', '2026-11-25T12:30'],
  ['a weekend', '2026-11-28T10:00'],
  ['a public holiday', '2026-10-01T10:00'],
  ['a make-up workday (调休)', '2026-02-14T10:00'],
  ['23:30', '2026-11-25T23:30'],
];

async function linesShown(page) {
  await page.waitForFunction(() => document.querySelector('#view-parent').dataset.loading === '0' && document.querySelectorAll('#results > li').length === 5);
  return page.$$eval('#results > li', (lis) => lis.map((li) => ({ id: li.dataset.id, hours: li.querySelector('.hours')?.textContent ?? null, badge: li.querySelector('.badge').dataset.open })));
}

test('hours lines: the page shows, in its language, the line the rules mean at six moments', { timeout: 400000 }, async () => {
  const rooms = new Map();
  const indoor = new Map(); // id -> {zh, en}: where inside, in each language (issue 15.4)
  let checked = 0;
  for (const [what, at] of MOMENTS) {
    const h = await start({ serverArgs: ['--clock', at], contextOptions: { geolocation: HERE, permissions: ['geolocation'], viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true } });
    try {
      const { page } = h;
      if (!rooms.size) {
        const fc = await h.api('/ogcapi/collections/nursing_rooms/items?limit=1000');
        for (const f of fc.features) {
          rooms.set(f.id, f.properties.opening_hours ?? null);
          indoor.set(f.id, { zh: f.properties.indoor_location, en: f.properties.indoor_location_en });
        }
      }
      await openApp(h);
      await page.click('#locate-me');
      for (const lang of ['zh', 'en']) {
        if (lang === 'en') {
          await page.click('#lang-switch');
          await page.waitForFunction(() => document.documentElement.lang.startsWith('en'));
          await page.waitForFunction(() => /Open|Closed|Hours/.test(document.querySelector('#results')?.textContent || ''));
        }
        const shown = await linesShown(page);
        // Where inside, in the page's language only (the sample writes the two apart).
        const inside = await page.$$eval('#results > li', (lis) => lis.map((li) => [li.dataset.id, li.querySelector('.indoor')?.textContent ?? '']));
        for (const [id, text] of inside) {
          const want = indoor.get(id);
          assert.ok(want.zh && want.en, `${id} has both indoor fields`);
          assert.ok(text.includes(want[lang]) && !text.includes(want[lang === 'zh' ? 'en' : 'zh']), `${lang}: ${id} shows "${text}", want only "${want[lang]}"`);
        }
        for (const r of shown) {
          const rule = rooms.get(r.id);
          if (rule === null) {
            assert.equal(r.badge, 'unknown', `${at}: ${r.id} has no hours`);
            continue;
          }
          const want = expectedLine(rule, at, lang);
          assert.ok(r.hours && r.hours.endsWith(want) && r.hours.length <= want.length + 3,
            `${what} (${at}, ${lang}): ${r.id} "${rule}" shows "${r.hours}", the rule means "${want}"`);
          const open = want.startsWith(lang === 'zh' ? '营业中' : 'Open');
          assert.equal(r.badge, open ? 'open' : 'closed', `${at}: ${r.id}'s badge agrees`);
          checked++;
        }
      }
      assert.deepEqual(h.consoleErrors, []);
    } finally {
      await h.close();
    }
  }
  assert.ok(checked >= MOMENTS.length * 2 * 4, `${checked} lines checked`);
});
