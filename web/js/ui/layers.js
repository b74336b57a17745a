// The layers panel: one toggle per layer (from /api/layers), with a colour swatch (the colour
// the map draws it in, from its kind and its style override) and count.

import { t, localName } from '../i18n.js';
import { layerColour } from '../map.js';
import { el, fill } from './dom.js';
import { bindUrl } from '../url.js';

export function initLayersPanel({ state }, root) {
  function render() {
    const { layers, visible } = state.get();
    const list = el('ul', { class: 'layer-list' },
      layers.map((l) => el('li', { class: 'layer-item' },
        el('label', {},
          el('input', {
            type: 'checkbox',
            'data-layer': l.id,
            checked: visible[l.id] !== false,
            onchange: (e) => state.set({ visible: { ...state.get().visible, [l.id]: e.target.checked } }),
          }),
          el('span', { class: 'swatch', style: `background:${layerColour(l)}` }),
          el('span', { class: 'layer-title' }, localName(l, 'title_zh', 'title_en')),
          el('span', { class: 'layer-count' }, t('layer_count', { n: l.count })),
        ))));
    fill(root, el('h2', {}, t('layers_heading')), list, el('p', { class: 'note' }, t('synthetic_note')));
  }
  state.on('layers', render);
  state.on('visible', render);
  state.on('lang', render);
  render();

  // Hidden layers are in the address (`hide=`).
  bindUrl({
    write: (q) => {
      const hidden = Object.keys(state.get().visible).filter((id) => state.get().visible[id] === false);
      if (hidden.length) q.set('hide', hidden.sort().join(','));
    },
    read: (q) => {
      const hide = (q.get('hide') || '').split(',').filter(Boolean);
      const visible = Object.fromEntries(Object.keys(state.get().visible).map((id) => [id, true]));
      for (const id of hide) visible[id] = false;
      state.set({ visible });
    },
  });
}
