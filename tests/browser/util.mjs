// Helpers shared by the browser tests.

/** How many distinct colours a PNG has (decoded in the page), sampling every 4th pixel. */
export async function distinctColours(page, png) {
  const b64 = png.toString('base64');
  return page.evaluate(async (data) => {
    const img = new Image();
    img.src = 'data:image/png;base64,' + data;
    await img.decode();
    const c = document.createElement('canvas');
    c.width = img.width;
    c.height = img.height;
    const g = c.getContext('2d');
    g.drawImage(img, 0, 0);
    const px = g.getImageData(0, 0, c.width, c.height).data;
    const seen = new Set();
    for (let i = 0; i < px.length; i += 16) seen.add((px[i] << 16) | (px[i + 1] << 8) | px[i + 2]);
    return seen.size;
  }, b64);
}

/** Rendered features of the given style layers (whole viewport, or a pixel box). */
export function rendered(page, layers, box = null) {
  return page.evaluate(([layers, box]) => {
    const map = window.nestmap.map;
    const fs = box ? map.queryRenderedFeatures(box, { layers }) : map.queryRenderedFeatures({ layers });
    return fs.map((f) => ({ layer: f.layer.id, properties: f.properties }));
  }, [layers, box]);
}

/** Page coordinates of [lon, lat] on the map. */
export async function toPage(page, lngLat) {
  return page.evaluate((p) => {
    const map = window.nestmap.map;
    const q = map.project(p);
    const r = map.getCanvas().getBoundingClientRect();
    return { x: r.left + q.x, y: r.top + q.y, inside: q.x > 0 && q.y > 0 && q.x < r.width && q.y < r.height };
  }, lngLat);
}

/**
 * The colours ([r, g, b]) of a PNG screenshot at CSS-pixel points ({x, y} each), decoded in
 * the page; `scale` is the device pixel ratio the screenshot was taken at.
 */
export async function coloursAt(page, png, points, scale = 1) {
  return page.evaluate(async ([data, points, scale]) => {
    const img = new Image();
    img.src = 'data:image/png;base64,' + data;
    await img.decode();
    const c = document.createElement('canvas');
    c.width = img.width;
    c.height = img.height;
    const g = c.getContext('2d');
    g.drawImage(img, 0, 0);
    return points.map(({ x, y }) => [...g.getImageData(Math.round(x * scale), Math.round(y * scale), 1, 1).data.slice(0, 3)]);
  }, [png.toString('base64'), points, scale]);
}

/**
 * For each of `points` (CSS px), whether any pixel of the PNG within `r` px of it has a
 * colour within `tol` of `want` ([r, g, b]): a dashed or thin line passing there.
 */
export async function drawnAt(page, png, points, want, scale = 1, r = 3, tol = 60) {
  const probes = [];
  for (const p of points) for (let dx = -r; dx <= r; dx++) for (let dy = -r; dy <= r; dy++) probes.push({ x: p.x + dx, y: p.y + dy });
  const cs = await coloursAt(page, png, probes, scale);
  const per = (2 * r + 1) ** 2;
  return points.map((_, i) => cs.slice(i * per, (i + 1) * per).some((c) => near(c, want, tol)));
}

/** [r, g, b] of '#rrggbb'. */
export const rgb = (hex) => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));

/** Whether two colours are within `tol` on every channel. */
export const near = (a, b, tol = 40) => a.every((v, i) => Math.abs(v - b[i]) <= tol);
