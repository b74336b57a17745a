// The popup of a clicked feature: its name as a heading, then every property as a table row,
// named and valued in the current language where i18n.js knows the property (the raw name and
// value otherwise: a generic layer's properties are whatever its file holds).

import { t, tOr, localName, formatList } from '../i18n.js';
import { el } from './dom.js';

const HIDDEN = new Set(['_id', '_layer', 'name', 'name_en']);

function valueText(key, v) {
  if (v === null || v === undefined) return t('none_value');
  if (typeof v === 'boolean') return v ? t('yes') : t('no');
  if (key === 'amenities' && Array.isArray(v)) return formatList(v.map((a) => tOr('amenity_' + a, a)));
  const one = (x) => (typeof x === 'object' ? JSON.stringify(x) : tOr(`value_${key}_${x}`, String(x)));
  if (Array.isArray(v)) return formatList(v.map(one));
  return one(v);
}

export function renderPopup(state, sel) {
  const { data, layers } = state.get();
  const feature = data[sel.layer]?.features.find((f) => String(f.id) === String(sel.id));
  const meta = layers.find((l) => l.id === sel.layer);
  const layerTitle = meta ? localName(meta, 'title_zh', 'title_en') : sel.layer;
  const props = feature?.properties || {};
  const name = localName(props) || (feature?.id ?? '');
  // A property with an English twin (`indoor_location` and `indoor_location_en`, as `name`
  // and `name_en`) is one row, in the page's language.
  const twin = (k) => k.endsWith('_en') && k.slice(0, -3) in props;
  const rows = Object.entries(props)
    .filter(([k]) => !HIDDEN.has(k) && !twin(k))
    .map(([k, v]) => {
      const shown = `${k}_en` in props ? localName(props, k, `${k}_en`) : v;
      return el('tr', { 'data-key': k }, el('th', {}, tOr('prop_' + k, k)), el('td', {}, valueText(k, shown)));
    });
  return el('div', { class: 'popup', 'data-layer': sel.layer, 'data-id': String(sel.id) },
    el('div', { class: 'popup-layer' }, layerTitle),
    el('h3', { class: 'popup-name' }, String(name)),
    el('table', { class: 'props' }, el('tbody', {}, ...rows)),
  );
}
