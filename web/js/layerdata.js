// Which layers the map shows, and their features fetched only once they are shown (issue 15.5:
// nothing fetched that the view does not show). The first view turns on the layers it draws
// (kinds.js VIEW_KINDS; the parent view: the district outline, the lakes, the streets and its
// chips' kinds) and every other layer starts hidden and unfetched: the Suzhou districts,
// townships, demand points and the rest come when a toggle of the layers panel shows them or
// a view that draws them is entered. A layer is fetched once, whole (api.items), and kept;
// the streets (kind `roads`) never are: the live map draws them from the server's vector
// tiles (roads.js), and the facade's picture has none.
//
// `document.body.dataset.ready` says whether everything the map shows is drawn: '1' once
// every shown layer's features are drawn where the page shows the map (livemap.js): in the
// facade's picture, before the live map starts, or on the live map (after its next `idle`);
// the picture stays until the live map has drawn everything too, so '1' holds through the
// hand-over. '0' while a shown layer is still on its way, 'error' when one could not be
// fetched. Tests wait on it (and on `body.dataset.map` = 'live' for the live map).
//
// State: `visible` (layer id -> true / false, every layer once the catalog is known) and
// `data` (layer id -> FeatureCollection, the layers fetched so far).

import { idsOfView, TILED_KIND } from './kinds.js';

export function initLayerData({ state, api, nestMap }) {
  const pending = new Map(); // layer id -> promise of its FeatureCollection, while fetching
  const entered = new Set(); // views whose layers were turned on already
  let failed = false;
  let firstDrawn; // resolves the first time everything shown is drawn
  const drawnOnce = new Promise((resolve) => (firstDrawn = resolve));
  let failedWith; // rejects `failure` with the first fetch that failed
  const failure = new Promise((_, reject) => (failedWith = reject));
  failure.catch(() => {}); // not unhandled when nobody waits

  /** Show the layers `view` draws, the first time it is entered (the layers view: none). */
  function enter(view) {
    const { layers } = state.get();
    if (!layers.length || entered.has(view)) return;
    const first = entered.size === 0;
    entered.add(view);
    const ids = new Set(idsOfView(layers, view));
    // Layers a link named (`layers=`, ui/layers.js) start shown instead of the view's own.
    const named = first && state.get().layersChosen ? new Set(state.get().layersChosen) : null;
    const visible = {};
    for (const l of layers) {
      // The first view decides what starts hidden; a later one only turns its layers on.
      if (named) visible[l.id] = named.has(l.id);
      else if (first) visible[l.id] = ids.has(l.id);
      else if (view !== 'shell' && ids.has(l.id)) visible[l.id] = true;
    }
    if (Object.keys(visible).length) state.set({ visible });
  }

  /**
   * Fetch every shown layer not fetched yet; `ready` follows. The layers asked for together
   * go to the map together, when the last of them comes: one redraw of the map, not one per
   * layer (each redraw of a WebGL map costs a phone's main thread).
   */
  function fetchShown() {
    const { layers, visible, data } = state.get();
    // The streets come as vector tiles, asked for by the map itself (roads.js).
    const batch = layers.filter((l) => l.kind !== TILED_KIND && visible[l.id] === true && !data[l.id] && !pending.has(l.id)).map((l) => l.id);
    if (!batch.length) return;
    const fetched = batch.map((id) => {
      const p = api.items(id);
      pending.set(id, p);
      return p;
    });
    document.body.dataset.ready = '0';
    Promise.all(fetched).then(
      (fcs) => {
        for (const id of batch) pending.delete(id);
        state.set({ data: Object.fromEntries(batch.map((id, i) => [id, fcs[i]])) });
        settle();
      },
      (e) => {
        for (const id of batch) pending.delete(id);
        failed = true;
        failedWith(e);
        state.set({ error: e.message });
        document.body.dataset.ready = 'error';
      },
    );
  }

  /** Once nothing shown is on its way, wait for the map to draw it, then say ready. */
  async function settle(justSet = true) {
    if (pending.size || failed) return;
    await nestMap.drawn(justSet);
    if (!pending.size && !failed) {
      document.body.dataset.ready = '1';
      firstDrawn();
    }
  }

  state.on('visible', fetchShown);
  state.on('view', enter);

  return {
    /**
     * After the catalog is on the map: show the current view's layers and fetch them. Resolves
     * once they are drawn (rejects when one could not be fetched).
     */
    start() {
      enter(state.get().view);
      fetchShown();
      // Nothing to fetch (no layer shown): whatever is there, drawn.
      if (!pending.size) settle(false);
      return Promise.race([drawnOnce, failure]);
    },
  };
}
