// The page before the map: its language and view, from the link, the device and the browser;
// whether its first view starts the live map at once or shows the facade until she uses it;
// showing a view's tab and panel, and drawing a panel only once it is shown. Read by boot.js
// for the first paint (no MapLibre yet) and by main.js after.

const params = new URLSearchParams(location.search);
const LANG_KEY = 'nestmap.lang';
const LANGS = ['zh', 'en'];

/** The views, in their tabs' order. */
export const VIEWS = ['parent', 'shell', 'planner', 'routes'];

/** The language chosen last on this device, if storage works (private modes may refuse it). */
function remembered() {
  try {
    return localStorage.getItem(LANG_KEY);
  } catch {
    return null;
  }
}

/** Keep a language chosen with the switch for the next visit. */
export function remember(lang) {
  try {
    localStorage.setItem(LANG_KEY, lang);
  } catch {
    // Not remembered: the next visit follows the browser again.
  }
}

/**
 * The page's language: `?lang=` when the link names one, else the one chosen last on this
 * device, else the browser's (Chinese for any zh-*, English for anything else).
 */
export function firstLang() {
  for (const l of [params.get('lang'), remembered()]) if (LANGS.includes(l)) return l;
  const browser = (navigator.languages && navigator.languages[0]) || navigator.language || 'zh';
  return browser.toLowerCase().startsWith('zh') ? 'zh' : 'en';
}

/** The view the link names (`?view=`), else the parent view. */
export function firstView() {
  return VIEWS.includes(params.get('view')) ? params.get('view') : 'parent';
}

/** The screens on which app.css makes the panel a bottom sheet over the map: phones. */
export const PHONE_SCREEN = '(max-width: 700px)';

/**
 * Whether the first view shows the map facade (facade.js) and starts the live map only on
 * her first use of it (livemap.js): the parent view on a phone, opened by a link that needs
 * no live map yet. A shared position (`at=`) is framed on the live map at once; a wide screen
 * and the other views (planner, routes, layers) start it at once too.
 */
export function mapOnUse() {
  return firstView() === 'parent' && !params.has('at') && window.matchMedia(PHONE_SCREEN).matches;
}

/** Select `view`'s tab and show its panel only. */
export function showView(view) {
  for (const tab of document.querySelectorAll('[role=tab]')) {
    const on = tab.dataset.view === view;
    tab.setAttribute('aria-selected', on ? 'true' : 'false');
    tab.tabIndex = on ? 0 : -1;
  }
  for (const sec of document.querySelectorAll('[role=tabpanel]')) sec.hidden = sec.dataset.view !== view;
  document.body.dataset.view = view;
}

/**
 * `render` for the panel of `view`, as the function to call instead: it renders at once while
 * the view is shown, else once the view is next shown. A hidden panel costs the page's main
 * thread nothing while the page loads (issue 15.5).
 */
export function whenShown(state, view, render) {
  let stale = false;
  state.on('view', (v) => {
    if (v !== view || !stale) return;
    stale = false;
    render();
  });
  return () => {
    if (state.get().view === view) render();
    else stale = true;
  };
}
