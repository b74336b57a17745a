// Fetch wrappers for the nestmap HTTP API. Every call resolves to parsed JSON or rejects with
// an ApiError whose message is the server's own message (4xx bodies are
// `{"error":{"code","message"}}` and name the parameter and the reason).

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

async function request(url, options = {}) {
  let res;
  try {
    res = await fetch(url, options);
  } catch (e) {
    throw new ApiError(0, 'network', String(e.message || e));
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
    throw new ApiError(res.status, err?.code || 'http_' + res.status, err?.message || `${res.status} ${res.statusText}`);
  }
  if (body === null) throw new ApiError(res.status, 'bad_body', `${url}: the answer is not JSON`);
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

const postJson = (path, body) =>
  request(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

export const api = {
  layers: () => request('/api/layers'),
  items: (layer) => request(url(`/ogcapi/collections/${encodeURIComponent(layer)}/items`, { limit: 10000 })),
  /** k nearest of `layer` to [lon, lat]; `open` ('now' or null), `has` (amenity names). */
  nearest: ({ layer, lon, lat, k = 5, open = null, has = [] }) =>
    request(url('/api/nearest', { layer, lon, lat, k, open, has })),
  coverageUrl: (params) => url('/api/coverage', params),
  coverage: (params) => request(url('/api/coverage', params)),
  coveragePost: (body) => postJson('/api/coverage', body),
  routes: () => request('/api/routes'),
  routeReview: (id, params = {}) => request(url(`/api/routes/${encodeURIComponent(id)}/review`, params)),
  reviewDraft: (featureCollection, compare) => postJson(url('/api/routes/review', { compare }), featureCollection),
};
