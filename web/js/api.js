// Fetch wrappers for the nestmap HTTP API. Every call resolves to parsed JSON or rejects with
// an ApiError whose message is the server's own message (4xx bodies are
// `{"error":{"code","message"}}` and name the parameter and the reason), or the page's own,
// in the current language, when the server said nothing (no connection, no JSON). Every
// request names the page's language (`lang=`), so the server's words (refusals, review
// findings, hours lines) are in it even when the browser's own language differs.

import { t, getLang } from './i18n.js';

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/** `url` with `lang=<the page's language>`, unless it names one already. */
function withLang(url) {
  if (/[?&]lang=/.test(url)) return url;
  return `${url}${url.includes('?') ? '&' : '?'}lang=${encodeURIComponent(getLang())}`;
}

async function request(url, options = {}) {
  let res;
  try {
    res = await fetch(withLang(url), options);
  } catch (e) {
    throw new ApiError(0, 'network', t('error_network', { reason: String(e.message || e) }));
  }
  const text = await res.text();
  let body = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = null;
  }
  if (!res.ok) {
    const err = body && body.error;
    throw new ApiError(res.status, err?.code || 'http_' + res.status, err?.message || t('error_http', { status: res.status }));
  }
  if (body === null) throw new ApiError(res.status, 'bad_body', t('error_not_json', { url }));
  return body;
}

/** Build `path?k=v&...`, leaving out null, undefined and empty values. */
export function url(path, params = {}) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v === null || v === undefined || v === '' || (Array.isArray(v) && v.length === 0)) continue;
    q.set(k, Array.isArray(v) ? v.join(',') : String(v));
  }
  const s = q.toString();
  return s ? `${path}?${s}` : path;
}

/** The largest page the server gives (`limit` of /ogcapi/collections/{id}/items). */
export const MAX_PAGE = 10000;

/**
 * Every feature of `layer`, as one FeatureCollection: asks for pages of `pageSize` and follows
 * each page's OGC `next` link until a page has none, so a layer larger than one page comes
 * whole. A `next` link is followed on this page's own origin (its path and query only), so a
 * proxy in front of the server does not send the client elsewhere. Rejects, rather than
 * answering with part of the layer, when the pages do not add up to the first page's
 * `numberMatched` or bring a feature twice (the layer was reloaded while paging).
 */
async function items(layer, { pageSize = MAX_PAGE } = {}) {
  let next = url(`/ogcapi/collections/${encodeURIComponent(layer)}/items`, { limit: pageSize });
  const features = [];
  const ids = new Set();
  let matched = null;
  while (next) {
    const page = await request(next);
    matched ??= page.numberMatched;
    for (const f of page.features) {
      if (f.id !== undefined && ids.has(f.id)) {
        throw new ApiError(200, 'partial', t('error_paged_twice', { layer, id: f.id }));
      }
      ids.add(f.id);
      features.push(f);
    }
    const link = (page.links || []).find((l) => l.rel === 'next');
    if (!link || page.features.length === 0) break;
    const u = new URL(link.href, location.href);
    next = u.pathname + u.search;
  }
  if (typeof matched === 'number' && features.length !== matched) {
    throw new ApiError(200, 'partial', t('error_partial', { layer, got: features.length, want: matched }));
  }
  return { type: 'FeatureCollection', numberMatched: features.length, features };
}

const postJson = (path, body) =>
  request(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

export const api = {
  layers: () => request('/api/layers'),
  items,
  /** k nearest of `layer` to [lon, lat]; `open` ('now' or null), `has` (amenity names);
   * `path`: each answer carries its walk (along the network where one is loaded). */
  nearest: ({ layer, lon, lat, k = 5, open = null, has = [], path = false }) =>
    request(url('/api/nearest', { layer, lon, lat, k, open, has, path: path ? 'true' : null })),
  coverageUrl: (params) => url('/api/coverage', params),
  /** Walking isochrones from {lon, lat} or {layer}, `minutes` comma-separated. */
  isochrones: (params) => request(url('/api/isochrones', params)),
  coverage: (params) => request(url('/api/coverage', params)),
  coveragePost: (body) => postJson('/api/coverage', body),
  routes: () => request('/api/routes'),
  routeReview: (id, params = {}) => request(url(`/api/routes/${encodeURIComponent(id)}/review`, params)),
  reviewDraft: (featureCollection, compare) => postJson(url('/api/routes/review', { compare }), featureCollection),
};
