// Shared set-up for the browser tests: start the nestmap binary on a free port, launch
// Debian's Chromium headless (SwiftShader WebGL) through playwright-core, record every request
// and refuse any that leaves 127.0.0.1, and stop everything at the end.
//
// Env: NESTMAP_BIN (default target/debug/nestmap, relative to the repository root).

import { spawn } from 'node:child_process';
import { mkdtemp, mkdir, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const SCREENSHOTS = path.join(ROOT, 'target', 'screenshots');

const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--enable-unsafe-swiftshader', '--disable-quic',
  '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

async function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

async function waitForHealth(base, child, logs, timeoutMs = 60000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`nestmap exited with ${child.exitCode}:\n${logs.join('')}`);
    try {
      const res = await fetch(`${base}/healthz`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`nestmap did not answer /healthz within ${timeoutMs} ms:\n${logs.join('')}`);
}

/**
 * Start the server and a browser context. Options: `data`, the data directory to serve
 * (default the sample, `data/geojson`); `contextOptions` for launchPersistentContext
 * (geolocation, permissions, viewport, ...); `serverArgs`, more flags for `nestmap serve`
 * (`--clock 2026-10-01T12:00` pins the hours' clock).
 * Returns {base, context, page, requests, offHost, api(path), screenshot(name), close()}.
 */
export async function start({ data = 'data/geojson', contextOptions = {}, serverArgs = [] } = {}) {
  const bin = path.resolve(ROOT, process.env.NESTMAP_BIN || 'target/debug/nestmap');
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const logs = [];
  const child = spawn(bin, [
    'serve', '--data', data, '--addr', `127.0.0.1:${port}`,
    '--web', 'web', '--vendor', 'node_modules/maplibre-gl/dist', ...serverArgs,
  ], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, RUST_LOG: process.env.RUST_LOG || 'nestmap=warn' } });
  child.stdout.on('data', (d) => logs.push(String(d)));
  child.stderr.on('data', (d) => logs.push(String(d)));

  let context;
  let userDir;
  const close = async () => {
    try {
      if (context) await context.close();
    } finally {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await new Promise((r) => {
          const timer = setTimeout(() => {
            child.kill('SIGKILL');
            r();
          }, 5000);
          child.once('exit', () => {
            clearTimeout(timer);
            r();
          });
        });
      }
      if (userDir) await rm(userDir, { recursive: true, force: true });
    }
  };

  try {
    await waitForHealth(base, child, logs);
    userDir = await mkdtemp(path.join(os.tmpdir(), 'nestmap-chromium-'));
    context = await chromium.launchPersistentContext(userDir, {
      executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
      headless: true,
      args: [...CHROMIUM_ARGS, ...(process.env.NESTMAP_CHROMIUM_ARGS || '').split(' ').filter(Boolean)],
      viewport: { width: 1280, height: 800 },
      // The sample's users read Chinese; a test of the language choice sets its own locale.
      locale: 'zh-CN',
      ...contextOptions,
    });
  } catch (e) {
    await close();
    throw e;
  }

  const requests = [];
  const offHost = [];
  const consoleErrors = [];
  context.on('request', (req) => {
    const u = req.url();
    requests.push(u);
    if (u.startsWith('data:') || u.startsWith('blob:')) return;
    let host;
    try {
      host = new URL(u).hostname;
    } catch {
      host = '?';
    }
    if (host !== '127.0.0.1') offHost.push(u);
  });
  // Refuse any request that would leave the machine (the test then fails on offHost).
  await context.route((u) => u.hostname !== '127.0.0.1' && (u.protocol === 'http:' || u.protocol === 'https:' || u.protocol === 'ws:' || u.protocol === 'wss:'), (route) => route.abort());
  const page = context.pages()[0] || (await context.newPage());
  page.on('console', (msg) => {
    if (msg.type() === 'error') consoleErrors.push(msg.text());
  });
  page.on('pageerror', (err) => consoleErrors.push(String(err)));

  return {
    base,
    context,
    page,
    requests,
    offHost,
    consoleErrors,
    serverLogs: logs,
    /** GET (or POST with `body`) a JSON answer straight from the server. */
    async api(p, body) {
      const res = await fetch(base + p, body === undefined ? {} : {
        method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body),
      });
      const json = await res.json();
      if (!res.ok) throw new Error(`${p}: ${res.status} ${JSON.stringify(json)}`);
      return json;
    },
    async screenshot(name) {
      await mkdir(SCREENSHOTS, { recursive: true });
      const file = path.join(SCREENSHOTS, `${name}.png`);
      // The page as the screen composites it: no copy of the canvas laid over it (issue 15
      // found the screen white where the canvas held the map; the cause was the sheet).
      await page.screenshot({ path: file });
      return file;
    },
    close,
  };
}

/** Load `/` (plus `query`) and wait for the page to say every layer is drawn. */
export async function openApp(h, query = '') {
  await h.page.goto(`${h.base}/${query}`);
  await h.page.waitForFunction(() => document.body.dataset.ready === '1' || document.body.dataset.ready === 'error', null, { timeout: 60000 });
  const ready = await h.page.evaluate(() => document.body.dataset.ready);
  if (ready !== '1') throw new Error(`the page failed to load: ${h.consoleErrors.join('\n')}`);
}

/**
 * Wait until the live map has taken over (`body.dataset.map` = 'live', web/js/livemap.js). On
 * a phone's parent view it starts only when the page is used as a parent would (a tap on the
 * map, 定位我, ...): call this after that use. Throws when the map could not start.
 */
export async function liveMap(page, timeout = 60000) {
  try {
    await page.waitForFunction(() => ['live', 'error'].includes(document.body.dataset.map), null, { timeout });
  } catch (e) {
    const which = await page.evaluate(() => document.body.dataset.map).catch(() => '?');
    throw new Error(`the live map did not start (body.dataset.map = ${which}; on a phone's parent view the page is used first): ${e.message}`);
  }
  const which = await page.evaluate(() => document.body.dataset.map);
  if (which !== 'live') throw new Error(`the live map could not start: body.dataset.map = ${which}`);
}

/** Wait until the live map has rendered everything pending (the `idle` event after a repaint). */
export async function mapIdle(page) {
  await liveMap(page);
  await page.evaluate(() => new Promise((resolve) => {
    const map = window.nestmap.map;
    map.once('idle', resolve);
    map.triggerRepaint();
  }));
}
