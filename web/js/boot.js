// The page's entry (issue 15.5: the first paint does not wait for MapLibre). The fixed text of
// index.html (Chinese) is put in the page's language and the view's tab is selected, the
// browser paints that, and only then the rest is loaded: main.js, with the deeper modules
// asked for at once rather than one level at a time. MapLibre (1.1 MB) is among them only
// when the first view starts the live map at once (page.js mapOnUse); on a phone's parent
// view it is not asked for until she uses the map (livemap.js).

import { setLang, applyI18n } from './i18n.js';
import { firstLang, firstView, mapOnUse, showView } from './page.js';

setLang(firstLang());
applyI18n(document);
showView(firstView());

/** Modules main.js reaches only through others, or several levels down: fetched beside it. */
const PRELOAD = ['/js/livemap.js', '/js/facade.js', '/js/style.js', '/js/ui/parent.js', '/js/ui/planner.js', '/js/ui/routes.js'];
/** The live map's modules, when the first view starts it at once. */
const LIVE_MAP = ['/vendor/maplibre-gl@6.17.0/maplibre-gl.mjs', '/js/map.js', '/js/roads.js'];

let started = false;
function load() {
  if (started) return;
  started = true;
  for (const href of mapOnUse() ? PRELOAD : [...LIVE_MAP, ...PRELOAD]) document.head.append(Object.assign(document.createElement('link'), { rel: 'modulepreload', href }));
  import('./main.js');
}
// After the next frame is painted (a task after the frame's callbacks: the frame is committed).
// A page opened in the background paints no frame: it loads at once. The timer is a safety
// net only (a busy phone may take a second to its first frame; loading the modules, and
// MapLibre where the live map starts at once, would hold that frame back).
requestAnimationFrame(() => setTimeout(load, 0));
if (document.visibilityState === 'hidden') load();
setTimeout(load, 3000);

