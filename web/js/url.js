// The page's address: the view, the layers and the filters live in the URL's query, so a link
// opens the same view and the browser's back and forward buttons step through the choices.
// Each part of the page registers a binding: `write(params)` puts its state into the query,
// `read(params)` applies a query (on load and on back/forward). A change of state that changes
// the query is a new history entry; applying a query is not.
//
// The parent's own position is never written here: it goes into a link only when she asks
// for one (`shareUrl`).

const bindings = [];
let applying = false;

/** Register a part of the page's state: {write(URLSearchParams), read(URLSearchParams)}. */
export function bindUrl(binding) {
  bindings.push(binding);
}

/** The query the current state stands for (without the page's own `lang`, kept as it is). */
function current() {
  const q = new URLSearchParams();
  const lang = new URLSearchParams(location.search).get('lang');
  for (const b of bindings) b.write(q);
  if (lang) q.set('lang', lang);
  return q;
}

function href(q) {
  const s = q.toString().replace(/%2C/g, ',');
  return location.pathname + (s ? `?${s}` : '') + location.hash;
}

/** After a change of state: a new history entry if the query changed. */
export function syncUrl() {
  if (applying) return;
  const next = href(current());
  if (next !== location.pathname + location.search + location.hash) history.pushState(null, '', next);
}

/** Apply the address to every binding (on load, and on back/forward). */
export function applyUrl() {
  applying = true;
  try {
    const q = new URLSearchParams(location.search);
    for (const b of bindings) b.read(q);
  } finally {
    applying = false;
  }
  // What the page made of it (unknown values dropped), without a new entry.
  history.replaceState(null, '', href(current()));
}

/** A link to this view, with `extra` parameters (the position, when she shares it). */
export function shareUrl(extra = {}) {
  const q = current();
  q.delete('lang');
  for (const [k, v] of Object.entries(extra)) q.set(k, v);
  const s = q.toString().replace(/%2C/g, ',');
  return location.origin + location.pathname + (s ? `?${s}` : '');
}

window.addEventListener('popstate', applyUrl);
