// The layers panel: one toggle per layer (from /api/layers), with a colour swatch (the colour
// the map draws it in, from its kind and its style override) and count.

import { t, localName } from '../i18n.js';
import { layerColour } from '../style.js';
import { el, fill } from './dom.js';
import { bindUrl } from '../url.js';
import { idsOfView } from '../kinds.js';
import { whenShown } from '../page.js';

export function initLayersPanel({ state }, root) {
  function renderNow() {
    const { layers, visible } = state.get();
    const list = el('ul', { class: 'layer-list' },
      layers.map((l) => el('li', { class: 'layer-item' },
        el('label', {},
          el('input', {
            type: 'checkbox',
            'data-layer': l.id,
            checked: visible[l.id] !== false,
            onchange: (e) => {
              const visible = { ...state.get().visible, [l.id]: e.target.checked };
              // A choice: from now on the address names the layers shown.
              state.set({ visible, layersChosen: Object.keys(visible).filter((id) => visible[id]) });
            },
          }),
          el('span', { class: 'swatch', style: `background:${layerColour(l)}` }),
          el('span', { class: 'layer-title' }, localName(l, 'title_zh', 'title_en')),
          el('span', { class: 'layer-count' }, t('layer_count', { n: l.count })),
        ))));
    fill(root, el('h2', {}, t('layers_heading')), list, el('p', { class: 'note' }, t('synthetic_note')));
  }
  const render = whenShown(state, 'shell', renderNow);
  state.on('layers', render);
  state.on('visible', render);
  state.on('lang', render);
  render();

  // Once she has chosen layers, the address names the ones shown (`layers=`); before that
  // each view shows its own (layerdata.js) and the address says nothing of layers.
  bindUrl({
    write: (q) => {
      const { visible, layersChosen } = state.get();
      if (!layersChosen) return;
      // (Before the catalog comes, the list a link named.)
      const ids = Object.keys(visible).length ? Object.keys(visible).filter((id) => visible[id]) : layersChosen;
      q.set('layers', [...ids].sort().join(','));
    },
    read: (q) => {
      const { layers, layersChosen } = state.get();
      const named = q.get('layers');
      if (named === null) {
        // Back to before any choice: the layers of the view the address names (the layers
        // view has none of its own: the parent view's, which a first visit starts with).
        if (layersChosen) {
          const view = ['planner', 'routes'].includes(q.get('view')) ? q.get('view') : 'parent';
          const own = new Set(idsOfView(layers, view));
          state.set({ layersChosen: null, visible: Object.fromEntries(layers.map((l) => [l.id, own.has(l.id)])) });
        }
        return;
      }
      const want = named.split(',').filter(Boolean);
      // Before the catalog comes, layerdata.js applies the list when it does.
      state.set({ layersChosen: want, visible: Object.fromEntries(layers.map((l) => [l.id, want.includes(l.id)])) });
    },
  });
}
