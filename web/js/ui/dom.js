// A tiny element builder: el('tr', {class: 'x', 'data-id': 1, onclick: fn}, child, 'text', ...).
// Text is always set as text (never parsed as HTML).

export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') node.addEventListener(k.slice(2), v);
    else if (k === 'class') node.className = v;
    else if (k === 'html') throw new Error('el(): no html attribute, build nodes instead');
    else node.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return node;
}

/** An inline SVG icon from a path list (24x24 viewBox); no fonts, nothing remote. */
export function svgIcon(paths, title) {
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('class', 'icon');
  svg.setAttribute('aria-hidden', title ? 'false' : 'true');
  if (title) {
    svg.setAttribute('role', 'img');
    const tt = document.createElementNS(ns, 'title');
    tt.textContent = title;
    svg.append(tt);
  }
  for (const d of paths) {
    const p = document.createElementNS(ns, 'path');
    p.setAttribute('d', d);
    svg.append(p);
  }
  return svg;
}

/** Replace the children of `root`, skipping null, undefined and false (nested arrays allowed). */
export function fill(root, ...children) {
  root.replaceChildren(...children.flat(Infinity).filter((c) => c !== null && c !== undefined && c !== false));
}

/**
 * Run `render` (which replaces the children of `root`) and give the focus back to the control
 * that had it, found again by its id or its `data-*` attributes, so a keyboard user keeps
 * her place when a panel re-renders under her.
 */
export function keepFocus(root, render) {
  const had = document.activeElement;
  if (!had || !root.contains(had) || had === root) {
    render();
    return;
  }
  const item = had.closest('[data-id]');
  const selector = had.id
    ? `#${CSS.escape(had.id)}`
    : [
      item && item !== had ? `[data-id="${CSS.escape(item.dataset.id)}"] ` : '',
      had.tagName.toLowerCase(),
      ...[...had.attributes].filter((a) => a.name.startsWith('data-')).map((a) => `[${a.name}="${CSS.escape(a.value)}"]`),
      had.classList.length ? '.' + [...had.classList].filter((c) => !['on', 'active', 'primary'].includes(c)).map((c) => CSS.escape(c)).join('.') : '',
    ].join('');
  render();
  const again = root.querySelector(selector);
  if (again) again.focus({ preventScroll: true });
}
