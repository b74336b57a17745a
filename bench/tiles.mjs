// Tile latency (issue 16, "Streets"): `node bench/tiles.mjs BIN OUT_DIR` serves two roads
// layers with the nestmap binary BIN and asks for every tile over them at zooms 12, 14 and
// 16, one request at a time, twice: cold (each tile cut on that request) and warm (from the
// cache). Prints a markdown table of p50 / p99 / max per zoom and pass, the tiles and their
// bytes, the load time the server logs and its resident memory before and after; writes it
// to OUT_DIR/tiles.md. Not a test: nothing here asserts a time.
//
// The layers: the test streets (tests/fixtures/roads, 85 roads, 8 km across), and a "city"
// generated here (seeded): a 30 km square grid of streets every 250 m with a vertex every
// 50 m and 20,000 footpaths, ~260,000 vertices, so that the heavy-pool path is measured too.

import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync, readFileSync, copyFileSync, existsSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';

const [BIN, OUT] = process.argv.slice(2);
if (!BIN || !OUT) throw new Error('usage: node bench/tiles.mjs BIN OUT_DIR');
const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const ZOOMS = [12, 14, 16];

function catalog(dir, file = 'roads.geojson') {
  writeFileSync(path.join(dir, 'layers.toml'), `[[layer]]\nid = "roads"\ntitle_zh = "道路"\ntitle_en = "Streets"\nkind = "roads"\nfile = "${file}"\ncrs = "wgs84"\nservice_radius_m = 1000\n`);
}

function city(dir) {
  if (existsSync(path.join(dir, 'roads.geojson'))) return;
  let seed = 320507;
  const rand = () => (seed = (seed * 48271) % 2147483647) / 2147483647;
  const [lon0, lat0, dLon, dLat] = [120.45, 31.3, 30000 / 94700, 30000 / 110900];
  const features = [];
  const add = (highway, coordinates, name) => features.push({ type: 'Feature', id: `c-${features.length + 1}`,
    properties: { highway, ...(name ? { name: `示例路 ${features.length + 1}`, name_en: `Sample Road ${features.length + 1}` } : {}), synthetic: true, source: 'nestmap bench/tiles.mjs: invented city grid' },
    geometry: { type: 'LineString', coordinates } });
  const steps = 600; // a vertex every 50 m along 30 km
  for (let i = 0; i <= 120; i++) {
    const cls = i % 20 === 0 ? 'primary' : i % 8 === 0 ? 'secondary' : i % 4 === 0 ? 'tertiary' : 'residential';
    const ew = [];
    const ns = [];
    for (let k = 0; k <= steps; k++) {
      const w = cls === 'residential' ? 3 * Math.sin(k * 1.7) : 0;
      ew.push([lon0 + (dLon * k) / steps, lat0 + (dLat * i) / 120 + w / 110900]);
      ns.push([lon0 + (dLon * i) / 120 + w / 94700, lat0 + (dLat * k) / steps]);
    }
    add(cls, ew, true);
    add(cls, ns, true);
  }
  for (let k = 0; k < 20000; k++) {
    let p = [lon0 + dLon * rand(), lat0 + dLat * rand()];
    const pts = [p];
    let h = rand() * 2 * Math.PI;
    for (let s = 0; s < 12; s++) {
      h += (rand() - 0.5) * 1.2;
      p = [p[0] + (40 * Math.cos(h)) / 94700, p[1] + (40 * Math.sin(h)) / 110900];
      pts.push(p);
    }
    add('footway', pts, false);
  }
  writeFileSync(path.join(dir, 'roads.geojson'), JSON.stringify({ type: 'FeatureCollection', features }));
}

async function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

const rss = (pid) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) / 1024;
const pct = (xs, p) => xs[Math.min(xs.length - 1, Math.floor((xs.length * p) / 100))];

async function run(name, dir) {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const t0 = performance.now();
  const child = spawn(path.resolve(BIN), ['serve', '--data', dir, '--addr', `127.0.0.1:${port}`], { cwd: ROOT, env: { ...process.env, RUST_LOG: 'nestmap=info' } });
  let log = '';
  child.stderr.on('data', (d) => (log += d));
  child.stdout.on('data', (d) => (log += d));
  for (;;) {
    try {
      if ((await fetch(`${base}/healthz`)).ok) break;
    } catch { /* not yet */ }
    await new Promise((r) => setTimeout(r, 20));
  }
  const upMs = performance.now() - t0;
  const loaded = /loaded .* in (\d+) ms/.exec(log.replace(/\x1b\[[0-9;]*m/g, ''))?.[1];
  const rss0 = rss(child.pid);
  const layer = (await (await fetch(`${base}/api/layers`)).json()).layers.find((l) => l.kind === 'roads');
  const rows = [];
  for (const z of ZOOMS) {
    const n = 2 ** z;
    const col = (lon) => Math.floor(((lon + 180) / 360) * n);
    const row = (lat) => { const r = (lat * Math.PI) / 180; return Math.floor(((1 - Math.log(Math.tan(r) + 1 / Math.cos(r)) / Math.PI) / 2) * n); };
    const [w, s, e, nn] = layer.bbox;
    const tiles = [];
    for (let x = col(w); x <= col(e); x++) for (let y = row(nn); y <= row(s); y++) tiles.push(`/tiles/roads/${z}/${x}/${y}.mvt`);
    for (const pass of ['cold', 'warm']) {
      const ms = [];
      let bytes = 0;
      for (const t of tiles) {
        const a = performance.now();
        const res = await fetch(base + t, { headers: { 'accept-encoding': 'gzip' } });
        const body = new Uint8Array(await res.arrayBuffer());
        ms.push(performance.now() - a);
        if (!res.ok) throw new Error(`${t}: ${res.status}`);
        bytes += body.length;
      }
      ms.sort((x, y) => x - y);
      rows.push(`| ${name} | ${z} | ${pass} | ${tiles.length} | ${pct(ms, 50).toFixed(2)} | ${pct(ms, 99).toFixed(2)} | ${ms[ms.length - 1].toFixed(2)} | ${(bytes / tiles.length / 1024).toFixed(1)} |`);
    }
  }
  const rss1 = rss(child.pid);
  child.kill('SIGTERM');
  return { rows, head: `| ${name} | ${layer.count} roads | up in ${upMs.toFixed(0)} ms (load logged: ${loaded} ms) | RSS ${rss0.toFixed(0)} MB -> ${rss1.toFixed(0)} MB after every tile |` };
}

mkdirSync(OUT, { recursive: true });
const fixture = path.join(OUT, 'fixture');
mkdirSync(fixture, { recursive: true });
copyFileSync(path.join(ROOT, 'tests/fixtures/roads/roads.geojson'), path.join(fixture, 'roads.geojson'));
catalog(fixture);
const cityDir = path.join(OUT, 'city');
mkdirSync(cityDir, { recursive: true });
city(cityDir);
catalog(cityDir);
const results = [await run('test streets', fixture), await run('city', cityDir)];
const md = [
  '| layer | size | start-up | memory |', '|---|---|---|---|', ...results.map((r) => r.head), '',
  '| layer | z | pass | tiles | p50 ms | p99 ms | max ms | KiB a tile (uncompressed) |', '|---|---|---|---|---|---|---|---|',
  ...results.flatMap((r) => r.rows),
].join('\n');
writeFileSync(path.join(OUT, 'tiles.md'), md + '\n');
console.log(md);
