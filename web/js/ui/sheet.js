// The panel as a bottom sheet on a phone: three positions, `peek` (the heading and the first
// buttons, the map usable above), `half` and `full`, chosen by dragging the handle (it snaps
// to the nearest position, or the next one in the direction of a quick flick), by tapping it
// (peek → half → full → peek), or by keyboard on it (Enter/Space as a tap, arrows up and
// down). On a wide screen the panel is a side panel and none of this applies.
//
// The sheet has a fixed height per position and scrolls inside (`#panel-body`), never itself:
// a sheet of automatic height that scrolls made Chromium composite a white rectangle over the
// map (issue 15: the canvas held the right picture, the screen showed white).

import { t } from '../i18n.js';

export const SHEET_POSITIONS = ['peek', 'half', 'full'];

/** Visible heights of the positions, in px, for a map area `h` px tall. */
function heights(h) {
  return { peek: Math.min(148, Math.round(h * 0.3)), half: Math.round(h * 0.5), full: Math.max(Math.round(h - 48), Math.round(h * 0.5)) };
}

/**
 * @param panel the #panel element (its first child is the handle button)
 */
export function initSheet(panel) {
  const handle = panel.querySelector('.sheet-handle');
  const area = () => panel.parentElement.clientHeight;
  const isSheet = () => getComputedStyle(panel).position === 'absolute';
  let position = panel.dataset.sheet || 'half';

  // The height, and `--sheet-h` for the map's bottom controls that ride on the sheet.
  function apply(px) {
    panel.style.height = isSheet() ? `${px}px` : '';
    document.documentElement.style.setProperty('--sheet-h', `${isSheet() ? px : 0}px`);
  }

  function label() {
    const next = SHEET_POSITIONS[(SHEET_POSITIONS.indexOf(position) + 1) % SHEET_POSITIONS.length];
    handle.setAttribute('aria-label', t('sheet_handle', { now: t('sheet_' + position), next: t('sheet_' + next) }));
    handle.setAttribute('aria-expanded', position === 'peek' ? 'false' : 'true');
  }

  function set(p) {
    if (!SHEET_POSITIONS.includes(p)) return;
    position = p;
    panel.dataset.sheet = p;
    apply(heights(area())[p]);
    label();
  }

  const step = (d) => set(SHEET_POSITIONS[Math.max(0, Math.min(2, SHEET_POSITIONS.indexOf(position) + d))]);

  // --- dragging the handle (pointer events: touch, pen and mouse alike) ---
  let drag = null; // {y0, h0, last, prev: [y, time], moved}
  let draggedAt = -Infinity;
  handle.addEventListener('pointerdown', (e) => {
    if (!isSheet()) return;
    drag = { y0: e.clientY, h0: panel.getBoundingClientRect().height, last: [e.clientY, e.timeStamp], prev: [e.clientY, e.timeStamp], moved: false };
    handle.setPointerCapture(e.pointerId);
    panel.classList.add('dragging');
  });
  handle.addEventListener('pointermove', (e) => {
    if (!drag) return;
    const dy = e.clientY - drag.y0;
    if (Math.abs(dy) > 4) drag.moved = true;
    const hs = heights(area());
    apply(Math.max(hs.peek * 0.6, Math.min(hs.full, drag.h0 - dy)));
    drag.prev = drag.last;
    drag.last = [e.clientY, e.timeStamp];
  });
  const end = (e) => {
    if (!drag) return;
    const d = drag;
    drag = null;
    panel.classList.remove('dragging');
    if (!d.moved) return; // a tap: the click handler below
    const h = panel.getBoundingClientRect().height;
    const dt = Math.max(1, d.last[1] - d.prev[1]);
    const v = (d.prev[0] - d.last[0]) / dt; // px per ms, up is positive
    const hs = heights(area());
    let best = SHEET_POSITIONS.reduce((a, b) => (Math.abs(hs[b] - h) < Math.abs(hs[a] - h) ? b : a));
    // A flick goes one position further in its direction than where it was let go.
    if (Math.abs(v) > 0.5) {
      const i = SHEET_POSITIONS.indexOf(best);
      const further = SHEET_POSITIONS[Math.max(0, Math.min(2, i + Math.sign(v)))];
      if (Math.sign(hs[further] - h) === Math.sign(v)) best = further;
    }
    draggedAt = e.timeStamp; // the click that may follow a drag is not a tap
    set(best);
    e.preventDefault?.();
  };
  handle.addEventListener('pointerup', end);
  handle.addEventListener('pointercancel', end);
  handle.addEventListener('click', (e) => {
    if (e.timeStamp - draggedAt < 400) return;
    set(SHEET_POSITIONS[(SHEET_POSITIONS.indexOf(position) + 1) % SHEET_POSITIONS.length]);
  });
  handle.addEventListener('keydown', (e) => {
    if (e.key === 'ArrowUp') step(1);
    else if (e.key === 'ArrowDown') step(-1);
    else return;
    e.preventDefault();
  });

  // The heights follow the screen (rotation, the browser's toolbars coming and going).
  new ResizeObserver(() => set(position)).observe(panel.parentElement);
  set(position);

  return {
    set,
    get position() {
      return position;
    },
    /** Px of the map the sheet covers at its bottom (0 as a side panel). */
    covered: () => {
      if (!isSheet()) return 0;
      return drag ? panel.getBoundingClientRect().height : heights(area())[position];
    },
    relabel: label,
  };
}
